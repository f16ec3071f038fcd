import { z } from 'zod'
import { entityId } from './events.js'
import { timeZone } from './time.js'

export const FORECAST_METRICS = ['newLeads', 'conversions'] as const
/** Where a forecast's points come from (docs/metrics.md "Forecast"). */
export const FORECAST_MODELS = ['holt-winters', 'seasonal-naive', 'mean'] as const
export type ForecastModel = (typeof FORECAST_MODELS)[number]
export const FORECAST_HORIZONS = [7, 14, 30] as const

export const forecastInput = z.object({
  tz: timeZone.optional(),
  metric: z.enum(FORECAST_METRICS).optional(),
  /** Days to forecast, today first (default 14). */
  horizon: z.coerce.number().pipe(z.literal(FORECAST_HORIZONS)).optional(),
  agentId: entityId.optional(),
  teamId: entityId.optional(),
})
export type ForecastInput = z.input<typeof forecastInput>

const counts = { newLeads: z.number(), conversions: z.number() }

export const forecastOutput = z.object({
  metric: z.enum(FORECAST_METRICS),
  /**
   * What the points come from: Holt-Winters, or seasonal-naive (the same weekday a week before)
   * when that did better in the back-test, or the mean of the days there are (under two weeks).
   */
  model: z.enum(FORECAST_MODELS),
  horizon: z.number().int(),
  tz: z.string(),
  /** One point per local day from today on: the predicted total and its 80% interval. */
  points: z.array(
    z.object({ date: z.iso.date(), value: z.number(), lower: z.number(), upper: z.number() }),
  ),
  /**
   * One-day-ahead forecasts of the last `days` complete days against what happened: MAPE in
   * percent of the served model and of the seasonal-naive baseline (same weekday a week before;
   * the two are equal when seasonal-naive is served); days with no events are left out of both;
   * null when no day could be scored.
   */
  backtest: z.object({
    mape: z.number().nullable(),
    baselineMape: z.number().nullable(),
    days: z.number().int(),
  }),
  /** Expected totals at the end of today from today's count so far and the usual intraday curve. */
  onPace: z.object({ ...counts, soFar: z.object(counts), asOf: z.string() }),
  /** As on every read (SPEC §4): the instant the figures were computed at, in tz. */
  asOf: z.string(),
})
export type ForecastOutput = z.infer<typeof forecastOutput>
