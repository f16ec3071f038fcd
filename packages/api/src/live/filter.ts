import type { ActivityInput } from '@leads/contract'
import type { Identity } from '../context.js'
import type { FeedItem } from './messages.js'

/**
 * What one subscriber may and wants to see: agents only their own leads' and actions' events,
 * managers only their teams' (an event by one of their agents, or on a lead one of them owns),
 * plus the subscriber's own agent/team filters. The same reach as the raw-events export's.
 */
export function feedFilter(
  identity: Identity | null,
  input: Pick<ActivityInput, 'agentId' | 'teamId'>,
) {
  const involves = (item: FeedItem, agentId: string) =>
    item.message.agentId === agentId || item.ownerAgentId === agentId
  const inTeam = (item: FeedItem, teamIds: readonly string[]) =>
    (item.teamId !== null && teamIds.includes(item.teamId)) ||
    (item.ownerTeamId !== null && teamIds.includes(item.ownerTeamId))
  return (item: FeedItem): boolean => {
    if (identity?.role === 'agent' && !involves(item, identity.sub)) return false
    if (identity?.role === 'manager' && !inTeam(item, identity.teamIds ?? [])) return false
    if (input.agentId !== undefined && !involves(item, input.agentId)) return false
    if (input.teamId !== undefined && !inTeam(item, [input.teamId])) return false
    return true
  }
}
