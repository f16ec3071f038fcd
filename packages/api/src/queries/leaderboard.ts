import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { groupingGrains, timeline } from './timeline.js'

export interface AgentStats {
  agentId: string
  totalLeads: number
  convertedLeads: number
  conversionRate: number | null
  avgResponseTimeSeconds: number | null
}

/**
 * Per-agent figures for [from, to). Distinct leads: bucket sums count every assignment, so
 * the repeats of a (lead, agent) pair whose previous assignment is also inside the window are
 * subtracted — those rows are rare and have their own partial index.
 */
export async function agentStats(
  db: Kysely<Database>,
  w: { from: number; to: number },
  agentIds: readonly string[] | null,
): Promise<AgentStats[]> {
  const from = new Date(w.from)
  const to = new Date(w.to)
  const sums = sql<{
    agent_id: string
    assigned: number
    acted: number
    conversions: number
    responses: number
    response_ms: number
  }>`
    select agent_id, sum(assignments)::float8 as assigned, (sum(actions) + sum(status_changes))::float8 as acted,
           sum(conversions)::float8 as conversions, sum(first_responses)::float8 as responses,
           sum(response_ms)::float8 as response_ms
    from ${timeline({ ...w, scope: { kind: 'agents', agentIds }, counters: ['assignments', 'actions', 'status_changes', 'conversions', 'first_responses', 'response_ms'] })} as tl
    group by agent_id`
  let repeats = db
    .selectFrom('lead_assignments')
    .select((eb) => ['agent_id', eb.fn.countAll<number>().as('n')])
    .where('prev_assigned_at', '>=', from)
    .where('assigned_at', '>=', from)
    .where('assigned_at', '<', to)
    .groupBy('agent_id')
  if (agentIds !== null)
    repeats = repeats.where('agent_id', 'in', agentIds.length ? [...agentIds] : [''])
  const [s, r] = await Promise.all([sums.execute(db), repeats.execute()])
  const repeated = new Map(r.map((x) => [x.agent_id, Number(x.n)]))
  return s.rows
    .filter((x) => x.assigned > 0 || x.acted > 0)
    .map((x) => {
      const totalLeads = x.assigned - (repeated.get(x.agent_id) ?? 0)
      return {
        agentId: x.agent_id,
        totalLeads,
        convertedLeads: x.conversions,
        conversionRate: totalLeads > 0 ? x.conversions / totalLeads : null,
        avgResponseTimeSeconds: x.responses > 0 ? x.response_ms / x.responses / 1000 : null,
      }
    })
}

const nullsLast = (a: number | null, b: number | null, dir: 1 | -1) =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : (a - b) * dir

/**
 * SPEC §4.5 order: conversions desc, rate desc, response time asc (nulls last), then the agent
 * id as shown — `shownId` maps a hidden agent to its pseudonym so that, in an anonymised
 * leaderboard, the order within a tie says nothing about real ids.
 */
export function rankOrder(shownId: (agentId: string) => string = (id) => id) {
  return (a: AgentStats, b: AgentStats): number => {
    const x = shownId(a.agentId)
    const y = shownId(b.agentId)
    return (
      b.convertedLeads - a.convertedLeads ||
      nullsLast(a.conversionRate, b.conversionRate, -1) ||
      nullsLast(a.avgResponseTimeSeconds, b.avgResponseTimeSeconds, 1) ||
      (x < y ? -1 : x > y ? 1 : 0)
    )
  }
}

/** Conversions per agent per bucket (the leaderboard sparkline). */
export async function conversionSeries(
  db: Kysely<Database>,
  starts: number[],
  to: number,
  agentIds: readonly string[],
): Promise<Map<string, number[]>> {
  const out = new Map(agentIds.map((id) => [id, starts.map(() => 0)]))
  if (agentIds.length === 0) return out
  const { rows } = await sql<{ agent_id: string; b: number; n: number }>`
    select agent_id, width_bucket(extract(epoch from t)::float8, ${starts.map((s) => s / 1000)}::float8[]) as b,
           sum(conversions)::float8 as n
    from ${timeline({ from: starts[0]!, to, scope: { kind: 'agents', agentIds }, counters: ['conversions'], grains: groupingGrains(starts) })} as tl
    group by 1, 2`.execute(db)
  for (const r of rows) {
    const series = out.get(r.agent_id)
    if (series && r.b >= 1 && r.b <= starts.length) series[r.b - 1] = r.n
  }
  return out
}

export async function agentProfiles(db: Kysely<Database>, agentIds: readonly string[]) {
  if (agentIds.length === 0)
    return new Map<string, { name: string | null; teamId: string | null }>()
  const rows = await db
    .selectFrom('agents')
    .select(['agent_id', 'name', 'team_id'])
    .where('agent_id', 'in', [...agentIds])
    .execute()
  return new Map(rows.map((r) => [r.agent_id, { name: r.name, teamId: r.team_id }]))
}
