import type { DrillMeasure, PipelineStage } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { alongIndex } from './ordered.js'
import { agentFilter, type Scope } from './timeline.js'

/**
 * Where each drill-down measure's facts live: one row per counted fact, found by the same
 * indexed time column the reads use for their sub-quarter-hour edges (docs/data-model.md), so a
 * list of a window holds exactly the facts the window's buckets summed.
 */
interface Source {
  table: string
  time: string
  agent: string
  /** Unique within the table; the keyset tie-break after the time. */
  key: string
  keyType: 'text' | 'bigint'
  eventType: string
  where: (from: string) => RawBuilder<unknown>
}

const SOURCES: Record<DrillMeasure, Source> = {
  newLeads: {
    table: 'conversion_tracking',
    time: 'created_at',
    agent: 'first_agent_id',
    key: 'lead_id',
    keyType: 'text',
    eventType: 'null::text',
    where: () => sql`true`,
  },
  conversions: {
    table: 'conversion_tracking',
    time: 'completed_at',
    agent: 'converted_by',
    key: 'lead_id',
    keyType: 'text',
    eventType: 'null::text',
    where: () => sql`converted_by is not null`,
  },
  responses: {
    table: 'response_times',
    time: 'first_response_at',
    agent: 'responder_agent_id',
    key: 'lead_id',
    keyType: 'text',
    eventType: 'null::text',
    where: () => sql`response_ms is not null`,
  },
  // A (lead, agent) pair counts once per window: only its first assignment inside the window
  // is listed, the same repeats the leaderboard subtracts.
  assigned: {
    table: 'lead_assignments',
    time: 'assigned_at',
    agent: 'agent_id',
    key: 'event_id',
    keyType: 'text',
    eventType: 'null::text',
    where: (from) => sql`(prev_assigned_at is null or prev_assigned_at < ${from}::timestamptz)`,
  },
  activity: {
    table: 'lead_events',
    time: 'occurred_at',
    agent: 'agent_id',
    key: 'seq',
    keyType: 'bigint',
    eventType: 'type',
    where: () => sql`type <> 'agent.upserted'`,
  },
}

export interface DrillQuery {
  measure: DrillMeasure
  /**
   * Disjoint ranges [from, to) of instants (a heatmap cell's local hours, or the whole window);
   * their span bounds the index scan, the ranges themselves filter it.
   */
  ranges: { from: number; to: number }[]
  scope: Scope
  /** `newLeads` only: cohort leads whose furthest stage is at least this one. */
  stage?: PipelineStage | undefined
  /** Keyset position: rows strictly before (t, key) in the newest-first order. */
  after?: { t: number; key: string } | undefined
  limit: number
}

export interface DrillRow {
  lead_id: string
  t: Date
  key: string
  agent_id: string | null
  event_type: string | null
  agent_name: string | null
  created_at: Date | null
  status: string | null
  furthest_stage: string | null
  response_ms: number | null
}

const ts = (ms: number) => new Date(ms).toISOString()

/** One page of a drill-down, newest fact first; `limit + 1` rows tell whether more follow. */
export async function drillRows(db: Kysely<Database>, q: DrillQuery): Promise<DrillRow[]> {
  return alongIndex(db, async (trx) => (await drillQuery(q).execute(trx)).rows)
}

/** The statement of `drillRows`, apart so a test can EXPLAIN it. */
export function drillQuery(q: DrillQuery): RawBuilder<DrillRow> {
  const s = SOURCES[q.measure]
  const time = sql.ref(s.time)
  const key = sql.ref(s.key)
  const windowFrom = ts(Math.min(...q.ranges.map((r) => r.from)))
  const windowTo = ts(Math.max(...q.ranges.map((r) => r.to)))
  const inRanges = sql.join(
    q.ranges.map(
      (r) => sql`(${time} >= ${ts(r.from)}::timestamptz and ${time} < ${ts(r.to)}::timestamptz)`,
    ),
    sql` or `,
  )
  const stage =
    q.measure === 'newLeads' && q.stage !== undefined && q.stage !== 'new'
      ? sql`${sql.ref(`${q.stage}_at`)} is not null`
      : sql`true`
  const after = q.after
    ? sql`(${time} < ${ts(q.after.t)}::timestamptz or (${time} = ${ts(q.after.t)}::timestamptz and ${key} < ${q.after.key}::${sql.raw(s.keyType)}))`
    : sql`true`
  return sql<DrillRow>`
    select f.lead_id, f.t, f.k as key, f.agent_id, f.event_type, a.name as agent_name,
           ct.created_at, l.status, ct.furthest_stage, rt.response_ms::float8 as response_ms
    from (
      select lead_id, ${time} as t, ${key}::text as k, ${key} as sort_key,
             ${sql.ref(s.agent)} as agent_id, ${sql.raw(s.eventType)} as event_type
      from ${sql.table(s.table)}
      where ${time} >= ${windowFrom}::timestamptz and ${time} < ${windowTo}::timestamptz
        and (${inRanges}) and ${s.where(windowFrom)} and ${agentFilter(s.agent, q.scope)}
        and ${stage} and ${after}
      order by ${time} desc, ${key} desc
      limit ${q.limit + 1}
    ) f
    left join conversion_tracking ct on ct.lead_id = f.lead_id
    left join leads l on l.lead_id = f.lead_id
    left join response_times rt on rt.lead_id = f.lead_id
    left join agents a on a.agent_id = f.agent_id
    order by f.t desc, f.sort_key desc`
}
