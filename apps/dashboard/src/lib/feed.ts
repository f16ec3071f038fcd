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

/**
 * Feed messages gathered between two renders. A gap notice (events this view would show were
 * not replayed) drops what was gathered and what is listed: the list starts again from the
 * replay that follows, rather than keep entries from before the gap beside newer ones with a
 * hole between them.
 */
export class FeedBuffer<T extends { id: string; kind: string }> {
  private pending: T[] = []
  private restart = false

  push(message: T | { kind: 'gap' } | { kind: 'cursor' }): void {
    if (message.kind === 'gap') {
      this.pending = []
      this.restart = true
    } else if (message.kind !== 'cursor') this.pending.push(message as T)
  }

  /**
   * Empties the buffer into an update of the list: a pure function, as React's state updaters
   * must be (development mode calls them twice).
   */
  drain(): (current: readonly T[]) => T[] {
    const batch = this.pending
    const restart = this.restart
    this.pending = []
    this.restart = false
    return (current) => mergeFeed(restart ? [] : current, batch)
  }
}
