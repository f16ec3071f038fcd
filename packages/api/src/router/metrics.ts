import { type MetricsInput, type MetricsOutput, metricsInput, metricsOutput } from '@leads/contract'
import { cacheInput, type ReadScope } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import type { Context } from '../context.js'
import { delta, kpis, relativeChange } from '../queries/metrics.js'
import { scopeOf } from '../queries/scope.js'
import { formatInstant, formatRange } from '../time/local.js'
import { type CustomRange, customWindow, precedingWindow, todaySoFar } from '../time/windows.js'
import { readProcedure } from '../trpc.js'

export const KPI_KEYS = [
  'totalLeads',
  'conversionRate',
  'avgResponseTimeSeconds',
  'activeAgents',
] as const

/** The metrics window (today so far, or the custom range) and the one it is compared with. */
export function metricsWindows(input: CustomRange, now: number, tz: string) {
  const custom = customWindow(input)
  return custom ? { current: custom, previous: precedingWindow(custom) } : todaySoFar(now, tz)
}

/**
 * The metrics read, computed; `ctx.scope` comes from the read procedure's authorisation (the
 * query's or the live subscription's).
 */
async function computeMetrics(
  ctx: Context & { scope: ReadScope },
  input: MetricsInput,
): Promise<MetricsOutput> {
  const now = ctx.clock.now()
  const tz = input.tz ?? ctx.orgTimezone
  const { current, previous } = metricsWindows(input, now, tz)
  const { agentIds } = ctx.scope
  const scope = scopeOf(agentIds)
  const [cur, prev] = await Promise.all([
    kpis(ctx.db, current, agentIds, scope),
    kpis(ctx.db, previous, agentIds, scope),
  ])
  return {
    tz,
    period: formatRange(current, tz),
    previousPeriod: formatRange(previous, tz),
    ...cur,
    previous: prev,
    changes: Object.fromEntries(
      KPI_KEYS.map((k) => [k, relativeChange(cur[k], prev[k])]),
    ) as Record<(typeof KPI_KEYS)[number], number | null>,
    deltas: Object.fromEntries(KPI_KEYS.map((k) => [k, delta(cur[k], prev[k])])) as Record<
      (typeof KPI_KEYS)[number],
      number | null
    >,
    asOf: formatInstant(now, tz),
  }
}

// The same for every caller with the same scope (nobody's own rows in it).
const cached = cachedRead('metrics', metricsOutput, { perCaller: false })

/**
 * The metrics as the query answers them, through the read cache: the live subscription pushes
 * the same answer, so a wall of dashboards pushed at once after an ingest computes it once.
 */
export const readMetrics = (ctx: Context & { scope: ReadScope }, input: MetricsInput) =>
  cached(ctx, cacheInput(input, ctx.scope), (db) => computeMetrics({ ...ctx, db }, input))

export const metrics = readProcedure(metricsInput).query(({ ctx, input }) =>
  readMetrics(ctx, input),
)
