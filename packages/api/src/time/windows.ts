import { EARLIEST_EVENT_TIME, type Interval, MAX_BUCKETS } from '@leads/contract'
import { nextBoundary, shiftWallClock, startOf, startOfUnitsBefore, type Unit } from './local.js'

/** A half-open window [from, to) in epoch ms; `from` null means "since the first event". */
export interface Window {
  from: number | null
  to: number
}

export const ALL_TIME_FROM = Date.parse(EARLIEST_EVENT_TIME)

export interface CustomRange {
  from?: string | undefined
  to?: string | undefined
}

export function customWindow(r: CustomRange): { from: number; to: number } | null {
  return r.from !== undefined && r.to !== undefined
    ? { from: Date.parse(r.from), to: Date.parse(r.to) }
    : null
}

/** The window of the same length just before a custom one. */
export function precedingWindow(w: { from: number; to: number }): { from: number; to: number } {
  return { from: w.from - (w.to - w.from), to: w.from }
}

/** Today so far, and yesterday from midnight to the same wall-clock time (SPEC §4.1). */
export function todaySoFar(now: number, tz: string) {
  const from = startOf(now, 'day', tz)
  const prevFrom = startOfUnitsBefore(now, 'day', 1, tz)
  const prevTo = Math.min(shiftWallClock(now, -1, tz), from)
  return {
    current: { from, to: now },
    previous: { from: prevFrom, to: Math.max(prevTo, prevFrom) },
  }
}

/** [start of the current calendar unit, now) and the whole previous unit. */
export function calendarToDate(now: number, unit: Unit, tz: string) {
  const from = startOf(now, unit, tz)
  return {
    current: { from, to: now },
    previous: { from: startOfUnitsBefore(now, unit, 1, tz), to: from },
  }
}

/** [start of the local day `days − 1` days ago, now): the last `days` calendar days. */
export function lastDays(now: number, days: number, tz: string): { from: number; to: number } {
  return { from: startOfUnitsBefore(now, 'day', days - 1, tz), to: now }
}

export class TooManyBuckets extends Error {
  constructor(readonly count: number) {
    super(`the range would have more than ${MAX_BUCKETS} buckets; choose a coarser interval`)
  }
}

/**
 * Bucket starts covering [from, to): `from`, then every local `interval` boundary inside.
 * The last bucket ends at `to`. With `throughNow`, `to` is now and the bucket holding it is
 * always listed — even when now is exactly on its boundary and the bucket is still empty.
 */
export function bucketStarts(
  from: number,
  to: number,
  interval: Interval,
  tz: string,
  throughNow = false,
): number[] {
  const starts = [from]
  for (
    let t = nextBoundary(from, interval, tz);
    t < to || (throughNow && t === to);
    t = nextBoundary(t, interval, tz)
  ) {
    starts.push(t)
    if (starts.length > MAX_BUCKETS) throw new TooManyBuckets(starts.length)
  }
  return starts
}

/** Default interval for a custom range: hourly up to two days, daily up to 90, else weekly. */
export function defaultInterval(from: number, to: number): Interval {
  const span = to - from
  if (span <= 2 * 86_400_000) return 'hour'
  if (span <= 90 * 86_400_000) return 'day'
  return 'week'
}
