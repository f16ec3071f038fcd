import { testDatabases } from '@leads/db/testing'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'
import { MemoryCache, type ReadCache } from './cache.js'
import { RedisCache } from './redis.js'

const redisUrl = process.env.REDIS_URL
type CacheCase = {
  kind: string
  make: () => Promise<{ cache: ReadCache; close: () => Promise<void> }>
}
const caches: CacheCase[] = [
  { kind: 'memory', make: async () => ({ cache: new MemoryCache(), close: async () => {} }) },
]
if (redisUrl) {
  caches.push({
    kind: 'redis',
    make: async () => {
      const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
      await redis.connect()
      // A namespace of its own: other test files share this Redis.
      const cache = new RedisCache(redis, { namespace: `test:${process.pid}:${Date.now()}` })
      return { cache, close: async () => void redis.disconnect() }
    },
  })
}

const [db] = testDatabases()

describe.each(caches)('read cache ($kind)', ({ make }) => {
  let client: Awaited<ReturnType<NonNullable<typeof db>['open']>>
  let cache: ReadCache
  let closeCache: () => Promise<void>
  let now = Date.parse('2026-06-15T12:00:00Z')
  let caller: ReturnType<typeof createCaller>
  beforeAll(async () => {
    client = await db!.open()
    ;({ cache, close: closeCache } = await make())
    caller = createCaller(
      createInnerContext({ db: client.db, clock: { now: () => now }, orgTimezone: 'UTC', cache }),
    )
  })
  afterAll(async () => {
    await closeCache?.()
    await client?.close()
  })

  it('serves a repeated read within the same second from the cache, with the asOf of its computation', async () => {
    const first = await caller.analytics.metrics({})
    const hits = cache.stats.hits
    now += 600
    const second = await caller.analytics.metrics({})
    expect(cache.stats.hits).toBe(hits + 1)
    expect(second).toEqual(first)
    // A second later it is computed again, though nothing was ingested.
    now += 1_000
    const third = await caller.analytics.metrics({})
    expect(cache.stats.hits).toBe(hits + 1)
    expect(Date.parse(third.asOf)).toBe(now)
  })

  it('counts an event stamped ahead of the clock once its time comes, with no ingest between', async () => {
    await caller.events.ingest([
      {
        id: 'ahead',
        type: 'lead.created',
        occurredAt: new Date(now + 120_000).toISOString(),
        leadId: 'L-ahead',
      },
    ])
    const before = await caller.analytics.metrics({})
    now += 180_000
    const after = await caller.analytics.metrics({})
    expect(after.totalLeads).toBe(before.totalLeads + 1)
  })

  it('moves the previous window with the clock, with no ingest between', async () => {
    // Yesterday, a minute after "now": not yet in "yesterday up to the same time".
    await caller.events.ingest([
      {
        id: 'yday',
        type: 'lead.created',
        occurredAt: new Date(now - 86_400_000 + 60_000).toISOString(),
        leadId: 'L-yday',
      },
    ])
    const before = await caller.analytics.metrics({})
    now += 90_000
    const after = await caller.analytics.metrics({})
    expect(after.deltas.totalLeads).toBe(before.deltas.totalLeads! - 1)
    expect(Date.parse(after.period.to)).toBe(now)
  })

  it('never serves an answer from before an ingest', async () => {
    const before = await caller.analytics.metrics({})
    await caller.events.ingest([
      {
        id: 'c1',
        type: 'lead.created',
        occurredAt: new Date(now - 60_000).toISOString(),
        leadId: 'L1',
      },
    ])
    const after = await caller.analytics.metrics({})
    expect(after.totalLeads).toBe(before.totalLeads + 1)
    expect(Date.parse(after.asOf)).toBe(now)
  })

  it('does not reuse an answer once the local hour (and so any window boundary) has moved', async () => {
    const a = await caller.analytics.leadVolume({ period: '24h' })
    now += 3_600_000
    const b = await caller.analytics.leadVolume({ period: '24h' })
    expect(b.buckets[0]!.start).not.toBe(a.buckets[0]!.start)
  })
})

describe('memory cache bounds', () => {
  const answer = (n: number) => ({ series: 'x'.repeat(n) })
  const bytes = (n: number) => JSON.stringify(answer(n)).length

  it('holds at most maxBytes of answers, evicting the oldest first', async () => {
    const cache = new MemoryCache({ maxBytes: 3 * bytes(100) })
    for (const key of ['a', 'b', 'c']) await cache.set(key, answer(100), 60_000)
    expect(cache.size).toEqual({ entries: 3, bytes: 3 * bytes(100) })

    // Needs the room of two: the two oldest go.
    await cache.set('d', answer(2 * 100 + 10), 60_000)
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('b')).toBeUndefined()
    expect(await cache.get('c')).toEqual(answer(100))
    expect(await cache.get('d')).toEqual(answer(210))
    expect(cache.size.bytes).toBe(bytes(100) + bytes(210))
    expect(cache.size.bytes).toBeLessThanOrEqual(3 * bytes(100))
  })

  it('holds at most maxEntries answers', async () => {
    const cache = new MemoryCache({ maxEntries: 2 })
    for (const key of ['a', 'b', 'c']) await cache.set(key, answer(1), 60_000)
    expect(cache.size.entries).toBe(2)
    expect(await cache.get('a')).toBeUndefined()
    expect(await cache.get('c')).toEqual(answer(1))
  })

  it('does not hold an answer larger than the whole budget, and keeps the others', async () => {
    const cache = new MemoryCache({ maxBytes: 2 * bytes(100) })
    await cache.set('a', answer(100), 60_000)
    await cache.set('huge', answer(1_000), 60_000)
    expect(await cache.get('huge')).toBeUndefined()
    expect(await cache.get('a')).toEqual(answer(100))
  })

  it('counts a replaced, expired or invalidated answer out of its bytes', async () => {
    let now = 0
    const cache = new MemoryCache({ maxBytes: 10 * bytes(100), now: () => now })
    await cache.set('a', answer(100), 1_000)
    await cache.set('a', answer(50), 1_000)
    expect(cache.size).toEqual({ entries: 1, bytes: bytes(50) })
    now = 1_000
    expect(await cache.get('a')).toBeUndefined()
    expect(cache.size).toEqual({ entries: 0, bytes: 0 })
    await cache.set('b', answer(100), 1_000)
    await cache.invalidate()
    expect(cache.size).toEqual({ entries: 0, bytes: 0 })
  })

  it('stays within its budget over many answers of random sizes', async () => {
    const maxBytes = 50_000
    const cache = new MemoryCache({ maxBytes, maxEntries: 100 })
    let seed = 7
    for (let i = 0; i < 2_000; i++) {
      seed = (seed * 48_271) % 2_147_483_647
      await cache.set(`k${seed % 300}`, answer(seed % 8_000), 60_000)
      expect(cache.size.bytes).toBeLessThanOrEqual(maxBytes)
      expect(cache.size.entries).toBeLessThanOrEqual(100)
    }
  })
})
