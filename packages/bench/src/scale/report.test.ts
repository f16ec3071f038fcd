import { describe, expect, it } from 'vitest'
import type { LoadResult } from './cannon.js'
import { type Report, type Row, ratio, renderTable, renderTargets } from './report.js'

const load = (p50: number, p95: number, p99: number, rps = 100): LoadResult => ({
  p50,
  p95,
  p99,
  requestsPerSecond: rps,
  requests: rps * 5,
  non2xx: 0,
  errors: 0,
  rssPeakMb: 250,
  machineBusyCores: 1.5,
  machineStolenCores: 0.1,
})

const rows: Row[] = [
  { label: 'floor', kind: 'floor', result: load(0.5, 0.8, 1) },
  { label: 'naive metrics', kind: 'naive', read: 'metrics', result: load(500, 600, 700, 8) },
  {
    label: 'REST metrics',
    kind: 'ours',
    read: 'metrics',
    transport: 'REST',
    cached: false,
    result: load(5, 10, 2.5),
  },
  {
    label: 'REST metrics cached',
    kind: 'ours',
    read: 'metrics',
    transport: 'REST',
    cached: true,
    result: load(0.5, 3, 4),
  },
  {
    label: 'REST metrics live',
    kind: 'ours',
    read: 'metrics',
    transport: 'REST',
    cached: false,
    live: true,
    result: load(50, 90, 99),
  },
]

const report: Report = {
  rows,
  ingest: {
    api: { events: 50_000, seconds: 5, eventsPerSecond: 10_000 },
    copy: { events: 50_000, seconds: 0.5, eventsPerSecond: 100_000 },
  },
  rss: [{ label: 'cached server', atRestMb: 150, peakMb: 320 }],
  checks: [
    { name: 'a read right after an ingest sees it (one instance)', ok: true, detail: '3 → 4' },
  ],
  pglite: false,
}

describe('scale report', () => {
  it('divides, and shows – for what it cannot divide', () => {
    expect(ratio(10, 4)).toBe('2.5×')
    expect(ratio(10, 0)).toBe('–')
    expect(ratio(undefined, 4)).toBe('–')
    expect(ratio(Number.NaN, 4)).toBe('–')
  })

  it('puts each row against the floor and its naive read', () => {
    const table = renderTable(report).split('\n')
    expect(table[0]).toMatch(/^\| row \| p50 ms/)
    expect(table.find((l) => l.startsWith('| REST metrics |'))).toBe(
      '| REST metrics | 5.00 | 10.00 | 2.50 | 100 | 2.5× | 100.0× | 250 | 1.50 | 0.10 | 0 / 0 |',
    )
    expect(table.find((l) => l.startsWith('| floor |'))).toContain('| 1× | – |')
    expect(table.at(-1)).toContain('API ÷ COPY 0.10×')
    // Every line has as many cells as the header.
    for (const line of table) expect(line.split(' | ')).toHaveLength(table[0]!.split(' | ').length)
  })

  it('judges each target on the worst quiet row, and says so when it is missed', () => {
    const t = renderTargets(report)
    expect(t).toContain(
      '- every read p95 ≤ 20 ms uncached (quiet): met (worst: REST metrics, 10.00)',
    )
    expect(t).toContain(
      '- every read p95 ≤ 2 ms cached (quiet): **missed** (worst: REST metrics cached, 3.00)',
    )
    expect(t.find((l) => l.startsWith('- uncached p99'))).toMatch(
      /met \(worst: REST metrics, 2.50\)/,
    )
    expect(t).toContain(
      '- every read ≥ 50× faster than its naive GROUP BY (p50, uncached REST): met (least: metrics, 100×)',
    )
    expect(t).toContain('- ingest ≥ 20,000 events/s through the API: **missed** (10,000 events/s)')
    expect(t.find((l) => l.includes('RSS'))).toMatch(
      /\*\*missed\*\* \(at rest 150 MB, peak 320 MB\)/,
    )
  })
})
