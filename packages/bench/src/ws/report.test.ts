import { describe, expect, it } from 'vitest'
import type { PhaseResult } from './phase.js'
import { renderTable, renderTargets } from './report.js'

const phase = (
  label: string,
  p99: number,
  opts: { apiCpu?: number; reads?: boolean } = {},
): PhaseResult => ({
  label,
  transport: 'trpc',
  subscribers: 10,
  sent: 100,
  stored: 100,
  notStored: 0,
  unanswered: 0,
  retries: 0,
  failedRequests: 0,
  expected: 1_000,
  delivered: 1_000,
  lost: 0,
  duplicates: 0,
  latencyMs: { p50: p99 / 2, p95: p99 * 0.9, p99, max: p99 * 1.2 },
  throughput: 100,
  serverCpu: 0.4,
  apiCpu: opts.apiCpu ?? null,
  serverRssMb: { start: 100, mid: 100, end: 100, max: 100 },
  serverHeapMb: { heapUsed: [40, 40], arrayBuffers: [0, 0] },
  serverRssSeriesMb: [100, 100],
  subscriberCpu: 0.2,
  otherCpu: 0,
  stolenCpu: 0,
  loopDelay: { p50: 0, p99: 5, max: 10 },
  postP99Ms: 20,
  reads: opts.reads
    ? { requestsPerSecond: 500, latencyP50Ms: 2, latencyP99Ms: 9, non2xx: 0, errors: 0 }
    : null,
  subscriberTrouble: { closes: 0, errors: 0, resumes: 0, minPerSubscriber: 100 },
})

describe('bench:ws report', () => {
  const results = [
    phase('one', 50),
    phase('one + reads', 150, { reads: true }),
    phase('feed', 80, { apiCpu: 0.1 }),
    phase('feed + reads', 120, { apiCpu: 0.6, reads: true }),
  ]

  it('compares each loaded run with the quiet run of the same layout', () => {
    const lines = renderTargets(results).split('\n')
    const underLoad = lines.filter((l) => l.includes('p99 under read load'))
    expect(underLoad).toHaveLength(2)
    expect(underLoad[0]).toMatch(/^- one \+ reads: .*\*\*missed\*\* \(150\.0 vs 50\.0 ms: 3\.00×\)/)
    expect(underLoad[1]).toMatch(/^- feed \+ reads: .* met \(120\.0 vs 80\.0 ms: 1\.50×\)/)
  })

  it("shows a feed instance's CPU next to the other instance's", () => {
    const table = renderTable(results)
    expect(table).toContain('| 0.40 + API 0.60 |')
    expect(table.split('\n').find((l) => l.startsWith('| one |'))).toContain('| 0.40 |')
  })
})
