import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createStreamSlots, type Release } from './streamSlots.js'

const REDIS_URL = process.env.REDIS_URL

const taken = async (p: Promise<Release | false>): Promise<Release> => {
  const release = await p
  if (!release) throw new Error('expected a slot')
  return release
}

describe('stream slots in memory', () => {
  it('caps each caller apart, frees a slot on release, and ignores a second release', async () => {
    const slots = createStreamSlots({ cap: 2, keyPrefix: 'test' })
    const a1 = await taken(slots.take('a'))
    await taken(slots.take('a'))
    expect(await slots.take('a')).toBe(false)
    await taken(slots.take('b'))
    a1()
    a1()
    await taken(slots.take('a'))
    expect(await slots.take('a')).toBe(false)
  })

  it('does not cap with 0', async () => {
    const slots = createStreamSlots({ cap: 0, keyPrefix: 'test' })
    for (let i = 0; i < 50; i++) await taken(slots.take('a'))
  })

  it('counts in memory while Redis is unreachable', async () => {
    // Never connected: every command would fail at once.
    const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false })
    const slots = createStreamSlots({ cap: 1, redis, keyPrefix: 'test' })
    const release = await taken(slots.take('a'))
    expect(await slots.take('a')).toBe(false)
    release()
    await taken(slots.take('a'))
    redis.disconnect()
  })
})

describe('stream slots shared through Redis', () => {
  const clients: Redis[] = []
  // One prefix per run: slots of other runs stay apart.
  const keyPrefix = `leads:test:${process.pid}:${Date.now()}`
  const connect = async () => {
    const redis = new Redis(REDIS_URL!, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    })
    await redis.connect()
    clients.push(redis)
    return redis
  }
  afterAll(() => {
    for (const c of clients) c.disconnect()
  })

  it.skipIf(!REDIS_URL)('counts one caller across instances', async () => {
    const a = createStreamSlots({ cap: 2, redis: await connect(), keyPrefix })
    const b = createStreamSlots({ cap: 2, redis: await connect(), keyPrefix })
    const onA = await taken(a.take('shared'))
    await taken(b.take('shared'))
    expect(await a.take('shared')).toBe(false)
    expect(await b.take('shared')).toBe(false)
    await taken(a.take('other'))
    onA()
    // Released on A, so B may take it (the ZREM has landed once B's script runs after it).
    await expect.poll(async () => Boolean(await b.take('shared'))).toBe(true)
  })

  it.skipIf(!REDIS_URL)('keeps open slots past their lease by renewing them', async () => {
    const a = createStreamSlots({ cap: 1, redis: await connect(), keyPrefix, leaseMs: 300 })
    const b = createStreamSlots({ cap: 1, redis: await connect(), keyPrefix, leaseMs: 300 })
    const release = await taken(a.take('renewed'))
    await new Promise((r) => setTimeout(r, 1_000))
    expect(await b.take('renewed')).toBe(false)
    release()
  })

  it.skipIf(!REDIS_URL)('shares a slot taken while Redis was away once it is back', async () => {
    // Not connected yet: A counts its slot in memory.
    const away = new Redis(REDIS_URL!, { lazyConnect: true, enableOfflineQueue: false })
    clients.push(away)
    const a = createStreamSlots({ cap: 1, redis: away, keyPrefix, leaseMs: 300 })
    const b = createStreamSlots({ cap: 1, redis: await connect(), keyPrefix, leaseMs: 300 })
    const release = await taken(a.take('outage'))
    expect(await a.take('outage')).toBe(false)
    await away.connect()
    // B may take the caller's one slot only until A's renewal has told Redis about A's.
    const bRefused = async () => {
      const slot = await b.take('outage')
      if (slot) slot()
      return slot === false
    }
    await expect.poll(bRefused, { timeout: 3_000, interval: 50 }).toBe(true)
    release()
    await expect.poll(bRefused, { timeout: 3_000, interval: 50 }).toBe(false)
  })

  it.skipIf(!REDIS_URL)('frees the slots of an instance that died within one lease', async () => {
    const doomed = await connect()
    const a = createStreamSlots({ cap: 2, redis: doomed, keyPrefix, leaseMs: 400 })
    const b = createStreamSlots({ cap: 2, redis: await connect(), keyPrefix, leaseMs: 400 })
    await taken(a.take('crashed'))
    // B's own slot stays renewed (and with it the key), so only A's lease can lapse.
    const onB = await taken(b.take('crashed'))
    expect(await b.take('crashed')).toBe(false)
    // The instance is gone: no release, no renewal.
    doomed.disconnect()
    const started = Date.now()
    await expect
      .poll(async () => Boolean(await b.take('crashed')), { timeout: 3_000, interval: 50 })
      .toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    onB()
  })
})
