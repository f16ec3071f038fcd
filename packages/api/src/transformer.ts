import superjson from 'superjson'

const plainJson = new WeakSet<object>()

/**
 * Marks `value` as plain JSON already — strings, finite numbers, booleans, null, and arrays and
 * plain objects of those, with no `undefined` — so the transformer below sends it without
 * superjson's walk. For objects serialized many times over, like a live-feed message going to
 * every subscriber.
 */
export function markPlainJson<T extends object>(value: T): T {
  plainJson.add(value)
  return value
}

/**
 * superjson, with a shortcut for values marked by {@link markPlainJson}: superjson's own answer
 * for such a value is `{ json: value }` with no `meta`, so clients (superjson on their side)
 * cannot tell the difference; it just is not worked out again for each subscriber.
 */
export const transformer = {
  serialize(value: unknown): unknown {
    if (typeof value === 'object' && value !== null && plainJson.has(value)) return { json: value }
    return superjson.serialize(value)
  },
  deserialize(value: unknown): unknown {
    return superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0])
  },
}
