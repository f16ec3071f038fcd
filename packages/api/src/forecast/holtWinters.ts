/**
 * Additive Holt-Winters (level, trend and a seasonal cycle of `period` steps) for daily
 * counts, with its parameters chosen by grid search on one-step-ahead squared error. Written
 * here rather than taken from npm: no maintained JavaScript package offers seasonal exponential
 * smoothing (augurs' ETS, the maintained one, fits non-seasonal models only).
 */

import type { ForecastModel } from '@leads/contract'

export interface HwParams {
  alpha: number
  beta: number
  gamma: number
}

export interface HwRun {
  /** One-step-ahead prediction for every step from `period` on (NaN before). */
  fitted: number[]
  level: number
  trend: number
  /** Seasonal terms; the one for step t is `season[t % period]`. */
  season: number[]
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
/** Root mean square of forecast errors: the σ of an interval. */
const rms = (errors: readonly number[]) => Math.sqrt(mean(errors.map((e) => e * e)))

/**
 * Runs the smoother over `y`: level from the first cycle's mean, trend from the change between
 * the first two cycles' means, seasonal terms from the first cycle's deviations; then the
 * standard additive updates from step `period` on, each prediction made before its value is seen.
 */
export function runHoltWinters(y: readonly number[], period: number, p: HwParams): HwRun {
  if (y.length < 2 * period) throw new RangeError(`need at least ${2 * period} values`)
  let level = mean(y.slice(0, period))
  let trend = (mean(y.slice(period, 2 * period)) - level) / period
  const season = y.slice(0, period).map((v) => v - level)
  const fitted: number[] = new Array(y.length).fill(Number.NaN)
  for (let t = period; t < y.length; t++) {
    const s = season[t % period]!
    fitted[t] = level + trend + s
    const prev = level
    level = p.alpha * (y[t]! - s) + (1 - p.alpha) * (level + trend)
    trend = p.beta * (level - prev) + (1 - p.beta) * trend
    season[t % period] = p.gamma * (y[t]! - level) + (1 - p.gamma) * s
  }
  return { fitted, level, trend, season }
}

/** The next `horizon` values after a run over `n` values. */
export function project(run: HwRun, n: number, period: number, horizon: number): number[] {
  return Array.from(
    { length: horizon },
    (_, i) => run.level + (i + 1) * run.trend + run.season[(n + i) % period]!,
  )
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8]
const BETAS = [0, 0.01, 0.03, 0.1, 0.2]
const GAMMAS = [0.05, 0.1, 0.2, 0.3, 0.5]

/**
 * The parameters with the least one-step squared error over `y`, skipping the first two cycles
 * while the initial guesses settle (the first cycle only when there are not three).
 */
export function fitHoltWinters(y: readonly number[], period: number): HwParams {
  const burnIn = y.length >= 3 * period ? 2 * period : period
  let best: HwParams = { alpha: 0.2, beta: 0.01, gamma: 0.1 }
  let bestSse = Number.POSITIVE_INFINITY
  for (const alpha of ALPHAS)
    for (const beta of BETAS)
      for (const gamma of GAMMAS) {
        const { fitted } = runHoltWinters(y, period, { alpha, beta, gamma })
        let sse = 0
        for (let t = burnIn; t < y.length; t++) sse += (y[t]! - fitted[t]!) ** 2
        if (sse < bestSse) {
          bestSse = sse
          best = { alpha, beta, gamma }
        }
      }
  return best
}

/**
 * How much wider the h-step interval is than the one-step one, as a factor on σ: the additive
 * model's variance grows by (α(1 + jβ) + γ[j a whole number of cycles])² per step j before h
 * (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", table 8.8).
 */
export function widening(p: HwParams, period: number, h: number): number {
  let v = 1
  for (let j = 1; j < h; j++)
    v += (p.alpha * (1 + j * p.beta) + (j % period === 0 ? p.gamma : 0)) ** 2
  return Math.sqrt(v)
}

/** Mean absolute percentage error in percent over the pairs whose actual is not 0; null if none. */
export function mape(actual: readonly number[], predicted: readonly number[]): number | null {
  let sum = 0
  let n = 0
  for (const [i, a] of actual.entries()) {
    if (a === 0) continue
    sum += Math.abs((a - predicted[i]!) / a)
    n++
  }
  return n === 0 ? null : (sum / n) * 100
}

/** z of the 90th percentile of the standard normal: ±z·σ holds 80%. */
const Z80 = 1.2815515655446004
export const PERIOD = 7
export const BACKTEST_DAYS = 28

export interface Forecast {
  model: ForecastModel
  points: { value: number; lower: number; upper: number }[]
  /** `mape` is the served model's; `baselineMape` always seasonal-naive's. */
  backtest: { mape: number | null; baselineMape: number | null; days: number }
}

/**
 * Forecast of the `horizon` days after `y` (complete daily totals, oldest first) with an 80%
 * interval, and the back-test behind it: the model's parameters are fitted on the days before
 * the last `BACKTEST_DAYS`, which it then predicts one day ahead at a time (rolling origin, each
 * day's actual fed in after its prediction), against the seasonal-naive forecast (the same
 * weekday a week earlier). The better of the two on those days is served. The interval is
 * ±z·σ·widening(h), σ the served model's back-test root mean squared error; counts are never
 * negative, so values and bounds are floored at 0. With fewer than two weeks there is no model:
 * the mean of the days there are, with their spread.
 */
export function forecastDaily(y: readonly number[], horizon: number): Forecast {
  const n = y.length
  if (n < 2 * PERIOD) {
    const m = n === 0 ? 0 : mean(y)
    const sd = n < 2 ? m : Math.sqrt(y.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1))
    return {
      model: 'mean',
      points: Array.from({ length: horizon }, () => bounded(m, Z80 * sd)),
      backtest: { mape: null, baselineMape: null, days: 0 },
    }
  }
  // The back-test needs three weeks before it to fit on (two to start the model, one to score).
  const days = Math.max(0, Math.min(BACKTEST_DAYS, n - 3 * PERIOD))
  const trainEnd = n - days
  const tested = runHoltWinters(y, PERIOD, fitHoltWinters(y.slice(0, trainEnd), PERIOD))
  const actual = y.slice(trainEnd)
  // Scored as served: a count forecast below zero is answered as 0.
  const predicted = tested.fitted.slice(trainEnd).map((v) => Math.max(0, v))
  const naive = actual.map((_, i) => y[trainEnd + i - PERIOD]!)
  const modelMape = mape(actual, predicted)
  const baselineMape = mape(actual, naive)

  // A series the smoother cannot read better than "same weekday last week" gets that forecast:
  // served is whichever did better on the back-test's days.
  if (modelMape !== null && baselineMape !== null && baselineMape < modelMape) {
    const naiveSigma = rms(actual.map((a, i) => a - naive[i]!))
    return {
      model: 'seasonal-naive',
      points: Array.from({ length: horizon }, (_, i) =>
        bounded(y[n - PERIOD + (i % PERIOD)]!, Z80 * naiveSigma * naiveWidening(PERIOD, i + 1)),
      ),
      backtest: { mape: baselineMape, baselineMape, days },
    }
  }
  const errors =
    days > 0
      ? actual.map((a, i) => a - predicted[i]!)
      : y.slice(PERIOD).map((a, i) => a - tested.fitted[PERIOD + i]!)
  const sigma = rms(errors)
  const params = fitHoltWinters(y, PERIOD)
  const final = runHoltWinters(y, PERIOD, params)
  return {
    model: 'holt-winters',
    points: project(final, n, PERIOD, horizon).map((v, i) =>
      bounded(v, Z80 * sigma * widening(params, PERIOD, i + 1)),
    ),
    backtest: { mape: modelMape, baselineMape, days },
  }
}

/**
 * The seasonal-naive h-step interval's factor on σ: √(k + 1), k the whole cycles before step h
 * (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", table 5.2).
 */
export function naiveWidening(period: number, h: number): number {
  return Math.sqrt(Math.floor((h - 1) / period) + 1)
}

function bounded(value: number, half: number) {
  const v = Math.max(0, value)
  return { value: v, lower: Math.max(0, value - half), upper: Math.max(0, value + half) }
}
