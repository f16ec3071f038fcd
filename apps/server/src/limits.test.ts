import { request as httpRequest } from 'node:http'
import {
  type ApiDeps,
  type AppRouter,
  createRateLimits,
  createVerifier,
  IngestGate,
  MAX_BATCH_BYTES,
  type RateLimitOptions,
} from '@leads/api'
import { testDatabases } from '@leads/db/testing'
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client'
import { Redis } from 'ioredis'
import superjson from 'superjson'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  bearer,
  closed,
  deferred,
  openSocket,
  refusedUpgrade,
  signTest,
  TEST_SECRET,
  testServers,
  wsUrl,
} from './testing.js'

const METRICS = '/api/analytics/metrics'
const STREAM = '/api/analytics/activity-stream'
const REDIS_URL = process.env.REDIS_URL

describe.each(testDatabases())('rate limits on $kind', ({ open }) => {
  const redisClients: Redis[] = []
  // Registered first, so it runs after the servers have closed.
  afterEach(() => {
    for (const r of redisClients.splice(0)) r.disconnect()
  })
  const servers = testServers(open, {
    options: { verify: createVerifier({ jwtSecret: TEST_SECRET }) },
    deps: { authRequired: true },
  })

  /** A server requiring tokens, with the given budgets (and any other dependency in `extra`). */
  async function start(limits: Partial<RateLimitOptions>, extra: Partial<ApiDeps> = {}) {
    const limited = createRateLimits({
      readPerMinute: 0,
      ingestPerMinute: 0,
      streamsPerCaller: 0,
      ...limits,
    })
    return (await servers.start({}, { limits: limited, ...extra })).url
  }

  const get = (url: string, path: string, token?: string) =>
    fetch(`${url}${path}`, { headers: token ? bearer(token) : {} })

  it('answers 429 with Retry-After and RateLimit headers once a caller spends its read budget', async () => {
    const url = await start({ readPerMinute: 3 })
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    for (let i = 0; i < 3; i++) expect((await get(url, METRICS, agent)).status).toBe(200)
    const refused = await get(url, METRICS, agent)
    expect(refused.status).toBe(429)
    const retryAfter = Number(refused.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(refused.headers.get('ratelimit-policy')).toBe('"read";q=3;w=60')
    expect(refused.headers.get('ratelimit')).toBe(`"read";r=0;t=${retryAfter}`)
    expect(refused.headers.get('ratelimit-limit')).toBe('3')
    expect(await refused.json()).toEqual({
      error: { code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/rate limit of 3 read/) },
    })
    // Another caller has a budget of its own.
    const admin = await signTest({ sub: 'boss', role: 'admin' })
    expect((await get(url, METRICS, admin)).status).toBe(200)
  })

  it('budgets callers without a credential by address, as it does refused ones', async () => {
    const url = await start({ readPerMinute: 2, ingestPerMinute: 2 })
    for (let i = 0; i < 2; i++) expect((await get(url, METRICS)).status).toBe(401)
    expect((await get(url, METRICS)).status).toBe(429)
    // Anonymous batches are refused before their body is read (this one is not even JSON) and
    // count against the address's ingest budget.
    const send = () =>
      fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{ not json',
      })
    expect((await send()).status).toBe(401)
    expect((await send()).status).toBe(401)
    expect((await send()).status).toBe(429)
    // The address's budget, not a token's: an identified caller still reads.
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    expect((await get(url, METRICS, agent)).status).toBe(200)
  })

  it('refuses a role that may not send events before reading its batch', async () => {
    const url = await start({})
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    const res = await fetch(`${url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(agent) },
      body: '{ not json',
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'role agent may not send events' },
    })
  })

  it('asks who is calling before reading what they asked, and charges bad requests to the budget', async () => {
    const url = await start({ readPerMinute: 3, ingestPerMinute: 2 })
    const reads = [`${METRICS}?tz=Nope`, '/api/analytics/export?report=metrics&tz=Nope']
    // Without a token, or with one that may not read: refused as such whatever the query says.
    for (const path of reads) expect((await get(url, path)).status, path).toBe(401)
    const crm = await signTest({ sub: 'crm', role: 'ingest' })
    for (const path of [...reads, '/api/analytics/export?report=nope'])
      expect((await get(url, path, crm)).status, path).toBe(403)
    // A caller who may read is told what is wrong with the query, and each bad one costs a request.
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    for (const path of [...reads, '/api/analytics/export?report=nope'])
      expect((await get(url, path, agent)).status, path).toBe(400)
    expect((await get(url, METRICS, agent)).status).toBe(429)
    // So does a body that is not a batch.
    const send = (body: string) =>
      fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(crm) },
        body,
      })
    expect((await send('{ not json')).status).toBe(400)
    expect((await send('{}')).status).toBe(400)
    expect((await send('[]')).status).toBe(429)
  })

  it('answers a refused upload whole: no 100 Continue for it, and a body already coming is taken', async () => {
    const url = await start({})
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    const crm = await signTest({ sub: 'crm', role: 'ingest' })
    const large = Buffer.alloc(4_900_000, ' ')
    // An upload under way when the refusal comes: the answer is read, not a reset connection.
    for (let i = 0; i < 3; i++) {
      const refused = await upload(url, agent, large, false)
      expect(refused).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } })
    }
    const tooLarge = await upload(url, crm, Buffer.alloc(MAX_BATCH_BYTES + 1_000_000, ' '), false)
    expect(tooLarge).toMatchObject({ status: 413, json: { error: { code: 'PAYLOAD_TOO_LARGE' } } })
    // A client that waits for 100 Continue is refused before it uploads, and the connection ends.
    const waited = await upload(url, agent, large, true)
    expect(waited).toMatchObject({ status: 403, continued: false, connection: 'close' })
    // A sender that may send is told to go on.
    const sent = await upload(url, crm, Buffer.from('[]'), true)
    expect(sent).toMatchObject({ status: 200, continued: true, json: { accepted: 0 } })
  })

  it('keeps ingest and reads in separate budgets', async () => {
    const url = await start({ readPerMinute: 2, ingestPerMinute: 1 })
    const admin = await signTest({ sub: 'boss', role: 'admin' })
    const ingest = () =>
      fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: '[]',
      })
    expect((await ingest()).status).toBe(200)
    const refused = await ingest()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('ratelimit-policy')).toBe('"ingest";q=1;w=60')
    // Spending the ingest budget left the reads alone.
    expect((await get(url, METRICS, admin)).status).toBe(200)
  })

  it('answers ingest past the in-flight cap with 503 + Retry-After over REST and tRPC, then lands the retry', async () => {
    const gate = new IngestGate(1)
    const url = await start({}, { ingestGate: gate })
    const admin = await signTest({ sub: 'boss', role: 'admin' })
    const batch = [
      {
        id: 'gate-1',
        type: 'lead.created',
        occurredAt: new Date().toISOString(),
        leadId: 'gate-lead',
      },
    ]
    const rest = () =>
      fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: JSON.stringify(batch),
      })
    const trpc = () =>
      fetch(`${url}/api/trpc/events.ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(admin) },
        body: JSON.stringify({ json: batch }),
      })
    // Another batch holds the only place.
    const held = deferred<void>()
    const holder = gate.run(() => held.promise)
    const refused = await rest()
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toEqual({
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/^ingest busy: 1 batches/),
      },
    })
    const refusedTrpc = await trpc()
    expect(refusedTrpc.status).toBe(503)
    expect(refusedTrpc.headers.get('retry-after')).toBe('1')
    held.resolve()
    await holder
    const landed = await rest()
    expect(landed.status).toBe(200)
    expect(await landed.json()).toMatchObject({ accepted: 1, duplicates: 0 })
    expect((await trpc()).status).toBe(200)
    expect(gate.inFlight).toBe(0)
  })

  it('limits tRPC calls too: each procedure of a batch takes one request, 429 carries Retry-After', async () => {
    const url = await start({ readPerMinute: 2 })
    const token = await signTest({ sub: 'a1', role: 'agent' })
    const batch = (n: number) => {
      const paths = Array.from({ length: n }, () => 'analytics.metrics').join(',')
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: {} }]))
      const query = `batch=1&input=${encodeURIComponent(JSON.stringify(input))}`
      return fetch(`${url}/api/trpc/${paths}?${query}`, { headers: bearer(token) })
    }
    expect((await batch(2)).status).toBe(200)
    const refused = await batch(1)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const [body] = (await refused.json()) as [{ error: { json: { data: { code: string } } } }]
    expect(body.error.json.data.code).toBe('TOO_MANY_REQUESTS')
  })

  it('charges refused credentials to the address, so guessing tokens meets 429', async () => {
    const url = await start({ readPerMinute: 3 })
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3NzIiwicm9sZSI6ImFkbWluIn0.AAAA'
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await get(url, METRICS, forged)).status)
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    // A caller with a good token is budgeted by its token, not by the shared address.
    const agent = await signTest({ sub: 'a1', role: 'agent' })
    expect((await get(url, METRICS, agent)).status).toBe(200)
  })

  it('budgets anonymous callers by X-Forwarded-For only behind trusted proxies', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3NzIiwicm9sZSI6ImFkbWluIn0.AAAA'
    const from = (url: string, address: string) =>
      fetch(`${url}${METRICS}`, { headers: { ...bearer(forged), 'x-forwarded-for': address } })
    const statuses = async (url: string, addresses: string[]) => {
      const out: number[] = []
      for (const a of addresses) out.push((await from(url, a)).status)
      return out
    }
    const behindProxy = await start({ readPerMinute: 1 }, { trustProxyHops: 1 })
    // Each forwarded address has its own budget; a spoofed left-hand entry changes nothing.
    expect(
      await statuses(behindProxy, ['203.0.113.5', '203.0.113.5', '198.51.100.9, 203.0.113.6']),
    ).toEqual([401, 429, 401])
    // Not trusted: the header is ignored and everyone shares the peer's budget.
    const direct = await start({ readPerMinute: 1 })
    expect(await statuses(direct, ['203.0.113.5', '203.0.113.6'])).toEqual([401, 429])
  })

  it('caps open streams per caller over SSE and WebSocket, and frees a slot when one closes', async () => {
    const url = await start({ streamsPerCaller: 2 })
    const token = await signTest({ sub: 'boss', role: 'admin' })
    const aborter = new AbortController()
    const sse = await fetch(`${url}${STREAM}`, {
      headers: { accept: 'text/event-stream', ...bearer(token) },
      signal: aborter.signal,
    })
    expect(sse.status).toBe(200)
    const ws = await openSocket(`${wsUrl(url)}${STREAM}`, bearer(token))

    const third = await refusedUpgrade(`${wsUrl(url)}${STREAM}`, bearer(token))
    expect(third.status).toBe(429)
    expect(third.headers['retry-after']).toBeDefined()
    expect(third.body).toEqual({
      error: {
        code: 'TOO_MANY_REQUESTS',
        message: 'at most 2 open streams per caller; close one first',
      },
    })
    const thirdSse = await fetch(`${url}${STREAM}`, {
      headers: { accept: 'text/event-stream', ...bearer(token) },
    })
    expect(thirdSse.status).toBe(429)

    // Another caller is not affected.
    const other = await openSocket(
      `${wsUrl(url)}${STREAM}`,
      bearer(await signTest({ sub: 'crm', role: 'admin' })),
    )
    other.close()

    // The slot comes back when the socket closes.
    const gone = closed(ws)
    ws.close()
    await gone
    const again = await openSocket(`${wsUrl(url)}${STREAM}`, bearer(token))
    again.close()
    aborter.abort()
  })

  it('caps tRPC subscriptions with the same slots', async () => {
    const url = await start({ streamsPerCaller: 1 })
    const token = await signTest({ sub: 'boss', role: 'admin' })
    const wsClient = createWSClient({
      url: `${wsUrl(url)}/api/trpc`,
      connectionParams: { token },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    })
    const trpc = createTRPCClient<AppRouter>({
      links: [wsLink({ client: wsClient, transformer: superjson })],
    })
    try {
      const started = deferred()
      const first = trpc.analytics.activity.subscribe({}, { onStarted: () => started.resolve() })
      await started.promise
      const refused = deferred<string>()
      const second = trpc.analytics.metricsLive.subscribe(
        {},
        { onError: (err) => refused.resolve(err.data?.code ?? err.message) },
      )
      expect(await refused.promise).toBe('TOO_MANY_REQUESTS')
      second.unsubscribe()
      first.unsubscribe()
    } finally {
      await wsClient.close()
    }
  })

  /** Two servers sharing one Redis under a key prefix of their own (other runs stay apart). */
  async function twoInstances(limits: Partial<RateLimitOptions>) {
    const keyPrefix = `leads:test:${process.pid}:${Date.now()}:${redisClients.length}`
    const redis = () => {
      const r = new Redis(REDIS_URL!, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
      redisClients.push(r)
      return r
    }
    const a = await start({ ...limits, redis: redis(), keyPrefix })
    const b = await start({ ...limits, redis: redis(), keyPrefix })
    await expect.poll(() => redisClients.every((r) => r.status === 'ready')).toBe(true)
    return [a, b] as const
  }

  it.skipIf(!REDIS_URL)('shares budgets between instances through Redis', async () => {
    const [a, b] = await twoInstances({ readPerMinute: 4 })
    const token = await signTest({ sub: 'a1', role: 'agent' })
    const statuses: number[] = []
    for (const url of [a, b, a, b, a, b]) statuses.push((await get(url, METRICS, token)).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
  })

  it.skipIf(!REDIS_URL)("caps one caller's streams across instances through Redis", async () => {
    const [a, b] = await twoInstances({ streamsPerCaller: 2 })
    const token = await signTest({ sub: 'wall', role: 'admin' })

    const onA = await openSocket(`${wsUrl(a)}${STREAM}`, bearer(token))
    const onB = await openSocket(`${wsUrl(b)}${STREAM}`, bearer(token))
    // Each instance holds one: the third is refused on either.
    for (const url of [a, b]) {
      const third = await refusedUpgrade(`${wsUrl(url)}${STREAM}`, bearer(token))
      expect(third.status).toBe(429)
    }
    // Closing on A frees a slot that B can take.
    const gone = closed(onA)
    onA.close()
    await gone
    await expect
      .poll(async () => {
        const ws = await openSocket(`${wsUrl(b)}${STREAM}`, bearer(token)).catch(() => null)
        ws?.close()
        return ws !== null
      })
      .toBe(true)
    onB.close()
  })
})

/**
 * POSTs `body` to the ingest path over a raw HTTP/1.1 request (fetch cannot wait for `100
 * Continue`); with `expectContinue` the body goes only once the server says so.
 */
function upload(url: string, token: string, body: Buffer, expectContinue: boolean) {
  const { hostname, port } = new URL(url)
  return new Promise<{ status?: number; json: unknown; continued: boolean; connection?: string }>(
    (resolve, reject) => {
      let continued = false
      const req = httpRequest({
        hostname,
        port,
        path: '/api/events',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          ...bearer(token),
          ...(expectContinue && { expect: '100-continue' }),
        },
      })
      req.on('continue', () => {
        continued = true
        req.end(body)
      })
      req.on('response', async (res) => {
        let text = ''
        res.setEncoding('utf8')
        for await (const chunk of res) text += chunk
        resolve({
          status: res.statusCode,
          json: JSON.parse(text),
          continued,
          connection: res.headers.connection,
        })
        req.destroy()
      })
      req.on('error', reject)
      if (!expectContinue) req.end(body)
    },
  )
}
