import type { Grain } from './schema.js'

export const QUARTER_HOUR_MS = 15 * 60_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

/**
 * Start of the bucket of `grain` holding instant `ms`. Every grain is aligned in UTC; since every
 * time-zone offset in use is a multiple of 15 minutes, every local hour and day boundary is a
 * quarter-hour boundary (docs/data-model.md).
 */
export function bucketFloor(grain: Grain, ms: number): number {
  switch (grain) {
    case 'quarter_hour':
      return Math.floor(ms / QUARTER_HOUR_MS) * QUARTER_HOUR_MS
    case 'hour':
      return Math.floor(ms / HOUR_MS) * HOUR_MS
    case 'day':
      return Math.floor(ms / DAY_MS) * DAY_MS
    case 'month': {
      const d = new Date(ms)
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    }
  }
}

/** Start of the bucket after the one holding `ms`. */
export function bucketNext(grain: Grain, ms: number): number {
  const start = bucketFloor(grain, ms)
  switch (grain) {
    case 'quarter_hour':
      return start + QUARTER_HOUR_MS
    case 'hour':
      return start + HOUR_MS
    case 'day':
      return start + DAY_MS
    case 'month': {
      const d = new Date(start)
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
    }
  }
}

/** Smallest bucket boundary of `grain` at or after `ms`. */
export function bucketCeil(grain: Grain, ms: number): number {
  const start = bucketFloor(grain, ms)
  return start === ms ? ms : bucketNext(grain, ms)
}

export interface Segment {
  /** `null`: the sub-quarter-hour edge, answered from per-event rows. */
  grain: Grain | null
  from: number
  to: number
}

const COARSE_TO_FINE: readonly Grain[] = ['month', 'day', 'hour', 'quarter_hour']

/**
 * Splits [from, to) into the fewest pre-aggregated buckets: whole months inside, whole days
 * around them, hours around those, quarter-hours around those, and at most two sub-quarter-hour
 * edges (only the grains in `grains` are used). Segments
 * are disjoint and cover the range exactly.
 */
export function decompose(
  from: number,
  to: number,
  grains: readonly Grain[] = COARSE_TO_FINE,
): Segment[] {
  if (!(from < to)) return []
  const usable = COARSE_TO_FINE.filter((g) => grains.includes(g))
  const out: Segment[] = []
  const split = (a: number, b: number, level: number): void => {
    if (!(a < b)) return
    const grain = usable[level]
    if (grain === undefined) {
      out.push({ grain: null, from: a, to: b })
      return
    }
    const innerFrom = bucketCeil(grain, a)
    const innerTo = bucketFloor(grain, b)
    if (innerFrom >= innerTo) {
      split(a, b, level + 1)
      return
    }
    split(a, innerFrom, level + 1)
    out.push({ grain, from: innerFrom, to: innerTo })
    split(innerTo, b, level + 1)
  }
  split(from, to, 0)
  return out.sort((x, y) => x.from - y.from)
}
