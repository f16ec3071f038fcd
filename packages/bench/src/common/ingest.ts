import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { Histogram } from './histogram.js'
import { nowMicros, probeEvent } from './probe.js'

export interface IngestStats {
  sent: number
  /** Events the server answered it stored (new or duplicate: a retried batch is idempotent). */
  stored: number
  /** Events the server answered it rejected, or whose request failed even after retries. */
  notStored: number
  failedRequests: number
  retries: number
  /** `POST /api/events` round trips, µs. */
  postLatency: Histogram
  firstSentMicros: number
}

const RETRIES = 3

/**
 * Sends probes through `POST /api/events` at a steady rate in small batches, like a producer
 * that flushes every `batchMs`. Batches are sent on schedule even while earlier ones are still
 * in flight: a producer does not wait for the server, so a slow ingest shows as latency.
 */
export class IngestDriver {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 })
  private readonly inFlight = new Set<Promise<void>>()
  private warmups = 0
  private stopped = false
  readonly stats: IngestStats = {
    sent: 0,
    stored: 0,
    notStored: 0,
    failedRequests: 0,
    retries: 0,
    postLatency: new Histogram(),
    firstSentMicros: 0,
  }

  constructor(
    private readonly baseUrl: string,
    private readonly tag: string,
  ) {}

  /** One warm-up probe (negative number): proves a subscriber is live without being counted. */
  async warmUp(): Promise<void> {
    await this.post([probeEvent(this.tag, -++this.warmups, nowMicros())], false)
  }

  /**
   * Sends `rate` events a second for `durationMs`; resolves once the last batch is sent, not
   * answered (see `settled`).
   */
  async run(rate: number, durationMs: number, batchMs: number): Promise<void> {
    const total = Math.round((rate * durationMs) / 1_000)
    const start = performance.now()
    this.stats.firstSentMicros = nowMicros()
    this.stopped = false
    for (let tick = 1; this.stats.sent < total && !this.stopped; tick++) {
      const due = Math.min(total, Math.floor((rate * (performance.now() - start)) / 1_000))
      const batch = []
      for (; this.stats.sent < due; this.stats.sent++) {
        batch.push(probeEvent(this.tag, this.stats.sent, nowMicros()))
      }
      if (batch.length > 0) {
        const p: Promise<void> = this.post(batch, true).finally(() => this.inFlight.delete(p))
        this.inFlight.add(p)
      }
      await sleep(Math.max(0, start + tick * batchMs - performance.now()))
    }
  }

  /** Ends a `run` early, after the batch being prepared (for loads of open-ended length). */
  stop(): void {
    this.stopped = true
  }

  /** Batches sent but not yet answered. */
  get unanswered(): number {
    return this.inFlight.size
  }

  /**
   * Waits (at most `maxMs`) for every batch to be answered, then closes the connections: the
   * next phase must not start while this one's ingest is still queued in the server.
   */
  async close(maxMs: number): Promise<void> {
    const deadline = performance.now() + maxMs
    while (this.inFlight.size > 0 && performance.now() < deadline) await sleep(100)
    this.agent.destroy()
  }

  private async post(batch: unknown[], counted: boolean): Promise<void> {
    const started = nowMicros()
    for (let attempt = 0; ; attempt++) {
      try {
        const body = await postJson(`${this.baseUrl}/api/events`, batch, this.agent)
        if (!counted) return
        const { accepted, duplicates } = JSON.parse(body) as {
          accepted: number
          duplicates: number
        }
        this.stats.stored += accepted + duplicates
        this.stats.notStored += batch.length - accepted - duplicates
        this.stats.postLatency.record(nowMicros() - started)
        return
      } catch (err) {
        // Ingest is idempotent by event id, so a producer retries a batch whose answer it lost
        // (typically a keep-alive socket the server closed as the request went out).
        if (attempt < RETRIES && err instanceof NetworkError) {
          if (counted) this.stats.retries++
          continue
        }
        if (counted) {
          this.stats.failedRequests++
          this.stats.notStored += batch.length
        }
        process.stderr.write(`ingest request failed: ${String(err)}\n`)
        return
      }
    }
  }
}

class NetworkError extends Error {}

function postJson(url: string, payload: unknown, agent: Agent): Promise<string> {
  const body = JSON.stringify(payload)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (res.statusCode === 200) resolve(text)
          else reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))
        })
        res.on('error', (err) => reject(new NetworkError(err.message, { cause: err })))
      },
    )
    req.on('error', (err) => reject(new NetworkError(err.message, { cause: err })))
    req.end(body)
  })
}
