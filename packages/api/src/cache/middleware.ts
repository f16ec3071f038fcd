import { createHash } from 'node:crypto'
import type { Context } from '../context.js'
import { startOf } from '../time/local.js'

/** TTLs of the original plan; ingest invalidation keeps every answer within the 1 s promise. */
export const TTL_MS = {
  metrics: 60_000,
  leaderboard: 300_000,
  default: 60_000,
} as const

/**
 * The cache key of a read: the procedure, its input, the caller (answers differ by role),
 * the cache generation, and the local hour of "now" — every window boundary (hour, day,
 * week, month) falls on a local hour, so a cached answer never outlives its window.
 */
export function cacheKey(ctx: Context, path: string, input: unknown, generation: number): string {
  const tz = (input as { tz?: string } | undefined)?.tz ?? ctx.orgTimezone
  const hour = startOf(ctx.clock.now(), 'hour', tz)
  const who = ctx.identity ? `${ctx.identity.role}:${ctx.identity.sub}` : 'anon'
  const digest = createHash('sha1')
    .update(JSON.stringify(input ?? null))
    .digest('base64url')
  return `${path}:${generation}:${hour}:${who}:${digest}`
}

/**
 * Answers from the cache when it holds this read for the current generation, else computes and
 * stores it. The cached answer keeps its own `asOf`: it says when the figures were computed.
 */
export async function withCache<T>(
  ctx: Context,
  name: string,
  input: unknown,
  ttlMs: number,
  compute: () => Promise<T>,
): Promise<T> {
  const cache = ctx.cache
  if (!cache) return compute()
  const key = cacheKey(ctx, name, input, await cache.generation())
  const hit = await cache.get(key)
  ctx.observe?.cacheLookup(hit !== null)
  if (hit !== null) return JSON.parse(hit) as T
  const value = await compute()
  await cache.set(key, JSON.stringify(value), ttlMs)
  return value
}
