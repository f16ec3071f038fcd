import { setTimeout as sleep } from 'node:timers/promises'
import { type IngestResult, type LeadEvent, MAX_BATCH_EVENTS } from '@leads/contract'
import { makeAgents } from './agents.js'
import { LocalClock, leadWeight, MEAN_LEAD_WEIGHT } from './calendar.js'
import { DEFAULT_AGENTS, eventsPerLead } from './generate.js'
import { mulberry32, poisson, TimeQueue } from './random.js'
import { LIVE_PACE, leadStory, Roster } from './story.js'

export interface SimulatorOptions {
  /** Base URL of the API; events go to `${url}/api/events`. */
  url: string
  /** Target events per second (on average). */
  ratePerSecond: number
  tz: string
  signal: AbortSignal
  /** Bearer token for the ingest endpoint, when it requires one. */
  token?: string | undefined
  /** Roster size and seed: keep them equal to the seed's so agent ids and names match. */
  agents?: number | undefined
  seed?: number | undefined
  /** Follow the office-hours shape in `tz` (averaging `ratePerSecond` over a week) instead of a flat rate. */
  seasonal?: boolean | undefined
  /** Start with no leads in flight: no backlog burst, but the rate builds up over ~15 minutes. */
  cold?: boolean | undefined
  /**
   * The newest event time the database holds (epoch ms): the backlog starts after it, so a
   * restart (`pnpm dev`'s watch) does not post a second copy of the last minutes' leads.
   */
  backlogAfter?: number | undefined
  tickMs?: number | undefined
  log?: ((line: string) => void) | undefined
}

export interface SimulatorStats {
  sent: number
  accepted: number
  duplicates: number
  rejected: number
  failedRequests: number
}

/** Leads take about this long to play out at live pace; the run starts with that much backlog. */
const WARM_UP_MS = 20 * 60_000
/** …but at high rates a shorter one, so the first tick does not post a flood. */
const MAX_BACKLOG_EVENTS = 50_000
const REPORT_EVERY_MS = 10_000

/**
 * Sends live events to the ingest API until `signal` aborts: new leads that progress through the
 * funnel over the next minutes, by the same agents as the seed. Starts as if it had already been
 * running (a backlog of in-flight leads), so the rate is about right from the start. Live
 * batches that fail are logged and dropped; the next tick carries on.
 */
export async function runSimulator(opts: SimulatorOptions): Promise<SimulatorStats> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const tickMs = opts.tickMs ?? 250
  if (!(opts.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0')
  const clock = new LocalClock(opts.tz)
  const agents = makeAgents(opts.agents ?? DEFAULT_AGENTS, opts.seed ?? 1)
  // Live data need not be reproducible, only distinct from every earlier run.
  const rng = mulberry32(Date.now() ^ (process.pid << 16))
  const ctx = { rng, roster: new Roster(agents), pace: LIVE_PACE }
  const perLead = eventsPerLead(agents, LIVE_PACE)
  const tag = `sim-${Date.now().toString(36)}${Math.floor(rng() * 36 ** 4).toString(36)}`
  const queue = new TimeQueue<LeadEvent>()
  const stats: SimulatorStats = {
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    failedRequests: 0,
  }
  let leads = 0

  const leadsPerMs = (at: number) => {
    const shape = opts.seasonal
      ? leadWeight(clock.at(at).weekday, clock.at(at).hour) / MEAN_LEAD_WEIGHT
      : 1
    return (opts.ratePerSecond * shape) / 1000 / perLead
  }
  const arrive = (from: number, to: number) => {
    const n = poisson(rng, leadsPerMs(to) * (to - from))
    for (let i = 0; i < n; i++) {
      for (const s of leadStory(ctx, `${tag}-${++leads}`, from + rng() * (to - from)))
        queue.push(s.at, s.event)
    }
  }

  const started = Date.now()
  const warmUp = opts.cold
    ? 0
    : Math.max(
        0,
        Math.min(
          WARM_UP_MS,
          (MAX_BACKLOG_EVENTS / opts.ratePerSecond) * 1000,
          started - (opts.backlogAfter ?? Number.NEGATIVE_INFINITY),
        ),
      )
  // Re-announcing the roster is harmless (same names) and names agents on an unseeded database.
  agents.forEach((a, i) => {
    const at = started - warmUp - agents.length + i
    queue.push(at, {
      id: `${tag}-${a.id}`,
      occurredAt: new Date(at).toISOString(),
      type: 'agent.upserted',
      agentId: a.id,
      name: a.name,
      teamId: a.teamId,
      active: true,
    })
  })
  arrive(started - warmUp, started)

  const post = postTo(opts, log, stats)
  const due = (until: number): LeadEvent[][] => {
    const batches: LeadEvent[][] = [[]]
    for (const event of queue.drain(until)) {
      if (batches.at(-1)!.length === MAX_BATCH_EVENTS) batches.push([])
      batches.at(-1)!.push(event)
    }
    return batches.filter((b) => b.length > 0)
  }

  log(
    `simulating ~${opts.ratePerSecond} events/s to ${opts.url}/api/events (${agents.length} agents)`,
  )
  // The API may still be starting (pnpm dev starts both at once): the warm-up, which carries the
  // agent profiles, waits for it instead of being dropped.
  for (const batch of due(started)) {
    while ((await post(batch)) === 'unreachable' && !opts.signal.aborted) {
      if (stats.failedRequests === 1) log('waiting for the API before sending the warm-up…')
      await sleep(1_000, undefined, { signal: opts.signal }).catch(() => {})
    }
  }
  if (warmUp > 0) log(`warm-up: sent ${stats.sent} events of the leads already in flight`)
  let last = started
  let reported = { at: Date.now(), sent: stats.sent }
  while (!opts.signal.aborted) {
    const tickStart = Date.now()
    arrive(last, tickStart)
    last = tickStart
    for (const batch of due(tickStart)) await post(batch)
    if (tickStart - reported.at >= REPORT_EVERY_MS) {
      const rate = ((stats.sent - reported.sent) * 1000) / (tickStart - reported.at)
      log(
        `sent ${stats.sent} events (${rate.toFixed(1)}/s), ${stats.rejected} rejected, ${stats.failedRequests} failed requests`,
      )
      reported = { at: tickStart, sent: stats.sent }
    }
    await sleep(Math.max(0, tickMs - (Date.now() - tickStart)), undefined, {
      signal: opts.signal,
    }).catch(() => {})
  }
  return stats
}

type PostOutcome = 'sent' | 'refused' | 'unreachable'

/**
 * POSTs one batch; never throws, so a down or failing server does not stop the simulator.
 * `refused`: the server answered with an error; `unreachable`: no answer at all.
 */
function postTo(opts: SimulatorOptions, log: (line: string) => void, stats: SimulatorStats) {
  const endpoint = `${opts.url.replace(/\/+$/, '')}/api/events`
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let failing = false

  const failed = (outcome: PostOutcome, why: string): PostOutcome => {
    stats.failedRequests++
    // One line when the server goes away, then one now and then, not one per tick.
    if (!failing || stats.failedRequests % 40 === 0) {
      log(`POST ${endpoint} failed (${stats.failedRequests} failed requests so far): ${why}`)
    }
    failing = true
    return outcome
  }

  return async (batch: LeadEvent[]): Promise<PostOutcome> => {
    let res: Response
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(batch),
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(10_000)]),
      })
    } catch (e) {
      return opts.signal.aborted ? 'unreachable' : failed('unreachable', describe(e))
    }
    try {
      if (!res.ok) {
        const hint = res.status === 401 || res.status === 403 ? ' (pass --token?)' : ''
        return failed('refused', `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}${hint}`)
      }
      const r = (await res.json()) as IngestResult
      stats.sent += batch.length
      stats.accepted += r.accepted
      stats.duplicates += r.duplicates
      stats.rejected += r.rejected.length
      if (r.rejected.length > 0)
        log(`${r.rejected.length} events rejected, e.g. ${r.rejected[0]!.error}`)
    } catch (e) {
      return failed('refused', describe(e))
    }
    if (failing) log('ingest endpoint reachable again')
    failing = false
    return 'sent'
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
  return `${e.message}${cause}`
}
