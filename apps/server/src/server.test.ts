import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import {
  type AppRouter,
  type LeadEvent,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MemoryCache,
  systemClock,
} from '@leads/api'
import { type DbClient, ping } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client'
import superjson from 'superjson'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { createServer, type LeadsServer, type ServerOptions } from './server.js'
import { capturingLogger, silent } from './testing.js'

/** A promise with its resolve function outside, to hold a request open. */
function gate<T = void>() {
  let open!: (value: T) => void
  const promise = new Promise<T>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

function events(now: number): LeadEvent[] {
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString()
  return [
    {
      id: 'srv-a1',
      type: 'agent.upserted',
      occurredAt: at(600),
      agentId: 'a1',
      name: 'Ada Okafor',
    },
    { id: 'srv-l1', type: 'lead.created', occurredAt: at(500), leadId: 'l1', agentId: 'a1' },
    { id: 'srv-l2', type: 'lead.created', occurredAt: at(400), leadId: 'l2', agentId: 'a1' },
    {
      id: 'srv-x1',
      type: 'agent.action',
      occurredAt: at(300),
      leadId: 'l1',
      agentId: 'a1',
      action: 'call',
    },
    {
      id: 'srv-s1',
      type: 'lead.status_changed',
      occurredAt: at(200),
      leadId: 'l1',
      agentId: 'a1',
      status: 'completed',
    },
  ]
}

describe.each(testDatabases())('server on $kind', ({ open }) => {
  let client: DbClient
  let dbHandedOver = false
  const servers: LeadsServer[] = []

  beforeAll(async () => {
    client = await open()
  })
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()))
  })
  afterAll(async () => {
    if (!dbHandedOver) await client?.close()
  })

  /** A server over the shared database; the database outlives it unless `closeDb` says otherwise. */
  async function start(extra: Partial<ServerOptions> = {}) {
    const server = createServer({
      deps: { db: client.db, clock: systemClock, orgTimezone: 'UTC' },
      logger: silent,
      ...extra,
    })
    servers.push(server)
    const url = await server.listen()
    return { server, url }
  }

  it('answers /healthz while up', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/healthz`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({ status: 'ok' })
    expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405)
  })

  it('answers /readyz with 200 when the database answers, 503 when not', async () => {
    const { url } = await start()
    const ok = await fetch(`${url}/readyz`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ status: 'ok' })

    const { url: downUrl } = await start({ isReady: async () => false })
    const down = await fetch(`${downUrl}/readyz`)
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({
      error: { code: 'UNAVAILABLE', message: 'database not reachable' },
    })
  })

  it('answers unknown paths and WebSocket upgrades elsewhere with a JSON 404', async () => {
    const { url } = await start()
    for (const path of ['/', '/nope', '/healthz/x']) {
      const res = await fetch(`${url}${path}`)
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such path' } })
    }
    const ws = new WebSocket(`${url.replace('http', 'ws')}/elsewhere`)
    const status = await new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    )
    expect(status).toBe(404)
  })

  it('ingests over the tRPC HTTP endpoint and reads the result back over WebSocket', async () => {
    const { url } = await start()
    const now = Date.now()
    const http = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson })],
    })
    const batch = [
      ...events(now),
      { id: 'srv-bad', type: 'lead.teleported', occurredAt: 'yesterday' },
    ]
    const result = await http.events.ingest.mutate(batch)
    expect(result.accepted).toBe(5)
    expect(result.duplicates).toBe(0)
    expect(result.rejected).toEqual([
      expect.objectContaining({ index: 5, id: 'srv-bad', code: 'invalid' }),
    ])
    expect((await http.events.ingest.mutate(batch)).duplicates).toBe(5)
    // One event too many is 413, as over REST, not a 400 about the array's length.
    const tooMany = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => ({ id: `srv-${i}` }))
    await expect(http.events.ingest.mutate(tooMany as never)).rejects.toMatchObject({
      data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
      message: `batch of ${MAX_BATCH_EVENTS + 1} events; at most ${MAX_BATCH_EVENTS} per request`,
    })

    const wsClient = createWSClient({
      url: `${url.replace('http', 'ws')}/api/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    })
    try {
      const overWs = createTRPCClient<AppRouter>({
        links: [wsLink({ client: wsClient, transformer: superjson })],
      })
      const metrics = await overWs.analytics.metrics.query({
        from: new Date(now - 3_600_000).toISOString(),
        to: new Date(now + 60_000).toISOString(),
      })
      expect(metrics).toMatchObject({ totalLeads: 2, conversionRate: 0.5, activeAgents: 1 })
    } finally {
      await wsClient.close()
    }
  })

  it('decodes a tRPC body sent compressed, as POST /api/events does, and refuses in tRPC shape what it cannot decode', async () => {
    const { url } = await start()
    const now = Date.now()
    const compressing = (coding: string, encode: (b: Buffer) => Buffer) =>
      createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({
            url: `${url}/api/trpc`,
            transformer: superjson,
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                body: init?.body ? encode(Buffer.from(String(init.body))) : undefined,
                headers: {
                  ...(init?.headers as Record<string, string>),
                  'content-encoding': coding,
                },
              }),
          }),
        ],
      })
    const codings: [string, (b: Buffer) => Buffer][] = [
      ['gzip', (b) => gzipSync(b)],
      ['deflate', (b) => deflateSync(b)],
      ['br', (b) => brotliCompressSync(b)],
    ]
    for (const [coding, encode] of codings) {
      const batch = events(now).map((e) => ({ ...e, id: `${e.id}-${coding}` }))
      const result = await compressing(coding, encode).events.ingest.mutate(batch)
      expect(result).toEqual({ accepted: 5, duplicates: 0, rejected: [] })
    }

    const post = (coding: string, body: Buffer) =>
      fetch(`${url}/api/trpc/events.ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': coding },
        body,
      })
    const refusal = async (res: Response) => {
      // tRPC's error shape, through the superjson transformer.
      const body = (await res.json()) as { error: { json: { message: string; data: unknown } } }
      return { status: res.status, message: body.error.json.message, data: body.error.json.data }
    }
    const json = Buffer.from(JSON.stringify({ json: events(now) }))
    expect(await refusal(await post('zstd', json))).toMatchObject({
      status: 415,
      message: expect.stringMatching(/^content-encoding "zstd" is not supported/),
      data: { code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415 },
    })
    expect(await refusal(await post('gzip', json))).toMatchObject({
      status: 400,
      message: 'request body is not valid gzip',
      data: { code: 'BAD_REQUEST', httpStatus: 400 },
    })
    // A small body that decodes past the byte limit is stopped at the limit.
    const bomb = gzipSync(Buffer.alloc(MAX_BATCH_BYTES + 1, ' '))
    expect(bomb.length).toBeLessThan(MAX_BATCH_BYTES / 100)
    expect(await refusal(await post('gzip', bomb))).toMatchObject({
      status: 413,
      data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
    })
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('turns a thrown handler error into a logged JSON 500 without the cause', async () => {
    const { logger, lines } = capturingLogger()
    const { url } = await start({
      logger,
      rest: async () => {
        throw new Error('secret detail', { cause: new Error('deeper') })
      },
    })
    const res = await fetch(`${url}/api/analytics/metrics`, {
      headers: { 'x-request-id': 'trace-42' },
    })
    expect(res.status).toBe(500)
    expect(res.headers.get('x-request-id')).toBe('trace-42')
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' },
    })
    expect(text).not.toMatch(/secret|deeper|at /)
    const logged = lines.find((l) => l.msg === 'request failed') as {
      err: { message: string; stack: string }
      reqId: string
    }
    // The log line carries the id the client saw, so a support ticket leads to the cause.
    expect(logged.reqId).toBe('trace-42')
    // pino's error serializer folds the cause chain into the message.
    expect(logged.err.message).toBe('secret detail: deeper')
    expect(logged.err.stack).toContain('server.test.ts')
    // Still serving afterwards.
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('answers 500 without schema issues, over tRPC and REST, for a cached answer that fails its schema', async () => {
    // A shared cache's entry written by another version of the server: it is not this
    // process's frozen, validated answer, so it is checked again and refused.
    class StaleShapeCache extends MemoryCache {
      override async get() {
        return { tz: 'UTC', totalLeads: 'many' }
      }
    }
    const { logger, lines } = capturingLogger()
    const { url } = await start({
      logger,
      deps: { db: client.db, clock: systemClock, orgTimezone: 'UTC', cache: new StaleShapeCache() },
    })
    const rest = await fetch(`${url}/api/analytics/metrics`)
    expect(rest.status).toBe(500)
    expect(await rest.json()).toEqual({
      error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' },
    })
    const input = encodeURIComponent(JSON.stringify({ json: {} }))
    const trpc = await fetch(`${url}/api/trpc/analytics.metrics?input=${input}`)
    expect(trpc.status).toBe(500)
    const { error } = (await trpc.json()) as {
      error: { json: { message: string; data: Record<string, unknown> } }
    }
    expect(error.json.message).toBe('internal error')
    expect(error.json.data).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', zodIssues: null })
    expect(JSON.stringify(error)).not.toMatch(/totalLeads|expected/)
    // The cause is for the operator: logged, with the issues.
    expect(JSON.stringify(lines)).toMatch(/Output validation failed[\s\S]*totalLeads/)
  })

  it('shuts down gracefully: 503 on /readyz, reconnect + 1001 to WebSockets, drains, then closes the db', async () => {
    const readyEntered = gate()
    const readyResult = gate<boolean>()
    const closeDb = vi.fn(async () => {})
    const { server, url } = await start({
      closeDb,
      isReady: () => {
        readyEntered.open()
        return readyResult.promise
      },
    })

    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/trpc`)
    const messages: string[] = []
    ws.on('message', (data) => messages.push(String(data)))
    const wsClosed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((resolve) => ws.on('open', resolve))

    // A readiness probe is in flight when shutdown begins.
    const probe = fetch(`${url}/readyz`)
    await readyEntered.promise
    let closed = false
    const closing = server.close().then(() => {
      closed = true
    })

    expect(await wsClosed).toBe(1001)
    expect(messages.map((m) => JSON.parse(m))).toContainEqual({ id: null, method: 'reconnect' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(closed).toBe(false)
    expect(closeDb).not.toHaveBeenCalled()

    // The database answers, but shutdown has begun: the probe must say "not ready".
    readyResult.open(true)
    const res = await probe
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ error: { code: 'UNAVAILABLE', message: 'shutting down' } })

    await closing
    expect(closeDb).toHaveBeenCalledTimes(1)
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    await server.close()
    expect(closeDb).toHaveBeenCalledTimes(1)
  })

  // Last on purpose: this server closes the shared database. (A second `open()` per file would
  // not do on Postgres, see the report on kysely's migration-table lookup.)
  it('cuts requests still running after the drain timeout, then closes the database', async () => {
    const entered = gate()
    dbHandedOver = true
    const { server, url } = await start({
      closeDb: () => client.close(),
      drainTimeoutMs: 200,
      rest: async () => {
        entered.open()
        return new Promise<boolean>(() => {})
      },
    })
    // Settled into a value at once, so the cut connection is not an unhandled rejection meanwhile.
    const hanging = fetch(`${url}/api/never`).then(
      () => 'answered',
      () => 'cut',
    )
    await entered.promise
    const started = performance.now()
    await server.close()
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(await hanging).toBe('cut')
    expect(await ping(client.db)).toBe(false)
  })
})
