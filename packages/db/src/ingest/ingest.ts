import type { IngestRejection, IngestResult } from '@leads/contract'
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely'
import {
  createPartition,
  type MissingPartition,
  missingPartitions,
  partitionsFor,
} from '../migrate.js'
import { COUNTERS, type Database } from '../schema.js'
import { type Column, insertColumns, iso, together, upsertColumns } from './columns.js'
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
const INGEST_LOCK = 4_242_001

/**
 * Takes the ingest lock until the transaction ends. Advisory locks are database-wide, so each
 * schema has a key of its own (`public` keeps the original one): deployments, or test files, on
 * other schemas of the same database do not wait for each other's batches.
 */
export async function lockIngest(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(
    case when current_schema() = 'public' then ${INGEST_LOCK}::int8
    else hashtextextended(current_schema(), ${INGEST_LOCK}) end)`.execute(trx)
}

const CHUNK = 1_000

export function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

export interface IngestOptions {
  /**
   * A channel to `pg_notify` with the batch's last cursor, from inside the ingest's own
   * transaction: Postgres delivers it at commit and never for a batch that did not commit, so
   * other instances learn of exactly what landed, and the caller has nothing left to publish.
   */
  notify?: string
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
  opts: IngestOptions = {},
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

  if (candidates.length === 0) return { accepted: 0, duplicates: 0, rejected, stored: [] }

  const result = await db.transaction().execute(async (trx) => {
    await lockIngest(trx)
    const events = candidates.map((c) => c.event)
    const known = await lookUp(trx, events)
    for (const [month, name] of known.missingPartitions) await createPartition(trx, month, name)

    let duplicates = 0
    const fresh: NormalizedEvent[] = []
    const conflicts: IngestRejection[] = []
    for (const { index, event } of candidates) {
      const seen = known.fingerprints.get(event.id)
      if (seen === undefined) {
        known.fingerprints.set(event.id, event.fingerprint)
        fresh.push(event)
      } else if (seen === event.fingerprint) duplicates++
      else conflicts.push(conflict(index, event.id))
    }

    // Both count the batch's distinct ids not stored yet; a mismatch is a bug, not bad input.
    if (fresh.length !== known.reserved)
      throw new Error(`ingest: ${known.reserved} cursors reserved for ${fresh.length} new events`)
    const stored = fresh.map((e, i) => ({ ...e, seq: known.firstSeq + i }))
    await writeBatch(trx, stored, known.leads, opts.notify)
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

/** What the database holds that a batch's writes depend on (see {@link lookUp}). */
interface Known {
  /** Stored event id → its fingerprint, for the ids in the batch. */
  fingerprints: Map<string, string>
  /** Leads of the batch with rows already, each with an instant none of its events precedes. */
  leads: Map<string, Date>
  /** Months whose partition of `lead_events` does not exist yet, with the name to create it under. */
  missingPartitions: [month: Date, name: string][]
  /** How many of the batch's distinct ids are new, and the first of as many cursors. */
  reserved: number
  firstSeq: number
}

/**
 * Everything the writes depend on, in one round trip: which ids are stored already, which leads
 * have rows (a lead's row is written with its events, so a lead without one has nothing stored
 * and is not read at all), which partitions are missing, and one cursor for each new id. Runs
 * under the ingest lock: nobody else takes cursors meanwhile, so the cursors are consecutive and
 * above every one committed.
 */
async function lookUp(trx: Transaction<Database>, events: readonly NormalizedEvent[]) {
  const ids = [...new Set(events.map((e) => e.id))]
  const leadIds = [...new Set(events.flatMap((e) => (e.leadId === null ? [] : [e.leadId])))]
  const months = partitionsFor(events.map((e) => e.occurredAt))
  const { rows } = await sql<{
    stored_ids: [string, string][] | null
    stored_leads: [string, number | null][] | null
    missing_partitions: MissingPartition[] | null
    reserved: number
    first_seq: number | null
  }>`
    select
      s.stored_ids,
      (select json_agg(json_build_array(lead_id, extract(epoch from first_event_at) * 1000))
        from leads where lead_id = any(${leadIds}::text[])) as stored_leads,
      ${missingPartitions(months)} as missing_partitions,
      s.reserved,
      case when s.reserved > 0
        then setval('lead_event_seq', nextval('lead_event_seq') + s.reserved - 1) - s.reserved + 1
      end as first_seq
    from (
      select json_agg(json_build_array(event_id, fingerprint)) as stored_ids,
        ${ids.length}::int8 - count(*) as reserved
      from lead_event_ids where event_id = any(${ids}::text[])
    ) as s`.execute(trx)
  const row = rows[0]!
  return {
    fingerprints: new Map(row.stored_ids ?? []),
    // A null first_event_at is a row from before the column existed, not backfilled: no bound.
    leads: new Map((row.stored_leads ?? []).map(([id, ms]) => [id, new Date(ms ?? 0)])),
    missingPartitions: (row.missing_partitions ?? []).map(([month, name]) => [
      months.get(month)!,
      name,
    ]),
    reserved: Number(row.reserved),
    firstSeq: Number(row.first_seq ?? 0),
  } satisfies Known
}

/**
 * Stores newly accepted events and applies their effect to every derived table (under the
 * ingest lock). Past reading the earlier events of the leads concerned, it is one statement.
 */
async function writeBatch(
  trx: Transaction<Database>,
  stored: readonly StoredEvent[],
  knownLeads: ReadonlyMap<string, Date>,
  notify: string | undefined,
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
  const earliest = new Map<string, Date>()
  for (const id of batch.keys()) {
    const at = knownLeads.get(id)
    if (at !== undefined) earliest.set(id, at)
  }
  // A lead's events before this batch are exactly those with a cursor below the batch's first.
  const earlier = await loadLeadEvents(trx, earliest, stored[0]!.seq)
  const derived = new Map<string, LeadFacts>()
  for (const [leadId, events] of batch) {
    const before = earlier.get(leadId) ?? []
    const after = deriveLead(before.length === 0 ? events : [...before, ...events])
    if (before.length > 0) deltas.addLead(deriveLead(before), -1)
    deltas.addLead(after, 1)
    derived.set(leadId, after)
  }

  const top = String(stored.at(-1)!.seq)
  await together(
    [
      ...eventWrites(stored),
      ...leadRowWrites([...derived]),
      agentWrite(stored),
      ...counterWrites(deltas),
    ],
    notify === undefined ? undefined : sql`select pg_notify(${notify}, ${top})`,
  ).execute(trx)
  await updateProfiles(trx, stored)
}

/** The events and their idempotency keys. */
function eventWrites(stored: readonly StoredEvent[]): RawBuilder<unknown>[] {
  const column = <T>(f: (e: StoredEvent) => T) => stored.map(f)
  const seq = column((e) => e.seq)
  const eventId = column((e) => e.id)
  const occurredAt = column((e) => iso(e.occurredAt))
  return [
    insertColumns('lead_events', [
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
    ]),
    insertColumns('lead_event_ids', [
      ['event_id', 'text', eventId],
      ['seq', 'int8', seq],
      ['occurred_at', 'timestamptz', occurredAt],
      ['fingerprint', 'text', column((e) => e.fingerprint)],
    ]),
  ]
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

/** Writes derived per-lead rows, a statement per thousand leads (bounded statement size). */
export async function writeLeadRows(trx: Kysely<Database>, derived: Map<string, LeadFacts>) {
  for (const part of chunks([...derived])) await together(leadRowWrites(part)).execute(trx)
}

/** The per-lead rows of `derived` (lead id, facts): leads, conversions, responses, assignments. */
function leadRowWrites(derived: readonly (readonly [string, LeadFacts])[]): RawBuilder<unknown>[] {
  const ids = derived.map(([id]) => id)
  const column = <T>(f: (facts: LeadFacts) => T) => derived.map(([, facts]) => f(facts))
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
  const responses: Column<'response_times'>[] = [
    ['lead_id', 'text', ids],
    ['created_at', 'timestamptz', createdAt],
    ['first_response_at', 'timestamptz', instant((f) => f.firstResponse?.at ?? null)],
    ['responder_agent_id', 'text', column((f) => f.firstResponse?.agentId ?? null)],
    ['response_ms', 'int8', column((f) => f.responseMs)],
  ]
  const all = derived.flatMap(([leadId, f]) => f.assignments.map((a) => ({ leadId, ...a })))
  const pick = <T>(f: (a: (typeof all)[number]) => T) => all.map(f)
  const assignedLead = pick((a) => a.leadId)
  const assignedEvent = pick((a) => a.eventId)
  const assignments: Column<'lead_assignments'>[] = [
    ['lead_id', 'text', assignedLead],
    ['event_id', 'text', assignedEvent],
    ['agent_id', 'text', pick((a) => a.agentId)],
    ['assigned_at', 'timestamptz', pick((a) => iso(a.at))],
    ['prev_assigned_at', 'timestamptz', pick((a) => iso(a.prevAt))],
  ]
  return [
    upsertColumns('leads', 'lead_id', leads),
    upsertColumns('conversion_tracking', 'lead_id', conversions),
    upsertColumns('response_times', 'lead_id', responses),
    // A lead's assignments are rewritten whole (a late event can change every
    // `prev_assigned_at`): the current ones upserted, any others of these leads deleted.
    upsertColumns('lead_assignments', ['lead_id', 'event_id'], assignments),
    sql`delete from lead_assignments where lead_id = any(${ids}::text[])
      and (lead_id, event_id) not in (
        select * from unnest(${assignedLead}::text[], ${assignedEvent}::text[]))`,
  ]
}

/** Registers agents seen for the first time, and applies agent profiles (`agent.upserted`). */
export async function writeAgents(trx: Kysely<Database>, stored: readonly StoredEvent[]) {
  await agentWrite(stored).execute(trx)
  await updateProfiles(trx, stored)
}

/** Adds a row for each agent of `stored` not known yet (name and team come with a profile). */
function agentWrite(stored: readonly StoredEvent[]): RawBuilder<unknown> {
  const seen = [...new Set(stored.flatMap((e) => (e.agentId === null ? [] : [e.agentId])))]
  return sql`${insertColumns('agents', [['agent_id', 'text', seen]])}
    on conflict (agent_id) do nothing`
}

/** Profiles update rows {@link agentWrite} may have just added, so they run after it. */
async function updateProfiles(trx: Kysely<Database>, stored: readonly StoredEvent[]) {
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
          // Ties go to the greater id in code-unit order (docs/metrics.md), not in the
          // database's collation (ICU's `en` puts 'a' before 'B').
          eb.and([
            eb('profile_at', '=', e.occurredAt),
            eb(sql<string>`profile_event_id collate "C"`, '<', e.id),
          ]),
        ]),
      )
      .execute()
  }
}

/**
 * Adds the deltas to the counter tables, one upsert per table (`insertColumns`), since a batch
 * spread over a month touches thousands of bucket rows. A bucket row already there gets the
 * batch's delta added to each counter.
 */
export async function writeCounters(trx: Kysely<Database>, deltas: Deltas) {
  const writes = counterWrites(deltas)
  if (writes.length > 0) await together(writes).execute(trx)
}

function counterWrites(deltas: Deltas): RawBuilder<unknown>[] {
  const { agent, org } = deltas.columns()
  const counters = (t: CounterColumns) =>
    COUNTERS.map((c, i) => [c, c === 'response_ms' ? 'int8' : 'int4', t.values[i]!] as const)
  const increment = (table: string) =>
    sql`do update set ${sql.join(
      COUNTERS.map(
        (c) => sql`${sql.ref(c)} = ${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
      ),
    )}`
  const writes: RawBuilder<unknown>[] = []
  if (agent.grain.length > 0) {
    const rows = insertColumns('agent_performance', [
      ['grain', 'text', agent.grain],
      ['bucket_start', 'timestamptz', agent.bucketStart],
      ['agent_id', 'text', agent.agentId],
      ...counters(agent),
    ])
    writes.push(
      sql`${rows} on conflict (grain, bucket_start, agent_id) ${increment('agent_performance')}`,
    )
  }
  if (org.grain.length > 0) {
    const rows = insertColumns('org_performance', [
      ['grain', 'text', org.grain],
      ['bucket_start', 'timestamptz', org.bucketStart],
      ...counters(org),
    ])
    writes.push(sql`${rows} on conflict (grain, bucket_start) ${increment('org_performance')}`)
  }
  return writes
}
