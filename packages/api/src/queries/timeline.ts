import { type Counter, DAY_MS, decompose, GRAINS, type Grain, HOUR_MS } from '@leads/db'
import { type RawBuilder, sql } from 'kysely'

/**
 * Whose counters a read sums: the organisation row (every event, with or without an agent),
 * or agent rows — all agents (`agentIds` null) or a given set.
 */
export type Scope = { kind: 'org' } | { kind: 'agents'; agentIds: readonly string[] | null }

export interface TimelineSpec {
  from: number
  to: number
  counters: readonly Counter[]
  scope: Scope
  /** Reads that group by local time use quarter-hours only; totals may use coarser grains. */
  grains?: readonly Grain[]
}

/** Where a counter is found for the sub-quarter-hour edges of a window, one row per fact. */
interface EdgeSource {
  table: string
  time: string
  agent: string
  where?: string
  counters: Partial<Record<Counter, string>>
}

const EDGE_SOURCES: EdgeSource[] = [
  {
    table: 'conversion_tracking',
    time: 'created_at',
    agent: 'first_agent_id',
    counters: {
      leads_created: '1',
      cohort_contacted: '(contacted_at is not null)::int',
      cohort_qualified: '(qualified_at is not null)::int',
      cohort_retained: '(retained_at is not null)::int',
      cohort_completed: '(completed_at is not null)::int',
    },
  },
  {
    table: 'conversion_tracking',
    time: 'completed_at',
    agent: 'converted_by',
    where: 'converted_by is not null',
    counters: { conversions: '1' },
  },
  {
    table: 'response_times',
    time: 'first_response_at',
    agent: 'responder_agent_id',
    where: 'response_ms is not null',
    counters: { first_responses: '1', response_ms: 'response_ms' },
  },
  {
    table: 'lead_assignments',
    time: 'assigned_at',
    agent: 'agent_id',
    counters: { assignments: '1' },
  },
  {
    table: 'lead_events',
    time: 'occurred_at',
    agent: 'agent_id',
    where: `type <> 'agent.upserted'`,
    counters: {
      activity: '1',
      actions: `(type = 'agent.action')::int`,
      status_changes: `(type = 'lead.status_changed')::int`,
      moved_new: `(status = 'new')::int`,
      moved_contacted: `(status = 'contacted')::int`,
      moved_qualified: `(status = 'qualified')::int`,
      moved_retained: `(status = 'retained')::int`,
      moved_completed: `(status = 'completed')::int`,
      moved_lost: `(status = 'lost')::int`,
    },
  },
]

const ts = (ms: number) => new Date(ms).toISOString()

/**
 * The grains a read may sum when it groups rows into buckets starting at `starts` (local hours
 * or days): no bucket of a grain may straddle a start. Quarter-hours never do, since every zone's
 * hours begin on a quarter-hour; hours do when every start is a whole hour in UTC (whole-hour
 * zones), days when every start is a UTC midnight. A 30-day hourly series in New York sums 720
 * hour rows instead of 2,880 quarter-hours.
 */
export function groupingGrains(starts: readonly number[]): Grain[] {
  const all = (unit: number) => starts.every((s) => s % unit === 0)
  const grains: Grain[] = ['quarter_hour']
  if (all(HOUR_MS)) grains.push('hour')
  if (all(DAY_MS)) grains.push('day')
  return grains
}

/** `column` limited to the scope's agents (drill-down lists filter the same way). */
export function agentFilter(column: string, scope: Scope): RawBuilder<unknown> {
  if (scope.kind === 'org') return sql`true`
  if (scope.agentIds === null) return sql`${sql.ref(column)} is not null`
  return sql`${sql.ref(column)} = any(${[...scope.agentIds]}::text[])`
}

/**
 * The counters of [from, to) as rows `(t, agent_id, …counters)`: whole buckets from the
 * pre-aggregated tables (t = bucket start, the coarsest grain that fits), and for the at most
 * two sub-quarter-hour edges one row per fact from the per-lead tables or the event log,
 * found by an index range (t = the fact's own time). Summing the rows gives exact totals; grouping
 * them by local hour or day is exact too, since every zone's hour starts on a quarter-hour.
 */
export function timeline(spec: TimelineSpec): RawBuilder<Record<string, unknown>> {
  const segments = decompose(spec.from, spec.to, spec.grains ?? GRAINS)
  const parts: RawBuilder<unknown>[] = []
  const cols = (expr: (c: Counter) => string | undefined) =>
    sql.join(spec.counters.map((c) => sql`${sql.raw(expr(c) ?? '0')}::int8 as ${sql.ref(c)}`))

  const bucketed = segments.filter((s) => s.grain !== null)
  if (bucketed.length > 0) {
    const table = spec.scope.kind === 'org' ? 'org_performance' : 'agent_performance'
    const agent = spec.scope.kind === 'org' ? sql`null::text` : sql.ref('agent_id')
    const ranges = sql.join(
      bucketed.map(
        (s) =>
          sql`(grain = ${s.grain} and bucket_start >= ${ts(s.from)}::timestamptz and bucket_start < ${ts(s.to)}::timestamptz)`,
      ),
      sql` or `,
    )
    parts.push(sql`select bucket_start as t, ${agent} as agent_id, ${cols((c) => c)}
      from ${sql.table(table)} where (${ranges}) and ${agentFilter('agent_id', spec.scope)}`)
  }

  const edges = segments.filter((s) => s.grain === null)
  for (const source of EDGE_SOURCES) {
    if (edges.length === 0 || !spec.counters.some((c) => source.counters[c] !== undefined)) continue
    const time = sql.ref(source.time)
    const inEdges = sql.join(
      edges.map(
        (e) => sql`(${time} >= ${ts(e.from)}::timestamptz and ${time} < ${ts(e.to)}::timestamptz)`,
      ),
      sql` or `,
    )
    const agent = spec.scope.kind === 'org' ? sql`null::text` : sql.ref(source.agent)
    parts.push(sql`select ${time} as t, ${agent} as agent_id, ${cols((c) => source.counters[c])}
      from ${sql.table(source.table)}
      where (${inEdges}) and ${sql.raw(source.where ?? 'true')} and ${agentFilter(source.agent, spec.scope)}`)
  }

  if (parts.length === 0) {
    return sql`(select null::timestamptz as t, null::text as agent_id, ${cols(() => undefined)} where false)`
  }
  return sql`(${sql.join(parts, sql` union all `)})`
}

/** `sum(counter)` as a JS number (0 for no rows). */
export function total(counter: Counter): RawBuilder<number> {
  return sql<number>`coalesce(sum(${sql.ref(counter)}), 0)::float8`
}
