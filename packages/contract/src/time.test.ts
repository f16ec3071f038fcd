import { describe, expect, it } from 'vitest'
import { isoInstant } from './events.js'
import { isoDateTime, isValidTimeZone, rangeInstant, resolvedTimeZone, timeZone } from './time.js'

describe('time zones', () => {
  it('accepts what Intl knows, every time it is asked, and nothing else', () => {
    for (const tz of [...Intl.supportedValuesOf('timeZone'), 'UTC', 'asia/kolkata']) {
      expect(isValidTimeZone(tz)).toBe(true)
      expect(isValidTimeZone(tz)).toBe(true)
    }
    for (const tz of ['Mars/Olympus', 'America/New York', '', 'UTC+25']) {
      expect(isValidTimeZone(tz)).toBe(false)
      expect(isValidTimeZone(tz)).toBe(false)
    }
    expect(timeZone.safeParse('Europe/Kyiv').success).toBe(true)
    expect(timeZone.safeParse('Europe/Nowhere').success).toBe(false)
  })

  it('still answers past the number of names it keeps', () => {
    // Zone names are case-insensitive: more spellings than the memo holds.
    const name = 'america/argentina/buenos_aires'
    const letters = [...name].flatMap((c, j) => (/[a-z]/.test(c) ? [j] : []))
    const spellings = Array.from({ length: 2_100 }, (_, i) =>
      [...name].map((c, j) => ((i >> letters.indexOf(j)) & 1 ? c.toUpperCase() : c)).join(''),
    )
    expect(new Set(spellings).size).toBe(spellings.length)
    for (const tz of spellings) expect(isValidTimeZone(tz)).toBe(true)
    expect(isValidTimeZone('America/Nowhere')).toBe(false)
  })
})

describe('resolvedTimeZone', () => {
  it('names the zone as the runtime reads it, whatever Postgres would make of the name', () => {
    const hourIn = (tz: string) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', hourCycle: 'h23' }).format(
        Date.parse('2026-07-01T12:00:00Z'),
      )
    for (const tz of ['CET', 'IST', 'CST', 'Asia/Kolkata', 'asia/kathmandu', 'UTC']) {
      const resolved = resolvedTimeZone(tz)
      expect(resolved === 'UTC' || resolved.includes('/')).toBe(true)
      expect(hourIn(resolved)).toBe(hourIn(tz))
    }
    expect(() => resolvedTimeZone('Mars/Olympus')).toThrow(RangeError)
  })
})

describe('ISO 8601 date-times', () => {
  it.each([
    ['2026-01-01T10:00+05:30', '2026-01-01T10:00:00+05:30'],
    ['2026-01-01T10:00:00+05', '2026-01-01T10:00:00+05:00'],
    ['2026-01-01T10:00:00-0330', '2026-01-01T10:00:00-03:30'],
    ['2026-01-01T10:00Z', '2026-01-01T10:00:00Z'],
    ['2026-01-01T10:00:00.250Z', '2026-01-01T10:00:00.250Z'],
    ['2026-01-01T10:00:00+05:30', '2026-01-01T10:00:00+05:30'],
  ])('accepts %s as %s, the same instant', (sent, rfc3339) => {
    expect(isoDateTime.parse(sent)).toBe(rfc3339)
    expect(isoInstant.parse(sent)).toBe(rfc3339)
    expect(rangeInstant.parse(sent)).toBe(rfc3339)
  })

  it.each([
    '2026-01-01T10:00:00',
    '2026-01-01',
    '20261203T100000Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T10:00:00+5',
    '2026-01-01T10:00:00+05:30:00',
  ])('refuses %s with one clear message', (sent) => {
    const issues = isoInstant.safeParse(sent).error?.issues ?? []
    expect(issues.map((i) => i.message)).toEqual([
      'must be an ISO 8601 date-time with an offset, such as 2026-12-03T09:30:00Z or 2026-12-03T10:30+01:00',
    ])
  })
})
