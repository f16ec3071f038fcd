import { pipeline } from 'node:stream/promises'
import type { LeadEvent } from '@leads/contract'
import { sql } from 'kysely'
import copyStreams from 'pg-copy-streams'
import type { DbClient } from '../client.js'
import { Deltas } from '../ingest/deltas.js'
import type { StoredEvent } from '../ingest/ingest.js'
import { writeAgents, writeCounters } from '../ingest/ingest.js'
import { normalizeEvent } from '../ingest/normalize.js'
import { deriveAllLeads } from '../ingest/rebuild.js'
import { ensurePartitions } from '../migrate.js'
import { type GenerateOptions, generateEvents, planGeneration } from './generate.js'
import { isEmpty } from './seed.js'

export interface BulkProgress {
  phase: 'events' | 'leads'
  done: number
  /** Estimate of the phase's total; the real one is known only at its end. */
  expected: number
  elapsedMs: number
}

export interface BulkResult {
  events: number
  leads: number
  /** Writing the events and their per-event counters, then analysing them. */
  eventsMs: number
  /** Deriving every lead's rows and counters from its events. */
  leadsMs: number
  analyzeMs: number
  elapsedMs: number
}

/** Events per COPY: large enough to amortise the round trips, small enough to stream. */
const CHUNK = 10_000

export const EVENT_COLUMNS = [
  'seq',
  'event_id',
  'type',
  'occurred_at',
  'lead_id',
  'agent_id',
  'status',
  'action',
  'source',
  'payload',
] as const
const ID_COLUMNS = ['event_id', 'seq', 'occurred_at', 'fingerprint'] as const

/** One CSV field: NULL unquoted and empty, anything else quoted (so '' stays an empty string). */
function field(v: string | number | null): string {
  if (v === null) return ''
  return typeof v === 'number' ? String(v) : `"${v.replaceAll('"', '""')}"`
}

/** The `lead_events` columns of a stored event, in `EVENT_COLUMNS` order, as one CSV line. */
export function eventCsvLine(e: StoredEvent): string {
  return `${[
    e.seq,
    e.id,
    e.type,
    e.occurredAt.toISOString(),
    e.leadId,
    e.agentId,
    e.status,
    e.action,
    e.source,
    JSON.stringify(e.payload),
  ]
    .map(field)
    .join(',')}\n`
}

function idCsvLine(e: StoredEvent): string {
  return `${[e.id, e.seq, e.occurredAt.toISOString(), e.fingerprint].map(field).join(',')}\n`
}

/**
 * `COPY table (columns) FROM` CSV text, on whichever database the client holds: a COPY stream
 * on a pooled Postgres connection, or PGlite's `/dev/blob`.
 */
export async function copyCsv(
  client: DbClient,
  table: string,
  columns: readonly string[],
  csv: string,
): Promise<void> {
  const cols = columns.map((c) => `"${c}"`).join(', ')
  if (client.pool) {
    const conn = await client.pool.connect()
    try {
      const stream = conn.query(
        copyStreams.from(`copy "${table}" (${cols}) from stdin with (format csv)`),
      )
      await pipeline(
        (async function* () {
          yield csv
        })(),
        stream,
      )
    } finally {
      conn.release()
    }
    return
  }
  await client.pglite!.query(`copy "${table}" (${cols}) from '/dev/blob' with (format csv)`, [], {
    blob: new Blob([csv]),
  })
}

/**
 * Loads generated history into an empty database faster than ingest: events and their ids by
 * COPY with their per-event counters, then every lead derived once from all its events (the
 * additive path `reconcile` trusts). The result is what ingesting the same events would give
 * (`bulk.test.ts` compares them). Not transactional: on failure, drop the database and retry.
 */
export async function bulkLoad(
  client: DbClient,
  opts: GenerateOptions,
  onProgress?: (p: BulkProgress) => void,
): Promise<BulkResult> {
  const db = client.db
  if (!(await isEmpty(db))) throw new Error('bulkLoad needs an empty database')
  const started = performance.now()
  const { expectedEvents } = planGeneration(opts)
  const {
    rows: [first],
  } = await sql<{ seq: number }>`select nextval('lead_event_seq')::int8 as seq`.execute(db)
  let seq = Number(first!.seq) - 1
  let events = 0
  let leads = 0

  let chunk: StoredEvent[] = []
  // The database writes one chunk while this thread generates the next (2 cores, 2 workers).
  let writing: Promise<void> = Promise.resolve()
  const startWrite = async () => {
    await writing
    const full = chunk
    chunk = []
    writing = write(full)
    // Awaited before the next write or at the end; marked handled so a failure is not reported
    // as unhandled while the generator is still running.
    writing.catch(() => {})
  }
  const write = async (chunk: StoredEvent[]) => {
    if (chunk.length === 0) return
    await ensurePartitions(
      db,
      chunk.map((e) => e.occurredAt),
    )
    await copyCsv(client, 'lead_events', EVENT_COLUMNS, chunk.map(eventCsvLine).join(''))
    await copyCsv(client, 'lead_event_ids', ID_COLUMNS, chunk.map(idCsvLine).join(''))
    const deltas = new Deltas()
    for (const e of chunk) deltas.addEvent(e)
    await writeAgents(db, chunk)
    await writeCounters(db, deltas)
    events += chunk.length
    onProgress?.({
      phase: 'events',
      done: events,
      expected: expectedEvents,
      elapsedMs: performance.now() - started,
    })
  }

  for (const raw of generateEvents(opts)) {
    const n = normalizeEvent(raw satisfies LeadEvent, events + chunk.length, opts.now)
    // The generator only makes valid, past events; anything else is a bug worth stopping for.
    if (!n.ok) throw new Error(`generated event rejected: ${JSON.stringify(n.rejection)}`)
    if (n.event.type === 'lead.created') leads++
    chunk.push({ ...n.event, seq: ++seq })
    if (chunk.length === CHUNK) await startWrite()
    else if (chunk.length % 1_000 === 0) {
      // Let the chunk being written take its next step (its queries' callbacks need this thread).
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  await startWrite()
  await writing
  onProgress?.({
    phase: 'events',
    done: events,
    expected: events,
    elapsedMs: performance.now() - started,
  })
  if (events > 0) await sql`select setval('lead_event_seq', ${seq})`.execute(db)
  // Statistics before the per-lead pass: without them the planner pages through the leads with
  // a sequential scan of every partition per page (minutes per million events).
  await sql`analyze lead_events`.execute(db)
  const eventsMs = performance.now() - started

  await deriveAllLeads(db, (done) =>
    onProgress?.({
      phase: 'leads',
      done,
      expected: Math.max(done, leads),
      elapsedMs: performance.now() - started,
    }),
  )
  const leadsMs = performance.now() - started - eventsMs

  // Fresh statistics, or the planner would plan the first reads for empty tables.
  await sql`analyze`.execute(db)
  const elapsedMs = performance.now() - started
  return { events, leads, eventsMs, leadsMs, analyzeMs: elapsedMs - eventsMs - leadsMs, elapsedMs }
}
