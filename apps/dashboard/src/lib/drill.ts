import type { DrillRequest } from '../components/DrillDown'

/**
 * The drill-down an agent gets from a number. An agent's lists hold only their own rows
 * (docs/metrics.md), so a number counted over more than their own leads opens as theirs: titled
 * so, and without claiming the panel's count, which their pages could never reach. Other viewers,
 * and an agent opening their own leaderboard row, get the request as it is.
 */
export function drillFor(request: DrillRequest, agentId: string | null): DrillRequest {
  if (agentId === null || request.input.agentId === agentId) return request
  return { ...request, title: `${request.title} · yours`, count: null }
}
