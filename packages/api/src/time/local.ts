import { DateTime, IANAZone } from 'luxon'

/**
 * Local-time arithmetic in an IANA zone, on epoch milliseconds. "Naive" values are local wall
 * times written as if they were UTC, which makes calendar math plain integer math.
 */

const HOUR = 3_600_000
const DAY = 86_400_000

const SLOT = 15 * 60_000
const MAX_SLOTS = 200_000
/** Per zone: quarter-hour slot → its offset in minutes, or null when a transition falls in it. */
const slotOffsets = new Map<string, Map<number, number | null>>()
let slotCount = 0

/**
 * The zone's UTC offset at `ms` in minutes, as luxon computes it. Asking luxon costs about
 * 8 µs, and a 30-day hourly series asks a few thousand times, so the offset is remembered per
 * quarter-hour: a slot whose first and last millisecond have the same offset has it throughout
 * (no zone has changed its offset twice within 15 minutes); a slot holding a transition is
 * asked per instant. Bounded: the memo starts over past 200,000 slots.
 */
function offsetMinutes(ms: number, tz: string): number {
  const slot = Math.floor(ms / SLOT)
  let slots = slotOffsets.get(tz)
  let offset = slots?.get(slot)
  if (offset === undefined) {
    const zone = IANAZone.create(tz)
    const first = zone.offset(slot * SLOT)
    const last = zone.offset(slot * SLOT + SLOT - 1)
    // An unknown zone gives NaN, which is not remembered.
    if (Number.isNaN(first)) return first
    offset = first === last ? first : null
    if (slotCount >= MAX_SLOTS) {
      slotOffsets.clear()
      slotCount = 0
      slots = undefined
    }
    if (!slots) {
      slots = new Map()
      slotOffsets.set(tz, slots)
    }
    slots.set(slot, offset)
    slotCount++
  }
  return offset ?? IANAZone.create(tz).offset(ms)
}

/** The zone's UTC offset at `ms`, in milliseconds. */
export function offsetAt(ms: number, tz: string): number {
  return offsetMinutes(ms, tz) * 60_000
}

export function toNaive(ms: number, tz: string): number {
  return ms + offsetAt(ms, tz)
}

/**
 * The instant whose local wall time is `naive`. A wall time skipped by a DST gap moves forward
 * by the gap; one that occurs twice takes the earlier instant (Temporal's "compatible").
 */
export function fromNaive(naive: number, tz: string): number {
  const before = offsetAt(naive - DAY, tz)
  const after = offsetAt(naive + DAY, tz)
  const candidates = [naive - before, naive - after].filter((ms) => toNaive(ms, tz) === naive)
  if (candidates.length > 0) return Math.min(...candidates)
  return naive - before
}

export type Unit = 'hour' | 'day' | 'week' | 'month' | 'quarter'

/** Floors a naive time to the start of its unit (weeks start on Monday). */
function floorNaive(naive: number, unit: Unit): number {
  const d = new Date(naive)
  switch (unit) {
    case 'hour':
      return Math.floor(naive / HOUR) * HOUR
    case 'day':
      return Math.floor(naive / DAY) * DAY
    case 'week': {
      const day = Math.floor(naive / DAY) * DAY
      const isoDow = (new Date(day).getUTCDay() + 6) % 7
      return day - isoDow * DAY
    }
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    case 'quarter':
      return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1)
  }
}

/** Adds calendar units to a naive time. */
function addNaive(naive: number, unit: Unit, n: number): number {
  const d = new Date(naive)
  switch (unit) {
    case 'hour':
      return naive + n * HOUR
    case 'day':
      return naive + n * DAY
    case 'week':
      return naive + 7 * n * DAY
    case 'month':
      return Date.UTC(
        d.getUTCFullYear(),
        d.getUTCMonth() + n,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      )
    case 'quarter':
      return addNaive(naive, 'month', 3 * n)
  }
}

/** Start of the local `unit` (hour, day, ISO week, month, quarter) holding `ms`. */
export function startOf(ms: number, unit: Unit, tz: string): number {
  if (unit === 'hour') {
    // Subtracting the local minutes keeps the right instant in a repeated (fall-back) hour.
    const start = ms - withinHour(toNaive(ms, tz))
    if (withinHour(toNaive(start, tz)) === 0) return start
    // The clocks moved by half an hour since (Australia/Lord_Howe), so that instant reads :30. A
    // local hour begins where the wall clock reads :00: here half an hour earlier, and that hour
    // lasts 90 minutes (back: 01:30–02:00 twice; forward: 01:00–02:00, then 02:30–03:00).
    const earlier = start - HALF_HOUR
    // (Offsets of odd minutes, as in Monrovia until 1972, never read :00 there: keep `start`.)
    return withinHour(toNaive(earlier, tz)) === 0 ? earlier : start
  }
  return fromNaive(floorNaive(toNaive(ms, tz), unit), tz)
}

const HALF_HOUR = HOUR / 2
const withinHour = (naive: number) => ((naive % HOUR) + HOUR) % HOUR

/** The first local unit boundary strictly after `ms`. */
export function nextBoundary(ms: number, unit: Unit, tz: string): number {
  if (unit === 'hour') {
    // An hour lasts 60 minutes, or 90 where the clocks move by half an hour in it; every offset
    // change falls on a half hour, so stepping by half hours finds the next one.
    const start = startOf(ms, 'hour', tz)
    for (let t = start + HALF_HOUR; ; t += HALF_HOUR) {
      const next = startOf(t, 'hour', tz)
      if (next !== start) return next
    }
  }
  return fromNaive(addNaive(floorNaive(toNaive(ms, tz), unit), unit, 1), tz)
}

/** Start of the local unit `n` units before the one holding `ms` (n ≥ 0). */
export function startOfUnitsBefore(ms: number, unit: Unit, n: number, tz: string): number {
  if (unit === 'hour') {
    // Walk real local hours back, so a 23- or 25-hour day has 23 or 25 hourly buckets.
    let t = startOf(ms, 'hour', tz)
    for (let i = 0; i < n; i++) t = startOf(t - 1, 'hour', tz)
    return t
  }
  return fromNaive(addNaive(floorNaive(toNaive(ms, tz), unit), unit, -n), tz)
}

/** Same local wall-clock time `days` calendar days away. */
export function shiftWallClock(ms: number, days: number, tz: string): number {
  return fromNaive(toNaive(ms, tz) + days * DAY, tz)
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)

/**
 * ISO 8601 with the zone's offset, e.g. 2026-03-08T00:00:00.000-05:00: luxon's
 * `yyyy-MM-dd'T'HH:mm:ss.SSSZZ`, written directly (luxon's formatter costs about 25 µs, and
 * a series, an export or the live feed formats an instant per row).
 */
export function formatInstant(ms: number, tz: string): string {
  const offset = offsetMinutes(ms, tz)
  // The same arithmetic luxon uses for the local fields, so fractional (LMT) offsets agree.
  const local = new Date(ms + offset * 60 * 1000)
  const year = local.getUTCFullYear()
  if (Number.isNaN(offset) || year < 0 || year > 9999) {
    return DateTime.fromMillis(ms, { zone: tz }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZ")
  }
  const abs = Math.abs(offset)
  const zz = `${offset >= 0 ? '+' : '-'}${pad2(Math.trunc(abs / 60))}:${pad2(Math.trunc(abs % 60))}`
  return local.toISOString().slice(0, 23) + zz
}

/** A window as the API shows it: both ends in ISO 8601 with the zone's offset. */
export function formatRange(
  w: { from: number; to: number },
  tz: string,
): { from: string; to: string } {
  return { from: formatInstant(w.from, tz), to: formatInstant(w.to, tz) }
}
