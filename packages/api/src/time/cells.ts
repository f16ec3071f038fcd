import { DateTime } from 'luxon'
import { nextBoundary, startOf } from './local.js'

/**
 * The parts of [from, to) whose local weekday (0 = Monday) and hour are `dayOfWeek` and `hour`:
 * one range per matching local hour (two on a fall-back night, none on a skipped hour). The
 * heatmap groups quarter-hours the same way, so the ranges hold exactly a cell's events.
 */
export function localHourRanges(
  w: { from: number; to: number },
  tz: string,
  dayOfWeek: number,
  hour: number,
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = []
  for (let t = startOf(w.from, 'hour', tz); t < w.to; t = nextBoundary(t, 'hour', tz)) {
    const local = DateTime.fromMillis(t, { zone: tz })
    if (local.weekday - 1 !== dayOfWeek || local.hour !== hour) continue
    const end = Math.min(nextBoundary(t, 'hour', tz), w.to)
    const start = Math.max(t, w.from)
    if (start < end) out.push({ from: start, to: end })
  }
  return out
}
