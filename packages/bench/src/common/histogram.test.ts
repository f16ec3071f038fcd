import { describe, expect, it } from 'vitest'
import { Histogram } from './histogram.js'

describe('Histogram', () => {
  it('answers quantiles within 1 % of the exact value', () => {
    const h = new Histogram()
    for (let v = 1; v <= 100_000; v++) h.record(v)
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = q * 100_000
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.011)
    }
    expect(h.quantile(1)).toBe(100_000)
    expect(h.count).toBe(100_000)
  })

  it('merges what crossed a process boundary as if it had been recorded in one', () => {
    const a = new Histogram()
    const b = new Histogram()
    const both = new Histogram()
    for (let i = 0; i < 1_000; i++) {
      const v = (i * 7_919) % 50_000
      ;(i % 2 ? a : b).record(v)
      both.record(v)
    }
    const merged = new Histogram().merge(structuredClone(a.toData())).merge(b.toData())
    for (const q of [0.1, 0.5, 0.99]) expect(merged.quantile(q)).toBe(both.quantile(q))
    expect(merged.max).toBe(both.max)
    expect(merged.count).toBe(1_000)
  })

  it('has no quantile when empty', () => {
    expect(new Histogram().quantile(0.5)).toBeNaN()
  })
})
