import type { Database } from '@leads/db'
import { TRPCError } from '@trpc/server'
import { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createInnerContext, type Identity } from '../context.js'
import { encodeJson } from '../rest/respond.js'
import { MemoryCache, type ReadCache } from './cache.js'
import { cachedRead, cacheKey } from './middleware.js'
import { RedisCache } from './redis.js'

const answer = z.object({ n: z.number(), items: z.array(z.object({ at: z.string() })) })

function contextWith(cache: ReadCache, identity: Identity | null = null) {
  // The reads below never touch the database.
  const db = null as unknown as Kysely<Database>
  return createInnerContext({ db, clock: { now: () => 0 }, orgTimezone: 'UTC', cache }, identity)
}

describe('cachedRead', () => {
  it('validates a computed answer once, then hands the same frozen object to every hit', async () => {
    const cache = new MemoryCache()
    const ctx = contextWith(cache)
    const read = cachedRead('r', answer)
    let computed = 0
    const compute = async () => {
      computed++
      return { n: 1, items: [{ at: 'x' }], extra: 'stripped' }
    }
    const first = await read(ctx, { q: 1 }, compute)
    const second = await read(ctx, { q: 1 }, compute)
    expect(computed).toBe(1)
    expect(first).toEqual({ n: 1, items: [{ at: 'x' }] })
    expect(second).toBe(first)
    expect(Object.isFrozen(first.items[0])).toBe(true)
    // The REST adapter's encoding of that answer is remembered with it.
    expect(encodeJson(second)).toBe(encodeJson(first))
    expect(encodeJson({ ...first })).not.toBe(encodeJson({ ...first }))
  })

  it('refuses a computed answer that fails its schema, and caches nothing', async () => {
    const cache = new MemoryCache()
    const read = cachedRead('r', answer)
    const bad = read(contextWith(cache), {}, async () => ({ n: 'one', items: [] }) as never)
    await expect(bad).rejects.toThrow(TRPCError)
    await expect(bad).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' })
    expect(cache.stats).toEqual({ hits: 0, misses: 1 })
    const good = await read(contextWith(cache), {}, async () => ({ n: 2, items: [] }))
    expect(good.n).toBe(2)
  })

  it('computes a burst of one miss once: the others wait for that answer', async () => {
    const cache = new MemoryCache()
    const ctx = contextWith(cache)
    const read = cachedRead('r', answer)
    let computed = 0
    let finish!: () => void
    const gate = new Promise<void>((resolve) => {
      finish = resolve
    })
    const compute = async () => {
      const mine = ++computed
      await gate
      return { n: mine, items: [] }
    }
    const burst = Array.from({ length: 20 }, () => read(ctx, { q: 'same' }, compute))
    const other = read(ctx, { q: 'other' }, compute)
    // Let every read reach its cache lookup before the computations may end.
    await new Promise((resolve) => setTimeout(resolve, 10))
    finish()
    const answers = await Promise.all(burst)
    expect(computed).toBe(2) // one for the burst, one for the other input
    expect(new Set(answers).size).toBe(1)
    expect((await other).n).not.toBe(answers[0]?.n)
    expect(cache.stats.misses).toBe(21)
  })

  it('hands a failed computation to every waiter, and computes again on the next miss', async () => {
    const cache = new MemoryCache()
    const ctx = contextWith(cache)
    const read = cachedRead('r', answer)
    let calls = 0
    const failing = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 5))
      throw new Error('database gone')
    }
    const results = await Promise.allSettled([read(ctx, {}, failing), read(ctx, {}, failing)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(calls).toBe(1)
    expect((await read(ctx, {}, async () => ({ n: 3, items: [] }))).n).toBe(3)
  })

  it("shares an answer between callers only for a read that is nobody's own", async () => {
    const cache = new MemoryCache()
    const ctxOf = (sub: string) => contextWith(cache, { sub, role: 'agent' })
    let computed = 0
    const compute = async () => ({ n: ++computed, items: [] })
    const shared = cachedRead('org', answer, { perCaller: false })
    const own = cachedRead('own', answer)
    expect((await shared(ctxOf('a1'), {}, compute)).n).toBe(1)
    expect((await shared(ctxOf('a2'), {}, compute)).n).toBe(1)
    expect((await own(ctxOf('a1'), {}, compute)).n).toBe(2)
    expect((await own(ctxOf('a2'), {}, compute)).n).toBe(3)
    expect((await own(ctxOf('a1'), {}, compute)).n).toBe(2)
  })

  it('validates without a cache too', async () => {
    const ctx = createInnerContext({
      db: null as unknown as Kysely<Database>,
      clock: { now: () => 0 },
      orgTimezone: 'UTC',
    })
    const read = cachedRead('r', answer)
    await expect(read(ctx, {}, async () => ({ n: null }) as never)).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
    })
  })
})

const redisUrl = process.env.REDIS_URL

describe.skipIf(!redisUrl)('cachedRead on Redis, as two instances', () => {
  async function twoInstances() {
    // A namespace of its own: other test files share this Redis.
    const namespace = `test:${process.pid}:${Date.now()}:${Math.random()}`
    const clients = [1, 2].map(() => new Redis(redisUrl!, { lazyConnect: true }))
    await Promise.all(clients.map((c) => c.connect()))
    const [a, b] = clients.map((redis) => new RedisCache(redis, { namespace }))
    const close = () => {
      for (const c of clients) c.disconnect()
    }
    return { a: a!, b: b!, redis: clients[0]!, namespace, close }
  }

  it("checks another instance's answer once, then serves it from memory until the generation moves", async () => {
    const { a, b, redis, namespace, close } = await twoInstances()
    try {
      const read = cachedRead('r', answer)
      let computed = 0
      const compute = async () => ({ n: ++computed, items: [{ at: 'x' }] })
      const fromA = await read(contextWith(a), {}, compute)
      const first = await read(contextWith(b), {}, compute)
      expect(computed).toBe(1)
      expect(first).toEqual(fromA)
      expect(Object.isFrozen(first.items[0])).toBe(true)
      // Gone from Redis: B's next hit is the answer it checked, from its own memory.
      const stored = await redis.keys(`${namespace}:cache:r:*`)
      expect(stored).toHaveLength(1)
      await redis.del(...stored)
      expect(await read(contextWith(b), {}, compute)).toBe(first)
      expect(computed).toBe(1)
      // A's ingest moves the generation for B too.
      await a.invalidate()
      expect((await read(contextWith(b), {}, compute)).n).toBe(2)
    } finally {
      close()
    }
  })

  it("answers a burst of misses of another instance's answer with one read-back, checked once", async () => {
    const { a, b, close } = await twoInstances()
    try {
      let checks = 0
      const counted = answer.refine(() => {
        checks++
        return true
      })
      const read = cachedRead('r', counted)
      let computed = 0
      const compute = async () => ({ n: ++computed, items: [{ at: 'x' }] })
      await read(contextWith(a), {}, compute)
      expect(checks).toBe(1)
      // The first read takes B's generation look-up on its way; the ten that come meanwhile
      // share the next one, so they all miss B's memory at once, as a burst after an ingest does.
      const first = read(contextWith(b), { other: true }, compute)
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => read(contextWith(b), {}, compute)),
      )
      await first
      expect(computed).toBe(2)
      // One object for all ten: they shared one parse of Redis's JSON and one check of it.
      expect(new Set(burst).size).toBe(1)
      expect(checks).toBe(3)
    } finally {
      close()
    }
  })

  it("refuses another instance's answer of the wrong shape, and keeps nothing of it", async () => {
    const { a, b, close } = await twoInstances()
    try {
      const ctx = contextWith(b)
      const key = cacheKey(ctx, 'r', {}, await a.generation())
      await a.set(key, { n: 'one', items: [] }, 60_000)
      const read = cachedRead('r', answer)
      const compute = async () => ({ n: 1, items: [] })
      for (let i = 0; i < 2; i++) {
        await expect(read(ctx, {}, compute)).rejects.toMatchObject({
          code: 'INTERNAL_SERVER_ERROR',
        })
      }
    } finally {
      close()
    }
  })
})
