import {
  forecastInput,
  forecastOutput,
  funnelInput,
  funnelOutput,
  heatmapInput,
  heatmapOutput,
  leaderboardInput,
  leaderboardOutput,
  leadsInput,
  leadsOutput,
  leadVolumeInput,
  leadVolumeOutput,
  metricsInput,
  metricsOutput,
} from '@leads/contract'
import type { z } from 'zod'
import type { createCaller } from '../root.js'
import { parseQuery } from './query.js'

export type Caller = ReturnType<typeof createCaller>

/** A GET path answered by one analytics procedure; the OpenAPI document is built from the same table. */
export interface ReadRoute {
  path: string
  operationId: string
  summary: string
  description: string
  input: z.ZodObject
  output: z.ZodType
  /** The component name of the output schema in the OpenAPI document. */
  outputName: string
  /** Parses the query string with `input` (400 with the issues when it does not fit). */
  parse(query: URLSearchParams): unknown
  /** Calls the procedure with what `parse` returned. */
  call(caller: Caller, input: unknown): Promise<unknown>
}

function read<I extends z.ZodObject, O extends z.ZodType>(route: {
  path: string
  operationId: string
  summary: string
  description: string
  input: I
  output: O
  outputName: string
  call: (caller: Caller, input: z.output<I>) => Promise<z.output<O>>
}): ReadRoute {
  const { call, ...meta } = route
  return {
    ...meta,
    parse: (query) => parseQuery(query, route.input),
    call: (caller, input) => call(caller, input as z.output<I>),
  }
}

export const READ_ROUTES: readonly ReadRoute[] = [
  read({
    path: '/api/analytics/metrics',
    operationId: 'metrics',
    summary: 'Headline KPIs with period-over-period change',
    description:
      'Total leads, conversion rate, average first-response time and active agents for the window ' +
      '(default: today so far in `tz`), compared with the previous window (yesterday up to the same ' +
      'time, or the preceding span of a custom range): `changes` are relative changes in percent ' +
      '(null when the previous value is 0 or null), `deltas` absolute differences.',
    input: metricsInput,
    output: metricsOutput,
    outputName: 'MetricsOutput',
    call: (c, input) => c.analytics.metrics(input),
  }),
  read({
    path: '/api/analytics/lead-volume',
    operationId: 'leadVolume',
    summary: 'New leads and conversions per time bucket',
    description:
      'Buckets oldest first, gap-filled with zeros; the last bucket is the current, partial one. ' +
      'Defaults: `24h` → 24 hourly buckets, `7d` → 7 daily, `30d` → 30 daily. `start` is ISO 8601 ' +
      'with the offset of `tz`.',
    input: leadVolumeInput,
    output: leadVolumeOutput,
    outputName: 'LeadVolumeOutput',
    call: (c, input) => c.analytics.leadVolume(input),
  }),
  read({
    path: '/api/analytics/conversion-funnel',
    operationId: 'funnel',
    summary: 'Pipeline funnel for the cohort of leads created in the window',
    description:
      'Five stages in pipeline order (default window: this month). `count` is the number of cohort ' +
      'leads whose furthest stage is at least that stage, so counts never increase.',
    input: funnelInput,
    output: funnelOutput,
    outputName: 'FunnelOutput',
    call: (c, input) => c.analytics.funnel(input),
  }),
  read({
    path: '/api/analytics/activity-heatmap',
    operationId: 'heatmap',
    summary: 'Activity by local weekday and hour',
    description:
      'All 168 cells for the last 7 (`week`) or 30 (`month`) calendar days including today; ' +
      '`dayOfWeek` 0 = Monday … 6 = Sunday and `hour` 0–23, both local to `tz`.',
    input: heatmapInput,
    output: heatmapOutput,
    outputName: 'HeatmapOutput',
    call: (c, input) => c.analytics.heatmap(input),
  }),
  read({
    path: '/api/analytics/leaderboard',
    operationId: 'leaderboard',
    summary: 'Agents ranked by conversions',
    description:
      'Agents with any assignment or action in the window, ordered by converted leads (desc), ' +
      'conversion rate (desc, nulls last), average response time (asc, nulls last), agent id. ' +
      '`trend.previousRank` is the rank in the previous period of the same kind; `trend.series` the ' +
      "agent's conversions per day for the 7 days ending today. Paged with `limit` (≤ 500, default " +
      '50) and `offset`; `total` counts every ranked agent.',
    input: leaderboardInput,
    output: leaderboardOutput,
    outputName: 'LeaderboardOutput',
    call: (c, input) => c.analytics.leaderboard(input),
  }),
  read({
    path: '/api/analytics/leads',
    operationId: 'leads',
    summary: 'Drill-down: the leads behind one number of a report',
    description:
      'The facts a report counted, newest first: `report` and its own parameters (`period` or ' +
      '`from`/`to`, `tz`, `agentId`, `teamId`, `interval`) give the window, `measure` what is ' +
      'listed (metrics: newLeads|conversions|responses; leadVolume: newLeads|conversions with ' +
      '`bucketStart` for one bar; funnel: cohort leads at or beyond `stage`; heatmap: activity ' +
      'events, `dayOfWeek`+`hour` for one cell; leaderboard: assigned|conversions|responses with ' +
      "the row's `agentId`). All pages together hold exactly the report's number (response " +
      'times: their mean is the average). Agents see only their own rows. Paged with `limit` ' +
      '(≤ 500, default 50) and the opaque `cursor` from `nextCursor`.',
    input: leadsInput,
    output: leadsOutput,
    outputName: 'LeadsOutput',
    call: (c, input) => c.analytics.leads(input),
  }),
  read({
    path: '/api/analytics/forecast',
    operationId: 'forecast',
    summary: 'Daily forecast with an 80% interval, its back-test, and "on pace" for today',
    description:
      '`points`: one per local day from today (`horizon` 7, 14 default, or 30 days), the predicted ' +
      'total of `metric` (newLeads default, or conversions) with an 80% interval, from additive ' +
      'Holt-Winters with a weekly cycle over the last 12 weeks of complete days in `tz`, or ' +
      'seasonal-naive when that did better in the back-test (`model` says which). ' +
      '`backtest`: MAPE in percent of one-day-ahead forecasts of the last `days` (28) complete ' +
      'days by the served model, beside the seasonal-naive baseline (the same weekday a week earlier); days with no ' +
      'events are left out of both. `onPace`: expected end-of-day new leads and conversions from ' +
      "today's counts so far (`soFar`) and the usual intraday curve, as of `asOf`.",
    input: forecastInput,
    output: forecastOutput,
    outputName: 'ForecastOutput',
    call: (c, input) => c.analytics.forecast(input),
  }),
]

export const EVENTS_PATH = '/api/events'
/** CSV or JSON downloads of every report and of the raw events (rest/export.ts). */
export const EXPORT_PATH = '/api/analytics/export'
export const OPENAPI_PATH = '/api/openapi.json'
export const DOCS_PATH = '/api/docs'
/** Served by the live feed (WebSocket and SSE), not by this adapter. */
export const ACTIVITY_STREAM_PATH = '/api/analytics/activity-stream'
