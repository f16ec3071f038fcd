/**
 * Time-zone arithmetic for the reference implementation, done with `@date-fns/tz` (TZDate,
 * tzOffset) and `date-fns`. Every instant is a number of epoch milliseconds; a zone is an IANA name.
 *
 * Deliberately independent of the production code (luxon + Postgres): nothing here is shared.
 */
import { TZDate, tzOffset } from '@date-fns/tz'
import { addDays, format, startOfDay, startOfISOWeek, startOfMonth, startOfQuarter } from 'date-fns'

export type Interval = 'hour' | 'day' | 'week'

/** Output format of every instant: local wall time with the zone's offset (UTC is `+00:00`). */
export const ISO_WITH_OFFSET = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"

const MINUTE = 60_000
const QUARTER_HOUR = 15 * MINUTE
const DAY = 86_400_000

export function local(t: number, zone: string): TZDate {
  return new TZDate(t, zone)
}

export function formatInstant(t: number, zone: string): string {
  return format(local(t, zone), ISO_WITH_OFFSET)
}

export function parseInstant(iso: string): number {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) throw new Error(`invalid instant: ${iso}`)
  return t
}

// ---- calendar units (date-fns over TZDate) -------------------------------------------------

/** First instant of the local calendar day containing t. */
export function startOfLocalDay(t: number, zone: string): number {
  return startOfDay(local(t, zone)).getTime()
}

/** First instant of the local day `n` calendar days after the local day containing t. */
export function startOfLocalDayPlus(t: number, n: number, zone: string): number {
  // addDays keeps the wall time (a missing midnight moves forward); startOfDay normalises again.
  return startOfDay(addDays(startOfDay(local(t, zone)), n)).getTime()
}

/** Monday 00:00 (local) of the ISO week containing t. */
export function startOfLocalISOWeek(t: number, zone: string): number {
  return startOfISOWeek(local(t, zone)).getTime()
}

export function startOfLocalMonth(t: number, zone: string): number {
  return startOfMonth(local(t, zone)).getTime()
}

export function startOfLocalQuarter(t: number, zone: string): number {
  return startOfQuarter(local(t, zone)).getTime()
}

// ---- local hours ---------------------------------------------------------------------------
//
// date-fns' startOfHour sets the minutes to 0 and lets TZDate resolve the wall time, which picks
// the *first* occurrence of a repeated hour: startOfHour(01:30 EST on a fall-back day) gives
// 01:00 EDT, an hour too early. So local hours are found directly: a local hour starts at every
// instant whose local wall clock reads hh:00:00.000. All offsets and transitions in use are whole
// multiples of 15 minutes, so such instants lie on the 15-minute UTC grid; we walk that grid and
// read the local minute from TZDate.

function isLocalHourStart(g: number, zone: string): boolean {
  return local(g, zone).getMinutes() === 0
}

/** The latest local hour start ≤ t. */
export function startOfLocalHour(t: number, zone: string): number {
  let g = Math.floor(t / QUARTER_HOUR) * QUARTER_HOUR
  for (let i = 0; i < 16; i++, g -= QUARTER_HOUR) if (isLocalHourStart(g, zone)) return g
  throw new Error(`no local hour start found before ${new Date(t).toISOString()} in ${zone}`)
}

/** The earliest local hour start > t. */
export function nextLocalHour(t: number, zone: string): number {
  let g = (Math.floor(t / QUARTER_HOUR) + 1) * QUARTER_HOUR
  for (let i = 0; i < 16; i++, g += QUARTER_HOUR) if (isLocalHourStart(g, zone)) return g
  throw new Error(`no local hour start found after ${new Date(t).toISOString()} in ${zone}`)
}

// ---- intervals -----------------------------------------------------------------------------

/** Start of the local interval (hour, day, ISO week) containing t. */
export function floorTo(interval: Interval, t: number, zone: string): number {
  switch (interval) {
    case 'hour':
      return startOfLocalHour(t, zone)
    case 'day':
      return startOfLocalDay(t, zone)
    case 'week':
      return startOfLocalISOWeek(t, zone)
  }
}

/** The first local interval boundary strictly after t. */
export function nextBoundary(interval: Interval, t: number, zone: string): number {
  let next: number
  switch (interval) {
    case 'hour':
      next = nextLocalHour(t, zone)
      break
    case 'day':
      next = startOfLocalDayPlus(t, 1, zone)
      break
    case 'week':
      next = startOfISOWeek(addDays(startOfISOWeek(local(t, zone)), 7)).getTime()
      break
  }
  if (!(next > t)) throw new Error(`interval boundary did not advance at ${t} in ${zone}`)
  return next
}

// ---- wall-clock times ----------------------------------------------------------------------

export interface WallTime {
  year: number
  /** 0-based, like Date. */
  month: number
  day: number
  hour: number
  minute: number
  second: number
  millisecond: number
}

export function wallTimeOf(t: number, zone: string): WallTime {
  const d = local(t, zone)
  return {
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    millisecond: d.getMilliseconds(),
  }
}

/**
 * The instant at which the local wall clock in `zone` reads `w`. A wall time skipped by a DST gap
 * is read with the offset in force before the gap, i.e. moved forward by the gap length; an
 * ambiguous wall time (repeated by a fall-back) resolves to the earlier instant.
 */
export function instantOfWallTime(w: WallTime, zone: string): number {
  const naive = Date.UTC(w.year, w.month, w.day, w.hour, w.minute, w.second, w.millisecond)
  const before = tzOffset(zone, new Date(naive - DAY))
  const after = tzOffset(zone, new Date(naive + DAY))
  const valid = [before, after]
    .map((offset) => ({ offset, t: naive - offset * MINUTE }))
    .filter((c) => tzOffset(zone, new Date(c.t)) === c.offset)
    .map((c) => c.t)
  if (valid.length > 0) return Math.min(...valid)
  return naive - before * MINUTE
}
