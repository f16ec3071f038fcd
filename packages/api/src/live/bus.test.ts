import type { LeadEvent } from '@leads/contract'
import type { DbClient } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'
import { type Bus, channelOf, PostgresBus, RedisBus } from './bus.js'
import { FeedHub } from './hub.js'

const databaseUrl = process.env.DATABASE_URL
const redisUrl = process.env.REDIS_URL
const postgres = testDatabases().find((t) => t.kind === 'postgres')

type BusCase = { kind: string; make: (client: DbClient) => { bus: Bus; close: () => void } }
const buses: BusCase[] = []
if (databaseUrl) {
  buses.push({
    kind: 'postgres',
    make: (client) => ({
      bus: new PostgresBus(client.pool!, () => new pg.Client({ connectionString: databaseUrl }), {
        channel: channelOf(client.schema),
      }),
      close: () => {},
    }),
  })
}
if (redisUrl) {
  buses.push({
    kind: 'redis',
    make: (client) => {
      const redis = new Redis(redisUrl)
      const bus = new RedisBus(redis, { channel: channelOf(client.schema) })
      return { bus, close: () => redis.disconnect() }
    },
  })
}

// Without DATABASE_URL there is no second instance to reach. A file with no suite at all fails
// the run, so say so with a skipped test instead.
describe.skipIf(buses.length > 0)('fan-out across instances', () => {
  it.skip('needs DATABASE_URL (and REDIS_URL for the Redis bus)', () => {})
})

// Two API instances on one database: ingest on A, a subscriber on B receives it.
describe.runIf(postgres && buses.length > 0).each(buses)(
  'fan-out across instances over $kind',
  ({ make }) => {
    let client: DbClient
    let elsewhere: DbClient
    const hubs: FeedHub[] = []
    const closers: (() => void)[] = []
    beforeAll(async () => {
      client = await postgres!.open()
      for (let i = 0; i < 2; i++) {
        const { bus, close } = make(client)
        closers.push(close)
        const hub = new FeedHub(client.db, bus)
        await hub.start()
        hubs.push(hub)
      }
      // An instance of another deployment (another schema) on the same Postgres and Redis.
      elsewhere = await postgres!.open()
      const { bus, close } = make(elsewhere)
      closers.push(close)
      const hub = new FeedHub(elsewhere.db, bus)
      await hub.start()
      hubs.push(hub)
    })
    afterAll(async () => {
      for (const h of hubs) await h.stop()
      for (const c of closers) c()
      await client?.close()
      await elsewhere?.close()
    })

    it('delivers an event ingested on instance A to a subscriber on instance B within a second', async () => {
      const now = Date.now()
      const ctx = (hub: FeedHub) =>
        createInnerContext({
          db: client.db,
          clock: { now: () => now },
          orgTimezone: 'UTC',
          live: hub,
        })
      const a = createCaller(ctx(hubs[0]!))
      const b = createCaller(ctx(hubs[1]!))
      const sub = (await b.analytics.activity({})) as AsyncIterable<[string, { leadId: string }]>
      const received = (async () => {
        for await (const [, msg] of sub) return { msg, at: Date.now() }
      })()
      await new Promise((r) => setTimeout(r, 100))
      const event: LeadEvent = {
        id: `x-${now}`,
        type: 'lead.created',
        occurredAt: new Date(now - 1000).toISOString(),
        leadId: 'cross',
      }
      const sent = Date.now()
      await a.events.ingest([event])
      const got = await received
      expect(got?.msg.leadId).toBe('cross')
      expect(got!.at - sent).toBeLessThan(1_000)
      // The other schema's instance heard nothing: a foreign cursor would have moved its feed.
      await new Promise((r) => setTimeout(r, 100))
      expect(hubs[2]!.lastSeq).toBe(0)
    })
  },
)
