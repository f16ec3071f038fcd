import type { Redis } from 'ioredis'
import { MemoryCache, type ReadCache } from './cache.js'
import { jsonOf } from './json.js'

/**
 * Shared cache for several instances, holding each answer's JSON. When Redis is unreachable every
 * call falls back to an in-process cache (reported through `onError`), so a Redis outage costs
 * speed, never a 5xx.
 */
export class RedisCache implements ReadCache {
  readonly kind = 'redis'
  private readonly fallback = new MemoryCache()
  stats = { hits: 0, misses: 0 }

  private readonly prefix: string
  private readonly genKey: string
  private readonly onError: (err: unknown) => void

  constructor(
    private readonly redis: Redis,
    /** `namespace`: the start of every key, one per deployment (default `leads`). */
    opts: { namespace?: string; onError?: (err: unknown) => void } = {},
  ) {
    this.prefix = `${opts.namespace ?? 'leads'}:cache:`
    this.genKey = `${this.prefix}gen`
    this.onError = opts.onError ?? (() => {})
  }

  private async attempt<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') return fallback()
    try {
      return await op()
    } catch (err) {
      this.onError(err)
      return fallback()
    }
  }

  async get(key: string): Promise<unknown> {
    const value = await this.attempt(
      async () => {
        const json = await this.redis.get(this.prefix + key)
        return json === null ? undefined : (JSON.parse(json) as unknown)
      },
      () => this.fallback.get(key),
    )
    if (value === undefined) this.stats.misses++
    else this.stats.hits++
    return value
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.attempt(
      async () => {
        await this.redis.set(this.prefix + key, jsonOf(value), 'PX', ttlMs)
      },
      () => this.fallback.set(key, value, ttlMs),
    )
  }

  async generation(): Promise<number> {
    return this.attempt(
      async () => Number((await this.redis.get(this.genKey)) ?? 0),
      () => this.fallback.generation(),
    )
  }

  async invalidate(): Promise<void> {
    await this.fallback.invalidate()
    await this.attempt(
      async () => {
        await this.redis.incr(this.genKey)
      },
      async () => {},
    )
  }
}
