import {
  type Interval,
  type LeadVolumeInput,
  leadVolumeInput,
  leadVolumeOutput,
} from '@leads/contract'
import { cacheInput } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import { volumeSeries } from '../queries/leadVolume.js'
import { scopeOf } from '../queries/scope.js'
import { formatInstant, formatRange, startOf, startOfUnitsBefore } from '../time/local.js'
import { bucketStarts, customWindow, defaultInterval } from '../time/windows.js'
import { readProcedure } from '../trpc.js'

const PERIODS = {
  '24h': { interval: 'hour', unit: 'hour', count: 24 },
  '7d': { interval: 'day', unit: 'day', count: 7 },
  '30d': { interval: 'day', unit: 'day', count: 30 },
} as const

/** The range, interval and bucket starts of a lead-volume read (docs/metrics.md "leadVolume"). */
export function volumeBuckets(input: LeadVolumeInput, now: number, tz: string) {
  const custom = customWindow(input)
  let from: number
  let to: number
  let interval: Interval
  if (custom) {
    ;({ from, to } = custom)
    interval = input.interval ?? defaultInterval(from, to)
  } else {
    const p = PERIODS[input.period ?? '24h']
    to = now
    from = startOfUnitsBefore(now, p.unit, p.count - 1, tz)
    interval = input.interval ?? p.interval
    if (input.interval !== undefined) from = startOf(from, interval, tz)
  }
  return { from, to, interval, starts: bucketStarts(from, to, interval, tz, !custom) }
}

// The same for every caller with the same scope (nobody's own rows in it).
const cached = cachedRead('leadVolume', leadVolumeOutput, { perCaller: false })

export const leadVolume = readProcedure(leadVolumeInput).query(({ ctx, input }) =>
  cached(ctx, cacheInput(input, ctx.scope), async (db) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const custom = customWindow(input)
    const { from, to, interval, starts } = volumeBuckets(input, now, tz)
    const series = await volumeSeries(db, starts, to, scopeOf(ctx.scope.agentIds))
    return {
      tz,
      period: custom ? 'custom' : (input.period ?? '24h'),
      interval,
      range: formatRange({ from, to }, tz),
      buckets: starts.map((s, i) => ({ start: formatInstant(s, tz), ...series[i]! })),
      asOf: formatInstant(now, tz),
    }
  }),
)
