/**
 * Lays the daily forecast over a daily lead-volume series: the forecast's first point is today,
 * so it is drawn only when the series' last bucket is today, from that bucket on, and its later
 * days extend the axis.
 */
import type { Analytics } from './trpc'

type Bucket = Analytics['leadVolume']['buckets'][number]
type Point = Analytics['forecast']['points'][number]

export interface ForecastOverlay {
  /** Bucket starts of the days after the last bucket, as `YYYY-MM-DD`. */
  futureDays: string[]
  /** One entry per axis category (buckets, then future days); null where nothing is drawn. */
  value: (number | null)[]
  lower: (number | null)[]
  /** upper − lower, stacked on `lower` to shade the interval. */
  band: (number | null)[]
  /** The points drawn, today first. */
  points: Point[]
}

/** Null when the forecast does not start at the series' last bucket (not a daily view ending today). */
export function forecastOverlay(
  buckets: readonly Bucket[],
  interval: 'hour' | 'day' | 'week',
  points: readonly Point[],
): ForecastOverlay | null {
  const last = buckets.at(-1)
  const first = points[0]
  if (interval !== 'day' || !last || !first || last.start.slice(0, 10) !== first.date) return null
  const lead = buckets.length - 1
  const pad = <T>(values: T[]): (T | null)[] => [...Array<null>(lead).fill(null), ...values]
  return {
    futureDays: points.slice(1).map((p) => p.date),
    value: pad(points.map((p) => p.value)),
    lower: pad(points.map((p) => p.lower)),
    band: pad(points.map((p) => p.upper - p.lower)),
    points: [...points],
  }
}
