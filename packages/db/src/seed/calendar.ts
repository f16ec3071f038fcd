import { DateTime, IANAZone } from 'luxon'

/** Every zone offset in use today is a multiple of 15 minutes, so local hour is constant within one. */
export const SLOT_MS = 15 * 60_000

export function assertTimeZone(tz: string): void {
  if (!IANAZone.isValidZone(tz)) throw new RangeError(`unknown IANA time zone: ${tz}`)
}

// Relative lead arrival rate by local hour: office hours busy with a lunch dip, evenings tail off,
// nights nearly silent.
const WEEKDAY_HOURS = [
  0.05, 0.04, 0.03, 0.03, 0.04, 0.06, 0.12, 0.3, 0.6, 1.0, 1.2, 1.25, 0.95, 1.05, 1.15, 1.1, 1.0,
  0.85, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08,
]
const WEEKEND_HOURS = WEEKDAY_HOURS.map((w, h) => (h >= 9 && h < 18 ? w * 0.25 : w * 0.6))

/** Relative lead arrival rate for a local weekday (1 = Monday … 7 = Sunday) and hour. */
export function leadWeight(weekday: number, hour: number): number {
  const w = weekday >= 6 ? WEEKEND_HOURS[hour]! : WEEKDAY_HOURS[hour]!
  return weekday === 7 ? w * 0.7 : w
}

/** Mean of `leadWeight` over a whole week, to turn a daily volume into per-slot rates. */
export const MEAN_LEAD_WEIGHT =
  [1, 2, 3, 4, 5, 6, 7].reduce(
    (s, d) => s + WEEKDAY_HOURS.reduce((t, _, h) => t + leadWeight(d, h), 0),
    0,
  ) / 168

/** Agents work Monday to Friday, 09:00–18:00 local time. */
export const WORK_START_HOUR = 9
export const WORK_END_HOUR = 18

export interface LocalTime {
  weekday: number
  hour: number
}

/** Local calendar lookups in one zone, cached per 15-minute slot (luxon is the slow part). */
export class LocalClock {
  private readonly cache = new Map<number, LocalTime>()
  private readonly starts = new Map<number, number>()

  constructor(readonly tz: string) {
    assertTimeZone(tz)
  }

  at(ms: number): LocalTime {
    const slot = Math.floor(ms / SLOT_MS)
    let local = this.cache.get(slot)
    if (!local) {
      const dt = DateTime.fromMillis(slot * SLOT_MS, { zone: this.tz })
      local = { weekday: dt.weekday, hour: dt.hour }
      if (this.cache.size > 100_000) this.cache.clear()
      this.cache.set(slot, local)
    }
    return local
  }

  isWorking(ms: number): boolean {
    const { weekday, hour } = this.at(ms)
    return weekday <= 5 && hour >= WORK_START_HOUR && hour < WORK_END_HOUR
  }

  /**
   * The next start of a working day after `ms` (09:00 exists on every DST day). 09:00 local is a
   * slot boundary, so the answer is the same for a whole slot and is cached per slot.
   */
  nextWorkStart(ms: number): number {
    const slot = Math.floor(ms / SLOT_MS)
    let start = this.starts.get(slot)
    if (start === undefined) {
      const now = DateTime.fromMillis(slot * SLOT_MS, { zone: this.tz })
      let day = now.set({ hour: WORK_START_HOUR, minute: 0, second: 0, millisecond: 0 })
      if (day <= now) day = day.plus({ days: 1 })
      while (day.weekday > 5) day = day.plus({ days: 1 })
      start = day.toMillis()
      if (this.starts.size > 100_000) this.starts.clear()
      this.starts.set(slot, start)
    }
    return start
  }
}
