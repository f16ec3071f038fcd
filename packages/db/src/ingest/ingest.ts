import type { IngestRejection, IngestResult } from '@leads/contract'
import { type Kysely, sql, type Transaction } from 'kysely'
import { ensurePartitions } from '../migrate.js'
import { COUNTERS, type Database } from '../schema.js'
import { type Column, insertColumns, iso, replaceOnConflict } from './columns.js'
import { type CounterColumns, Deltas } from './deltas.js'
import { deriveLead, type LeadEventFacts, type LeadFacts } from './derive.js'
import { type NormalizedEvent, normalizeEvent } from './normalize.js'

/** An accepted event with its server-assigned cursor. */
export interface StoredEvent extends NormalizedEvent {
  seq: number
}

export interface IngestOutcome extends IngestResult {
  /** The newly stored events in cursor order (for the live feed). */
  stored: StoredEvent[]
}

/** Serialises ingest so cursors commit in increasing order and derived deltas never race. */
export const INGEST_LOCK = 4_242_001

const CHUNK = 1_000

export function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/**
 * Ingests a batch: validates each element, stores new events once (idempotent on `id`), and
 * updates every derived table in the same transaction. Never throws for bad input: invalid
 * events and id conflicts come back in `rejected` by index, and the valid ones land.
 */
export async function ingestEvents(
  db: Kysely<Database>,
  batch: readonly unknown[],
  now: Date = new Date(),
): Promise<IngestOutcome> {
  const rejected: IngestRejection[] = []
  const candidates: { index: number; event: NormalizedEvent }[] = []
  batch.forEach((raw, index) => {
    const n = normalizeEvent(raw, index, now)
    if (n.ok) candidates.push({ index, event: n.event })
    else rejected.push(n.rejection)
  })

  const conflict = (index: number, id: string): IngestRejection => ({
    index,
    id,
    code: 'conflict',
    error:
      'an event with this id was already received with different content; the stored event stands',
  })

  const result = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${INGEST_LOCK})`.execute(trx)

    const known = new Map<string, string>()
    const ids = [...new Set(candidates.map((c) => c.event.id))]
    for (const part of chunks(ids, 5_000)) {
      const rows = await trx
        .selectFrom('lead_event_ids')
        .select(['event_id', 'fingerprint'])
        .where('event_id', 'in', part)
        .execute()
      for (const r of rows) known.set(r.event_id, r.fingerprint)
    }

    let duplicates = 0
    const fresh: NormalizedEvent[] = []
    const conflicts: IngestRejection[] = []
    for (const { index, event } of candidates) {
      const seen = known.get(event.id)
      if (seen === undefined) {
        known.set(event.id, event.fingerprint)
        fresh.push(event)
      } else if (seen === event.fingerprint) duplicates++
      else conflicts.push(conflict(index, event.id))
    }

    const stored = await storeEvents(trx, fresh)
    await updateDerived(trx, stored)
    return { duplicates, conflicts, stored }
  })

  rejected.push(...result.conflicts)
  rejected.sort((a, b) => a.index - b.index)
  return {
    accepted: result.stored.length,
    duplicates: result.duplicates,
    rejected,
    stored: result.stored,
  }
}

async function storeEvents(
  trx: Transaction<Database>,
  fresh: NormalizedEvent[],
): Promise<StoredEvent[]> {
  if (fresh.length === 0) return []
  await ensurePartitions(
    trx,
    fresh.map((e) => e.occurredAt),
  )
  const { rows: seqs } = await sql<{ seq: number }>`
    select nextval('lead_event_seq')::int8 as seq from generate_series(1, ${fresh.length}::int)`.execute(
    trx,
  )
  const stored = fresh.map((e, i) => ({ ...e, seq: Number(seqs[i]!.seq) }))
  const column = <T>(f: (e: StoredEvent) => T) => stored.map(f)
  const seq = column((e) => e.seq)
  const eventId = column((e) => e.id)
  const occurredAt = column((e) => iso(e.occurredAt))
  await insertColumns('lead_events', [
    ['seq', 'int8', seq],
    ['event_id', 'text', eventId],
    ['type', 'text', column((e) => e.type)],
    ['occurred_at', 'timestamptz', occurredAt],
    ['lead_id', 'text', column((e) => e.leadId)],
    ['agent_id', 'text', column((e) => e.agentId)],
    ['status', 'text', column((e) => e.status)],
    ['action', 'text', column((e) => e.action)],
    ['source', 'text', column((e) => e.source)],
    ['payload', 'jsonb', column((e) => JSON.stringify(e.payload))],
  ]).execute(trx)
  await insertColumns('lead_event_ids', [
    ['event_id', 'text', eventId],
    ['seq', 'int8', seq],
    ['occurred_at', 'timestamptz', occurredAt],
    ['fingerprint', 'text', column((e) => e.fingerprint)],
  ]).execute(trx)
  return stored
}

/** Applies the effect of newly stored events to every derived table (under the ingest lock). */
async function updateDerived(
  trx: Transaction<Database>,
  stored: readonly StoredEvent[],
): Promise<void> {
  if (stored.length === 0) return
  const deltas = new Deltas()
  for (const e of stored) deltas.addEvent(e)

  const batch = new Map<string, StoredEvent[]>()
  for (const e of stored) {
    if (e.leadId === null) continue
    const list = batch.get(e.leadId)
    if (list === undefined) batch.set(e.leadId, [e])
    else list.push(e)
  }
  // Cursors are taken under the ingest lock, so a lead's events before this batch are exactly
  // those with a cursor below the batch's first.
  const firstSeq = stored.reduce((m, e) => Math.min(m, e.seq), Number.MAX_SAFE_INTEGER)
  const known = await storedLeads(trx, [...batch.keys()])
  const earlier = await loadLeadEvents(trx, known, firstSeq)
  const derived = new Map<string, LeadFacts>()
  for (const [leadId, events] of batch) {
    const before = earlier.get(leadId) ?? []
    const after = deriveLead(before.length === 0 ? events : [...before, ...events])
    if (before.length > 0) deltas.addLead(deriveLead(before), -1)
    deltas.addLead(after, 1)
    derived.set(leadId, after)
  }

  await writeLeadRows(trx, derived)
  await writeAgents(trx, stored)
  await writeCounters(trx, deltas)
}

/**
 * The leads among `leadIds` with events stored before, each with an instant none of those
 * events precedes (its `first_event_at`). A lead's row is written in the same transaction as
 * its events, so a lead without one has nothing stored before and is not read at all.
 */
async function storedLeads(trx: Kysely<Database>, leadIds: string[]): Promise<Map<string, Date>> {
  const known = new Map<string, Date>()
  for (const part of chunks(leadIds, 5_000)) {
    const rows = await trx
      .selectFrom('leads')
      .select(['lead_id', 'first_event_at'])
      .where('lead_id', 'in', part)
      .execute()
    // null only for rows written before the column existed and not backfilled: no bound.
    for (const r of rows) known.set(r.lead_id, r.first_event_at ?? new Date(0))
  }
  return known
}

/** First instant of the UTC month of `at`: the partition it falls in starts there. */
function monthOf(at: Date): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)
}

/**
 * All events of the leads in `earliest` with a cursor below `beforeSeq`, grouped by lead. Leads
 * are read in groups by the month of their earliest event, each group from that month on, so a
 * batch of recent leads reads only recent partitions however long the history is.
 */
async function loadLeadEvents(
  trx: Kysely<Database>,
  earliest: ReadonlyMap<string, Date>,
  beforeSeq: number,
) {
  const byLead = new Map<string, LeadEventFacts[]>()
  const groups = new Map<number, string[]>()
  for (const [id, at] of earliest) {
    const month = monthOf(at)
    const group = groups.get(month)
    if (group === undefined) groups.set(month, [id])
    else group.push(id)
  }
  for (const [month, ids] of groups)
    for (const part of chunks(ids, 5_000)) {
      const rows = await trx
        .selectFrom('lead_events')
        .select(['event_id', 'type', 'occurred_at', 'lead_id', 'agent_id', 'status', 'source'])
        .where('lead_id', 'in', part)
        .where('seq', '<', beforeSeq)
        .where('occurred_at', '>=', new Date(month))
        .execute()
      for (const r of rows) {
        const list = byLead.get(r.lead_id!) ?? []
        list.push({
          id: r.event_id,
          type: r.type,
          occurredAt: r.occurred_at,
          agentId: r.agent_id,
          status: r.status,
          source: r.source,
        })
        byLead.set(r.lead_id!, list)
      }
    }
  return byLead
}

export async function writeLeadRows(trx: Kysely<Database>, derived: Map<string, LeadFacts>) {
  const entries = [...derived.entries()]
  for (const part of chunks(entries)) {
    const ids = part.map(([id]) => id)
    const column = <T>(f: (facts: LeadFacts) => T) => part.map(([, facts]) => f(facts))
    const instant = (f: (facts: LeadFacts) => Date | null) => column((facts) => iso(f(facts)))
    const createdAt = instant((f) => f.createdAt)
    const firstAgentId = column((f) => f.firstAgentId)

    const leads: Column<'leads'>[] = [
      ['lead_id', 'text', ids],
      ['created_at', 'timestamptz', createdAt],
      ['first_agent_id', 'text', firstAgentId],
      ['source', 'text', column((f) => f.source)],
      ['owner_agent_id', 'text', column((f) => f.ownerAgentId)],
      ['status', 'text', column((f) => f.status)],
      ['status_at', 'timestamptz', instant((f) => f.statusAt)],
      ['first_event_at', 'timestamptz', instant((f) => f.firstEventAt)],
    ]
    await sql`${insertColumns('leads', leads)} ${replaceOnConflict('lead_id', leads)}`.execute(trx)

    const conversions: Column<'conversion_tracking'>[] = [
      ['lead_id', 'text', ids],
      ['created_at', 'timestamptz', createdAt],
      ['first_agent_id', 'text', firstAgentId],
      ['contacted_at', 'timestamptz', instant((f) => f.reached.contacted)],
      ['qualified_at', 'timestamptz', instant((f) => f.reached.qualified)],
      ['retained_at', 'timestamptz', instant((f) => f.reached.retained)],
      ['completed_at', 'timestamptz', instant((f) => f.reached.completed)],
      ['lost_at', 'timestamptz', instant((f) => f.lostAt)],
      ['furthest_stage', 'text', column((f) => f.furthestStage)],
      ['converted_by', 'text', column((f) => f.convertedBy)],
    ]
    await sql`${insertColumns('conversion_tracking', conversions)}
      ${replaceOnConflict('lead_id', conversions)}`.execute(trx)

    const responses: Column<'response_times'>[] = [
      ['lead_id', 'text', ids],
      ['created_at', 'timestamptz', createdAt],
      ['first_response_at', 'timestamptz', instant((f) => f.firstResponse?.at ?? null)],
      ['responder_agent_id', 'text', column((f) => f.firstResponse?.agentId ?? null)],
      ['response_ms', 'int8', column((f) => f.responseMs)],
    ]
    await sql`${insertColumns('response_times', responses)}
      ${replaceOnConflict('lead_id', responses)}`.execute(trx)

    // A lead's assignments are rewritten whole: a late event can change every `prev_assigned_at`.
    await trx.deleteFrom('lead_assignments').where('lead_id', 'in', ids).execute()
    const assignments = part.flatMap(([leadId, f]) => f.assignments.map((a) => ({ leadId, ...a })))
    for (const rows of chunks(assignments)) {
      const pick = <T>(f: (a: (typeof rows)[number]) => T) => rows.map(f)
      await insertColumns('lead_assignments', [
        ['lead_id', 'text', pick((a) => a.leadId)],
        ['agent_id', 'text', pick((a) => a.agentId)],
        ['event_id', 'text', pick((a) => a.eventId)],
        ['assigned_at', 'timestamptz', pick((a) => iso(a.at))],
        ['prev_assigned_at', 'timestamptz', pick((a) => iso(a.prevAt))],
      ]).execute(trx)
    }
  }
}

export async function writeAgents(trx: Kysely<Database>, stored: readonly StoredEvent[]) {
  const seen = [...new Set(stored.flatMap((e) => (e.agentId === null ? [] : [e.agentId])))]
  for (const part of chunks(seen)) {
    await trx
      .insertInto('agents')
      .values(
        part.map((agent_id) => ({
          agent_id,
          name: null,
          team_id: null,
          profile_at: null,
          profile_event_id: null,
        })),
      )
      .onConflict((oc) => oc.column('agent_id').doNothing())
      .execute()
  }
  // Latest profile by event time wins, whatever order upserts arrive in.
  for (const e of stored) {
    if (e.payload.type !== 'agent.upserted') continue
    const p = e.payload
    await trx
      .updateTable('agents')
      .set({
        name: p.name,
        team_id: p.teamId ?? null,
        active: p.active ?? true,
        profile_at: e.occurredAt,
        profile_event_id: e.id,
      })
      .where('agent_id', '=', p.agentId)
      .where((eb) =>
        eb.or([
          eb('profile_at', 'is', null),
          eb('profile_at', '<', e.occurredAt),
          eb.and([eb('profile_at', '=', e.occurredAt), eb('profile_event_id', '<', e.id)]),
        ]),
      )
      .execute()
  }
}

/**
 * Adds the deltas to the counter tables: one upsert per table (`insertColumns`), since a batch
 * spread over a month touches thousands of bucket rows. A bucket row already there gets the
 * batch's delta added to each counter.
 */
export async function writeCounters(trx: Kysely<Database>, deltas: Deltas) {
  const { agent, org } = deltas.columns()
  const counters = (t: CounterColumns) =>
    COUNTERS.map((c, i) => [c, c === 'response_ms' ? 'int8' : 'int4', t.values[i]!] as const)
  const increment = (table: string) =>
    sql`do update set ${sql.join(
      COUNTERS.map(
        (c) => sql`${sql.ref(c)} = ${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
      ),
    )}`
  if (agent.grain.length > 0) {
    const rows = insertColumns('agent_performance', [
      ['grain', 'text', agent.grain],
      ['bucket_start', 'timestamptz', agent.bucketStart],
      ['agent_id', 'text', agent.agentId],
      ...counters(agent),
    ])
    await sql`${rows} on conflict (grain, bucket_start, agent_id) ${increment('agent_performance')}`.execute(
      trx,
    )
  }
  if (org.grain.length > 0) {
    const rows = insertColumns('org_performance', [
      ['grain', 'text', org.grain],
      ['bucket_start', 'timestamptz', org.bucketStart],
      ...counters(org),
    ])
    await sql`${rows} on conflict (grain, bucket_start) ${increment('org_performance')}`.execute(
      trx,
    )
  }
}
