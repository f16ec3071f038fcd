import { describe, expect, it } from 'vitest'
import {
  formatInstant,
  fromNaive,
  nextBoundary,
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
