import { DateTime } from 'luxon'
import { nextBoundary, startOf } from './local.js'

const QUARTER_MS = 15 * 60_000
const HOUR_MS = 4 * QUARTER_MS

/**
 * The parts of [from, to) whose local weekday (0 = Monday) and hour are `dayOfWeek` and `hour`:
 * one range per matching local hour (two on a fall-back night, none on a skipped hour). The
 * heatmap files each quarter-hour under the local hour it starts in; so do these ranges, so they
 * hold exactly a cell's events. An hour bucket the clocks move in (a 30- or 90-minute DST step, or
 * a 60-minute bucket holding parts of two wall hours, as on Chatham's 45-minute offsets) is split
 * into its quarter-hours.
 */
export function localHourRanges(
  w: { from: number; to: number },
  tz: string,
  dayOfWeek: number,
  hour: number,
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = []
  const take = (from: number, to: number) => {
    const local = DateTime.fromMillis(from, { zone: tz })
    if (local.weekday - 1 !== dayOfWeek || local.hour !== hour) return
    const start = Math.max(from, w.from)
    const end = Math.min(to, w.to)
    if (start >= end) return
    const last = out.at(-1)
    if (last && last.to === start) last.to = end
    else out.push({ from: start, to: end })
  }
  for (let t = startOf(w.from, 'hour', tz), next: number; t < w.to; t = next) {
    next = nextBoundary(t, 'hour', tz)
    const steady =
      next - t === HOUR_MS &&
      DateTime.fromMillis(t, { zone: tz }).offset ===
        DateTime.fromMillis(next - 1, { zone: tz }).offset
    if (steady) take(t, next)
    else for (let q = t; q < next; q += QUARTER_MS) take(q, Math.min(q + QUARTER_MS, next))
  }
  return out
}
