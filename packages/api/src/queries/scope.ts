import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import type { Scope } from './timeline.js'

/**
 * Agents selected by optional `agentId` / `teamId` filters, further limited to the agents of
 * `withinTeams` when given (a manager's teams); null when nothing limits the read.
 */
export async function agentsInScope(
  db: Kysely<Database>,
  filter: { agentId?: string | undefined; teamId?: string | undefined },
  withinTeams?: readonly string[],
): Promise<string[] | null> {
  if (filter.teamId === undefined && withinTeams === undefined)
    return filter.agentId === undefined ? null : [filter.agentId]
  if (withinTeams?.length === 0) return []
  let q = db.selectFrom('agents').select('agent_id')
  if (filter.teamId !== undefined) q = q.where('team_id', '=', filter.teamId)
  if (withinTeams !== undefined) q = q.where('team_id', 'in', [...withinTeams])
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId)
  return (await q.orderBy('agent_id').execute()).map((r) => r.agent_id)
}

/** The team an agent belongs to now (from its latest `agent.upserted`); null when none or unknown. */
export async function teamOf(db: Kysely<Database>, agentId: string): Promise<string | null> {
  const row = await db
    .selectFrom('agents')
    .select('team_id')
    .where('agent_id', '=', agentId)
    .executeTakeFirst()
  return row?.team_id ?? null
}

/** Org-wide figures come from the organisation rows; filtered ones from the agents' rows. */
export function scopeOf(agentIds: string[] | null): Scope {
  return agentIds === null ? { kind: 'org' } : { kind: 'agents', agentIds }
}
