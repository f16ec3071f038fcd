import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { type Scope, timeline, total } from './timeline.js'

export interface Kpis {
  totalLeads: number
  conversionRate: number | null
  avgResponseTimeSeconds: number | null
  activeAgents: number
}

/** The four KPIs of one window (SPEC §3). */
export async function kpis(
  db: Kysely<Database>,
  w: { from: number; to: number },
  agentIds: string[] | null,
  scope: Scope,
): Promise<Kpis> {
  const sums = sql<{
    created: number
    conversions: number
    responses: number
    response_ms: number
  }>`
    select ${total('leads_created')} as created, ${total('conversions')} as conversions,
           ${total('first_responses')} as responses, ${total('response_ms')} as response_ms
    from ${timeline({ ...w, scope, counters: ['leads_created', 'conversions', 'first_responses', 'response_ms'] })} as tl`
  const active = sql<{ n: number }>`
    select count(*)::int as n from (
      select agent_id from ${timeline({
        ...w,
        scope: { kind: 'agents', agentIds },
        counters: ['actions', 'status_changes'],
      })} as tl
      group by agent_id having sum(actions) + sum(status_changes) > 0) acted`
  const [s, a] = await Promise.all([sums.execute(db), active.execute(db)])
  const row = s.rows[0]!
  return {
    totalLeads: row.created,
    conversionRate: row.created > 0 ? row.conversions / row.created : null,
    avgResponseTimeSeconds: row.responses > 0 ? row.response_ms / row.responses / 1000 : null,
    activeAgents: a.rows[0]!.n,
  }
}

/** Relative change in percent; null when the previous value is 0 or either side is null. */
export function relativeChange(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || prev === 0) return null
  return ((cur - prev) / prev) * 100
}

export function delta(cur: number | null, prev: number | null): number | null {
  return cur === null || prev === null ? null : cur - prev
}
