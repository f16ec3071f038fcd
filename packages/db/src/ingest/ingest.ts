import type { IngestRejection, IngestResult } from '@leads/contract'
import { type Kysely, sql, type Transaction } from 'kysely'
import { ensurePartitions } from '../migrate.js'
import { COUNTERS, type Database } from '../schema.js'
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
  // One array per column (`unnest`): building and parsing a VALUES list of a thousand rows
  // costs more than the insert itself.
  const column = <T>(f: (e: StoredEvent) => T) => stored.map(f)
  const seq = column((e) => e.seq)
  const eventId = column((e) => e.id)
  const occurredAt = column((e) => e.occurredAt.toISOString())
  await sql`
    insert into lead_events (seq, event_id, type, occurred_at, lead_id, agent_id, status, action, source, payload)
    select * from unnest(${seq}::int8[], ${eventId}::text[], ${column((e) => e.type)}::text[],
      ${occurredAt}::timestamptz[], ${column((e) => e.leadId)}::text[], ${column((e) => e.agentId)}::text[],
      ${column((e) => e.status)}::text[], ${column((e) => e.action)}::text[], ${column((e) => e.source)}::text[],
      ${column((e) => JSON.stringify(e.payload))}::jsonb[])`.execute(trx)
  await sql`
    insert into lead_event_ids (event_id, seq, occurred_at, fingerprint)
    select * from unnest(${eventId}::text[], ${seq}::int8[], ${occurredAt}::timestamptz[],
      ${column((e) => e.fingerprint)}::text[])`.execute(trx)
  return stored
}

/** Applies the effect of newly stored events to every derived table. */
export async function updateDerived(
  trx: Transaction<Database>,
  stored: readonly StoredEvent[],
): Promise<void> {
  if (stored.length === 0) return
  const deltas = new Deltas()
  for (const e of stored) deltas.addEvent(e)

  const leadIds = [...new Set(stored.flatMap((e) => (e.leadId === null ? [] : [e.leadId])))]
  const newIds = new Set(stored.map((e) => e.id))
  // Events are processed in cursor order, so "before" is everything with a smaller cursor.
  const byLead = await loadLeadEvents(
    trx,
    leadIds,
    stored.reduce((m, e) => Math.max(m, e.seq), 0),
    await earliestEvents(trx, leadIds, stored),
  )
  const derived = new Map<string, LeadFacts>()
  for (const leadId of leadIds) {
    const all = byLead.get(leadId) ?? []
    const before = all.filter((e) => !newIds.has(e.id))
    const after = deriveLead(all)
    if (before.length > 0) deltas.addLead(deriveLead(before), -1)
    deltas.addLead(after, 1)
    derived.set(leadId, after)
  }

  await writeLeadRows(trx, derived)
  await writeAgents(trx, stored)
  await writeCounters(trx, deltas)
}

/**
 * For each lead, an instant none of its events (stored before, or in this batch) precedes: the
 * earlier of its `first_event_at` and its new events; a lead without a row has only new events.
 */
async function earliestEvents(
  trx: Kysely<Database>,
  leadIds: string[],
  stored: readonly StoredEvent[],
): Promise<Map<string, Date>> {
  const earliest = new Map<string, Date>()
  const keepEarlier = (leadId: string, at: Date) => {
    const seen = earliest.get(leadId)
    if (seen === undefined || at < seen) earliest.set(leadId, at)
  }
  for (const e of stored) if (e.leadId !== null) keepEarlier(e.leadId, e.occurredAt)
  for (const part of chunks(leadIds, 5_000)) {
    const rows = await trx
      .selectFrom('leads')
      .select(['lead_id', 'first_event_at'])
      .where('lead_id', 'in', part)
      .execute()
    for (const r of rows) {
      // null only for rows written before the column existed and not backfilled: no bound.
      keepEarlier(r.lead_id, r.first_event_at ?? new Date(0))
    }
  }
  return earliest
}

/** First instant of the UTC month of `at`: the partition it falls in starts there. */
function monthOf(at: Date): number {
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)
}

/**
 * All events of `leadIds` with a cursor up to `maxSeq`, grouped by lead. With `earliest`, leads
 * are read in groups by the month of their earliest event, each group from that month on, so a
 * batch of recent leads reads only recent partitions however long the history is.
 */
export async function loadLeadEvents(
  trx: Kysely<Database>,
  leadIds: string[],
  maxSeq = Number.MAX_SAFE_INTEGER,
  earliest?: ReadonlyMap<string, Date>,
) {
  const byLead = new Map<string, LeadEventFacts[]>()
  const groups = new Map<number, string[]>()
  for (const id of leadIds) {
    const at = earliest?.get(id)
    const month = at === undefined ? 0 : monthOf(at)
    const group = groups.get(month) ?? []
    if (group.length === 0) groups.set(month, group)
    group.push(id)
  }
  for (const [month, ids] of groups)
    for (const part of chunks(ids, 5_000)) {
      const rows = await trx
        .selectFrom('lead_events')
        .select(['event_id', 'type', 'occurred_at', 'lead_id', 'agent_id', 'status', 'source'])
        .where('lead_id', 'in', part)
        .where('seq', '<=', maxSeq)
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
    await trx
      .insertInto('leads')
      .values(
        part.map(([lead_id, f]) => ({
          lead_id,
          created_at: f.createdAt,
          first_agent_id: f.firstAgentId,
          source: f.source,
          owner_agent_id: f.ownerAgentId,
          status: f.status,
          status_at: f.statusAt,
          first_event_at: f.firstEventAt,
        })),
      )
      .onConflict((oc) =>
        oc.column('lead_id').doUpdateSet((eb) => ({
          created_at: eb.ref('excluded.created_at'),
          first_agent_id: eb.ref('excluded.first_agent_id'),
          source: eb.ref('excluded.source'),
          owner_agent_id: eb.ref('excluded.owner_agent_id'),
          status: eb.ref('excluded.status'),
          status_at: eb.ref('excluded.status_at'),
          first_event_at: eb.ref('excluded.first_event_at'),
        })),
      )
      .execute()
    await trx
      .insertInto('conversion_tracking')
      .values(
        part.map(([lead_id, f]) => ({
          lead_id,
          created_at: f.createdAt,
          first_agent_id: f.firstAgentId,
          contacted_at: f.reached.contacted,
          qualified_at: f.reached.qualified,
          retained_at: f.reached.retained,
          completed_at: f.reached.completed,
          lost_at: f.lostAt,
          furthest_stage: f.furthestStage,
          converted_by: f.convertedBy,
        })),
      )
      .onConflict((oc) =>
        oc.column('lead_id').doUpdateSet((eb) => ({
          created_at: eb.ref('excluded.created_at'),
          first_agent_id: eb.ref('excluded.first_agent_id'),
          contacted_at: eb.ref('excluded.contacted_at'),
          qualified_at: eb.ref('excluded.qualified_at'),
          retained_at: eb.ref('excluded.retained_at'),
          completed_at: eb.ref('excluded.completed_at'),
          lost_at: eb.ref('excluded.lost_at'),
          furthest_stage: eb.ref('excluded.furthest_stage'),
          converted_by: eb.ref('excluded.converted_by'),
        })),
      )
      .execute()
    await trx
      .insertInto('response_times')
      .values(
        part.map(([lead_id, f]) => ({
          lead_id,
          created_at: f.createdAt,
          first_response_at: f.firstResponse?.at ?? null,
          responder_agent_id: f.firstResponse?.agentId ?? null,
          response_ms: f.responseMs,
        })),
      )
      .onConflict((oc) =>
        oc.column('lead_id').doUpdateSet((eb) => ({
          created_at: eb.ref('excluded.created_at'),
          first_response_at: eb.ref('excluded.first_response_at'),
          responder_agent_id: eb.ref('excluded.responder_agent_id'),
          response_ms: eb.ref('excluded.response_ms'),
        })),
      )
      .execute()
    await trx.deleteFrom('lead_assignments').where('lead_id', 'in', ids).execute()
    const assignments = part.flatMap(([lead_id, f]) =>
      f.assignments.map((a) => ({
        lead_id,
        agent_id: a.agentId,
        event_id: a.eventId,
        assigned_at: a.at,
        prev_assigned_at: a.prevAt,
      })),
    )
    for (const rows of chunks(assignments))
      await trx.insertInto('lead_assignments').values(rows).execute()
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
 * Adds the deltas to the counter tables: one upsert per table with a column array per column
 * (`unnest`), since a batch spread over a month touches thousands of bucket rows, and a VALUES
 * list of that many rows costs more to build and parse than to apply.
 */
export async function writeCounters(trx: Kysely<Database>, deltas: Deltas) {
  const { agent, org } = deltas.columns()
  const counters = sql.join(COUNTERS.map((c) => sql.ref(c)))
  const arrays = (t: CounterColumns) =>
    sql.join(
      COUNTERS.map(
        (c, i) => sql`${t.values[i]}::${sql.raw(c === 'response_ms' ? 'int8' : 'int4')}[]`,
      ),
    )
  const increment = (table: string) =>
    sql.join(
      COUNTERS.map(
        (c) => sql`${sql.ref(c)} = ${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
      ),
    )
  if (agent.grain.length > 0) {
    await sql`
      insert into agent_performance (grain, bucket_start, agent_id, ${counters})
      select * from unnest(${agent.grain}::text[], ${agent.bucketStart}::timestamptz[], ${agent.agentId}::text[], ${arrays(agent)})
      on conflict (grain, bucket_start, agent_id) do update set ${increment('agent_performance')}`.execute(
      trx,
    )
  }
  if (org.grain.length > 0) {
    await sql`
      insert into org_performance (grain, bucket_start, ${counters})
      select * from unnest(${org.grain}::text[], ${org.bucketStart}::timestamptz[], ${arrays(org)})
      on conflict (grain, bucket_start) do update set ${increment('org_performance')}`.execute(trx)
  }
}
