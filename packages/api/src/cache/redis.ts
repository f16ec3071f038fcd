import type { Redis } from 'ioredis'
import { MemoryCache, type MemoryCacheOptions, type ReadCache } from './cache.js'
import { sharedFreshRead } from './freshRead.js'
import { shareInFlight } from './inFlight.js'
import { jsonOf } from './json.js'

/**
 * Shared cache for several instances: Redis holds each answer's JSON and the generation every
 * instance's ingest moves. In front of it, this process's memory keeps the answers it computed or
 * read back (and validated), under the same keys: a key names its generation and second, so a
 * copy in memory is exactly as fresh as the one in Redis, and a repeated hit costs no round trip,
 * parse or validation. When Redis is unreachable the memory alone serves (reported through
 * `onError`), so a Redis outage costs speed, never a 5xx.
 */
export class RedisCache implements ReadCache {
  readonly kind = 'redis'
  private readonly local: MemoryCache
  /** Read-backs from Redis on their way, by key. */
  private readonly reading = new Map<string, Promise<unknown>>()
  stats = { hits: 0, misses: 0 }

  private readonly prefix: string
  private readonly genKey: string
  private readonly onError: (err: unknown) => void
  private readonly sharedGeneration: () => Promise<number>

  constructor(
    private readonly redis: Redis,
    /**
     * `namespace`: the start of every key, one per deployment (default `leads`); `memory`: the
     * bounds of the in-process copies.
     */
    opts: {
      namespace?: string
      onError?: (err: unknown) => void
      memory?: MemoryCacheOptions
    } = {},
  ) {
    this.prefix = `${opts.namespace ?? 'leads'}:cache:`
    this.genKey = `${this.prefix}gen`
    this.onError = opts.onError ?? (() => {})
    this.local = new MemoryCache(opts.memory)
    this.sharedGeneration = sharedFreshRead(() =>
      this.attempt(
        async () => Number((await this.redis.get(this.genKey)) ?? 0),
        // Negative while Redis is away: keys computed then never match a generation of Redis's.
        async () => -1 - (await this.local.generation()),
      ),
    )
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
    let value = await this.local.get(key)
    if (value === undefined) value = await this.readBack(key)
    if (value === undefined) this.stats.misses++
    else this.stats.hits++
    return value
  }

  /**
   * A key's answer from Redis, parsed. Misses of one key while its `GET` is on the way share it
   * (and so the parsed object, which `cachedRead` then checks once): a key names its generation
   * and second, so whatever Redis holds under it is as fresh for the late caller as for the first.
   */
  private readBack(key: string): Promise<unknown> {
    return shareInFlight(this.reading, key, () =>
      this.attempt(
        async () => {
          const json = await this.redis.get(this.prefix + key)
          return json === null ? undefined : (JSON.parse(json) as unknown)
        },
        async () => undefined,
      ),
    )
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.local.set(key, value, ttlMs)
    await this.attempt(
      async () => {
        await this.redis.set(this.prefix + key, jsonOf(value), 'PX', ttlMs)
      },
      async () => {},
    )
  }

  async keep(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.local.set(key, value, ttlMs)
  }

  /** Read after the call: concurrent callers share one GET sent after they asked. */
  generation(): Promise<number> {
    return this.sharedGeneration()
  }

  async invalidate(): Promise<void> {
    await this.local.invalidate()
    await this.attempt(
      async () => {
        await this.redis.incr(this.genKey)
      },
      async () => {},
    )
  }
}
