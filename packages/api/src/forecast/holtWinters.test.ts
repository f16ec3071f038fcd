import { describe, expect, it } from 'vitest'
import {
  fitHoltWinters,
  forecastDaily,
  mape,
  PERIOD,
  project,
  runHoltWinters,
  widening,
} from './holtWinters.js'

/** A small seeded generator (mulberry32) and Box-Muller normals, so every run sees the same series. */
function rng(seed: number) {
  let a = seed >>> 0
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  return { uniform, normal }
}

/** Level + trend + a weekly pattern + Gaussian noise, like a sales floor's daily leads. */
function synthetic(seed: number, length: number) {
  const r = rng(seed)
  const level = 80 + 120 * r.uniform()
  const trend = (r.uniform() - 0.4) * 1.2
  const weekly = [1.1, 1.15, 1.1, 1.05, 1.0, 0.35, 0.25].map((w) => (w - 0.857) * level)
  const noise = 0.06 * level
  return Array.from({ length }, (_, t) =>
    Math.max(0, Math.round(level + trend * t + weekly[t % 7]! + noise * r.normal())),
  )
}

describe('Holt-Winters (additive, weekly)', () => {
  it('reproduces an exact seasonal series with trend', () => {
    const y = Array.from({ length: 70 }, (_, t) => 50 + 2 * t + [5, 3, 0, -1, -2, -3, -2][t % 7]!)
    const params = fitHoltWinters(y, PERIOD)
    const run = runHoltWinters(y, PERIOD, params)
    const next = project(run, y.length, PERIOD, 14)
    const truth = Array.from({ length: 14 }, (_, i) => {
      const t = 70 + i
      return 50 + 2 * t + [5, 3, 0, -1, -2, -3, -2][t % 7]!
    })
    for (const [i, v] of next.entries()) expect(v).toBeCloseTo(truth[i]!, 0)
  })

  it('widens the interval with the horizon', () => {
    const p = { alpha: 0.3, beta: 0.05, gamma: 0.1 }
    expect(widening(p, 7, 1)).toBe(1)
    for (let h = 2; h <= 30; h++) expect(widening(p, 7, h)).toBeGreaterThan(widening(p, 7, h - 1))
  })

  it('leaves days with zero actuals out of MAPE', () => {
    expect(mape([0, 10, 20], [5, 11, 18])).toBeCloseTo(10, 10)
    expect(mape([0, 0], [1, 2])).toBeNull()
  })

  it('beats seasonal-naive on held-out weeks and its 80% interval covers about 80%', () => {
    const SERIES = 300
    const HORIZON = 14
    let model = 0
    let naive = 0
    let inside = 0
    let total = 0
    let backtestWins = 0
    for (let s = 0; s < SERIES; s++) {
      const y = synthetic(1_000 + s, 84 + HORIZON)
      const train = y.slice(0, 84)
      const held = y.slice(84)
      const f = forecastDaily(train, HORIZON)
      model += mape(
        held,
        f.points.map((p) => p.value),
      )!
      naive += mape(
        held,
        held.map((_, i) => train[84 - 7 + (i % 7)]!),
      )!
      for (const [i, p] of f.points.entries()) {
        total++
        if (held[i]! >= p.lower && held[i]! <= p.upper) inside++
      }
      expect(f.backtest.days).toBe(28)
      if (f.backtest.mape! < f.backtest.baselineMape!) backtestWins++
    }
    const coverage = inside / total
    console.log(
      `synthetic: model MAPE ${(model / SERIES).toFixed(2)}%, seasonal-naive ${(naive / SERIES).toFixed(2)}%, ` +
        `80% interval coverage ${(coverage * 100).toFixed(1)}%, back-test beats baseline in ${backtestWins}/${SERIES}`,
    )
    expect(model).toBeLessThan(naive)
    expect(coverage).toBeGreaterThan(0.65)
    expect(coverage).toBeLessThan(0.95)
    expect(backtestWins).toBeGreaterThan(SERIES / 2)
  })

  it('serves seasonal-naive when it did better in the back-test, with its own interval', () => {
    // Each weekday walks on its own: last week's same day is the best guess, and the smoother,
    // which pools the weekdays' level, reads it worse.
    const r = rng(7)
    const y: number[] = Array.from({ length: PERIOD }, () => 50 + 100 * r.uniform())
    for (let t = PERIOD; t < 84; t++) y.push(Math.max(0, y[t - PERIOD]! + 25 * r.normal()))
    const f = forecastDaily(y, 14)
    expect(f.model).toBe('seasonal-naive')
    expect(f.backtest.mape).toBe(f.backtest.baselineMape)
    for (const [i, p] of f.points.entries()) expect(p.value).toBe(y[84 - PERIOD + (i % PERIOD)])
    // Wider from the second week on: √2 times the first week's half-width (upper − value is the
    // half-width whether or not the lower bound was floored at 0).
    const half = (i: number) => f.points[i]!.upper - f.points[i]!.value
    expect(half(0)).toBeGreaterThan(0)
    expect(half(7) / half(0)).toBeCloseTo(Math.SQRT2, 9)
    // On the level-and-trend series above the smoother keeps winning, and is served.
    expect(forecastDaily(synthetic(1_000, 84), 14).model).toBe('holt-winters')
  })

  it('falls back to the mean with under two weeks of history', () => {
    const f = forecastDaily([10, 12, 8], 7)
    expect(f.points).toHaveLength(7)
    expect(f.points[0]!.value).toBeCloseTo(10, 10)
    expect(f.backtest).toEqual({ mape: null, baselineMape: null, days: 0 })
    expect(f.model).toBe('mean')
    expect(forecastDaily([], 7).points[0]).toEqual({ value: 0, lower: 0, upper: 0 })
  })
})
