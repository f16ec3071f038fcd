import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbClient } from '../client.js'
import { reconcile } from '../ingest/rebuild.js'
import { testDatabases } from '../testing.js'
import { generateEvents } from './generate.js'
import { isEmpty, seedDatabase } from './seed.js'

const OPTS = {
  now: new Date('2026-06-15T12:00:00Z'),
  days: 10,
  agents: 5,
  tz: 'Asia/Kolkata',
  seed: 11,
}

describe.each(testDatabases())('seed on $kind', ({ open }) => {
  let client: DbClient
  beforeAll(async () => {
    client = await open()
  })
  afterAll(async () => {
    await client?.close()
  })

  it('lands every generated event in batches and keeps derived tables consistent', async () => {
    expect(await isEmpty(client.db)).toBe(true)
    const generated = [...generateEvents(OPTS)]
    const progress: number[] = []
    const r = await seedDatabase(client.db, OPTS, (p) => progress.push(p.done))

    expect(r).toMatchObject({
      events: generated.length,
      accepted: generated.length,
      duplicates: 0,
      rejected: 0,
    })
    expect(r.leads).toBe(generated.filter((e) => e.type === 'lead.created').length)
    expect(progress.at(-1)).toBe(generated.length)
    expect(await isEmpty(client.db)).toBe(false)

    const { rows } = await sql<{ n: number }>`select count(*)::int as n from lead_events`.execute(
      client.db,
    )
    expect(rows[0]!.n).toBe(generated.length)
    const agents = await client.db
      .selectFrom('agents')
      .select(['agent_id', 'name'])
      .orderBy('agent_id')
      .execute()
    expect(agents[0]).toEqual({ agent_id: 'agent-01', name: expect.any(String) })
    expect(agents).toHaveLength(5)
    expect(await reconcile(client.db)).toEqual([])
  })

  it('counts a repeated seed as duplicates', async () => {
    const r = await seedDatabase(client.db, OPTS)
    expect(r.accepted).toBe(0)
    expect(r.duplicates).toBe(r.events)
  })
})
