import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  formatInstant,
  fromNaive,
  nextBoundary,
  offsetAt,
  shiftWallClock,
  startOf,
  startOfUnitsBefore,
} from './local.js'

const ms = (iso: string) => Date.parse(iso)
const iso = (t: number) => new Date(t).toISOString()

describe('local time arithmetic', () => {
  it('finds local midnight in half-hour and 45-minute zones', () => {
    expect(iso(startOf(ms('2026-03-10T18:29:00Z'), 'day', 'Asia/Kolkata'))).toBe(
      '2026-03-09T18:30:00.000Z',
    )
    expect(iso(startOf(ms('2026-03-10T18:30:00Z'), 'day', 'Asia/Kolkata'))).toBe(
      '2026-03-10T18:30:00.000Z',
    )
    expect(iso(startOf(ms('2026-03-10T20:00:00Z'), 'day', 'Asia/Kathmandu'))).toBe(
      '2026-03-10T18:15:00.000Z',
    )
  })

  it('starts every local hour where the wall clock reads :00 where clocks move by half an hour', () => {
    const tz = 'Australia/Lord_Howe'
    const hours = (from: string, to: string) => {
      const out: string[] = []
      for (let t = startOf(ms(from), 'hour', tz); t < ms(to); t = nextBoundary(t, 'hour', tz))
        out.push(formatInstant(t, tz).slice(11, 16) + formatInstant(t, tz).slice(-6))
      return out
    }
    // 5 April 2026, 02:00 (+11:00) → 01:30 (+10:30): hour 01 lasts 90 minutes.
    expect(hours('2026-04-04T12:30:00Z', '2026-04-04T17:00:00Z')).toEqual([
      '23:00+11:00',
      '00:00+11:00',
      '01:00+11:00',
      '02:00+10:30',
      '03:00+10:30',
    ])
    expect(iso(startOf(ms('2026-04-04T15:10:00Z'), 'hour', tz))).toBe('2026-04-04T14:00:00.000Z')
    // 4 October 2026, 02:00 (+10:30) → 02:30 (+11:00): no instant reads 02:00, hour 01 takes in
    // 02:30–03:00.
    expect(hours('2026-10-03T13:00:00Z', '2026-10-03T17:00:00Z')).toEqual([
      '23:00+10:30',
      '00:00+10:30',
      '01:00+10:30',
      '03:00+11:00',
    ])
    expect(iso(startOf(ms('2026-10-03T15:40:00Z'), 'hour', tz))).toBe('2026-10-03T14:30:00.000Z')
  })

  it('keeps the two instances of a repeated hour apart on a fall-back day', () => {
    const tz = 'America/New_York' // 2026-11-01 02:00 EDT → 01:00 EST
    expect(iso(startOf(ms('2026-11-01T05:30:00Z'), 'hour', tz))).toBe('2026-11-01T05:00:00.000Z')
    expect(iso(startOf(ms('2026-11-01T06:30:00Z'), 'hour', tz))).toBe('2026-11-01T06:00:00.000Z')
    expect(iso(startOfUnitsBefore(ms('2026-11-01T06:30:00Z'), 'hour', 1, tz))).toBe(
      '2026-11-01T05:00:00.000Z',
    )
    expect(iso(nextBoundary(ms('2026-11-01T05:30:00Z'), 'hour', tz))).toBe(
      '2026-11-01T06:00:00.000Z',
    )
  })

  it('has 23 local hours on a spring-forward day and 25 on a fall-back day', () => {
    const tz = 'America/New_York'
    const count = (day: string) => {
      const start = startOf(ms(`${day}T12:00:00Z`), 'day', tz)
      const end = nextBoundary(start, 'day', tz)
      let n = 0
      for (let t = start; t < end; t = nextBoundary(t, 'hour', tz)) n++
      return n
    }
    expect(count('2026-03-08')).toBe(23)
    expect(count('2026-11-01')).toBe(25)
    expect(count('2026-11-02')).toBe(24)
  })

  it('starts ISO weeks on Monday and quarters on the first month', () => {
    const tz = 'Europe/London'
    expect(iso(startOf(ms('2026-11-25T10:00:00Z'), 'week', tz))).toBe('2026-11-23T00:00:00.000Z')
    expect(iso(startOf(ms('2026-05-25T10:00:00Z'), 'quarter', tz))).toBe('2026-03-31T23:00:00.000Z')
  })

  it('moves a wall time skipped by DST forward and takes the earlier of a repeated one', () => {
    const tz = 'America/New_York'
    expect(iso(fromNaive(ms('2026-03-08T02:30:00Z'), tz))).toBe('2026-03-08T07:30:00.000Z')
    expect(iso(fromNaive(ms('2026-11-01T01:30:00Z'), tz))).toBe('2026-11-01T05:30:00.000Z')
    // Day after spring-forward, 10:00 EDT → previous day 10:00 EDT as well.
    expect(iso(shiftWallClock(ms('2026-03-09T14:00:00Z'), -1, tz))).toBe('2026-03-08T14:00:00.000Z')
  })

  it('formats instants with the zone offset', () => {
    expect(formatInstant(ms('2026-03-10T18:30:00Z'), 'Asia/Kolkata')).toBe(
      '2026-03-11T00:00:00.000+05:30',
    )
    expect(formatInstant(ms('2026-03-10T18:30:00Z'), 'UTC')).toBe('2026-03-10T18:30:00.000+00:00')
  })
})

// The memoised offset and the direct formatter against luxon itself, the reference they replace.
describe('offsets and formatting agree with luxon', () => {
  const zones = Intl.supportedValuesOf('timeZone')
  const luxonOffset = (t: number, tz: string) =>
    DateTime.fromMillis(t, { zone: tz }).offset * 60_000
  const luxonFormat = (t: number, tz: string) =>
    DateTime.fromMillis(t, { zone: tz }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSSZZ")
  const YEAR = 365.25 * 86_400_000

  it('in every zone at any instant from 1850 to 2150', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: ms('1850-01-01T00:00:00Z'), max: ms('2150-01-01T00:00:00Z') }),
        (tz, t) => {
          expect(offsetAt(t, tz)).toBe(luxonOffset(t, tz))
          expect(formatInstant(t, tz)).toBe(luxonFormat(t, tz))
        },
      ),
      { numRuns: 3000 },
    )
  })

  /** The instant a zone's offset changes, between `lo` (old offset) and `hi` (new one). */
  function transitionIn(lo: number, hi: number, tz: string): number {
    const before = luxonOffset(lo, tz)
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (luxonOffset(mid, tz) === before) lo = mid
      else hi = mid
    }
    return hi
  }

  function checkTransitions(tz: string, year: number, jitter: number) {
    const start = Date.UTC(year, 0, 1)
    let found = 0
    for (let day = start; day < start + YEAR; day += 86_400_000) {
      if (luxonOffset(day, tz) === luxonOffset(day + 86_400_000, tz)) continue
      const at = transitionIn(day, day + 86_400_000, tz)
      found++
      for (const t of [at - 1, at, at + 1, at + jitter]) {
        expect(offsetAt(t, tz)).toBe(luxonOffset(t, tz))
        expect(formatInstant(t, tz)).toBe(luxonFormat(t, tz))
      }
    }
    return found
  }

  it('on both sides of every transition of a random zone and year', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones, 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'),
        fc.integer({ min: 1880, max: 2100 }),
        fc.integer({ min: -SLOT_MS, max: SLOT_MS }),
        (tz, year, jitter) => {
          checkTransitions(tz, year, jitter)
        },
      ),
      { numRuns: 150 },
    )
  })

  // Transitions off the quarter-hour grid (local mean time ends), where a memo that trusted a
  // slot's first offset would be wrong for the rest of the slot.
  it.each([
    ['Africa/Monrovia', 1972],
    ['Europe/Amsterdam', 1937],
    ['Asia/Kathmandu', 1985],
  ] as const)('around the transitions of %s in %i', (tz, year) => {
    expect(checkTransitions(tz, year, 1)).toBeGreaterThan(0)
  })
})

const SLOT_MS = 15 * 60_000
