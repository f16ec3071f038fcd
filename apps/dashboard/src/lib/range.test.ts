import { describe, expect, it } from 'vitest'
import {
  customRangeError,
  dayWindow,
  formatSpan,
  instantWindow,
  isoInZone,
  LIVE,
  localDate,
  parseRange,
  type RangeChoice,
  startOfLocalDay,
  writeRange,
} from './range'

// Wednesday 25 November 2026, 10:20 UTC: 15:50 in Kolkata, 05:20 in New York.
const NOW = Date.parse('2026-11-25T10:20:00Z')

describe('range in the URL', () => {
  it('reads presets and custom dates, and falls back to the live view', () => {
    expect(parseRange(new URLSearchParams(''))).toEqual(LIVE)
    expect(parseRange(new URLSearchParams('range=last7'))).toEqual({ preset: 'last7' })
    expect(parseRange(new URLSearchParams('range=custom'))).toEqual(LIVE)
    expect(parseRange(new URLSearchParams('range=nonsense'))).toEqual(LIVE)
    expect(parseRange(new URLSearchParams('from=2026-11-01&to=2026-11-07&tz=UTC'))).toEqual({
      preset: 'custom',
      from: '2026-11-01',
      to: '2026-11-07',
    })
    // Dates that do not exist, reversed or too long a range: not a range the API would take.
    expect(parseRange(new URLSearchParams('from=2026-02-30&to=2026-03-02'))).toEqual(LIVE)
    expect(parseRange(new URLSearchParams('from=2026-11-07&to=2026-11-01'))).toEqual(LIVE)
    expect(parseRange(new URLSearchParams('from=2025-01-01&to=2026-11-01'))).toEqual(LIVE)
  })

  it('round-trips every choice and keeps other parameters', () => {
    const choices: RangeChoice[] = [
      LIVE,
      { preset: 'yesterday' },
      { preset: 'thisQuarter' },
      { preset: 'custom', from: '2026-10-01', to: '2026-10-31' },
    ]
    const url = new URL('http://wall/?tz=Asia%2FKolkata&range=last30')
    for (const choice of choices) {
      writeRange(url, choice)
      expect(parseRange(url.searchParams)).toEqual(choice)
      expect(url.searchParams.get('tz')).toBe('Asia/Kolkata')
    }
    writeRange(url, LIVE)
    expect(url.search).toBe('?tz=Asia%2FKolkata')
  })

  it('explains why a custom range is refused', () => {
    expect(customRangeError('2026-11-01', '2026-11-01')).toBeNull()
    expect(customRangeError('', '2026-11-01')).toMatch(/both dates/)
    expect(customRangeError('2026-11-02', '2026-11-01')).toMatch(/before/)
    // 400 days included is the API's limit; 401 is one too many.
    expect(customRangeError('2026-01-01', '2027-02-04')).toBeNull()
    expect(customRangeError('2026-01-01', '2027-02-05')).toMatch(/400/)
  })
})

describe('windows of the presets', () => {
  const days = (choice: RangeChoice, tz = 'UTC') => dayWindow(choice, NOW, tz)

  it('covers whole local days, up to the end of today for ranges that include it', () => {
    expect(days(LIVE)).toBeNull()
    expect(days({ preset: 'yesterday' })).toEqual({ from: '2026-11-24', to: '2026-11-25' })
    expect(days({ preset: 'last7' })).toEqual({ from: '2026-11-19', to: '2026-11-26' })
    expect(days({ preset: 'last30' })).toEqual({ from: '2026-10-27', to: '2026-11-26' })
    expect(days({ preset: 'last90' })).toEqual({ from: '2026-08-28', to: '2026-11-26' })
    expect(days({ preset: 'thisMonth' })).toEqual({ from: '2026-11-01', to: '2026-11-26' })
    expect(days({ preset: 'lastMonth' })).toEqual({ from: '2026-10-01', to: '2026-11-01' })
    expect(days({ preset: 'thisQuarter' })).toEqual({ from: '2026-10-01', to: '2026-11-26' })
    expect(days({ preset: 'custom', from: '2026-01-01', to: '2026-01-31' })).toEqual({
      from: '2026-01-01',
      to: '2026-02-01',
    })
  })

  it('takes today from the zone: it is still the 24th in Honolulu and the 25th in Kiribati', () => {
    const late = Date.parse('2026-11-25T09:00:00Z')
    expect(localDate(late, 'Pacific/Honolulu')).toBe('2026-11-24')
    expect(localDate(late, 'Pacific/Kiritimati')).toBe('2026-11-25')
    expect(dayWindow({ preset: 'yesterday' }, late, 'Pacific/Honolulu')).toEqual({
      from: '2026-11-23',
      to: '2026-11-24',
    })
  })

  it('goes back across a year for last month and last quarter', () => {
    const jan = Date.parse('2027-01-10T12:00:00Z')
    expect(dayWindow({ preset: 'lastMonth' }, jan, 'UTC')).toEqual({
      from: '2026-12-01',
      to: '2027-01-01',
    })
    expect(dayWindow({ preset: 'thisQuarter' }, jan, 'UTC')?.from).toBe('2027-01-01')
  })
})

describe('instants in a zone', () => {
  it("writes local midnights with the zone's offset", () => {
    expect(instantWindow({ from: '2026-11-19', to: '2026-11-26' }, 'Asia/Kolkata')).toEqual({
      from: '2026-11-19T00:00:00.000+05:30',
      to: '2026-11-26T00:00:00.000+05:30',
    })
    expect(isoInZone(Date.parse('2026-11-25T10:20:00Z'), 'America/New_York')).toBe(
      '2026-11-25T05:20:00.000-05:00',
    )
  })

  it('follows daylight saving time, including a day that begins at 01:00', () => {
    // Europe/Berlin went from +02:00 to +01:00 on 25 October 2026.
    expect(isoInZone(startOfLocalDay('2026-10-25', 'Europe/Berlin'), 'Europe/Berlin')).toBe(
      '2026-10-25T00:00:00.000+02:00',
    )
    expect(isoInZone(startOfLocalDay('2026-10-26', 'Europe/Berlin'), 'Europe/Berlin')).toBe(
      '2026-10-26T00:00:00.000+01:00',
    )
    // São Paulo skipped 00:00–01:00 on 4 November 2018: that day began at 01:00 −02:00.
    expect(startOfLocalDay('2018-11-04', 'America/Sao_Paulo')).toBe(
      Date.parse('2018-11-04T03:00:00Z'),
    )
  })
})

describe('spans as people say them', () => {
  it('names whole days, parts of a day and spans over months and years', () => {
    const span = (from: string, to: string) => formatSpan({ from, to }, 2026)
    expect(span('2026-11-17T00:00:00.000+00:00', '2026-11-24T00:00:00.000+00:00')).toBe('Nov 17–23')
    expect(span('2026-11-24T00:00:00.000+05:30', '2026-11-25T00:00:00.000+05:30')).toBe('Nov 24')
    expect(span('2026-10-28T00:00:00.000+00:00', '2026-11-04T00:00:00.000+00:00')).toBe(
      'Oct 28 – Nov 3',
    )
    expect(span('2025-12-28T00:00:00.000+00:00', '2026-01-04T00:00:00.000+00:00')).toBe(
      'Dec 28, 2025 – Jan 3',
    )
    expect(span('2026-11-24T00:00:00.000+00:00', '2026-11-24T14:20:38.470+00:00')).toBe(
      'Nov 24, 00:00–14:20',
    )
    expect(span('2026-11-20T09:40:00.000+00:00', '2026-11-24T00:00:00.000+00:00')).toBe(
      'Nov 20 09:40 – Nov 24 00:00',
    )
  })
})
