import { describe, expect, it } from 'vitest'
import { progressLine } from './progress.js'

describe('progressLine', () => {
  it('shows the share done, the rate and the time left', () => {
    expect(progressLine('events', 250_000, 1_000_000, 5_000, 20)).toBe(
      '[#####...............]  25 %  250,000 / 1,000,000 events  50,000/s  ETA 15 s',
    )
  })

  it('never passes 100 % when the estimate was low', () => {
    expect(progressLine('leads', 120, 100, 1_000, 10)).toBe(
      '[##########] 100 %  120 / 120 leads  120/s  ETA 0 s',
    )
  })

  it('has no rate before any time has passed', () => {
    expect(progressLine('events', 0, 10, 0, 4)).toBe('[....]   0 %  0 / 10 events  0/s  ETA –')
  })
})
