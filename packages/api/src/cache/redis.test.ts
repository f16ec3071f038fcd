import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { RedisCache } from './redis.js'

describe('RedisCache without Redis', () => {
  it('serves from memory alone, under generations Redis never uses', async () => {
    // Never connected: the state of a client whose Redis is down.
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false })
    const cache = new RedisCache(redis)
    const before = await cache.generation()
    expect(before).toBeLessThan(0)
    await cache.set(`k:${before}`, 'answer', 60_000)
    expect(await cache.get(`k:${before}`)).toBe('answer')
    await cache.invalidate()
    const after = await cache.generation()
    expect(after).toBeLessThan(0)
    expect(after).not.toBe(before)
    expect(await cache.get(`k:${before}`)).toBeUndefined()
    expect(redis.status).toBe('wait')
  })
})
