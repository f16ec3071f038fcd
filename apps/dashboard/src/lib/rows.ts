/** Which leaderboard rows a viewer sees. */

export interface VisibleRows<R> {
  /** The first `limit` rows, in rank order. */
  top: R[]
  /** The viewer's own row when it ranks below the top ones (shown after a gap), else null. */
  own: R | null
}

/**
 * An agent always finds themselves on the board: the top `limit` rows, and their own row after
 * them when it ranks lower. `self` is the viewer's agent id (null: not an agent).
 */
export function visibleRows<R extends { agentId: string }>(
  rows: readonly R[],
  self: string | null,
  limit: number,
): VisibleRows<R> {
  const top = rows.slice(0, limit)
  if (self === null || top.some((r) => r.agentId === self)) return { top, own: null }
  return { top, own: rows.slice(limit).find((r) => r.agentId === self) ?? null }
}
