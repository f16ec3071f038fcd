import { get as httpGet } from 'node:http'
import { connect } from 'node:net'
import { type ApiDeps, type AppRouter, createVerifier, MAX_BATCH_BYTES } from '@leads/api'
import { testDatabases } from '@leads/db/testing'
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client'
import superjson from 'superjson'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createMetrics, poolCounts } from './metrics.js'
import { MAX_TRPC_BATCH, type ServerOptions } from './server.js'
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

describe.each(testDatabases())('hardening on $kind', ({ open, kind }) => {
  const servers = testServers(open)
  const start = async (options?: Partial<ServerOptions>, deps?: Partial<ApiDeps>) =>
    (await servers.start(options, deps)).url

  it('returns a request id on every answer: the client’s when sane, else a new UUID', async () => {
    const url = await start()
    const given = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers.get('x-request-id')).toBe('abc-123')
    const made = await fetch(`${url}${METRICS}`)
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const hostile = await fetch(`${url}/nowhere`, { headers: { 'x-request-id': 'a b<script>' } })
    expect(hostile.status).toBe(404)
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('serves Prometheus metrics: requests by route, ingest outcomes, cache, streams, pool', async () => {
    const metrics = createMetrics()
    metrics.watch({ pools: () => ({ main: poolCounts(servers.client.pool) }) })
    const { MemoryCache } = await import('@leads/api')
    const url = await start({ metrics }, { cache: new MemoryCache(), observe: metrics.observer })
    const at = new Date(Date.now() - 60_000).toISOString()
    const batch = [
      { id: `m-${kind}-1`, type: 'lead.created', occurredAt: at, leadId: `ml-${kind}-1` },
      { id: `m-${kind}-1`, type: 'lead.created', occurredAt: at, leadId: `ml-${kind}-1` },
      { id: `m-${kind}-2`, type: 'lead.created' },
    ]
    const ingest = await fetch(`${url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    })
    expect(await ingest.json()).toMatchObject({ accepted: 1, duplicates: 1 })
    await fetch(`${url}${METRICS}`)
    await fetch(`${url}${METRICS}`)
    await fetch(`${url}/api/trpc/analytics.metrics,analytics.funnel?batch=1&input={}`)
    const ws = await openSocket(`${wsUrl(url)}${STREAM}`)

    const res = await fetch(`${url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/analytics/metrics",status="200"} 2',
    )
    expect(text).toContain('http_requests_total{method="POST",route="/api/events",status="200"} 1')
    expect(text).toContain('route="/api/trpc/(batch)"')
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/analytics\/metrics"\} 2/,
    )
    expect(text).toContain('leads_ingest_events_total{outcome="accepted"} 1')
    expect(text).toContain('leads_ingest_events_total{outcome="duplicate"} 1')
    expect(text).toContain('leads_ingest_events_total{outcome="rejected"} 1')
    // The second read of the same window is answered from the cache.
    expect(text).toMatch(/leads_cache_lookups_total\{result="hit"\} [1-9]/)
    expect(text).toMatch(/leads_cache_lookups_total\{result="miss"\} [1-9]/)
    expect(text).toContain('leads_open_streams{transport="websocket"} 1')
    expect(text).toContain('process_resident_memory_bytes')
    if (kind === 'postgres')
      expect(text).toMatch(/leads_db_pool_connections\{pool="main",state="total"\} [1-9]/)
    ws.close()
  })

  it('answers /metrics only to the METRICS_TOKEN bearer when one is set', async () => {
    const token = 'metrics-token-0123456789'
    const url = await start({ metrics: createMetrics(), metricsToken: token })
    const scrape = (headers: Record<string, string> = {}) => fetch(`${url}/metrics`, { headers })
    const none = await scrape()
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    expect((await scrape({ authorization: `Bearer ${token}x` })).status).toBe(401)
    expect((await scrape({ authorization: token })).status).toBe(401)
    const ok = await scrape({ authorization: `Bearer ${token}` })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('process_resident_memory_bytes')
    // Health probes stay open.
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('refuses foreign browser origins on requests and upgrades, allows its own and the allow-list', async () => {
    const url = await start({ allowedOrigins: ['https://wall.example.com'] })
    const from = (origin: string) => fetch(`${url}${METRICS}`, { headers: { origin } })
    const foreign = await from('https://evil.example')
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'origin not allowed' },
    })
    expect((await from('null')).status).toBe(403)
    // Loopback on another port (a dev server) is not the server's own origin in production.
    expect((await from('http://localhost:5173')).status).toBe(403)
    expect((await from(url)).status).toBe(200)
    expect((await from('https://wall.example.com')).status).toBe(200)
    expect((await fetch(`${url}${METRICS}`)).status).toBe(200)
    // However the path is spelled (fetch would resolve the dots itself; a script need not).
    // Options, not a URL string: a URL would be resolved before it is sent.
    const { hostname, port } = new URL(url)
    const headers = { origin: 'https://evil.example' }
    for (const path of [`/x/..${METRICS}`, `/api/./analytics/metrics`, `/x/%2e%2e${METRICS}`]) {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        httpGet({ hostname, port, path, headers }, (res) => {
          res.resume()
          resolve(res.statusCode)
        }).on('error', reject)
      })
      expect(status, path).toBe(403)
    }

    const upgrade = await refusedUpgrade(`${wsUrl(url)}/api/trpc`, {
      origin: 'https://evil.example',
    })
    expect(upgrade.status).toBe(403)
    const own = await openSocket(`${wsUrl(url)}${STREAM}`, { origin: url })
    own.close()

    const dev = await start({ allowLoopbackOrigins: true })
    expect(
      (await fetch(`${dev}${METRICS}`, { headers: { origin: 'http://localhost:5173' } })).status,
    ).toBe(200)
    expect(
      (await fetch(`${dev}${METRICS}`, { headers: { origin: 'https://evil.example' } })).status,
    ).toBe(403)
  })

  it('cuts a client that trickles its headers (slowloris) and keeps serving others', async () => {
    const url = await start({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } })
    const { port } = new URL(url)
    const socket = connect(Number(port), '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk) => {
      answer += chunk
    })
    const ended = new Promise<number>((resolve) => {
      const t0 = Date.now()
      socket.on('close', () => resolve(Date.now() - t0))
    })
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 100)
    const ms = await ended
    clearInterval(drip)
    expect(ms).toBeLessThan(5_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
    expect(answer).toContain(
      '{"error":{"code":"BAD_REQUEST","message":"request not received in time"}}',
    )
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it('answers an oversized request line with a JSON 431', async () => {
    const url = await start()
    const res = await fetch(`${url}${METRICS}?tz=${'a'.repeat(20_000)}`)
    expect(res.status).toBe(431)
    expect(await res.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: 'request line or headers too large' },
    })
  })

  it(`refuses a tRPC HTTP batch of more than ${MAX_TRPC_BATCH} calls (400)`, async () => {
    const url = await start()
    const call = (n: number) => {
      const input = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { json: {} }]))
      const paths = Array(n).fill('analytics.metrics').join(',')
      return fetch(
        `${url}/api/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
      )
    }
    expect((await call(MAX_TRPC_BATCH)).status).toBe(200)
    const refused = await call(MAX_TRPC_BATCH + 1)
    expect(refused.status).toBe(400)
  })

  it('closes a tRPC WebSocket sending an oversized frame with 1009, and survives', async () => {
    const url = await start()
    const ws = await openSocket(`${wsUrl(url)}/api/trpc`)
    const done = closed(ws)
    ws.send('x'.repeat(MAX_BATCH_BYTES + 128 * 1024))
    expect((await done).code).toBe(1009)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
  })

  it.each([
    ['not JSON', '{"method":"connectionParams",'],
    ['data null', JSON.stringify({ method: 'connectionParams', data: null })],
    ['data a string', JSON.stringify({ method: 'connectionParams', data: 'token' })],
    ['token a number', JSON.stringify({ method: 'connectionParams', data: { token: 42 } })],
    [
      'token an object',
      JSON.stringify({ method: 'connectionParams', data: { token: { __proto__: 1 } } }),
    ],
    ['prototype keys', '{"method":"connectionParams","data":{"__proto__":{"admin":true}}}'],
  ])('survives malformed connectionParams (%s) and refuses the socket', async (_name, frame) => {
    const url = await start(
      { verify: createVerifier({ jwtSecret: TEST_SECRET }) },
      { authRequired: true },
    )
    const ws = await openSocket(`${wsUrl(url)}/api/trpc?connectionParams=1`)
    const done = closed(ws)
    ws.send(frame)
    const { code } = await done
    // tRPC ends such a socket (with or without a code); what matters is that it ends and the
    // server lives on.
    expect([1000, 1005, 1006, 1008, 1011, 4401]).toContain(code)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    // A well-formed connection still works afterwards.
    const token = await signTest({ sub: 'boss', role: 'admin' })
    const res = await fetch(`${url}${METRICS}`, { headers: bearer(token) })
    expect(res.status).toBe(200)
  })

  it('closes every live connection when its token expires: tRPC 4401, WebSocket 4401, SSE ends', async () => {
    const url = await start(
      { verify: createVerifier({ jwtSecret: TEST_SECRET }) },
      { authRequired: true },
    )
    // Expires in 3–4 s (JWT expiry has whole-second precision): time enough to open all three
    // streams and read once on a busy machine before it does.
    const token = await signTest({ sub: 'boss', role: 'admin' }, 4)

    const plain = await openSocket(`${wsUrl(url)}${STREAM}?token=${token}`)
    const plainClosed = closed(plain)

    const sse = await fetch(`${url}${STREAM}`, {
      headers: { accept: 'text/event-stream', ...bearer(token) },
    })
    const sseText = sse.text()

    const trpcClosed = deferred<number>()
    const wsClient = createWSClient({
      url: `${wsUrl(url)}/api/trpc`,
      connectionParams: { token },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      onClose: (cause) => trpcClosed.resolve(cause?.code ?? 0),
      retryDelayMs: () => 60_000,
    })
    const trpc = createTRPCClient<AppRouter>({
      links: [wsLink({ client: wsClient, transformer: superjson })],
    })
    expect(await trpc.analytics.metrics.query({})).toHaveProperty('totalLeads')

    expect(await plainClosed).toEqual({ code: 4401, reason: 'token expired' })
    expect(await sseText).toMatch(/event: expired\ndata: \{"error":\{"code":"UNAUTHORIZED"/)
    expect(await trpcClosed.promise).toBe(4401)
    await wsClient.close()
  }, 15_000)
})
