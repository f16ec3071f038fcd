import { describe, expect, it } from 'vitest'
import { readInput } from './view'

describe('readInput', () => {
  const window = { from: '2026-11-19T00:00:00.000+00:00', to: '2026-11-26T00:00:00.000+00:00' }

  it("uses the panel's own period in the live view", () => {
    expect(readInput({ tz: undefined, window: null }, { period: '30d' })).toEqual({
      period: '30d',
    })
    expect(readInput({ tz: 'Asia/Kolkata', window: null }, { period: 'week' })).toEqual({
      tz: 'Asia/Kolkata',
      period: 'week',
    })
  })

  it('replaces the period with the chosen window, keeping the zone', () => {
    expect(readInput({ tz: undefined, window }, { period: '30d' })).toEqual(window)
    expect(readInput({ tz: 'UTC', window }, { period: 'week' })).toEqual({ tz: 'UTC', ...window })
  })
})
