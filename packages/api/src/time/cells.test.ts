import { describe, expect, it } from 'vitest'
import { localHourRanges } from './cells.js'

const QUARTER_MS = 15 * 60_000
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

/** Local weekday (0 = Monday) and hour of an instant, read with Intl rather than luxon. */
function cellOf(ms: number, tz: string): { dayOfWeek: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(ms)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return { dayOfWeek: WEEKDAYS.indexOf(part('weekday')), hour: Number(part('hour')) }
}

describe('localHourRanges', () => {
  // Two days around a clock change, with edges off the quarter-hour.
  const cases = [
    ['Pacific/Chatham', '2026-09-26T12:07:00Z'], // +12:45 → +13:45 at 02:45
    ['Pacific/Chatham', '2026-04-04T12:07:00Z'], // +13:45 → +12:45 at 03:45
    ['Australia/Lord_Howe', '2026-10-03T12:07:00Z'], // +10:30 → +11 at 02:00
    ['Australia/Lord_Howe', '2026-04-04T12:07:00Z'], // +11 → +10:30 at 02:00
    ['America/New_York', '2026-03-07T18:07:00Z'],
    ['America/New_York', '2026-10-31T18:07:00Z'],
    ['Asia/Kathmandu', '2026-06-01T00:07:00Z'],
  ] as const

  it.each(cases)(
    'files every quarter-hour of a window in %s from %s under its own local hour',
    (tz, start) => {
      const w = { from: Date.parse(start), to: Date.parse(start) + 48 * 3_600_000 - 11 * 60_000 }
      const cells = new Set<string>()
      for (let q = w.from - (w.from % QUARTER_MS); q < w.to; q += QUARTER_MS) {
        const c = cellOf(q, tz)
        cells.add(`${c.dayOfWeek}/${c.hour}`)
      }
      let covered = 0
      for (const key of cells) {
        const [dayOfWeek, hour] = key.split('/').map(Number) as [number, number]
        const ranges = localHourRanges(w, tz, dayOfWeek, hour)
        for (const r of ranges) {
          expect(r.from).toBeGreaterThanOrEqual(w.from)
          expect(r.to).toBeLessThanOrEqual(w.to)
          covered += r.to - r.from
        }
        // Each quarter-hour (and the window's partial ones at its edges) is in its own cell's ranges.
        for (let q = w.from - (w.from % QUARTER_MS); q < w.to; q += QUARTER_MS) {
          const at = Math.max(q, w.from)
          const c = cellOf(q, tz)
          const inside = ranges.some((r) => r.from <= at && at < r.to)
          expect(inside, `${new Date(q).toISOString()} in ${key}`).toBe(
            c.dayOfWeek === dayOfWeek && c.hour === hour,
          )
        }
      }
      // Together the cells hold the window once.
      expect(covered).toBe(w.to - w.from)
    },
  )
})
