import { describe, expect, it } from 'vitest'
import {
  formatBucket,
  formatChange,
  formatClock,
  formatCount,
  formatDuration,
  formatPercent,
  formatPointsChange,
  formatRelative,
  localParts,
  rankMovement,
  zoneOffset,
} from './format'

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1k'],
    [1234, '1.2k'],
    [9_950, '10k'],
    [12_345, '12k'],
    [999_499, '999k'],
    [999_950, '1M'],
    [1_250_000, '1.3M'],
    [42_000_000, '42M'],
    [3_400_000_000, '3.4B'],
    [-1500, '-1.5k'],
  ])('%d → %s', (n, s) => expect(formatCount(n)).toBe(s))

  it('shows a dash for missing values', () => {
    expect(formatCount(null)).toBe('—')
    expect(formatCount(Number.NaN)).toBe('—')
  })
})

describe('formatPercent', () => {
  it.each([
    [0.4321, '43%'],
    [1, '100%'],
    [0, '0%'],
    [0.045, '4.5%'],
    [0.05, '5%'],
    [0.0999, '10%'],
  ])('%d → %s', (f, s) => expect(formatPercent(f)).toBe(s))

  it('null (no leads) is a dash, not 0%', () => expect(formatPercent(null)).toBe('—'))
})

describe('formatChange', () => {
  it('points up or down with the magnitude', () => {
    expect(formatChange(12.4)).toEqual({ direction: 'up', text: '▲ 12%' })
    expect(formatChange(-3.46)).toEqual({ direction: 'down', text: '▼ 3.5%' })
    expect(formatChange(250)).toEqual({ direction: 'up', text: '▲ 250%' })
  })
  it('is flat at zero and absent without a comparison', () => {
    expect(formatChange(0)).toEqual({ direction: 'flat', text: '0%' })
    expect(formatChange(null)).toBeNull()
  })
})

describe('formatPointsChange', () => {
  it("gives a rate's change in percentage points, from the delta of two fractions", () => {
    // 22% against 24%: 2 points down (a relative change of −8.3%).
    expect(formatPointsChange(0.22 - 0.24)).toEqual({ direction: 'down', text: '▼ 2 pts' })
    expect(formatPointsChange(0.0046)).toEqual({ direction: 'up', text: '▲ 0.5 pts' })
    expect(formatPointsChange(0.125)).toEqual({ direction: 'up', text: '▲ 13 pts' })
  })
  it('is flat below a twentieth of a point and absent without a comparison', () => {
    expect(formatPointsChange(0.0004)).toEqual({ direction: 'flat', text: '0 pts' })
    expect(formatPointsChange(null)).toBeNull()
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [44.6, '45s'],
    [60, '1m'],
    [200, '3m 20s'],
    [3599, '59m 59s'],
    [3600, '1h'],
    [7500, '2h 5m'],
    [86_400 + 3 * 3600 + 59, '1d 3h'],
    [-5, '0s'],
  ])('%d s → %s', (s, text) => expect(formatDuration(s)).toBe(text))

  it('null → dash', () => expect(formatDuration(null)).toBe('—'))
})

describe('formatRelative', () => {
  const now = Date.parse('2025-03-10T12:00:00Z')
  it.each([
    ['2025-03-10T12:00:00Z', 'just now'],
    ['2025-03-10T12:00:03Z', 'just now'],
    ['2025-03-10T11:59:15Z', '45s ago'],
    ['2025-03-10T11:58:00Z', '2m ago'],
    ['2025-03-10T09:00:00Z', '3h ago'],
    ['2025-03-08T11:00:00Z', '2d ago'],
    // An offset that is not the browser's: still the same instant.
    ['2025-03-10T17:43:00+05:45', '2m ago'],
  ])('%s → %s', (iso, text) => expect(formatRelative(iso, now)).toBe(text))
})

describe('rankMovement', () => {
  it('counts places climbed and lost', () => {
    expect(rankMovement(1, 3)).toMatchObject({ direction: 'up', text: '▲2' })
    expect(rankMovement(4, 3)).toMatchObject({ direction: 'down', text: '▼1' })
    expect(rankMovement(2, 2)).toMatchObject({ direction: 'same' })
  })
  it('marks newcomers, and says nothing when there is no previous period', () => {
    expect(rankMovement(5, null)).toMatchObject({ direction: 'new', text: 'new' })
    expect(rankMovement(5, null, false)).toBeNull()
  })
})

describe('local time of API instants', () => {
  it('reads the wall clock as written, whatever the browser zone', () => {
    expect(localParts('2025-03-10T23:30:00+05:30')).toMatchObject({
      day: 10,
      hour: 23,
      minute: 30,
      weekday: 1,
    })
    expect(formatClock('2025-03-10T23:30:05+05:30')).toBe('23:30')
    expect(formatClock('2025-03-10T23:30:05+05:30', true)).toBe('23:30:05')
  })
  it('labels buckets by interval', () => {
    expect(formatBucket('2025-03-10T14:00:00-04:00', 'hour')).toBe('14:00')
    expect(formatBucket('2025-03-09T00:00:00+10:30', 'day')).toBe('Sun 9')
    expect(formatBucket('2025-03-10T00:00:00Z', 'week')).toBe('10 Mar')
  })
  it('names zone offsets, including half- and quarter-hour zones', () => {
    const jan = Date.parse('2025-01-15T00:00:00Z')
    expect(zoneOffset('UTC', jan)).toBe('UTC')
    expect(zoneOffset('Asia/Kolkata', jan)).toBe('UTC+05:30')
    expect(zoneOffset('Asia/Kathmandu', jan)).toBe('UTC+05:45')
    expect(zoneOffset('Australia/Adelaide', jan)).toBe('UTC+10:30')
    expect(zoneOffset('Not/AZone', jan)).toBe('')
  })
})
