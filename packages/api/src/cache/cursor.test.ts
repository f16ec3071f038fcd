import { ingestEvents } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { describe, expect, it } from 'vitest'
import { CursorGenerationCache } from './cursor.js'

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
})
