const texts = new WeakMap<object, string>()

/** An object that cannot change any more (answers are deep-frozen by `cachedRead`). */
export const isFrozenObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && Object.isFrozen(value)

/**
 * `JSON.stringify(value)`, written once per frozen object. A computed answer is deep-frozen
 * before it is cached (`cachedRead`), then measured by the memory cache, stored in Redis and sent
 * as the REST body: one stringify serves all three. The text lives as long as the answer does
 * (a weak map), so a cached answer holds its JSON beside it, as the REST encoding already did.
 */
export function jsonOf(value: unknown): string {
  if (!isFrozenObject(value)) return JSON.stringify(value)
  let text = texts.get(value)
  if (text === undefined) {
    text = JSON.stringify(value)
    texts.set(value, text)
  }
  return text
}
