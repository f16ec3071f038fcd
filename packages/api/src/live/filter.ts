import type { ActivityInput } from '@leads/contract'
import type { Identity } from '../context.js'
import type { FeedItem } from './messages.js'

/**
 * What one subscriber may and wants to see: agents only their own leads' and actions' events,
 * managers only their teams', plus the subscriber's own agent/team filters.
 */
export function feedFilter(
  identity: Identity | null,
  input: Pick<ActivityInput, 'agentId' | 'teamId'>,
) {
  const involves = (item: FeedItem, agentId: string) =>
    item.message.agentId === agentId || item.ownerAgentId === agentId
  return (item: FeedItem): boolean => {
    if (identity?.role === 'agent' && !involves(item, identity.sub)) return false
    if (
      identity?.role === 'manager' &&
      !(item.teamId !== null && identity.teamIds?.includes(item.teamId))
    )
      return false
    if (input.agentId !== undefined && !involves(item, input.agentId)) return false
    if (input.teamId !== undefined && item.teamId !== input.teamId) return false
    return true
  }
}
