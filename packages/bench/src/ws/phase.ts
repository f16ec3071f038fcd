import { setTimeout as sleep } from 'node:timers/promises'
import { Histogram } from '../common/histogram.js'
import { IngestDriver } from '../common/ingest.js'
import { type Child, spawnChild } from '../common/ipc.js'
import { ProcMonitor } from '../common/proc.js'
import type { Options } from './options.js'
import type { ReadersApi, ReadLoadStats } from './readers.js'
import type { SubscriberStats, SubscribersApi, Transport } from './subscribers.js'

export interface LoopDelay {
  p50: number
  p99: number
  max: number
}

export interface PhaseSpec {
  label: string
  transport: Transport
  /** Base http:// URL of the server under test (ingest and reads). */
  httpUrl: string
  /** The socket each subscriber opens. */
  wsUrl: string
  serverPid: number
  /**
   * The instance taking ingest and reads when the subscribers are on one of their own
   * (`serverPid`); it then hears of events over the bus, as another instance would.
   */
  apiPid?: number
  loopDelay: () => Promise<LoopDelay>
  memory: () => Promise<NodeJS.MemoryUsage>
  withReads: boolean
}

export interface PhaseResult {
  label: string
  transport: Transport
  subscribers: number
  sent: number
  stored: number
  notStored: number
  /** Ingest batches still unanswered when the phase ended. */
  unanswered: number
  retries: number
  failedRequests: number
  expected: number
  delivered: number
  lost: number
  duplicates: number
  latencyMs: { p50: number; p95: number; p99: number; max: number }
  /** Delivered messages per second, first send to last receipt. */
  throughput: number
  serverCpu: number
  /** CPU of the ingest-and-reads instance in a two-instance run, null in a one-instance run. */
  apiCpu: number | null
  serverRssMb: { start: number; mid: number; end: number; max: number }
  /** The server's JS heap and array buffers at ingest start and at the end, MB. */
  serverHeapMb: { heapUsed: [number, number]; arrayBuffers: [number, number] }
  /** Server RSS at every tenth of the phase, MB. */
  serverRssSeriesMb: number[]
  subscriberCpu: number
  /** Busy cores outside the server and the benchmark's own processes (other work on the machine). */
  otherCpu: number
  /** Cores the hypervisor gave to other guests during the run (steal time). */
  stolenCpu: number
  loopDelay: LoopDelay
  postP99Ms: number
  reads: ReadLoadStats | null
  subscriberTrouble: Pick<SubscriberStats, 'closes' | 'errors' | 'resumes' | 'minPerSubscriber'>
}

const log = (line: string) => process.stderr.write(`${line}\n`)
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)

/**
 * One measured run against one server: subscribers connect in their own processes, warm-up
 * probes prove each is live, then probes flow for `duration` seconds (optionally under a read
 * load), stragglers get `drain` seconds, and every subscriber reports what it saw.
 */
export async function runPhase(spec: PhaseSpec, opts: Options, tag: string): Promise<PhaseResult> {
  const capacity = Math.round(opts.rate * opts.duration)
  const shares = Array.from({ length: opts.subscriberProcs }, (_, i) =>
    Math.floor((opts.subscribers + i) / opts.subscriberProcs),
  ).filter((n) => n > 0)
  const subs = await Promise.all(
    shares.map(() => spawnChild<SubscribersApi>(new URL('./subscribers.ts', import.meta.url))),
  )
  let stopping: Promise<unknown> | null = null
  const stopAll = () => {
    stopping ??= Promise.all(subs.map((s) => s.call('stop').then(() => s.exited)))
    return stopping
  }
  try {
    log(`[${spec.label}] connecting ${opts.subscribers} subscribers`)
    const connectStarted = performance.now()
    await Promise.all(
      subs.map((s, i) =>
        s.call('start', {
          transport: spec.transport,
          url: spec.wsUrl,
          count: shares[i]!,
          tag,
          capacity,
        }),
      ),
    )
    log(
      `[${spec.label}] connected in ${Math.round(performance.now() - connectStarted)} ms; warming up`,
    )

    const ingest = new IngestDriver(spec.httpUrl, tag)
    await warmUp(ingest, subs, opts.subscribers)

    const readers = spec.withReads
      ? await spawnChild<ReadersApi>(new URL('./readers.ts', import.meta.url))
      : null
    const benchPids = [process.pid, ...subs.map((s) => s.pid), ...(readers ? [readers.pid] : [])]
    const serverPids = [spec.serverPid, ...(spec.apiPid ? [spec.apiPid] : [])]
    const monitor = new ProcMonitor([...serverPids, ...benchPids])
    await spec.loopDelay() // resets the server's event-loop histogram
    const memoryBefore = await spec.memory()
    await monitor.start()
    await readers?.call('start', {
      url: spec.httpUrl,
      connections: opts.readConnections,
      rate: opts.readRate,
    })
    log(`[${spec.label}] ingesting ${opts.rate} events/s for ${opts.duration} s`)
    await ingest.run(opts.rate, opts.duration * 1_000, opts.batchMs)
    const reads = readers ? await readers.call('stop') : null
    const delivered = await drain(subs, ingest, opts.subscribers, opts.drain * 1_000)
    await monitor.stop()
    const loopDelay = await spec.loopDelay()
    const memoryAfter = await spec.memory()
    const sent = ingest.stats
    const unanswered = ingest.unanswered
    // Sent events count as expected unless the server said it did not store them: a batch
    // still unanswered at the end was sent, and a producer would expect it delivered.
    const expected = (sent.sent - sent.notStored) * opts.subscribers

    const stats = await Promise.all(subs.map((s) => s.call('collect')))
    const latency = new Histogram()
    for (const s of stats) latency.merge(s.latency)
    const lastReceived = Math.max(...stats.map((s) => s.lastReceivedMicros))
    const seconds = (lastReceived - sent.firstSentMicros) / 1e6
    const rss = monitor.rss(spec.serverPid)
    const sum = (pick: (s: SubscriberStats) => number) => stats.reduce((n, s) => n + pick(s), 0)
    const ms = (us: number) => us / 1_000
    const result: PhaseResult = {
      label: spec.label,
      transport: spec.transport,
      subscribers: opts.subscribers,
      sent: sent.sent,
      stored: sent.stored,
      notStored: sent.notStored,
      unanswered,
      retries: sent.retries,
      failedRequests: sent.failedRequests,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates: sum((s) => s.duplicates),
      latencyMs: {
        p50: ms(latency.quantile(0.5)),
        p95: ms(latency.quantile(0.95)),
        p99: ms(latency.quantile(0.99)),
        max: ms(latency.max),
      },
      throughput: seconds > 0 ? delivered / seconds : 0,
      serverCpu: monitor.cpu(spec.serverPid),
      apiCpu: spec.apiPid ? monitor.cpu(spec.apiPid) : null,
      serverRssMb: { start: mb(rss.start), mid: mb(rss.mid), end: mb(rss.end), max: mb(rss.max) },
      serverRssSeriesMb: monitor.rssSeries(spec.serverPid).map(mb),
      serverHeapMb: {
        heapUsed: [mb(memoryBefore.heapUsed), mb(memoryAfter.heapUsed)],
        arrayBuffers: [mb(memoryBefore.arrayBuffers), mb(memoryAfter.arrayBuffers)],
      },
      subscriberCpu: subs.reduce((n, s) => n + monitor.cpu(s.pid), 0),
      otherCpu:
        monitor.machineCpu() -
        [...serverPids, ...benchPids].reduce((n, pid) => n + (monitor.cpu(pid) || 0), 0),
      stolenCpu: monitor.machineSteal(),
      loopDelay,
      postP99Ms: ms(sent.postLatency.quantile(0.99)),
      reads,
      subscriberTrouble: {
        closes: sum((s) => s.closes),
        errors: sum((s) => s.errors),
        resumes: sum((s) => s.resumes),
        minPerSubscriber: Math.min(...stats.map((s) => s.minPerSubscriber)),
      },
    }
    log(
      `[${spec.label}] delivered ${delivered}/${expected}, p99 ${result.latencyMs.p99.toFixed(1)} ms, ` +
        `server CPU ${result.serverCpu.toFixed(2)} cores`,
    )
    await stopAll()
    await ingest.close(120_000)
    return result
  } finally {
    await stopAll()
  }
}

/**
 * Sends a warm-up probe every 100 ms until every subscriber has received one: only then is each
 * subscription surely registered on the server, so no measured probe can be missed for being
 * sent too early.
 */
async function warmUp(
  ingest: IngestDriver,
  subs: Child<SubscribersApi>[],
  total: number,
): Promise<void> {
  const deadline = performance.now() + 60_000
  for (;;) {
    await ingest.warmUp()
    await sleep(100)
    const warm = (await Promise.all(subs.map((s) => s.call('warm')))).reduce((a, b) => a + b, 0)
    if (warm === total) return
    if (performance.now() > deadline) {
      throw new Error(`only ${warm} of ${total} subscribers received a warm-up probe in 60 s`)
    }
  }
}

/**
 * Waits until every ingest batch is answered and every expected message arrived, or nothing
 * moved for 5 s, or `maxMs` passed; answers how many probes the subscribers hold.
 */
async function drain(
  subs: Child<SubscribersApi>[],
  ingest: IngestDriver,
  subscribers: number,
  maxMs: number,
): Promise<number> {
  const deadline = performance.now() + maxMs
  let before = ''
  let lastProgress = performance.now()
  for (;;) {
    const delivered = (await Promise.all(subs.map((s) => s.call('progress')))).reduce(
      (a, b) => a + b,
      0,
    )
    const expected = (ingest.stats.sent - ingest.stats.notStored) * subscribers
    if (delivered >= expected && ingest.unanswered === 0) return delivered
    const now = `${delivered}/${ingest.unanswered}`
    if (now !== before) lastProgress = performance.now()
    before = now
    if (performance.now() > deadline || performance.now() - lastProgress > 5_000) return delivered
    await sleep(250)
  }
}
