import type { LoadResult } from './cannon.js'
import type { Check } from './cluster.js'
import type { Throughput } from './ingest-bench.js'
import type { Read } from './reads.js'

export interface Row {
  label: string
  kind: 'floor' | 'naive' | 'ours' | 'mix'
  read?: Read['name']
  transport?: 'REST' | 'tRPC'
  cached?: boolean
  live?: boolean
  result: LoadResult
}

export interface Report {
  rows: Row[]
  ingest: { api: Throughput; copy: Throughput } | null
  rss: { label: string; atRestMb: number; peakMb: number }[]
  checks: Check[]
  pglite: boolean
}

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–')
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
/** `a ÷ b` as `12.3×`, or – when either side is missing. */
export const ratio = (a: number | undefined, b: number | undefined, digits = 1) =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a / b)
    ? `${fixed(a / b, digits)}×`
    : '–'

const verdict = (ok: boolean) => (ok ? 'met' : '**missed**')

/** The naive row of `read`, if measured. */
const naiveOf = (rows: Row[], read: Row['read']) =>
  rows.find((r) => r.kind === 'naive' && r.read === read)

/** The one table: every measured row, with its ratios to the floor and to the naive read. */
export function renderTable(report: Report): string {
  const floor = report.rows.find((r) => r.kind === 'floor')
  const head = [
    'row',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'req/s',
    'p99 ours/floor',
    'p50 naive/ours',
    'server RSS peak MB',
    'machine busy cores',
    'cores stolen by the hypervisor',
    'non-2xx / errors',
  ]
  const lines = report.rows.map((r) => {
    const naive = r.kind === 'ours' ? naiveOf(report.rows, r.read) : undefined
    return [
      r.label,
      fixed(r.result.p50, 2),
      fixed(r.result.p95, 2),
      fixed(r.result.p99, 2),
      int(r.result.requestsPerSecond),
      r.kind === 'floor' ? '1×' : ratio(r.result.p99, floor?.result.p99),
      naive ? ratio(naive.result.p50, r.result.p50) : '–',
      int(r.result.rssPeakMb),
      fixed(r.result.machineBusyCores, 2),
      fixed(r.result.machineStolenCores, 2),
      `${int(r.result.non2xx)} / ${int(r.result.errors)}`,
    ]
  })
  if (report.ingest) {
    const { api, copy } = report.ingest
    const rate = (t: Throughput) =>
      `${int(t.eventsPerSecond)} events/s (${int(t.events)} in ${fixed(t.seconds)} s)`
    const ingestRow = (label: string, value: string) => [
      label,
      '',
      '',
      '',
      value,
      ...head.slice(5).map(() => ''),
    ]
    lines.push(ingestRow('ingest: POST /api/events, batches of 1,000', rate(api)))
    lines.push(
      ingestRow(
        `ingest floor: COPY of the same rows into a bare table (API ÷ COPY ${ratio(api.eventsPerSecond, copy.eventsPerSecond, 2)})`,
        rate(copy),
      ),
    )
  }
  return [head, head.map(() => '---'), ...lines].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

/** The targets, each met or missed, with the figures behind the verdict. */
export function renderTargets(report: Report): string[] {
  const ours = report.rows.filter((r) => r.kind === 'ours' && !r.live)
  const floor = report.rows.find((r) => r.kind === 'floor')
  const worst = (rows: Row[], pick: (r: Row) => number) =>
    rows.reduce<Row | undefined>(
      (w, r) => (w === undefined || pick(r) > pick(w) ? r : w),
      undefined,
    )
  const out: string[] = []
  const line = (text: string, rows: Row[], limit: number, pick: (r: Row) => number) => {
    const w = worst(rows, pick)
    if (w)
      out.push(`- ${text} ${verdict(pick(w) <= limit)} (worst: ${w.label}, ${fixed(pick(w), 2)})`)
  }
  const uncached = ours.filter((r) => !r.cached)
  const cached = ours.filter((r) => r.cached)
  if (report.pglite) {
    line('every read p95 ≤ 100 ms on PGlite (quiet, uncached):', uncached, 100, (r) => r.result.p95)
  } else {
    line('every read p95 ≤ 20 ms uncached (quiet):', uncached, 20, (r) => r.result.p95)
    line('every read p95 ≤ 2 ms cached (quiet):', cached, 2, (r) => r.result.p95)
  }
  if (floor) {
    const f = floor.result.p99
    line(
      `uncached p99 ≤ 3× the floor's (${fixed(f, 2)} ms), as a multiple:`,
      uncached,
      3,
      (r) => r.result.p99 / f,
    )
  }
  const slowest = uncached
    .filter((r) => r.transport === 'REST')
    .map((r) => ({ r, x: (naiveOf(report.rows, r.read)?.result.p50 ?? Number.NaN) / r.result.p50 }))
    .filter((v) => Number.isFinite(v.x))
    .sort((a, b) => a.x - b.x)[0]
  if (slowest) {
    out.push(
      `- every read ≥ 50× faster than its naive GROUP BY (p50, uncached REST): ${verdict(slowest.x >= 50)} ` +
        `(least: ${slowest.r.read}, ${fixed(slowest.x, 0)}×)`,
    )
  }
  if (report.ingest) {
    const rate = report.ingest.api.eventsPerSecond
    out.push(
      `- ingest ≥ 20,000 events/s through the API: ${verdict(rate >= 20_000)} (${int(rate)} events/s)`,
    )
  }
  for (const c of report.checks.filter((c) => c.name.startsWith('a read right after'))) {
    out.push(`- ${c.name}: ${verdict(c.ok)} (${c.detail})`)
  }
  for (const m of report.rss) {
    out.push(
      `- server RSS ≤ 300 MB under load (${m.label}): ${verdict(m.peakMb <= 300)} ` +
        `(at rest ${int(m.atRestMb)} MB, peak ${int(m.peakMb)} MB)`,
    )
  }
  return out
}

export function renderChecks(checks: Check[]): string[] {
  return checks.map((c) => `- ${c.ok ? 'ok' : '**FAILED**'}: ${c.name} — ${c.detail}`)
}
