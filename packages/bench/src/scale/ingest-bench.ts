import type { LeadEvent } from '@leads/contract'
import type { DbClient, StoredEvent } from '@leads/db'
import { copyCsv, EVENT_COLUMNS, eventCsvLine, generateEvents } from '@leads/db/seed'

export interface Throughput {
  events: number
  seconds: number
  eventsPerSecond: number
}

/**
 * `count` more generated events over the last 30 days (another seed, so new ids and leads):
 * what a CRM would send for a month already in the database.
 */
export function extraEvents(count: number, agents: number, now: Date): LeadEvent[] {
  const out: LeadEvent[] = []
  // Recent stories are cut at `now`, so ask for more than needed and keep the first `count`.
  for (const e of generateEvents({
    now,
    days: 30,
    agents,
    events: count * 2,
    tz: 'UTC',
    seed: 2,
  })) {
    out.push(e)
    if (out.length === count) break
  }
  return out
}

/**
 * Sends `events` through `POST /api/events` in batches of `batch`, `concurrency` requests in
 * flight (ingest itself is serialised by the server; a second request overlaps parsing and
 * validation with the database work of the first). Fails on any rejected event.
 */
export async function ingestThroughApi(
  url: string,
  events: readonly LeadEvent[],
  batch = 1_000,
  concurrency = 2,
): Promise<Throughput> {
  const bodies: string[] = []
  for (let i = 0; i < events.length; i += batch)
    bodies.push(JSON.stringify(events.slice(i, i + batch)))
  let next = 0
  let accepted = 0
  const started = performance.now()
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!
      const res = await fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      const text = await res.text()
      if (res.status !== 200)
        throw new Error(`POST /api/events: HTTP ${res.status}: ${text.slice(0, 300)}`)
      const r = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] }
      if (r.rejected.length > 0)
        throw new Error(`events rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`)
      accepted += r.accepted
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - started) / 1_000
  return { events: accepted, seconds, eventsPerSecond: accepted / seconds }
}

/**
 * The floor for ingest: the same rows COPYed into a bare copy of `lead_events` (no partitions,
 * indexes, idempotency or derived tables), CSV encoding included, in chunks of 10,000.
 */
export async function copyIntoBareTable(
  client: DbClient,
  events: readonly LeadEvent[],
): Promise<Throughput> {
  await exec(client, 'create table bench_bare_events (like lead_events including defaults)')
  try {
    const started = performance.now()
    for (let i = 0; i < events.length; i += 10_000) {
      const lines = events
        .slice(i, i + 10_000)
        .map((e, j) => eventCsvLine(storedShape(e, i + j + 1)))
      await copyCsv(client, 'bench_bare_events', EVENT_COLUMNS, lines.join(''))
    }
    const seconds = (performance.now() - started) / 1_000
    return { events: events.length, seconds, eventsPerSecond: events.length / seconds }
  } finally {
    await exec(client, 'drop table bench_bare_events')
  }
}

function storedShape(e: LeadEvent, seq: number): StoredEvent {
  const f = e as Partial<Record<'leadId' | 'agentId' | 'status' | 'action' | 'source', string>>
  return {
    seq,
    id: e.id,
    type: e.type,
    occurredAt: new Date(e.occurredAt),
    leadId: f.leadId ?? null,
    agentId: f.agentId ?? null,
    status: f.status ?? null,
    action: f.action ?? null,
    source: f.source ?? null,
    payload: e,
    fingerprint: '',
  }
}

async function exec(client: DbClient, text: string): Promise<void> {
  if (client.pool) await client.pool.query(text)
  else await client.pglite!.exec(text)
}
