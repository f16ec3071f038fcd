import {
  type ActivityMessage,
  type AppRouter,
  createPseudonyms,
  createVerifier,
  type LeadEvent,
  type OpenApiDocument,
  signToken,
  type TokenClaims,
} from '@leads/api'
import { testDatabases } from '@leads/db/testing'
import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client'
import superjson from 'superjson'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { DEV_TOKEN_PATH, type ServerOptions, WS_UNAUTHORIZED } from './server.js'
import { bearer, openSocket, refusedUpgrade, TEST_SECRET, testServers, wsUrl } from './testing.js'

const SECRET = TEST_SECRET
const OTHER_SECRET = 'another-secret-of-at-least-32-bytes-length'
const STREAM = '/api/analytics/activity-stream'
const METRICS = '/api/analytics/metrics'

const sign = (claims: TokenClaims, ttl: string | number = '1h', now?: number) =>
  signToken(SECRET, claims, ttl, now === undefined ? {} : { now })

let n = 0
function action(agentId = 'a1'): LeadEvent & { leadId: string } {
  n++
  return {
    id: `auth-${n}`,
    type: 'agent.action',
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    leadId: `auth-lead-${n}`,
    agentId,
    action: 'call',
  }
}

describe.each(testDatabases())('authentication on $kind', ({ open }) => {
  let url: string
  let tokens: Record<'admin' | 'agent' | 'ingest' | 'forged' | 'expired', string>
  const servers = testServers(open, {
    options: {
      verify: createVerifier({ jwtSecret: SECRET }),
      devTokens: { jwtSecret: SECRET, nodeEnv: 'test', issuer: undefined, audience: undefined },
    },
    deps: { authRequired: true, pseudonymKey: 'test-pseudonym-key' },
  })
  const start = (extra: Partial<ServerOptions> = {}) => servers.start(extra)

  const get = (path: string, token?: string) =>
    fetch(`${url}${path}`, { headers: token ? bearer(token) : {} })
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? bearer(token) : {}) },
      body: JSON.stringify(body),
    })

  beforeAll(async () => {
    tokens = {
      admin: await sign({ sub: 'boss', role: 'admin' }),
      agent: await sign({ sub: 'a1', role: 'agent' }),
      ingest: await sign({ sub: 'crm', role: 'ingest' }),
      forged: await signToken(OTHER_SECRET, { sub: 'boss', role: 'admin' }, '1h'),
      expired: await sign({ sub: 'a1', role: 'agent' }, 60, Date.now() - 3_600_000),
    }
    url = (await servers.startShared()).url
  })

  it('refuses a REST read without a token, with a forged one and with an expired one (401 JSON)', async () => {
    const cases = [
      [undefined, 'authentication required'],
      [tokens.forged, 'invalid token'],
      [tokens.expired, 'token expired'],
      ['not.a.jwt', 'invalid token'],
    ] as const
    for (const [token, message] of cases) {
      const res = await get(METRICS, token)
      expect(res.status, String(token)).toBe(401)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await res.json()).toEqual({ error: expect.objectContaining({ message }) })
    }
    const basic = await fetch(`${url}${METRICS}`, { headers: { authorization: 'Basic YTpi' } })
    expect(basic.status).toBe(401)
  })

  it('answers 401 without a token wherever the OpenAPI document asks for one, as it documents', async () => {
    const doc = (await (await get('/api/openapi.json')).json()) as OpenApiDocument
    expect(doc.security).toEqual([{ bearerAuth: [] }])
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    const open: string[] = []
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item)) {
        // With the document's example query, as its docs page sends it: a valid request.
        const query = new URLSearchParams()
        for (const p of op.parameters ?? [])
          if ('in' in p && p.in === 'query' && p.example !== undefined) query.set(p.name, p.example)
        const res = await fetch(`${url}${path}?${query}`, {
          method: method.toUpperCase(),
          headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
          ...(method === 'post' ? { body: '[]' } : {}),
        })
        const status = String(res.status)
        await res.body?.cancel()
        expect(Object.keys(op.responses), `${method} ${path}`).toContain(status)
        if (op.security?.length === 0) open.push(path)
        else expect(status, `${method} ${path}`).toBe('401')
      }
    expect(open.sort()).toEqual(['/api/docs', '/api/openapi.json'])
  })

  it('lets an agent read its own rows and refuses another agent’s (403)', async () => {
    expect((await get(`${METRICS}?agentId=a1`, tokens.agent)).status).toBe(200)
    expect((await get(METRICS, tokens.agent)).status).toBe(200)
    const other = await get(`${METRICS}?agentId=a2`, tokens.agent)
    expect(other.status).toBe(403)
    expect(await other.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect((await get(`${METRICS}?agentId=a2`, tokens.admin)).status).toBe(200)
    // An ingest token may not read at all.
    expect((await get(METRICS, tokens.ingest)).status).toBe(403)
  })

  it('accepts events only from ingest and admin tokens', async () => {
    expect((await post('/api/events', [action()])).status).toBe(401)
    expect((await post('/api/events', [action()], tokens.forged)).status).toBe(401)
    const agent = await post('/api/events', [action()], tokens.agent)
    expect(agent.status).toBe(403)
    expect(await agent.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    const ingest = await post('/api/events', [action()], tokens.ingest)
    expect(ingest.status).toBe(200)
    expect(await ingest.json()).toMatchObject({ accepted: 1, rejected: [] })
    expect((await post('/api/events', [action()], tokens.admin)).status).toBe(200)
  })

  it('answers UNAUTHORIZED over tRPC HTTP for a bad token, and serves a good one', async () => {
    const trpc = (token: string) =>
      createTRPCClient<AppRouter>({
        links: [
          httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson, headers: bearer(token) }),
        ],
      })
    await expect(trpc(tokens.forged).analytics.metrics.query({})).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED', httpStatus: 401 },
    })
    await expect(trpc(tokens.expired).analytics.metrics.query({})).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    })
    const anonymous = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${url}/api/trpc`, transformer: superjson })],
    })
    await expect(anonymous.analytics.metrics.query({})).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    })
    await expect(
      trpc(tokens.agent).analytics.metrics.query({ agentId: 'a2' }),
    ).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    })
    expect(await trpc(tokens.agent).analytics.metrics.query({})).toHaveProperty('totalLeads')
  })

  it('closes a tRPC WebSocket with 4401 when connectionParams carry a bad token', async () => {
    for (const token of [tokens.forged, tokens.expired, 'garbage']) {
      const ws = new WebSocket(`${wsUrl(url)}/api/trpc?connectionParams=1`)
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
      await new Promise((resolve) => ws.once('open', resolve))
      ws.send(JSON.stringify({ method: 'connectionParams', data: { token } }))
      expect(await closed).toBe(WS_UNAUTHORIZED)
    }
    // Without any credential, when authentication is required.
    const ws = new WebSocket(`${wsUrl(url)}/api/trpc`)
    expect(await new Promise((resolve) => ws.on('close', (code) => resolve(code)))).toBe(
      WS_UNAUTHORIZED,
    )
  })

  it('refuses a tRPC WebSocket upgrade with a bad Authorization header (401), before any socket', async () => {
    const refused = await refusedUpgrade(`${wsUrl(url)}/api/trpc`, bearer(tokens.forged))
    expect(refused.status).toBe(401)
    expect(refused.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    const expired = await refusedUpgrade(`${wsUrl(url)}/api/trpc`, bearer(tokens.expired))
    expect(expired.status).toBe(401)
  })

  /** Over `wsClient` the caller reads as an agent: its own figures, FORBIDDEN for another agent. */
  async function readsAsAgent(wsClient: ReturnType<typeof createWSClient>) {
    const trpc = createTRPCClient<AppRouter>({
      links: [wsLink({ client: wsClient, transformer: superjson })],
    })
    expect(await trpc.analytics.metrics.query({})).toHaveProperty('totalLeads')
    await expect(trpc.analytics.metrics.query({ agentId: 'a2' })).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    })
  }

  it('serves a tRPC WebSocket authenticated by its upgrade header, verifying the token once', async () => {
    const verifier = createVerifier({ jwtSecret: SECRET })
    const calls: string[] = []
    const { url: counted } = await start({
      verify: (token) => {
        calls.push(token)
        return verifier(token)
      },
    })
    const token = tokens.agent
    class WithHeader extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { headers: bearer(token) })
      }
    }
    const wsClient = createWSClient({
      url: `${wsUrl(counted)}/api/trpc`,
      WebSocket: WithHeader as unknown as typeof globalThis.WebSocket,
    })
    try {
      // The identity is the header's: an agent may not read another agent.
      await readsAsAgent(wsClient)
      expect(calls).toEqual([token])
    } finally {
      await wsClient.close()
    }
  })

  it('serves a tRPC WebSocket whose connectionParams carry a good token', async () => {
    const wsClient = createWSClient({
      url: `${wsUrl(url)}/api/trpc`,
      connectionParams: { token: tokens.agent },
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    })
    try {
      await readsAsAgent(wsClient)
    } finally {
      await wsClient.close()
    }
  })

  it('refuses the plain WebSocket activity stream at the upgrade (401) and serves a good token', async () => {
    const base = `${wsUrl(url)}${STREAM}`
    for (const query of ['', `?token=${tokens.forged}`, `?token=${tokens.expired}`]) {
      const refused = await refusedUpgrade(`${base}${query}`)
      expect(refused.status, query).toBe(401)
      expect(refused.body).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    }
    expect((await refusedUpgrade(base, bearer(tokens.forged))).status).toBe(401)
    // An agent asking for another agent's feed.
    const other = await refusedUpgrade(`${base}?agentId=a2&token=${tokens.agent}`)
    expect(other.status).toBe(403)

    const ws = await openSocket(`${base}?token=${tokens.admin}`)
    const messages: ActivityMessage[] = []
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ActivityMessage))
    try {
      const event = action('a7')
      expect((await post('/api/events', [event], tokens.ingest)).status).toBe(200)
      await vi.waitFor(() => expect(messages.map((m) => m.agentId)).toContain('a7'), {
        timeout: 5_000,
        interval: 5,
      })
    } finally {
      ws.close()
    }

    // The same with the token in the Authorization header of the upgrade.
    const viaHeader = new WebSocket(base, { headers: bearer(tokens.agent) })
    await new Promise((resolve, reject) => {
      viaHeader.once('open', resolve)
      viaHeader.once('error', reject)
    })
    viaHeader.close()
  })

  it("follows an anonymised leaderboard row's agent on the plain WebSocket by its pseudonym id", async () => {
    const anonymised = await servers.start({}, { anonymizeLeaderboard: true })
    const hidden = createPseudonyms('test-pseudonym-key', null).idOf('a8')
    const known = action('a8') // a8 is a known agent, as on the leaderboard
    expect((await post('/api/events', [known], tokens.ingest)).status).toBe(200)
    const base = `${wsUrl(anonymised.url)}${STREAM}?agentId=${hidden}`
    // An agent may no more follow another agent by pseudonym than by name.
    expect((await refusedUpgrade(`${base}&token=${tokens.agent}`)).status).toBe(403)

    const ws = await openSocket(`${base}&token=${tokens.admin}`)
    const messages: ActivityMessage[] = []
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as ActivityMessage))
    try {
      const events = [action('a7'), action('a8'), action('a7'), action('a8')]
      expect((await post('/api/events', events, tokens.ingest)).status).toBe(200)
      await vi.waitFor(() => expect(messages.map((m) => m.leadId)).toContain(events[3]?.leadId), {
        timeout: 5_000,
        interval: 5,
      })
      // `known` too when the hub dispatched it after the stream began: it is a8's as well.
      const shown = messages.filter((m) => m.leadId !== known.leadId)
      expect(shown.map((m) => [m.leadId, m.agentId])).toEqual([
        [events[1]?.leadId, hidden],
        [events[3]?.leadId, hidden],
      ])
    } finally {
      ws.close()
    }
  })

  it('refuses the SSE activity stream without a valid token (401 JSON)', async () => {
    const res = await fetch(`${url}${STREAM}?token=${tokens.forged}`, {
      headers: { accept: 'text/event-stream' },
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
  })

  it('issues development tokens that work, and validates the request', async () => {
    const res = await post(DEV_TOKEN_PATH, { role: 'agent', sub: 'a1' })
    expect(res.status).toBe(200)
    const issued = (await res.json()) as { token: string; expiresAt: string }
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now())
    expect((await get(`${METRICS}?agentId=a1`, issued.token)).status).toBe(200)
    expect((await get(`${METRICS}?agentId=a2`, issued.token)).status).toBe(403)

    const ingest = (await (await post(DEV_TOKEN_PATH, { role: 'ingest', sub: 'crm' })).json()) as {
      token: string
    }
    expect((await post('/api/events', [action()], ingest.token)).status).toBe(200)

    expect((await post(DEV_TOKEN_PATH, { role: 'manager', sub: 'm1' })).status).toBe(400)
    expect((await post(DEV_TOKEN_PATH, { role: 'root', sub: 'x' })).status).toBe(400)
    expect((await post(DEV_TOKEN_PATH, { role: 'agent', sub: 'a1', extra: 1 })).status).toBe(400)
    const notJson = await fetch(`${url}${DEV_TOKEN_PATH}`, { method: 'POST', body: '{nope' })
    expect(notJson.status).toBe(400)
    expect((await get(DEV_TOKEN_PATH)).status).toBe(405)
  })

  it('has no development token endpoint in production or without a secret (404 JSON)', async () => {
    const production = await start({
      devTokens: {
        jwtSecret: SECRET,
        nodeEnv: 'production',
        issuer: undefined,
        audience: undefined,
      },
    })
    const noSecret = await start({
      devTokens: {
        jwtSecret: undefined,
        nodeEnv: 'development',
        issuer: undefined,
        audience: undefined,
      },
    })
    const unset = await start({ devTokens: null })
    for (const s of [production, noSecret, unset]) {
      const res = await fetch(`${s.url}${DEV_TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'admin', sub: 'x' }),
      })
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such path' } })
    }
  })

  it('keeps health probes open', async () => {
    expect((await get('/healthz')).status).toBe(200)
    expect((await get('/readyz')).status).toBe(200)
  })
})
