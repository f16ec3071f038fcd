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
      return { cache: new RedisCache(redis), close: async () => void redis.disconnect() }
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

  it('serves a repeated read from the cache with the asOf of its computation', async () => {
    const first = await caller.analytics.metrics({})
    const hits = cache.stats.hits
    now += 5_000
    const second = await caller.analytics.metrics({})
    expect(cache.stats.hits).toBe(hits + 1)
    expect(second).toEqual(first)
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
