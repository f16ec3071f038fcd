import { describe, expect, it } from 'vitest'
import { forecastOverlay } from './forecastSeries'

const day = (date: string, newLeads: number) => ({
  start: `${date}T00:00:00.000+05:30`,
  newLeads,
  conversions: 0,
})
const buckets = [day('2026-11-23', 40), day('2026-11-24', 42), day('2026-11-25', 17)]
const points = [
  { date: '2026-11-25', value: 41.5, lower: 35, upper: 48 },
  { date: '2026-11-26', value: 43, lower: 34, upper: 52 },
  { date: '2026-11-27', value: 39, lower: 29, upper: 49 },
]

describe('forecastOverlay', () => {
  it('starts at the last bucket (today) and extends the axis by the later days', () => {
    expect(forecastOverlay(buckets, 'day', points)).toEqual({
      futureDays: ['2026-11-26', '2026-11-27'],
      value: [null, null, 41.5, 43, 39],
      lower: [null, null, 35, 34, 29],
      band: [null, null, 13, 18, 20],
      points,
    })
  })

  it('is not drawn on hourly or weekly series, nor on a range that ended before today', () => {
    expect(forecastOverlay(buckets, 'hour', points)).toBeNull()
    expect(forecastOverlay(buckets, 'week', points)).toBeNull()
    expect(forecastOverlay(buckets.slice(0, 2), 'day', points)).toBeNull()
    expect(forecastOverlay([], 'day', points)).toBeNull()
    expect(forecastOverlay(buckets, 'day', [])).toBeNull()
  })
})
