import { type DbClient, ingestEvents } from '@leads/db'
import { recordingQueries, testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryCache } from '../cache/cache.js'
import { CursorGenerationCache } from '../cache/cursor.js'
import { type ApiDeps, createInnerContext } from '../context.js'
import { createCaller } from '../root.js'
import { REPLICA_COOL_OFF_MS, readerFor } from './reader.js'

const NOW = Date.parse('2026-11-25T15:00:00Z')
const lead = (n: number) => ({
  id: `e${n}`,
  type: 'lead.created',
  occurredAt: '2026-11-25T10:00:00Z',
  leadId: `lead-${n}`,
  agentId: 'a1',
})

// The replica is a second database given the same events: replication as far as the reads can
// tell. Each test below makes it differ from the primary in one way and asks which one answered.
describe.each(testDatabases())('analytics reads with a read replica on $kind', ({ open }) => {
  let primary: DbClient
  let replica: DbClient
  const totalLeads = async (deps: Partial<ApiDeps>) => {
    const ctx = createInnerContext({
      db: primary.db,
      clock: { now: () => NOW },
      orgTimezone: 'UTC',
      ...deps,
    })
    return (await createCaller(ctx).analytics.metrics({})).totalLeads
  }

  beforeAll(async () => {
    ;[primary, replica] = await Promise.all([open(), open()])
    const batch = [1, 2, 3].map(lead)
    await ingestEvents(primary.db, batch)
    await ingestEvents(replica.db, batch)
    // Same events, same cursors; the replica's counters alone are wiped, so its answers show.
    await replica.db.deleteFrom('org_performance').execute()
    await replica.db.deleteFrom('agent_performance').execute()
  })
  afterAll(async () => {
    await primary?.close()
    await replica?.close()
  })

  it('computes on the replica once it has replayed what the primary committed', async () => {
    expect(await totalLeads({})).toBe(3)
    expect(await totalLeads({ readDb: replica.db })).toBe(0)
    expect(await totalLeads({ readDb: replica.db, cache: new MemoryCache() })).toBe(0)
  })

  it("reads the primary's cursor once per miss when the cache is keyed by it", async () => {
    const recorded = recordingQueries(primary.db)
    const cache = new CursorGenerationCache(recorded.db)
    const deps = { db: recorded.db, readDb: replica.db, cache }
    // The cursor for the cache key, which the replica check reuses; the figures from the replica.
    expect(await totalLeads(deps)).toBe(0)
    expect(recorded.kinds).toHaveLength(1)
  })

  it('leaves a replica that failed alone for a few seconds, then tries it again', async () => {
    let down = true
    // The replica's own connection, failing while `down`: an outage that ends.
    const flaky = replica.db.withPlugin({
      transformQuery: ({ node }) => {
        if (down) throw new Error('replica unreachable')
        return node
      },
      transformResult: async ({ result }) => result,
    })
    const deps = { db: primary.db, readDb: flaky }
    expect(await readerFor(deps, { now: () => 0 })).toBe(primary.db)
    down = false
    expect(await readerFor(deps, { now: () => REPLICA_COOL_OFF_MS - 1 })).toBe(primary.db)
    expect(await readerFor(deps, { now: () => REPLICA_COOL_OFF_MS })).toBe(flaky)
  })

  it('goes to the primary while the replica lags, so a read right after an ingest sees it', async () => {
    await ingestEvents(primary.db, [lead(4)])
    expect(await totalLeads({ readDb: replica.db })).toBe(4)
    expect(await totalLeads({ readDb: replica.db, cache: new MemoryCache() })).toBe(4)
  })

  it('goes to the primary when the replica cannot answer', async () => {
    const gone = await open()
    await gone.close()
    expect(await totalLeads({ readDb: gone.db })).toBe(4)
  })
})
