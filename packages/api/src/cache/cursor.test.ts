import { ingestEvents, lastCursor } from '@leads/db'
import { recordingQueries, testDatabases } from '@leads/db/testing'
import { describe, expect, it } from 'vitest'
import { CursorGenerationCache } from './cursor.js'
import { sharedFreshRead } from './freshRead.js'

const lead = (id: string) => ({
  id,
  type: 'lead.created',
  occurredAt: '2026-11-25T10:00:00Z',
  leadId: `lead-${id}`,
})

describe.each(testDatabases())('CursorGenerationCache on $kind', ({ open }) => {
  it("moves to a new generation on any writer's commit, without being told", async () => {
    const client = await open()
    try {
      const cache = new CursorGenerationCache(client.db)
      const before = await cache.generation()
      await cache.set(`k:${before}`, 'old', 60_000)
      // Another instance's ingest: this cache's invalidate() is never called.
      await ingestEvents(client.db, [lead('a'), lead('b')])
      const after = await cache.generation()
      expect(after).toBeGreaterThan(before)
      expect(await cache.get(`k:${after}`)).toBeUndefined()
      // A duplicate stores nothing: same generation, the cached answers stay good.
      await ingestEvents(client.db, [lead('a')])
      expect(await cache.generation()).toBe(after)
    } finally {
      await client.close()
    }
  })

  it('reads the cursor once for a burst of concurrent callers', async () => {
    const client = await open()
    try {
      const recorded = recordingQueries(client.db)
      const cache = new CursorGenerationCache(recorded.db)
      await ingestEvents(client.db, [lead('c')])
      const cursors = await Promise.all(Array.from({ length: 10 }, () => cache.generation()))
      expect(cursors).toEqual(Array(10).fill(await lastCursor(client.db)))
      // The first caller's read, then one for the nine who came while it was on its way.
      expect(recorded.kinds).toHaveLength(2)
    } finally {
      await client.close()
    }
  })

  it('never answers a caller with a read sent before it asked', async () => {
    const client = await open()
    try {
      let reads = 0
      let hold: Promise<void> | undefined
      let answered = () => {}
      // Each read's answer kept back while `hold` is set, once the database has answered: a
      // read on its way when the next callers arrive.
      const cursor = sharedFreshRead(async () => {
        reads++
        const value = await lastCursor(client.db)
        answered()
        await hold
        return value
      })
      const before = await cursor()
      let release = () => {}
      hold = new Promise((resolve) => {
        release = resolve
      })
      const early = cursor()
      await new Promise<void>((resolve) => {
        answered = resolve
      })
      await ingestEvents(client.db, [lead('d')])
      const late = Array.from({ length: 10 }, () => cursor())
      hold = undefined
      release()

      expect(await early).toBe(before)
      // Asked after the commit: the read on its way when they asked would answer `before`.
      const after = await Promise.all(late)
      expect(after).toEqual(Array(10).fill(await lastCursor(client.db)))
      expect(after[0]).toBeGreaterThan(before)
      // The first read, the held one, then one for all ten who came while it was on its way.
      expect(reads).toBe(3)
    } finally {
      await client.close()
    }
  })
})
