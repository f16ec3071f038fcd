import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import type { Scope } from './timeline.js'

/** Agents selected by optional `agentId` / `teamId` filters; null when unfiltered. */
export async function agentsInScope(
  db: Kysely<Database>,
  filter: { agentId?: string | undefined; teamId?: string | undefined },
): Promise<string[] | null> {
  if (filter.teamId === undefined) return filter.agentId === undefined ? null : [filter.agentId]
  let q = db.selectFrom('agents').select('agent_id').where('team_id', '=', filter.teamId)
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId)
  return (await q.execute()).map((r) => r.agent_id)
}

/** Org-wide figures come from the organisation rows; filtered ones from the agents' rows. */
export function scopeOf(agentIds: string[] | null): Scope {
  return agentIds === null ? { kind: 'org' } : { kind: 'agents', agentIds }
}
