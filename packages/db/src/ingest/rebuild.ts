import type { LeadEvent } from '@leads/contract'
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../schema.js'
import { Deltas } from './deltas.js'
import { deriveLead, type LeadEventFacts, type LeadFacts } from './derive.js'
import {
  lockIngest,
  type StoredEvent,
  writeAgents,
  writeCounters,
  writeLeadRows,
} from './ingest.js'

export const DERIVED_TABLES = [
  'agents',
  'leads',
  'conversion_tracking',
  'response_times',
  'lead_assignments',
  'agent_performance',
  'org_performance',
] as const

const PAGE = 5_000

/**
 * Recomputes every derived table from `lead_events` alone, in pages (bounded memory): each
 * event's counters once, and each lead's facts from all of its events at once. Unlike ingest it
 * never subtracts, so it is an independent check of the incremental path.
 */
export async function rebuildDerived(trx: Transaction<Database>): Promise<void> {
  for (const t of DERIVED_TABLES) await trx.deleteFrom(t).execute()

  let after = 0
  for (;;) {
    const rows = await trx
      .selectFrom('lead_events')
      .select([
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
      ])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute()
    if (rows.length === 0) break
    after = rows[rows.length - 1]!.seq
    const events: StoredEvent[] = rows.map((r) => ({
      seq: r.seq,
      id: r.event_id,
      type: r.type as LeadEvent['type'],
      occurredAt: r.occurred_at,
      leadId: r.lead_id,
      agentId: r.agent_id,
      status: r.status,
      action: r.action,
      source: r.source,
      payload: r.payload as unknown as LeadEvent,
      fingerprint: '',
    }))
    const deltas = new Deltas()
    for (const e of events) deltas.addEvent(e)
    await writeAgents(trx, events)
    await writeCounters(trx, deltas)
  }

  await deriveAllLeads(trx)
}

/**
 * Writes every lead's per-lead rows and per-lead counters from all of its events, a page of
 * leads at a time (bounded memory). Additive: it assumes no lead has rows yet. Reports the
 * number of leads done after each page.
 */
export async function deriveAllLeads(
  db: Kysely<Database>,
  onPage?: (leadsDone: number) => void,
): Promise<void> {
  let lastLead = ''
  let done = 0
  for (;;) {
    const leads = await db
      .selectFrom('lead_events')
      .select('lead_id')
      .distinct()
      .where('lead_id', 'is not', null)
      .where('lead_id', '>', lastLead)
      .orderBy('lead_id')
      .limit(PAGE)
      .execute()
    if (leads.length === 0) break
    const ids = leads.map((l) => l.lead_id!)
    lastLead = ids[ids.length - 1]!
    const byLead = await loadLeadRange(db, ids[0]!, lastLead)
    const deltas = new Deltas()
    const derived = new Map<string, LeadFacts>()
    for (const id of ids) {
      const facts = deriveLead(byLead.get(id) ?? [])
      deltas.addLead(facts, 1)
      derived.set(id, facts)
    }
    await writeLeadRows(db, derived)
    await writeCounters(db, deltas)
    done += ids.length
    onPage?.(done)
  }
}

/**
 * All events of the leads in [first, last], grouped by lead. A key range is one contiguous slice
 * of each partition's (lead_id, occurred_at) index; the same page as an IN list would be thousands
 * of separate probes into every partition.
 */
async function loadLeadRange(db: Kysely<Database>, first: string, last: string) {
  const byLead = new Map<string, LeadEventFacts[]>()
  const rows = await db
    .selectFrom('lead_events')
    .select(['event_id', 'type', 'occurred_at', 'lead_id', 'agent_id', 'status', 'source'])
    .where('lead_id', '>=', first)
    .where('lead_id', '<=', last)
    .execute()
  for (const r of rows) {
    const list = byLead.get(r.lead_id!) ?? []
    if (list.length === 0) byLead.set(r.lead_id!, list)
    list.push({
      id: r.event_id,
      type: r.type,
      occurredAt: r.occurred_at,
      agentId: r.agent_id,
      status: r.status,
      source: r.source,
    })
  }
  return byLead
}

/** Every derived row in a canonical order, zero-valued counter rows left out. */
export async function snapshotDerived(db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const t of DERIVED_TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(db)
    out[t] = rows
      .map((r) => {
        const copy = { ...r }
        if (t === 'agents') delete copy.first_seen_at
        return copy
      })
      .filter(
        (r) =>
          !t.endsWith('_performance') ||
          Object.entries(r).some(([k, v]) => typeof v === 'number' && v !== 0 && k !== 'grain'),
      )
      .map((r) => JSON.stringify(r, Object.keys(r).sort()))
      .sort()
  }
  return out
}

export class ReconcileMismatch extends Error {}

/**
 * Compares the derived tables with a from-scratch rebuild and rolls the rebuild back, so the
 * check never changes data. Returns the tables that differ (empty when consistent).
 */
export async function reconcile(db: Kysely<Database>): Promise<string[]> {
  let differing: string[] = []
  await db
    .transaction()
    .execute(async (trx) => {
      await lockIngest(trx)
      const before = await snapshotDerived(trx)
      await rebuildDerived(trx)
      const rebuilt = await snapshotDerived(trx)
      differing = DERIVED_TABLES.filter(
        (t) => JSON.stringify(before[t]) !== JSON.stringify(rebuilt[t]),
      )
      throw new ReconcileMismatch('rollback')
    })
    .catch((e) => {
      if (!(e instanceof ReconcileMismatch)) throw e
    })
  return differing
}
