import { type Database, lastCursor } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { alongIndex } from './ordered.js'

export interface RawEventRow {
  seq: string
  event_id: string
  type: string
  occurred_at: Date
  lead_id: string | null
  agent_id: string | null
  status: string | null
  action: string | null
  source: string | null
  name: string | null
  team_id: string | null
}

export interface RawEventsPage {
  /** Events that occurred in [from, to); null: any time. */
  window: { from: number; to: number } | null
  /** Only events ingested up to this cursor: the export is one snapshot, however long it runs. */
  upTo: string
  /**
   * `time`: (occurred_at, seq) order, events strictly after the keyset position `after`.
   * `cursor`: seq (ingest) order, events with a seq above `after.seq`.
   */
  order: 'time' | 'cursor'
  after: { t: number; seq: string } | null
  /**
   * Whose events: null for all; else events by these agents or on leads these agents own now
   * (the live feed's rule), so an agent sees what others did on their leads too.
   */
  agentIds: readonly string[] | null
  limit: number
}

/** The newest server cursor: the export's snapshot bound. */
export async function latestSeq(db: Kysely<Database>): Promise<string> {
  return String(await lastCursor(db))
}

/**
 * One page of raw events in (occurred_at, seq) order, read along the partitions' primary key
 * (occurred_at, seq) from the keyset position, or in seq order along their seq index: every page
 * costs the same, wherever it starts.
 */
export async function rawEventsPage(
  db: Kysely<Database>,
  q: RawEventsPage,
): Promise<RawEventRow[]> {
  const iso = (ms: number) => new Date(ms).toISOString()
  const byTime = q.order === 'time'
  const after = !q.after
    ? sql`true`
    : byTime
      ? sql`(e.occurred_at, e.seq) > (${iso(q.after.t)}::timestamptz, ${q.after.seq}::bigint)`
      : sql`e.seq > ${q.after.seq}::bigint`
  const window = q.window
    ? sql`e.occurred_at >= ${iso(q.window.from)}::timestamptz and e.occurred_at < ${iso(q.window.to)}::timestamptz`
    : sql`true`
  const ids = q.agentIds === null ? null : [...q.agentIds]
  const scoped =
    ids === null
      ? sql`true`
      : sql`(e.agent_id = any(${ids}::text[]) or exists (
          select 1 from leads l where l.lead_id = e.lead_id and l.owner_agent_id = any(${ids}::text[])))`
  const page = sql<RawEventRow>`
    select e.seq::text as seq, e.event_id, e.type, e.occurred_at, e.lead_id, e.agent_id, e.status,
           e.action, e.source, e.payload->>'name' as name, e.payload->>'teamId' as team_id
    from lead_events e
    where ${window} and e.seq <= ${q.upTo}::bigint and ${after} and ${scoped}
    order by ${byTime ? sql`e.occurred_at, e.seq` : sql`e.seq`}
    limit ${q.limit}`
  return alongIndex(db, async (trx) => (await page.execute(trx)).rows)
}
