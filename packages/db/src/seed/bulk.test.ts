import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DbClient } from '../client.js'
import { reconcile, snapshotDerived } from '../ingest/rebuild.js'
import { testDatabases } from '../testing.js'
import { bulkLoad } from './bulk.js'
import { seedDatabase } from './seed.js'

const OPTS = {
  now: new Date('2026-03-02T09:10:00Z'),
  // Spans a month boundary, so both paths create partitions.
  days: 6,
  agents: 6,
  events: 3_000,
  tz: 'America/St_Johns',
  seed: 7,
}

/** Raw rows as stored, minus the arrival time (wall clock of the load). */
async function rawRows(db: DbClient['db']) {
  const { rows: events } = await sql`
    select seq, event_id, type, occurred_at, lead_id, agent_id, status, action, source, payload
    from lead_events order by seq`.execute(db)
  const { rows: ids } = await sql`select * from lead_event_ids order by seq`.execute(db)
  const { rows: seq } = await sql`select last_value from lead_event_seq`.execute(db)
  return { events, ids, seq }
}

describe.each(testDatabases())('bulk load on $kind', ({ open }) => {
  let ingested: DbClient
  let bulk: DbClient
  beforeAll(async () => {
    ;[ingested, bulk] = await Promise.all([open(), open()])
  })
  afterAll(async () => {
    await Promise.all([ingested?.close(), bulk?.close()])
  })

  it('writes exactly what ingest writes for the same generated events', async () => {
    await seedDatabase(ingested.db, OPTS)
    const phases = new Set<string>()
    const r = await bulkLoad(bulk, OPTS, (p) => phases.add(p.phase))

    expect(r.events).toBeGreaterThan(1_000)
    expect([...phases]).toEqual(['events', 'leads'])
    expect(await rawRows(bulk.db)).toEqual(await rawRows(ingested.db))
    expect(await snapshotDerived(bulk.db)).toEqual(await snapshotDerived(ingested.db))
    expect(await reconcile(bulk.db)).toEqual([])
  }, 60_000)

  it('refuses a database that already holds events', async () => {
    await expect(bulkLoad(bulk, OPTS)).rejects.toThrow(/empty database/)
  })
})
