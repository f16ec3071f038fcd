import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisBus } from '@leads/api'
import { createDbClient, ensureUpcomingPartitions, ingestEvents, migrateToLatest } from '@leads/db'
import { holdIngestLock, testDatabases } from '@leads/db/testing'
import { Redis } from 'ioredis'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startServer } from './app.js'
import { bundleServer } from './bundle.js'
import { parseEnv } from './env.js'
import type { LeadsServer } from './server.js'
import { capturingLogger } from './testing.js'

// The server as a process (SIGTERM), next to a Redis that dies, with a replica, and its pools.

const SERVER_DIR = new URL('..', import.meta.url).pathname
const temps: string[] = []
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true })
})

function leadEvents(prefix: string, count: number) {
  const at = new Date(Date.now() - 60_000).toISOString()
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: 'lead.created',
    occurredAt: at,
    leadId: `${prefix}-lead-${i}`,
    agentId: `agent-${i % 5}`,
  }))
}

/**
 * The production bundle, as `pnpm build` makes it, in a folder of the tests' own at the same
 * depth as `dist` (a concurrent `pnpm build` cannot swap it, and paths from the root still hold).
 */
const BUNDLE = join(SERVER_DIR, 'dist-test', 'main.js')
beforeAll(async () => {
  await bundleServer(join(SERVER_DIR, 'src', 'main.ts'), BUNDLE)
}, 60_000)

/** Starts the production bundle on PGlite in `dataDir`; resolves with its URL. */
async function startProcess(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [BUNDLE], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      PORT: '0',
      DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk
      for (const line of buffered.split('\n')) {
        if (line.includes('"msg":"listening"')) resolve(JSON.parse(line).url)
      }
    })
    proc.once('exit', (code) => reject(new Error(`server exited early with ${code}`)))
  })
  return { proc, url }
}

describe('the server process', () => {
  it('finishes or refuses an ingest in flight at SIGTERM, never half applies it, and exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leads-sigterm-'))
    temps.push(dataDir)
    const { proc, url } = await startProcess(join(dataDir, 'db'))
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve))
    const body = JSON.stringify(leadEvents('term', 1_000))

    // The signal lands while the batch is being ingested: right after the body has gone out.
    const answer = new Promise<{ status: number; text: string } | { error: string }>((resolve) => {
      const req = request(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      })
      req.on('response', (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      })
      req.on('error', (err) => resolve({ error: err.message }))
      req.end(body, () => setTimeout(() => proc.kill('SIGTERM'), 5))
    })
    const result = await answer
    expect(await exited).toBe(0)

    const client = await createDbClient({ dataDir: join(dataDir, 'db') })
    try {
      const { rows } = await client.pglite!.query<{ n: number }>(
        `select count(*)::int as n from lead_events where event_id like 'term-%'`,
      )
      const stored = rows[0]!.n
      // All or nothing; and all whenever the client was told it landed.
      expect([0, 1_000]).toContain(stored)
      if ('status' in result && result.status === 200) {
        expect(JSON.parse(result.text)).toMatchObject({ accepted: 1_000 })
        expect(stored).toBe(1_000)
      }
    } finally {
      await client.close()
    }
  }, 60_000)

  it('started without NODE_ENV, is a production server: no development tokens', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leads-prod-'))
    temps.push(dataDir)
    const { proc, url } = await startProcess(join(dataDir, 'db'), {
      // Unset, as `node dist/main.js` from a shell would have it (vitest sets `test`).
      NODE_ENV: '',
      AUTH_JWT_SECRET: 'a-secret-of-at-least-thirty-two-bytes!',
    })
    try {
      const res = await fetch(`${url}/api/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'admin', sub: 'anyone' }),
      })
      expect(res.status).toBe(404)
      const events = await fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(leadEvents('prod', 1)),
      })
      expect(events.status).toBe(401)
    } finally {
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGTERM')
      await exited
    }
  }, 60_000)
})

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** A Redis of the test's own, so stopping it disturbs nobody else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      if (/Ready to accept connections/.test(String(c))) resolve()
    })
    proc.once('error', reject)
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return proc
}

/** Kills a private Redis outright (as a crash would) and waits until it has gone. */
async function killRedis(proc: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => proc.once('exit', resolve))
  proc.kill('SIGKILL')
  await gone
}

// Where Redis paths are tested (REDIS_URL set) the machine has redis-server to start a private one.
describe.skipIf(!process.env.REDIS_URL).each(testDatabases())(
  'Redis going away on $kind',
  ({ open }) => {
    let server: LeadsServer | undefined
    let redis: ChildProcess | undefined
    afterEach(async () => {
      await server?.close()
      redis?.kill('SIGKILL')
    })

    it('hears the Redis bus again once Redis is back: the bus subscribes again itself', async () => {
      const port = await freePort()
      redis = await startRedis(port)
      // As the server connects (startLive): no offline queue, one retry per request.
      const connect = () => {
        const client = new Redis(`redis://127.0.0.1:${port}`, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        })
        client.on('error', () => {})
        return client
      }
      const listener = connect()
      const publisher = connect()
      const heard: number[] = []
      const bus = new RedisBus(listener, { channel: 'test:events' })
      const unsubscribe = await bus.subscribe((maxSeq) => heard.push(maxSeq))
      const heardAfterPublishing = (maxSeq: number) =>
        vi.waitFor(
          async () => {
            await publisher.publish('test:events', String(maxSeq))
            expect(heard).toContain(maxSeq)
          },
          { timeout: 10_000, interval: 200 },
        )
      try {
        await heardAfterPublishing(1)
        await killRedis(redis)
        redis = await startRedis(port)
        await heardAfterPublishing(2)
      } finally {
        await unsubscribe()
        listener.disconnect()
        publisher.disconnect()
      }
    })

    it('falls back to in-memory cache and limits with a logged warning, no 5xx, and recovers', async () => {
      // Closed with the server.
      const client = await open()
      const port = await freePort()
      redis = await startRedis(port)
      const { logger, lines } = capturingLogger()
      const env = parseEnv({
        PORT: '0',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        RATE_LIMIT_PER_MINUTE: '1000',
        LOG_LEVEL: 'debug',
      })
      const started = await startServer(env, logger, client)
      server = started.server
      const { url } = started
      const read = () => fetch(`${url}/api/analytics/metrics`)
      const ingest = (prefix: string) =>
        fetch(`${url}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(leadEvents(prefix, 3)),
        })
      expect((await read()).status).toBe(200)
      expect((await ingest('before')).status).toBe(200)

      await killRedis(redis)
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        statuses.push((await read()).status, (await ingest(`during-${i}`)).status)
      }
      expect(statuses.every((s) => s === 200)).toBe(true)
      // What was ingested meanwhile shows up in the reads: the memory cache is invalidated too.
      const metrics = (await (await read()).json()) as { totalLeads: number }
      expect(metrics.totalLeads).toBe(3 + 5 * 3)
      expect(lines.some((l) => l.level === 40 && /redis|live transport/i.test(String(l.msg)))).toBe(
        true,
      )

      // Redis comes back on the same port: the server goes on without a restart.
      redis = await startRedis(port)
      await expect
        .poll(async () => (await ingest(`after-${Date.now()}`)).status, { timeout: 10_000 })
        .toBe(200)
      expect((await read()).status).toBe(200)
    }, 60_000)
  },
)

// Deployments share one Redis: the CI's (each test file's databases are deployments of their own).
describe.skipIf(!process.env.REDIS_URL).each(testDatabases())(
  'two deployments on one Redis, on $kind',
  ({ open }) => {
    const servers: LeadsServer[] = []
    afterAll(async () => {
      for (const s of servers) await s.close()
    })

    it("neither reads the other's cached figures nor hears its events", async () => {
      const env = parseEnv({ PORT: '0', REDIS_URL: process.env.REDIS_URL })
      const start = async () => {
        const started = await startServer(env, capturingLogger().logger, await open())
        servers.push(started.server)
        return started.url
      }
      const [a, b] = [await start(), await start()]
      const totalLeads = async (url: string) =>
        ((await (await fetch(`${url}/api/analytics/metrics`)).json()) as { totalLeads: number })
          .totalLeads
      const ingest = async (url: string, prefix: string, count: number) =>
        expect(
          (
            await fetch(`${url}/api/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(leadEvents(prefix, count)),
            })
          ).status,
        ).toBe(200)

      const feed = new AbortController()
      const res = await fetch(`${b}/api/analytics/activity-stream`, {
        headers: { accept: 'text/event-stream' },
        signal: feed.signal,
      })
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
      let received = ''
      const heard = async (leadId: string) => {
        while (!received.includes(`"leadId":"${leadId}"`)) {
          const { value, done } = await reader.read()
          if (done) throw new Error(`stream ended before ${leadId}`)
          received += value
        }
      }
      try {
        await ingest(b, 'b-first', 1)
        await heard('b-first-lead-0')
        // A's cursors run ahead of B's: heard by B, they would move its feed past B's next event.
        await ingest(a, 'a', 3)
        expect(await totalLeads(a)).toBe(3)
        expect(await totalLeads(b)).toBe(1)
        await ingest(b, 'b-second', 1)
        await heard('b-second-lead-0')
        expect(received).not.toContain('"leadId":"a-lead-')
      } finally {
        feed.abort()
      }
    }, 15_000)
  },
)

// A real second database stands in for the replica: same events and cursor, its data wiped, so
// which database answered shows in the figures.
const DERIVED_AND_RAW = [
  'org_performance',
  'agent_performance',
  'leads',
  'conversion_tracking',
  'response_times',
  'lead_assignments',
  'lead_events',
] as const

describe.skipIf(!process.env.DATABASE_URL)('DATABASE_READ_URL', () => {
  const databaseUrl = process.env.DATABASE_URL ?? ''
  const name = `leads_replica_${process.pid}_${Date.now().toString(36)}`
  // A function: without DATABASE_URL this block is skipped but still collected.
  const replicaUrl = () => Object.assign(new URL(databaseUrl), { pathname: `/${name}` }).href
  const admin = () => createDbClient({ databaseUrl })
  let server: LeadsServer | undefined
  afterAll(async () => {
    await server?.close()
    const a = await admin()
    await a.pool!.query(`drop database if exists ${name}`)
    await a.close()
  })

  it('serves the reads from the replica while it is caught up, from the primary when not', async () => {
    const a = await admin()
    await a.pool!.query(`create database ${name}`)
    await a.close()
    const { open } = testDatabases().find((d) => d.kind === 'postgres')!
    const primary = await open()
    const replica = await createDbClient({ databaseUrl: replicaUrl() })
    try {
      await migrateToLatest(replica.db)
      await ensureUpcomingPartitions(replica.db, new Date())
      const batch = leadEvents('r', 4)
      await ingestEvents(primary.db, batch)
      await ingestEvents(replica.db, batch)
      // Everything a read may compute from, minute-old edges included; the cursor stays.
      for (const table of DERIVED_AND_RAW) await replica.db.deleteFrom(table).execute()
    } finally {
      await replica.close()
    }
    const env = parseEnv({ PORT: '0', DATABASE_URL: databaseUrl, DATABASE_READ_URL: replicaUrl() })
    const started = await startServer(env, capturingLogger().logger, primary)
    server = started.server
    const totalLeads = async () =>
      (
        (await (await fetch(`${started.url}/api/analytics/metrics`)).json()) as {
          totalLeads: number
        }
      ).totalLeads

    expect(await totalLeads()).toBe(0)
    const ingest = await fetch(`${started.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(leadEvents('after', 1)),
    })
    expect(ingest.status).toBe(200)
    // The replica has not replayed that ingest: the read right after it goes to the primary.
    expect(await totalLeads()).toBe(5)
  })
})

describe.skipIf(!process.env.DATABASE_URL)('ingest on connections of its own', () => {
  let server: LeadsServer | undefined
  afterAll(async () => {
    await server?.close()
  })

  it('answers reads while a full gate of batches waits for the ingest lock, then stores them all', async () => {
    const databaseUrl = process.env.DATABASE_URL ?? ''
    const { open } = testDatabases().find((d) => d.kind === 'postgres')!
    const primary = await open()
    const env = parseEnv({ PORT: '0', DATABASE_URL: databaseUrl })
    const started = await startServer(env, capturingLogger().logger, primary)
    server = started.server
    const read = () => fetch(`${started.url}/api/analytics/metrics`)
    expect((await read()).status).toBe(200)

    // Another instance's long batch holds the lock (on this schema: each has its own).
    const other = await createDbClient({ databaseUrl, schema: primary.schema, poolSize: 1 })
    const watcher = new pg.Client({ connectionString: databaseUrl })
    await watcher.connect()
    const release = await holdIngestLock(other.db)
    try {
      const batches = Array.from({ length: env.INGEST_MAX_IN_FLIGHT }, (_, i) =>
        fetch(`${started.url}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(leadEvents(`held-${i}`, 2)),
        }),
      )
      // Let every batch reach the server and queue for the lock: at least two wait on it in
      // Postgres (with one pool for all, ten would, and reads would get no connection).
      await vi.waitFor(
        async () => {
          const { rows } = await watcher.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and wait_event = 'advisory'`,
          )
          expect(rows[0]!.n).toBeGreaterThanOrEqual(2)
        },
        { timeout: 5_000 },
      )
      await new Promise((r) => setTimeout(r, 300))
      const reads = await Promise.all([read(), read(), read()])
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200])
      // Operators see the queue: batches waiting for one of ingest's connections.
      const scraped = await (await fetch(`${started.url}/metrics`)).text()
      expect(scraped).toMatch(/leads_db_pool_connections\{pool="ingest",state="waiting"\} [1-9]/)
      await release()
      const answers = await Promise.all(batches)
      expect(answers.map((r) => r.status)).toEqual(batches.map(() => 200))
    } finally {
      await release().catch(() => {})
      await other.close()
      await watcher.end()
    }
    const metrics = (await (await read()).json()) as { totalLeads: number }
    expect(metrics.totalLeads).toBe(2 * env.INGEST_MAX_IN_FLIGHT)
  })
})
