import { randomBytes } from 'node:crypto'
import { FeedHub, InProcessBus, type LeadEvent, systemClock } from '@leads/api'
import { createDbClient, type DbClient } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type LeadsServer } from './server.js'
import { silent } from './testing.js'

// What the server does when Postgres goes away under it. Postgres only: PGlite lives inside the
// process and cannot be cut off.
const DATABASE_URL = process.env.DATABASE_URL
const postgres = testDatabases().find((t) => t.kind === 'postgres')
const METRICS = '/api/analytics/metrics'

function leadEvents(prefix: string, count: number): LeadEvent[] {
  const at = new Date(Date.now() - 60_000).toISOString()
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: 'lead.created' as const,
    occurredAt: at,
    leadId: `${prefix}-lead-${i}`,
    agentId: `agent-${i % 3}`,
  }))
}

describe.skipIf(!postgres)('database faults on postgres', () => {
  const open = () => postgres!.open()
  let owner: DbClient
  /** The server's own pool, tagged so the test can find and kill its connections. */
  let client: DbClient
  let hub: FeedHub
  let url: string
  let server: LeadsServer
  let admin: pg.Client
  const app = `leads_fault_${randomBytes(4).toString('hex')}`
  const lockers: pg.Client[] = []

  beforeAll(async () => {
    owner = await open()
    const tagged = new URL(DATABASE_URL!)
    tagged.searchParams.set('application_name', app)
    client = await createDbClient({
      databaseUrl: tagged.toString(),
      schema: owner.schema,
      poolSize: 4,
      statementTimeoutMs: 1_500,
    })
    hub = new FeedHub(client.db, new InProcessBus())
    await hub.start()
    server = createServer({
      deps: { db: client.db, clock: systemClock, orgTimezone: 'UTC', live: hub },
      logger: silent,
    })
    url = await server.listen()
    admin = new pg.Client({ connectionString: DATABASE_URL })
    await admin.connect()
  })
  afterEach(async () => {
    for (const l of lockers.splice(0)) await l.end().catch(() => {})
  })
  afterAll(async () => {
    await server?.close()
    await hub?.stop()
    await client?.close()
    await admin?.end()
    await owner?.close()
  })

  /** A session holding an exclusive lock on some of this schema's tables until it ends. */
  async function lockTables(...tables: string[]): Promise<pg.Client> {
    const locker = new pg.Client({ connectionString: DATABASE_URL })
    await locker.connect()
    lockers.push(locker)
    await locker.query('begin')
    const names = tables.map((t) => `"${owner.schema}"."${t}"`).join(', ')
    await locker.query(`lock table ${names} in access exclusive mode`)
    return locker
  }

  /** Terminates the server's backends that match `where` (all of them by default). */
  async function terminate(where = 'true'): Promise<number> {
    const { rows } = await admin.query(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
        where application_name = $1 and (${where})`,
      [app],
    )
    return rows.length
  }

  const post = (events: LeadEvent[]) =>
    fetch(`${url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    })

  async function stored(prefix: string): Promise<number> {
    const { rows } = await admin.query(
      `select count(*)::int as n from "${owner.schema}".lead_events where event_id like $1`,
      [`${prefix}-%`],
    )
    return rows[0].n
  }

  it('answers 503 with Retry-After when its connection is killed mid-ingest, and keeps nothing of that batch', async () => {
    const batch = leadEvents('killed', 25)
    const locker = await lockTables('lead_event_ids')
    const answer = post(batch)
    // Wait until the ingest is stuck behind the lock, then kill the backend running it.
    await expect
      .poll(() => terminate(`wait_event_type = 'Lock'`), { timeout: 5_000, interval: 25 })
      .toBeGreaterThan(0)
    const res = await answer
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(await res.json()).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: 'service unavailable, retry later' },
    })
    await locker.query('rollback')
    expect(await stored('killed')).toBe(0)

    // The client retries the same batch: all of it lands, once.
    const retry = await post(batch)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ accepted: 25, duplicates: 0, rejected: [] })
    expect(await stored('killed')).toBe(25)
  })

  it('answers 503 when a locked table outlasts statement_timeout, instead of hanging', async () => {
    // Today's figures sum whole quarter-hours from the rollup and the edges from the per-lead
    // table; in a day's first quarter-hour there is no whole one, so lock both.
    await lockTables('org_performance', 'conversion_tracking')
    const started = performance.now()
    const res = await fetch(`${url}${METRICS}`)
    const ms = performance.now() - started
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    // Cancelled by the 1.5 s statement timeout, far from a hang.
    expect(ms).toBeLessThan(10_000)
  })

  it('loses and doubles nothing while every pooled connection is killed again and again under load', async () => {
    const batches = Array.from({ length: 24 }, (_, i) => leadEvents(`load${i}`, 20))
    const statuses: number[] = []
    let stop = false
    let kills = 0
    const killer = (async () => {
      while (!stop) {
        kills += await terminate()
        // Long enough for a reconnect and one ingest (50–200 ms here) to fit between kills
        // sometimes; at 100 ms a slower machine could starve ingest of any window at all.
        await new Promise((r) => setTimeout(r, 300))
      }
    })()
    const reader = (async () => {
      while (!stop) statuses.push((await fetch(`${url}${METRICS}`)).status)
    })()
    try {
      // A client that retries on 503, as Retry-After asks (faster here).
      for (const batch of batches) {
        for (let attempt = 0; ; attempt++) {
          const res = await post(batch)
          statuses.push(res.status)
          if (res.status === 200) break
          expect(attempt).toBeLessThan(100)
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    } finally {
      stop = true
      await Promise.all([killer, reader])
    }
    expect(kills).toBeGreaterThan(0)
    // The kills did land on requests in flight: some were refused and retried.
    expect(statuses).toContain(503)
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
    for (let i = 0; i < batches.length; i++) expect(await stored(`load${i}`)).toBe(20)
    // Recovered by itself: reads answer again with the pool rebuilt.
    expect((await fetch(`${url}${METRICS}`)).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
  }, 60_000)

  it('answers 503 at once, never hangs, when the database cannot be reached at all', async () => {
    const unreachable = await createDbClient({
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 1_000,
    })
    const down = createServer({
      deps: { db: unreachable.db, clock: systemClock, orgTimezone: 'UTC' },
      logger: silent,
    })
    const downUrl = await down.listen()
    try {
      const read = await fetch(`${downUrl}${METRICS}`)
      expect(read.status).toBe(503)
      expect(read.headers.get('retry-after')).toBe('5')
      const ingest = await fetch(`${downUrl}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(leadEvents('down', 2)),
      })
      expect(ingest.status).toBe(503)
      const trpc = await fetch(
        `${downUrl}/api/trpc/analytics.metrics?input=${encodeURIComponent('{"json":{}}')}`,
      )
      expect(trpc.status).toBe(503)
      expect(trpc.headers.get('retry-after')).toBe('5')
      expect((await fetch(`${downUrl}/readyz`)).status).toBe(503)
    } finally {
      await down.close()
      await unreachable.close()
    }
  })
})
