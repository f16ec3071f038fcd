import { request } from 'node:http'
import {
  createRateLimits,
  createVerifier,
  EVENTS_PATH,
  FeedHub,
  InProcessBus,
  systemClock,
} from '@leads/api'
import type { DbClient } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMetrics } from './metrics.js'
import { createServer, KNOWN_ROUTES, type LeadsServer } from './server.js'
import { signTest, silent, TEST_SECRET } from './testing.js'

// Hostile input at every path: whatever arrives, the answer is never a 5xx, an error is JSON as
// SPEC §4 says, and the server keeps serving. FUZZ_RUNS sets the size (`pnpm fuzz` runs long).
const RUNS = Number(process.env.FUZZ_RUNS ?? 120)

const PATHS = [
  ...KNOWN_ROUTES,
  '/api/trpc/analytics.metrics',
  '/api/trpc/analytics.leaderboard,analytics.funnel',
  '/api/trpc/events.ingest',
  '/api/trpc/analytics.activity',
  '/api/nowhere',
  '/api',
]

const PARAMS = [
  'tz',
  'from',
  'to',
  'period',
  'range',
  'agentId',
  'teamId',
  'limit',
  'offset',
  'granularity',
  'start',
  'lastEventId',
  'backlog',
  'report',
  'format',
  'after',
  'token',
  'batch',
  'input',
  '__proto__',
  'constructor',
]

const hostileText = fc.oneof(
  fc.constantFrom(
    "'; drop table lead_events; --",
    '1 OR 1=1',
    '$1',
    'Mars/Olympus_Mons',
    'America/New_York',
    'events',
    '999999999999999999',
    'Asia/Kolkata',
    '../../../etc/passwd',
    '2024-02-30',
    '2026-03-08T02:30:00',
    '9999-12-31T23:59:59Z',
    '-1',
    '1e309',
    'NaN',
    'Infinity',
    '0x10',
    'null',
    'true',
    '[]',
    '{}',
    '{"json":{"tz":"UTC"}}',
    '{"0":{"json":{"period":"week"}}}',
    '__proto__',
    '\u0000',
    '\ud800',
    '🔥'.repeat(50),
    'a'.repeat(20_000),
  ),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
)

const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), fc.string({ maxLength: 8 })), hostileText), {
    maxLength: 6,
  })
  .map((pairs) => {
    const params = new URLSearchParams()
    for (const [k, v] of pairs) params.append(k, v)
    const text = params.toString()
    return text === '' ? '' : `?${text}`
  })

/** A raw query string the URL class would never build: bad escapes, bare separators. */
const rawQuery = fc.constantFrom(
  '?%',
  '?%zz=1',
  '?tz=%E0%A4%A',
  '?&&&=',
  '?tz',
  '?=x',
  '?a=1&a=2&a=3',
)

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

const body = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    '',
    '{',
    '[',
    'null',
    '"text"',
    '42',
    '{}',
    '[{}]',
    '[null]',
    '[[]]',
    nested(5_000),
    `{"a":${nested(2_000)}}`,
    '{"__proto__":{"admin":true}}',
    '[{"__proto__":{"type":"lead.created"}}]',
    '[{"id":"x","type":"lead.created","occurredAt":"2026-01-01T00:00:00Z","leadId":"l","constructor":{"prototype":{}}}]',
    JSON.stringify(Array.from({ length: 5_000 }, () => ({}))),
    JSON.stringify([{ id: 1, type: 7, occurredAt: false, leadId: [] }]),
    JSON.stringify([
      {
        id: "x'; drop table leads; --",
        type: 'lead.created',
        occurredAt: '2026-01-01T00:00:00Z',
        leadId: '1 OR 1=1',
      },
    ]),
    JSON.stringify({ role: 'admin', sub: 'x'.repeat(10_000) }),
    JSON.stringify({ 0: { json: [{ id: 'a' }] } }),
  ),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
)

const ALG_NONE = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"admin"}').toString('base64url')}.`

interface Case {
  method: string
  path: string
  query: string
  headers: Record<string, string>
  body: string | undefined
  withToken: boolean
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom(
    'GET',
    'GET',
    'POST',
    'POST',
    'HEAD',
    'PUT',
    'DELETE',
    'OPTIONS',
    'PATCH',
  ),
  path: fc.constantFrom(...PATHS),
  query: fc.oneof(query, rawQuery),
  headers: fc.record(
    {
      authorization: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic YWRtaW46YWRtaW4=',
        `Bearer ${ALG_NONE}`,
        `Bearer ${'x'.repeat(9_000)}`,
        'Bearer a.b.c',
      ),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
      ),
      'content-encoding': fc.constantFrom(
        'gzip',
        'x-gzip',
        'deflate',
        'br',
        'identity',
        'gzip, br',
        'zstd',
        ' GZIP ',
      ),
      accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'image/png'),
      'last-event-id': fc.oneof(
        hostileText.filter((t) => /^[\x20-\x7e]*$/.test(t)),
        fc.constant('-5'),
      ),
      'if-none-match': fc.constantFrom('*', '"x"', 'W/"y", "z"'),
      'x-request-id': fc.constantFrom('a b', 'x'.repeat(500), 'ok-1'),
    },
    { requiredKeys: [] },
  ),
  body,
  withToken: fc.boolean(),
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/** One request over a real socket; streams are read for their head only, then dropped. */
function send(base: string, c: Case, token: string): Promise<Answer> {
  const headers: Record<string, string> = { ...c.headers }
  if (c.withToken) headers.authorization = `Bearer ${token}`
  const payload = c.body === undefined ? undefined : Buffer.from(c.body)
  if (payload) headers['content-length'] = String(payload.length)
  return new Promise((resolve, reject) => {
    const req = request(`${base}${c.path}${c.query}`, { method: c.method, headers }, (res) => {
      const type = String(res.headers['content-type'] ?? '')
      if (type.startsWith('text/event-stream')) {
        res.destroy()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' })
        return
      }
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')))
    req.end(payload)
  })
}

describe.each(testDatabases())('fuzzing every path on $kind', ({ open, kind }) => {
  let client: DbClient
  let hub: FeedHub
  let server: LeadsServer
  let url: string
  let token: string

  beforeAll(async () => {
    client = await open()
    hub = new FeedHub(client.db, new InProcessBus())
    await hub.start()
    const verify = createVerifier({ jwtSecret: TEST_SECRET })
    server = createServer({
      deps: {
        db: client.db,
        clock: systemClock,
        orgTimezone: 'UTC',
        live: hub,
        authRequired: true,
        // Generous budgets: the fuzz is about input, not rate; but the limit code runs.
        limits: createRateLimits({
          readPerMinute: 100_000,
          ingestPerMinute: 100_000,
          streamsPerCaller: 0,
        }),
      },
      verify,
      devTokens: {
        jwtSecret: TEST_SECRET,
        nodeEnv: 'test',
        issuer: undefined,
        audience: undefined,
      },
      metrics: createMetrics(),
      logger: silent,
      activityStream: { closeGraceMs: 100 },
    })
    url = await server.listen()
    token = await signTest({ sub: 'boss', role: 'admin' }, '2h')
  })
  afterAll(async () => {
    await server?.close()
    await hub?.stop()
    await client?.close()
  })

  it(`answers ${RUNS} hostile requests without a 5xx, with JSON errors, and keeps serving`, async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const answer = await send(url, c, token)
        expect(answer.status, `${c.method} ${c.path}${c.query.slice(0, 80)}`).toBeLessThan(500)
        const type = String(answer.headers['content-type'] ?? '')
        if (answer.status >= 400 && c.method !== 'HEAD') {
          expect(type).toMatch(/^application\/json/)
          const parsed = JSON.parse(answer.text) as unknown
          // REST errors are `{ error: { code, message } }`; tRPC's envelope (one per batch item)
          // carries `error.json.message` and `data.code`.
          const items = Array.isArray(parsed) ? parsed : [parsed]
          for (const item of items) {
            const err = (item as { error?: Record<string, unknown> }).error
            expect(err).toBeDefined()
            const message =
              (err?.json as { message?: unknown } | undefined)?.message ?? err?.message
            expect(typeof message).toBe('string')
            expect(String(message)).not.toMatch(
              /\bat .+\.(ts|js):\d+|node_modules|SELECT |select .* from/,
            )
          }
        }
      }),
      { numRuns: RUNS },
    )

    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const at = new Date(Date.now() - 60_000).toISOString()
    const good = Array.from({ length: 5 }, (_, i) => ({
      id: `after-fuzz-${kind}-${i}`,
      type: 'lead.created',
      occurredAt: at,
      leadId: `after-fuzz-lead-${i}`,
    }))
    const res = await fetch(`${url}${EVENTS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(good),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: 5, duplicates: 0, rejected: [] })
  }, 600_000)
})
