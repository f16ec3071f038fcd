import { type FunnelInput, funnelInput, funnelOutput, PIPELINE } from '@leads/contract'
import { cacheInput } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import { funnelCounts } from '../queries/funnel.js'
import { scopeOf } from '../queries/scope.js'
import { formatInstant, formatRange } from '../time/local.js'
import { type CustomRange, calendarToDate, customWindow } from '../time/windows.js'
import { readProcedure } from '../trpc.js'

/** The cohort window: the custom range, or this week, month (default) or quarter to date. */
export function funnelWindow(input: FunnelInput & CustomRange, now: number, tz: string) {
  return customWindow(input) ?? calendarToDate(now, input.period ?? 'month', tz).current
}

// The same for every caller with the same scope (nobody's own rows in it).
const cached = cachedRead('funnel', funnelOutput, { perCaller: false })

export const funnel = readProcedure(funnelInput).query(({ ctx, input }) =>
  cached(ctx, cacheInput(input, ctx.scope), async (db) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const custom = customWindow(input)
    const w = funnelWindow(input, now, tz)
    const counts = await funnelCounts(db, w, scopeOf(ctx.scope.agentIds))
    const first = counts[0] ?? 0
    return {
      tz,
      period: custom ? 'custom' : (input.period ?? 'month'),
      range: formatRange(w, tz),
      stages: PIPELINE.map((stage, i) => {
        const count = counts[i] ?? 0
        const prev = i === 0 ? 0 : (counts[i - 1] ?? 0)
        return {
          stage,
          count,
          rateFromPrevious: i === 0 || prev === 0 ? null : count / prev,
          rateFromStart: first === 0 ? null : count / first,
        }
      }),
      asOf: formatInstant(now, tz),
    }
  }),
)
