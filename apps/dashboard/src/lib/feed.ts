/** The activity feed's list: newest first, one entry per cursor id, bounded. */

export const FEED_LIMIT = 100

/** Cursor ids are decimal strings that may exceed 2^53: compare by length, then digits. */
export function compareCursor(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

/** Merges newly received items into the list; an id seen before is kept once. */
export function mergeFeed<T extends { id: string }>(
  current: readonly T[],
  incoming: readonly T[],
  limit = FEED_LIMIT,
): T[] {
  if (incoming.length === 0) return current as T[]
  const byId = new Map<string, T>()
  for (const item of current) byId.set(item.id, item)
  let added = false
  for (const item of incoming) {
    if (!byId.has(item.id)) {
      byId.set(item.id, item)
      added = true
    }
  }
  if (!added) return current as T[]
  return [...byId.values()].sort((a, b) => compareCursor(b.id, a.id)).slice(0, limit)
}

/** The highest cursor seen: where a new subscription resumes. */
export function latestCursor(current: string | null, id: string): string {
  return current === null || compareCursor(id, current) > 0 ? id : current
}
