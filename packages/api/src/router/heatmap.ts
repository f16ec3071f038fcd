import { type HeatmapInput, heatmapInput, heatmapOutput } from '@leads/contract'
import { cacheInput } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import { heatmapCells } from '../queries/heatmap.js'
import { scopeOf } from '../queries/scope.js'
import { formatInstant, formatRange } from '../time/local.js'
import { type CustomRange, customWindow, lastDays } from '../time/windows.js'
import { readProcedure } from '../trpc.js'

/** The custom range, or the last 7 (`week`, default) or 30 (`month`) calendar days. */
export function heatmapWindow(input: HeatmapInput & CustomRange, now: number, tz: string) {
  return customWindow(input) ?? lastDays(now, (input.period ?? 'week') === 'week' ? 7 : 30, tz)
}

// The same for every caller with the same scope (nobody's own rows in it).
const cached = cachedRead('heatmap', heatmapOutput, { perCaller: false })

export const heatmap = readProcedure(heatmapInput).query(({ ctx, input }) =>
  cached(ctx, cacheInput(input, ctx.scope), async (db) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const custom = customWindow(input)
    const period = input.period ?? 'week'
    const w = heatmapWindow(input, now, tz)
    const cells = await heatmapCells(db, w, tz, scopeOf(ctx.scope.agentIds))
    return {
      tz,
      period: custom ? 'custom' : period,
      range: formatRange(w, tz),
      max: cells.reduce((m, c) => Math.max(m, c.count), 0),
      cells,
      asOf: formatInstant(now, tz),
    }
  }),
)
