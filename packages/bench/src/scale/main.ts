import { cpus, loadavg, totalmem } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BenchDatabase, createBenchDatabase } from '../common/database.js'
import { IngestDriver } from '../common/ingest.js'
import { type Child, spawnChild } from '../common/ipc.js'
import { sampleProc } from '../common/proc.js'
import { measuredServerEnv, measuredServerModule } from '../common/serverEnv.js'
import type { LeadsServerApi } from '../ws/leads-server.js'
import type { BaselineServerApi } from './baseline-server.js'
import { type LoadResult, runLoad } from './cannon.js'
import { type Check, feedAcross, readAfterWrite, readsAgree } from './cluster.js'
import { copyIntoBareTable, extraEvents, ingestThroughApi } from './ingest-bench.js'
import { loadHistory, openBenchDb } from './load.js'
import { type Options, parseOptions, USAGE } from './options.js'
import { READS, trpcBatchPath } from './reads.js'
import { type Report, type Row, renderChecks, renderTable, renderTargets } from './report.js'

const parsed = parseOptions(process.argv.slice(2), process.env)
if (!parsed.ok) {
  if (parsed.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  process.stderr.write(`bench: bad arguments\n  ${parsed.problems.join('\n  ')}\n\n${USAGE}`)
  process.exit(2)
}
const opts: Options = parsed.options
const WARM_UP_SECONDS = 1
const log = (line: string) => process.stderr.write(`${line}\n`)
const started = performance.now()
const now = new Date()
const report: Report = { rows: [], ingest: null, rss: [], checks: [], pglite: opts.pglite }
/** The events sent through the API, COPYed again for the floor once the servers have stopped. */
let ingestEventsForCopy: ReturnType<typeof extraEvents> = []

const db = await createBenchDatabase(opts.databaseUrl)
// A stopped benchmark must not leave a database or a data directory behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: dropping ${db.describe}`)
    void db.drop().finally(() => process.exit(130))
  })
}

const machine =
  `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
  `node ${process.version}`
const loadAtStart = loadavg()[0]!
log(
  `bench — ${opts.events.toLocaleString('en-US')} events over ${opts.days} days, ${opts.agents} agents; ` +
    `${machine}, load average ${loadAtStart.toFixed(2)}; ${db.describe}`,
)

let loadSummary = ''
try {
  const loaded = await loadHistory(db, opts, now)
  const s = (ms: number) => `${(ms / 1_000).toFixed(1)} s`
  loadSummary =
    `Loaded ${loaded.events.toLocaleString('en-US')} events (${loaded.leads.toLocaleString('en-US')} leads) in ` +
    `${s(loaded.elapsedMs)}: ${Math.round(loaded.events / (loaded.elapsedMs / 1_000)).toLocaleString('en-US')} events/s ` +
    `(events + per-event counters ${s(loaded.eventsMs)}, per-lead tables ${s(loaded.leadsMs)}, ANALYZE ${s(loaded.analyzeMs)}).`
  log(loadSummary)

  await baselines()
  await measureServer(false)
  await measureServer(true)
  await copyFloor()
} finally {
  await db.drop()
}

const minutes = (performance.now() - started) / 60_000
process.stdout.write(
  [
    `## pnpm bench — ${opts.events.toLocaleString('en-US')} events, ${opts.duration} s per row, ${opts.connections} connections`,
    '',
    `${db.describe}${opts.redisUrl ? ', Redis cache and bus' : ''}. ${loadSummary} Whole run ${minutes.toFixed(1)} min.`,
    '',
    `Machine: ${machine}; 1-minute load average ${loadAtStart.toFixed(2)} at the start, ` +
      `${loadavg()[0]!.toFixed(2)} at the end (other work on the machine counts in it and in "machine busy cores").`,
    '',
    renderTable(report),
    '',
    ...renderTargets(report),
    ...(report.checks.length ? ['', 'Checks:', ...renderChecks(report.checks)] : []),
    '',
  ].join('\n'),
)

function measure(label: string, row: Omit<Row, 'label' | 'result'>, result: LoadResult): void {
  report.rows.push({ label, ...row, result })
  log(
    `  ${label}: p50 ${result.p50.toFixed(2)} p95 ${result.p95.toFixed(2)} p99 ${result.p99.toFixed(2)} ms, ` +
      `${Math.round(result.requestsPerSecond)} req/s, RSS peak ${result.rssPeakMb} MB`,
  )
}

/** Floor and naive rows, from their own process (it holds the database alone, as PGlite needs). */
async function baselines(): Promise<void> {
  const child = await spawnChild<BaselineServerApi>(
    new URL('./baseline-server.ts', import.meta.url),
    {
      env: { ...process.env, ...db.env },
    },
  )
  try {
    const url = await child.call('url')
    const load = (paths: string[]) =>
      runLoad({
        urls: [url],
        paths,
        connections: opts.connections,
        durationS: opts.duration,
        pids: [child.pid],
      })
    await load(['/floor']) // warm-up: JIT and pool connections
    measure('floor: `SELECT 1` over node:http', { kind: 'floor' }, await load(['/floor']))
    // A naive read over 10M events takes tens of seconds when four run at once: each row waits
    // for two answers per connection rather than stopping at a time with none finished.
    const naiveLoad = (path: string) =>
      runLoad({
        urls: [url],
        paths: [path],
        connections: opts.connections,
        durationS: opts.duration,
        amount: 2 * opts.connections,
        timeoutS: 600,
        pids: [child.pid],
      })
    for (const read of READS) {
      log(`naive ${read.name}…`)
      measure(
        `naive ${read.name}: one GROUP BY over lead_events`,
        { kind: 'naive', read: read.name },
        await naiveLoad(`/naive/${read.name}`),
      )
    }
  } finally {
    await child.call('stop')
    await child.exited
  }
}

async function startServer(
  cached: boolean,
  extraEnv: Record<string, string> = {},
): Promise<Child<LeadsServerApi>> {
  return spawnChild<LeadsServerApi>(await measuredServerModule(), {
    env: {
      ...measuredServerEnv(db.env, opts.redisUrl),
      CACHE: cached ? 'on' : 'off',
      ...extraEnv,
    },
    execArgv: ['--expose-gc'],
    loader: false,
  })
}

async function stopServer(server: Child<LeadsServerApi>): Promise<void> {
  await server.call('stop')
  await server.exited
}

async function warmUp(url: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    for (const read of READS) await (await fetch(url + read.rest)).text()
    await (await fetch(url + trpcBatchPath(READS))).text()
  }
}

/** Every read over REST and tRPC, quiet and under live ingest, on one server (cache on or off). */
async function measureServer(cached: boolean): Promise<void> {
  const label = cached ? 'cached' : 'uncached'
  const server = await startServer(cached)
  try {
    const url = await server.call('url')
    await warmUp(url)
    await sleep(1_000)
    const atRest = Math.round(((await sampleProc(server.pid))?.rssBytes ?? Number.NaN) / 2 ** 20)
    log(`${label} server at ${url}, RSS at rest ${atRest} MB`)
    let peak = atRest
    const load = async (paths: string[], urls = [url], pids = [server.pid]) => {
      // One unmeasured second on the same paths first: the database's buffers and the JIT then
      // hold what this row needs, whatever the row before it read.
      const spec = { urls, paths, connections: opts.connections, pids }
      await runLoad({ ...spec, durationS: WARM_UP_SECONDS })
      const r = await runLoad({ ...spec, durationS: opts.duration })
      peak = Math.max(peak, r.rssPeakMb)
      return r
    }
    for (const live of [false, true]) {
      const ingest = live ? new IngestDriver(url, `live${Date.now().toString(36)}`) : null
      const feeding = ingest?.run(opts.liveRate, 3_600_000, 200)
      const suffix = `${label}${live ? `, live ingest ${opts.liveRate}/s` : ''}`
      for (const read of READS) {
        measure(
          `ours ${read.name}: REST, ${suffix}`,
          { kind: 'ours', read: read.name, transport: 'REST', cached, live },
          await load([read.rest]),
        )
        measure(
          `ours ${read.name}: tRPC, ${suffix}`,
          { kind: 'ours', read: read.name, transport: 'tRPC', cached, live },
          await load([trpcBatchPath([read])]),
        )
      }
      measure(
        `ours: all five in one tRPC batch, ${suffix}`,
        { kind: 'mix', cached, live },
        await load([trpcBatchPath(READS)]),
      )
      if (ingest) {
        ingest.stop()
        await feeding
        await ingest.close(10_000)
      }
    }
    if (cached) {
      report.checks.push(await readAfterWrite(url, url, 'one instance'))
      if (opts.instances === 2) await twoInstances(url, server, load)
      log('ingest through the API…')
      const events = extraEvents(opts.ingestEvents, opts.agents, new Date())
      const api = await ingestThroughApi(url, events)
      peak = Math.max(peak, Math.round(((await sampleProc(server.pid))?.rssBytes ?? 0) / 2 ** 20))
      report.ingest = { api, copy: { events: 0, seconds: 0, eventsPerSecond: Number.NaN } }
      ingestEventsForCopy = events
    }
    report.rss.push({ label: `${label} server`, atRestMb: atRest, peakMb: peak })
  } finally {
    await stopServer(server)
  }
}

/** A second instance on the same database: split load, then the agreement and feed checks. */
async function twoInstances(
  urlA: string,
  a: Child<LeadsServerApi>,
  load: (paths: string[], urls?: string[], pids?: number[]) => Promise<LoadResult>,
): Promise<void> {
  const b = await startServer(true)
  try {
    const urlB = await b.call('url')
    await warmUp(urlB)
    const paths = READS.map((r) => r.rest)
    const ingest = new IngestDriver(urlA, `mix${Date.now().toString(36)}`)
    const feeding = ingest.run(opts.liveRate, 3_600_000, 200)
    measure(
      `1 instance: the five REST reads in turn, cached, live ingest ${opts.liveRate}/s`,
      { kind: 'mix', cached: true, live: true },
      await load(paths),
    )
    measure(
      `2 instances: the same load split between them, live ingest ${opts.liveRate}/s into one (RSS: both processes)`,
      { kind: 'mix', cached: true, live: true },
      // Straight to runLoad: the two processes' summed RSS is not one server's peak.
      await runLoad({
        urls: [urlA, urlB],
        paths,
        connections: opts.connections,
        durationS: opts.duration,
        pids: [a.pid, b.pid],
      }),
    )
    ingest.stop()
    await feeding
    await ingest.close(10_000)
    await sleep(500)
    const checks: Check[] = [
      await readsAgree([urlA, urlB]),
      await feedAcross(urlA, urlB),
      await readAfterWrite(urlA, urlB, 'ingest on one instance, read on the other'),
    ]
    report.checks.push(...checks)
  } finally {
    await stopServer(b)
  }
}

/** COPY of the API-ingested rows into a bare table, once the servers have let go of the database. */
async function copyFloor(): Promise<void> {
  if (!report.ingest) return
  const client = await openBenchDb(db as BenchDatabase)
  try {
    report.ingest.copy = await copyIntoBareTable(client, ingestEventsForCopy)
  } finally {
    await client.close()
  }
}
