import type { PhaseResult } from './phase.js'

const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–')
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–')
const ratio = (a: number, b: number | undefined) =>
  b && Number.isFinite(a / b) ? `${fixed(a / b, 2)}×` : '–'

/** The one table the benchmark prints: a row per phase, ratios against the raw baseline. */
export function renderTable(results: PhaseResult[]): string {
  const raw = results.find((r) => r.transport === 'raw')
  const head = [
    'run',
    'delivered / expected',
    'lost (undelivered at cut-off)',
    'dup',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'delivered msg/s',
    'msg/s ours/raw',
    'p99 ours/raw',
    'server CPU (cores)',
    'server RSS MB start / mid / end',
    'server loop delay p99 ms',
    'subscribers CPU (cores)',
    'other CPU on the machine (cores)',
    'CPU stolen by the hypervisor (cores)',
  ]
  const rows = results.map((r) => {
    const vsRaw = r.transport !== 'raw'
    return [
      r.label,
      `${int(r.delivered)} / ${int(r.expected)}`,
      int(r.lost),
      int(r.duplicates),
      fixed(r.latencyMs.p50),
      fixed(r.latencyMs.p95),
      fixed(r.latencyMs.p99),
      fixed(r.latencyMs.max, 0),
      int(r.throughput),
      vsRaw ? ratio(r.throughput, raw?.throughput) : '1',
      vsRaw ? ratio(r.latencyMs.p99, raw?.latencyMs.p99) : '1',
      r.apiCpu === null
        ? fixed(r.serverCpu, 2)
        : `${fixed(r.serverCpu, 2)} + API ${fixed(r.apiCpu, 2)}`,
      `${r.serverRssMb.start} / ${r.serverRssMb.mid} / ${r.serverRssMb.end}`,
      fixed(r.loopDelay.p99),
      fixed(r.subscriberCpu, 2),
      fixed(r.otherCpu, 2),
      fixed(r.stolenCpu, 2),
    ]
  })
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

/**
 * Flat: the end of the run within 10 % of its first tenth (the first tenth absorbs warm-up:
 * JIT, socket buffers, the database's caches filling).
 */
function rssFlat(r: PhaseResult): boolean {
  const early = r.serverRssSeriesMb[1] ?? r.serverRssMb.start
  return r.serverRssMb.end <= early * 1.1
}

/** Each of the targets, met or not, with the figures behind the verdict. */
export function renderTargets(results: PhaseResult[]): string {
  const raw = results.find((r) => r.transport === 'raw')
  // Each loaded run against the quiet run of the same layout (one instance, or a feed instance).
  const pairs = [false, true].map((split) => {
    const same = results.filter((r) => r.transport === 'trpc' && (r.apiCpu !== null) === split)
    return [same.find((r) => !r.reads), same.find((r) => r.reads)] as const
  })
  const ours = results.filter((r) => r.transport !== 'raw')
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**')
  const lines: string[] = []
  for (const r of ours) {
    lines.push(
      `- ${r.label}: 0 lost ${verdict(r.lost === 0 && r.duplicates === 0)} (${int(r.lost)} lost, ` +
        `${int(r.duplicates)} duplicates); p95 ≤ 30 ms ${verdict(r.latencyMs.p95 <= 30)} ` +
        `(${fixed(r.latencyMs.p95)}); p99 ≤ 100 ms ${verdict(r.latencyMs.p99 <= 100)} ` +
        `(${fixed(r.latencyMs.p99)})` +
        (raw
          ? `; ≥ 70 % of raw msg/s ${verdict(r.throughput >= 0.7 * raw.throughput)} ` +
            `(${fixed((100 * r.throughput) / raw.throughput, 0)} %)`
          : '') +
        `; RSS flat ${verdict(rssFlat(r))} ` +
        `(${r.serverRssMb.start} → ${r.serverRssMb.mid} → ${r.serverRssMb.end} MB, peak ${r.serverRssMb.max})`,
    )
  }
  for (const [trpc, loaded] of pairs) {
    if (!trpc || !loaded?.reads) continue
    const x = loaded.latencyMs.p99 / trpc.latencyMs.p99
    lines.push(
      `- ${loaded.label}: p99 under read load ≤ 2× ${verdict(x <= 2)} (${fixed(loaded.latencyMs.p99)} vs ` +
        `${fixed(trpc.latencyMs.p99)} ms: ${fixed(x, 2)}×); the read load answered ` +
        `${int(loaded.reads.requestsPerSecond)} req/s, p50 ${fixed(loaded.reads.latencyP50Ms)} ms, ` +
        `p99 ${fixed(loaded.reads.latencyP99Ms)} ms, ${int(loaded.reads.non2xx)} non-2xx, ` +
        `${int(loaded.reads.errors)} errors`,
    )
  }
  for (const r of results) {
    const t = r.subscriberTrouble
    lines.push(
      `- ${r.label}: ${int(r.sent)} events sent, ${int(r.stored)} answered as stored, ` +
        `${int(r.notStored)} not stored (${int(r.failedRequests)} failed requests after ` +
        `${int(r.retries)} retries), ${int(r.unanswered)} batches unanswered at the end; ` +
        `ingest POST p99 ${fixed(r.postP99Ms)} ms; ` +
        `server loop delay p50/max ${fixed(r.loopDelay.p50)}/${fixed(r.loopDelay.max, 0)} ms; ` +
        `subscriber sockets closed by the server ${int(t.closes)}, subscription errors ` +
        `${int(t.errors)}, resumes ${int(t.resumes)}, fewest received by one subscriber ` +
        `${int(t.minPerSubscriber)}; server RSS MB at each tenth of the run ` +
        `${r.serverRssSeriesMb.join(', ')}; live JS heap ${r.serverHeapMb.heapUsed.join(' → ')} MB, ` +
        `array buffers ${r.serverHeapMb.arrayBuffers.join(' → ')} MB`,
    )
  }
  return lines.join('\n')
}
