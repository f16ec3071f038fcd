import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type CsvFormulas,
  type EventsExportInput,
  type ExportFormat,
  type ExportReport,
  eventsExportInput,
  exportedEvent,
  exportSelector,
  type FunnelOutput,
  type HeatmapOutput,
  type LeaderboardOutput,
  type LeadVolumeOutput,
  type MetricsOutput,
} from '@leads/contract'
import { KPI_KEYS } from '../router/metrics.js'
import { type Cell, csvLine } from './csv.js'
import { parseQuery } from './query.js'
import { encode, JSON_TYPE, sendCacheable } from './respond.js'
import { type Caller, READ_ROUTES } from './routes.js'

type Row = Record<string, Cell>
type TableReport = Exclude<ExportReport, 'events'>

/** Each report as rows of scalars: the shape of both the CSV and the JSON export. */
const TABLES: Record<
  TableReport,
  { operationId: string; columns: readonly string[]; rows(output: never): Row[] }
> = {
  metrics: {
    operationId: 'metrics',
    columns: [
      'kpi',
      'value',
      'previous',
      'change',
      'delta',
      'from',
      'to',
      'previousFrom',
      'previousTo',
    ],
    rows: (m: MetricsOutput) =>
      KPI_KEYS.map((kpi) => ({
        kpi,
        value: m[kpi],
        previous: m.previous[kpi],
        change: m.changes[kpi],
        delta: m.deltas[kpi],
        from: m.period.from,
        to: m.period.to,
        previousFrom: m.previousPeriod.from,
        previousTo: m.previousPeriod.to,
      })),
  },
  'lead-volume': {
    operationId: 'leadVolume',
    columns: ['start', 'newLeads', 'conversions'],
    rows: (v: LeadVolumeOutput) => v.buckets.map((b) => ({ ...b })),
  },
  funnel: {
    operationId: 'funnel',
    columns: ['stage', 'count', 'rateFromPrevious', 'rateFromStart'],
    rows: (f: FunnelOutput) => f.stages.map((s) => ({ ...s })),
  },
  heatmap: {
    operationId: 'heatmap',
    columns: ['dayOfWeek', 'hour', 'count'],
    rows: (h: HeatmapOutput) => h.cells.map((c) => ({ ...c })),
  },
  leaderboard: {
    operationId: 'leaderboard',
    columns: [
      'rank',
      'agentId',
      'agentName',
      'teamId',
      'totalLeads',
      'convertedLeads',
      'conversionRate',
      'avgResponseTimeSeconds',
      'previousRank',
      'series',
    ],
    rows: (b: LeaderboardOutput) =>
      b.rows.map(({ trend, ...r }) => ({
        ...r,
        previousRank: trend.previousRank,
        series: trend.series,
      })),
  },
}

/** Column order of the events export: the contract's. */
const EVENT_COLUMNS = Object.keys(exportedEvent.shape)

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: JSON_TYPE,
}

function attachment(report: ExportReport, asOf: string, format: ExportFormat) {
  // asOf is written in the read's zone, so its first ten characters are the local date.
  return {
    'content-disposition': `attachment; filename="${report}-${asOf.slice(0, 10)}.${format}"`,
  }
}

function render(
  rows: Row[],
  columns: readonly string[],
  format: ExportFormat,
  formulas: CsvFormulas,
): string {
  if (format === 'json') return JSON.stringify(rows)
  return (
    csvLine(columns) +
    rows
      .map((r) =>
        csvLine(
          columns.map((c) => r[c] ?? null),
          formulas,
        ),
      )
      .join('')
  )
}

/** Resolves true once the socket can take more, false when the client went away. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain)
      res.off('close', onClose)
      resolve(ok)
    }
    const onDrain = done(true)
    const onClose = done(false)
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

/**
 * Streams the raw events: headers and the first page go out as soon as the first page is read,
 * then one page at a time, each written only after the socket drained the previous one.
 */
async function streamEvents(
  caller: Caller,
  input: EventsExportInput,
  format: ExportFormat,
  formulas: CsvFormulas,
  res: ServerResponse,
): Promise<void> {
  const { pages, asOf } = await caller.analytics.eventsExport(input)
  res.writeHead(200, {
    ...attachment('events', asOf, format),
    'content-type': CONTENT_TYPE[format],
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  let first = true
  const open = format === 'csv' ? csvLine(EVENT_COLUMNS) : '['
  if (!res.write(open) && !(await drained(res))) return
  for await (const page of pages) {
    let chunk: string
    if (format === 'csv') {
      chunk = page
        .map((e) =>
          csvLine(
            EVENT_COLUMNS.map((c) => e[c as keyof typeof e]),
            formulas,
          ),
        )
        .join('')
    } else {
      chunk = `${first ? '\n' : ',\n'}${page.map((e) => JSON.stringify(e)).join(',\n')}`
      first = false
    }
    // Leaving the loop early closes the generator, which stops reading pages.
    if (res.destroyed || (!res.write(chunk) && !(await drained(res)))) return
  }
  res.end(format === 'json' ? '\n]\n' : undefined)
}

/**
 * `GET /api/analytics/export`: `report` and `format` (csv, default, or json) select the export;
 * every other parameter is the report's own input. Reports go through the same procedures as
 * their reads (same role scope, pseudonyms, cache); `events` is streamed.
 */
export async function answerExport(
  caller: Caller,
  /** Runs the query's parsing (the adapter charges a bad query to the caller's budget). */
  checked: <T>(parse: () => T) => Promise<T>,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const own = new URLSearchParams()
  const rest = new URLSearchParams()
  for (const [k, v] of query) (Object.hasOwn(exportSelector.shape, k) ? own : rest).append(k, v)
  const {
    report,
    format = 'csv',
    formulas = 'escape',
  } = await checked(() => parseQuery(own, exportSelector))
  if (report === 'events') {
    const input = await checked(() => parseQuery(rest, eventsExportInput))
    await streamEvents(caller, input, format, formulas, res)
    return
  }
  const table = TABLES[report]
  const route = READ_ROUTES.find((r) => r.operationId === table.operationId)!
  const input = await checked(() => route.parse(rest))
  const output = (await route.call(caller, input)) as { asOf: string }
  sendCacheable(
    req,
    res,
    CONTENT_TYPE[format],
    encode(render(table.rows(output as never), table.columns, format, formulas)),
    attachment(report, output.asOf, format),
  )
}
