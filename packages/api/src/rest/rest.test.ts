import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { type LeadEvent, MAX_BATCH_BYTES, MAX_BATCH_EVENTS } from '@leads/contract'
import type { DbClient } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { Validator } from '@seriousme/openapi-schema-validator'
import { TRPCError } from '@trpc/server'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MemoryCache } from '../cache/cache.js'
import type { ApiDeps } from '../context.js'
import { createRestHandler } from './index.js'
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js'
import { rawRequest, serve } from './testing.js'

const addFormats = addFormatsModule.default

const NOW = Date.parse('2026-11-18T15:30:00Z') // a Wednesday
const at = (iso: string) => new Date(iso).toISOString()

const READ_PATHS = [
  '/api/analytics/metrics',
  '/api/analytics/lead-volume',
  '/api/analytics/conversion-funnel',
  '/api/analytics/activity-heatmap',
  '/api/analytics/leaderboard',
  '/api/analytics/leads',
  '/api/analytics/forecast',
] as const

function seedEvents(): LeadEvent[] {
  const events: LeadEvent[] = [
    {
      id: 'ag-1',
      type: 'agent.upserted',
      occurredAt: at('2026-11-01T08:00:00Z'),
      agentId: 'a1',
      name: 'Ada',
      teamId: 't1',
    },
    {
      id: 'ag-2',
      type: 'agent.upserted',
      occurredAt: at('2026-11-01T08:00:00Z'),
      agentId: 'a2',
      name: 'Grace',
      teamId: 't1',
    },
    {
      id: 'ag-3',
      type: 'agent.upserted',
      occurredAt: at('2026-11-01T08:00:00Z'),
      agentId: 'a3',
      name: 'Linus',
      teamId: 't2',
    },
  ]
  const story = (
    lead: string,
    agent: string,
    day: string,
    reach: 'contacted' | 'completed' | 'lost',
  ) => {
    events.push(
      {
        id: `${lead}-c`,
        type: 'lead.created',
        occurredAt: at(`${day}T09:00:00Z`),
        leadId: lead,
        agentId: agent,
        source: 'web',
      },
      {
        id: `${lead}-a`,
        type: 'agent.action',
        occurredAt: at(`${day}T09:10:00Z`),
        leadId: lead,
        agentId: agent,
        action: 'call',
      },
      {
        id: `${lead}-s1`,
        type: 'lead.status_changed',
        occurredAt: at(`${day}T09:11:00Z`),
        leadId: lead,
        agentId: agent,
        status: 'contacted',
      },
    )
    if (reach !== 'contacted')
      events.push({
        id: `${lead}-s2`,
        type: 'lead.status_changed',
        occurredAt: at(`${day}T11:00:00Z`),
        leadId: lead,
        agentId: agent,
        status: reach,
      })
  }
  story('L1', 'a1', '2026-11-18', 'completed')
  story('L2', 'a1', '2026-11-18', 'contacted')
  story('L3', 'a2', '2026-11-18', 'completed')
  story('L4', 'a3', '2026-11-17', 'lost')
  story('L5', 'a2', '2026-11-16', 'completed')
  story('L6', 'a3', '2026-11-03', 'completed')
  return events
}

interface Response {
  status: number
  headers: Headers
  text: string
  json: () => unknown
}

async function send(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) }
}

/** Compiles the response schemas of the served OpenAPI document with a JSON Schema 2020-12 validator. */
function responseValidators(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  // The whole document under one id, so `#/components/...` refs resolve as the document means them.
  ajv.addSchema({ $id: 'https://leads.test/openapi.json', components: doc.components })
  const compiled = new Map<string, ValidateFunction>()
  const resolve = <T>(v: T | { $ref: string }): T => {
    if (v && typeof v === 'object' && '$ref' in v) {
      const [, , kind, name] = v.$ref.split('/')
      return (doc.components as unknown as Record<string, Record<string, T>>)[kind!]![name!]!
    }
    return v as T
  }
  const forSchema = (schema: unknown, key: string) => {
    let fn = compiled.get(key)
    if (!fn) {
      const absolute = JSON.parse(
        JSON.stringify(schema).replaceAll(
          '"#/components/',
          '"https://leads.test/openapi.json#/components/',
        ),
      )
      fn = ajv.compile(absolute)
      compiled.set(key, fn)
    }
    return fn
  }
  return {
    /** Validates `body` against the schema the document gives for `path`/`method`/`status`. */
    check(path: string, method: 'get' | 'post', status: number, body: unknown): void {
      const op = doc.paths[path]?.[method]
      if (!op) throw new Error(`${method} ${path} is not in the document`)
      const declared = op.responses[String(status)] ?? op.responses.default
      if (!declared) throw new Error(`${method} ${path} does not document ${status}`)
      const response = resolve(declared as { content?: Record<string, { schema: unknown }> })
      const schema = response.content?.['application/json']?.schema
      if (!schema) throw new Error(`${method} ${path} ${status} has no JSON schema`)
      const validate = forSchema(schema, `${method} ${path} ${status}`)
      if (!validate(body))
        throw new Error(
          `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
        )
    },
    /** Validates a value against a named component schema. */
    component(name: string, value: unknown): boolean {
      const validate = forSchema({ $ref: `#/components/schemas/${name}` }, `component ${name}`)
      return validate(value) as boolean
    },
  }
}

describe.each(testDatabases())('REST adapter on $kind', ({ open }) => {
  let client: DbClient
  let base: string
  let close: () => Promise<void>
  let doc: OpenApiDocument
  let validators: ReturnType<typeof responseValidators>
  const failures: unknown[] = []

  beforeAll(async () => {
    client = await open()
    const deps: ApiDeps = { db: client.db, clock: { now: () => NOW }, orgTimezone: 'UTC' }
    ;({ base, close } = await serve(
      createRestHandler({ deps, onError: (err) => failures.push(err) }),
    ))
    const res = await send(`${base}/api/openapi.json`)
    doc = res.json() as OpenApiDocument
    validators = responseValidators(doc)
    const seeded = await send(`${base}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seedEvents()),
    })
    expect(seeded.status).toBe(200)
    expect(seeded.json()).toEqual({ accepted: seedEvents().length, duplicates: 0, rejected: [] })
  })
  afterAll(async () => {
    await close?.()
    await client?.close()
  })

  // No request to the shared server may reach onError (a 5xx) unless a test expects it.
  afterEach(() => {
    expect(failures.splice(0)).toEqual([])
  })

  describe('the OpenAPI document', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      const validator = new Validator()
      const result = await validator.validate(
        structuredClone(doc) as unknown as Record<string, unknown>,
      )
      expect(result.errors).toBeUndefined()
      expect(result.valid).toBe(true)
      expect(validator.version).toBe('3.1')
    })

    it('lists every REST path, with query parameters from the input schemas', () => {
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          ...READ_PATHS,
          '/api/analytics/export',
          '/api/analytics/activity-stream',
          '/api/events',
          '/api/openapi.json',
          '/api/docs',
        ].sort(),
      )
      const names = (path: string) =>
        (doc.paths[path]!.get!.parameters ?? []).flatMap((p) => ('name' in p ? [p.name] : []))
      expect(names('/api/analytics/leaderboard')).toEqual([
        'tz',
        'from',
        'to',
        'teamId',
        'period',
        'limit',
        'offset',
      ])
      expect(names('/api/analytics/lead-volume')).toEqual(
        expect.arrayContaining(['period', 'interval', 'agentId']),
      )
      const limit = doc.paths['/api/analytics/leaderboard']!.get!.parameters!.find(
        (p) => 'name' in p && p.name === 'limit',
      )
      expect(limit).toMatchObject({
        in: 'query',
        required: false,
        schema: { type: 'integer', maximum: 500 },
      })
    })

    it('documents the ingest body as an array of the five event types, with its limits', () => {
      const op = doc.paths['/api/events']!.post!
      expect(op.requestBody!.content['application/json']!.schema).toEqual({
        $ref: '#/components/schemas/IngestBatch',
      })
      expect(doc.components.schemas.IngestBatch).toMatchObject({
        type: 'array',
        maxItems: MAX_BATCH_EVENTS,
      })
      expect((doc.components.schemas.LeadEvent as { oneOf: unknown[] }).oneOf).toHaveLength(5)
      expect(op.description).toContain(String(MAX_BATCH_BYTES))
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '413']))
      // The documented example is itself a valid batch.
      expect(
        validators.component('IngestBatch', op.requestBody!.content['application/json']!.example),
      ).toBe(true)
    })

    it('is strict enough to catch a drifting body', async () => {
      const body = (await send(`${base}/api/analytics/metrics`)).json() as Record<string, unknown>
      expect(() => validators.check('/api/analytics/metrics', 'get', 200, body)).not.toThrow()
      const drifted = [
        { ...body, extra: 1 },
        { ...body, asOf: undefined },
        { ...body, totalLeads: '3' },
        { result: { data: body } },
      ]
      for (const wrong of drifted) {
        expect(() =>
          validators.check('/api/analytics/metrics', 'get', 200, JSON.parse(JSON.stringify(wrong))),
        ).toThrow()
      }
      expect(() =>
        validators.check('/api/analytics/metrics', 'get', 400, {
          error: { code: 'NOPE', message: 'x' },
        }),
      ).toThrow()
    })

    it('documents the activity stream: both transports, resuming, and its event-stream answer', () => {
      const text = doc.info.description
      expect(text).toContain('/api/analytics/activity-stream')
      expect(text).not.toMatch(/upcoming/i)
      for (const fact of ['Last-Event-ID', 'lastEventId', '4008', '1001', 'curl -N', 'websocat'])
        expect(text).toContain(fact)
      const op = doc.paths['/api/analytics/activity-stream']!.get!
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['101', '200', '400']))
      expect(op.responses['200']).toMatchObject({ content: { 'text/event-stream': {} } })
      const params = (op.parameters ?? []).flatMap((p) =>
        'name' in p ? [`${p.in}:${p.name}`] : [],
      )
      expect(params.sort()).toEqual(
        [
          'header:Last-Event-ID',
          'query:agentId',
          'query:backlog',
          'query:lastEventId',
          'query:teamId',
          'query:token',
          'query:tz',
        ].sort(),
      )
      expect(validators.component('ActivityMessage', { id: '1' })).toBe(false)
    })

    it("states the server's own replay window (FEED_REPLAY_EVENTS), and the cursor interval with it", () => {
      expect(doc.info.description).toContain('fewer than 10,000 events were')
      const small = buildOpenApiDocument({ replayLimit: 500 }).info.description
      expect(small).toContain('fewer than 500 events were')
      expect(small).toContain('passes 50 cursors without an event')
      expect(small).not.toContain('10,000')
    })
  })

  describe('reads', () => {
    const queries: Record<(typeof READ_PATHS)[number], string[]> = {
      '/api/analytics/metrics': [
        '',
        'tz=America/New_York',
        'from=2026-11-16T00:00:00Z&to=2026-11-18T00:00:00Z',
        'agentId=a1',
        'teamId=t1',
      ],
      '/api/analytics/lead-volume': [
        '',
        'period=7d&tz=Europe/London',
        'period=30d&interval=week',
        'period=24h&tz=Asia/Kathmandu',
      ],
      '/api/analytics/conversion-funnel': [
        '',
        'period=week',
        'period=quarter&tz=Australia/Adelaide',
      ],
      '/api/analytics/activity-heatmap': ['', 'period=month&tz=Asia/Kolkata'],
      '/api/analytics/leaderboard': [
        '',
        'period=month&limit=2',
        'period=all-time&offset=1',
        'period=week&teamId=t1',
      ],
      '/api/analytics/leads': [
        'report=metrics',
        'report=leadVolume&period=7d&measure=conversions&limit=1',
        'report=heatmap&dayOfWeek=2&hour=9',
        'report=funnel&period=quarter&stage=qualified',
        'report=leaderboard&period=month&agentId=a1&measure=responses',
      ],
      '/api/analytics/forecast': [
        '',
        'metric=conversions&horizon=30&tz=Asia/Kolkata',
        'horizon=7&agentId=a1',
      ],
    }

    it.each(Object.entries(queries).flatMap(([path, qs]) => qs.map((q) => [path, q] as const)))(
      'GET %s?%s answers its documented shape with cache headers',
      async (path, query) => {
        const res = await send(`${base}${path}${query ? `?${query}` : ''}`)
        expect(res.status, res.text).toBe(200)
        expect(res.headers.get('content-type')).toMatch(/^application\/json/)
        expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
        expect(res.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate')
        const body = res.json() as Record<string, unknown>
        validators.check(path, 'get', 200, body)
        expect(body).not.toHaveProperty('result') // no tRPC envelope
        // Every read carries asOf (SPEC §4); the forecast's is also onPace's (issue 8's shape).
        const asOf = body.asOf
        if (path.endsWith('/forecast')) expect((body.onPace as { asOf: string }).asOf).toBe(asOf)
        expect(asOf).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/)
      },
    )

    it('answers the figures of the seeded events', async () => {
      const metrics = (await send(`${base}/api/analytics/metrics`)).json() as {
        totalLeads: number
        tz: string
      }
      expect(metrics).toMatchObject({ tz: 'UTC', totalLeads: 3 })
      const board = (await send(`${base}/api/analytics/leaderboard?period=month`)).json() as {
        total: number
        rows: { agentId: string; agentName: string; rank: number }[]
      }
      expect(board.total).toBe(3)
      expect(board.rows.map((r) => r.rank)).toEqual([1, 2, 3])
      expect(board.rows.find((r) => r.agentId === 'a2')?.agentName).toBe('Grace')
      const heatmap = (await send(`${base}/api/analytics/activity-heatmap`)).json() as {
        cells: unknown[]
      }
      expect(heatmap.cells).toHaveLength(168)
      const funnel = (await send(`${base}/api/analytics/conversion-funnel`)).json() as {
        stages: { count: number }[]
      }
      expect(funnel.stages).toHaveLength(5)
      const volume = (await send(`${base}/api/analytics/lead-volume?period=7d`)).json() as {
        buckets: unknown[]
      }
      expect(volume.buckets).toHaveLength(7)
      const kolkata = (await send(`${base}/api/analytics/lead-volume?tz=Asia/Kolkata`)).json() as {
        buckets: { start: string }[]
      }
      expect(kolkata.buckets[0]!.start).toMatch(/\+05:30$/)
    })

    it('answers HEAD like GET without a body', async () => {
      const get = await send(`${base}/api/analytics/metrics`)
      const head = await send(`${base}/api/analytics/metrics`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.text).toBe('')
      expect(head.headers.get('etag')).toBe(get.headers.get('etag'))
    })
  })

  describe('caching headers', () => {
    const path = '/api/analytics/leaderboard?period=week'

    it('gives the same strong ETag for the same answer and 304 for a matching If-None-Match', async () => {
      const first = await send(`${base}${path}`)
      const second = await send(`${base}${path}`)
      const etag = first.headers.get('etag')!
      expect(second.headers.get('etag')).toBe(etag)
      expect(etag.startsWith('W/')).toBe(false)

      for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await send(`${base}${path}`, { headers: { 'if-none-match': header } })
        expect(res.status, header).toBe(304)
        expect(res.text).toBe('')
        expect(res.headers.get('etag')).toBe(etag)
        expect(res.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate')
      }
    })

    it('answers in full when the tag does not match or the answer changed', async () => {
      const first = await send(`${base}${path}`)
      const stale = await send(`${base}${path}`, { headers: { 'if-none-match': '"stale"' } })
      expect(stale.status).toBe(200)
      expect(stale.text).toBe(first.text)
      const other = await send(`${base}/api/analytics/leaderboard?period=month`, {
        headers: { 'if-none-match': first.headers.get('etag')! },
      })
      expect(other.status).toBe(200)
      expect(other.headers.get('etag')).not.toBe(first.headers.get('etag'))
    })

    it('tags the OpenAPI document and the docs page too', async () => {
      for (const p of ['/api/openapi.json', '/api/docs']) {
        const res = await send(`${base}${p}`)
        expect(res.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate')
        const again = await send(`${base}${p}`, {
          headers: { 'if-none-match': res.headers.get('etag')! },
        })
        expect(again.status).toBe(304)
      }
    })
  })

  describe('bad input', () => {
    const cases: [string, string, string[]][] = [
      ['unknown time zone', '/api/analytics/metrics?tz=Mars/Phobos', ['tz']],
      [
        'from after to',
        '/api/analytics/metrics?from=2026-11-18T00:00:00Z&to=2026-11-17T00:00:00Z',
        ['to'],
      ],
      ['from without to', '/api/analytics/conversion-funnel?from=2026-11-18T00:00:00Z', ['to']],
      [
        'not an instant',
        '/api/analytics/lead-volume?from=yesterday&to=2026-11-17T00:00:00Z',
        ['from'],
      ],
      ['unknown period', '/api/analytics/lead-volume?period=decade', ['period']],
      ['unknown interval', '/api/analytics/lead-volume?interval=minute', ['interval']],
      ['limit above 500', '/api/analytics/leaderboard?limit=501', ['limit']],
      ['negative offset', '/api/analytics/leaderboard?offset=-1', ['offset']],
      ['non-numeric limit', '/api/analytics/leaderboard?limit=ten', ['limit']],
      ['unknown parameter', '/api/analytics/activity-heatmap?period=week&colour=red', []],
      ['repeated parameter', '/api/analytics/leaderboard?period=week&period=month', ['period']],
      ['a filter the read does not take', '/api/analytics/leaderboard?agentId=a1', []],
    ]

    it.each(cases)('%s → 400 with the zod issues in details', async (_name, url, paths) => {
      const res = await send(`${base}${url}`)
      expect(res.status, res.text).toBe(400)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const body = res.json() as {
        error: { code: string; message: string; details: { path: unknown[] }[] }
      }
      validators.check(new URL(url, base).pathname, 'get', 400, body)
      expect(body.error.code).toBe('BAD_REQUEST')
      expect(body.error.details.length).toBeGreaterThan(0)
      expect(body.error.details.map((d) => d.path.join('.'))).toEqual(expect.arrayContaining(paths))
    })

    it('names unknown parameters as an unrecognized_keys issue', async () => {
      const res = await send(`${base}/api/analytics/metrics?tz=UTC&colour=red&size=9`)
      const body = res.json() as {
        error: { message: string; details: { code: string; keys?: string[] }[] }
      }
      expect(body.error.details[0]).toMatchObject({
        code: 'unrecognized_keys',
        keys: ['colour', 'size'],
      })
      expect(body.error.message).toContain('colour')
    })

    it('names the allowed values of a closed set in the message itself', async () => {
      const res = await send(`${base}/api/analytics/forecast?horizon=10`)
      expect(res.status).toBe(400)
      expect((res.json() as { error: { message: string } }).error.message).toBe(
        'invalid input: horizon: Invalid option: expected one of 7|14|30',
      )
    })

    it('answers a range with too many buckets with 400', async () => {
      const res = await send(
        `${base}/api/analytics/lead-volume?from=2025-11-01T00:00:00Z&to=2026-11-01T00:00:00Z&interval=hour`,
      )
      expect(res.status, res.text).toBe(400)
      validators.check('/api/analytics/lead-volume', 'get', 400, res.json())
    })

    it('never answers a hostile query string with a 5xx', async () => {
      const fixed = [
        '%',
        '%zz=%zz',
        'tz=',
        'tz=%00',
        "tz='%20OR%201=1%20--",
        'tz=../../etc/passwd',
        `tz=${'A'.repeat(5000)}`,
        'tz=Etc/GMT%2B12',
        'tz=EST5EDT',
        'tz=america/new_york',
        'tz=Asia/Calcutta',
        'tz=America/Ciudad_Juarez',
        'tz=ROK',
        'limit=1e400',
        'limit=0x10',
        'limit=-0',
        'limit=%20',
        'limit=Infinity',
        'offset=1e6',
        'offset=99999999999999999999',
        'from=1900-01-01T00:00:00Z&to=1900-06-01T00:00:00Z',
        'from=9999-12-01T00:00:00Z&to=9999-12-31T23:59:59Z',
        'from=2026-11-01T00:00:00%2B23:59&to=2026-11-02T00:00:00-23:59',
        'from=2026-02-29T00:00:00Z&to=2026-03-01T00:00:00Z',
        '__proto__=1',
        '__proto__[x]=1',
        'constructor=x',
        'toString=x',
        'hasOwnProperty=x',
        'period=all-time&period=all-time',
        'agentId=%F0%9F%98%80',
        `agentId=${'x'.repeat(129)}`,
      ]
      for (const path of READ_PATHS) {
        for (const q of fixed) {
          const res = await rawRequest(base, { path: `${path}?${q}` })
          expect(res.status, `${path}?${q}: ${res.body.slice(0, 300)}`).toBeLessThan(500)
          const body = JSON.parse(res.body)
          validators.check(path, 'get', res.status, body)
        }
      }
    })

    it('never answers random query strings with a 5xx (property)', async () => {
      const key = fc.oneof(
        fc.constantFrom(
          'tz',
          'from',
          'to',
          'period',
          'interval',
          'agentId',
          'teamId',
          'limit',
          'offset',
        ),
        fc.string({ maxLength: 8 }),
      )
      const value = fc.oneof(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.constantFrom(
          '24h',
          '7d',
          '30d',
          'week',
          'month',
          'quarter',
          'today',
          'all-time',
          'hour',
          'day',
          'UTC',
          'Asia/Kathmandu',
        ),
        fc.integer({ min: -1000, max: 100_000 }).map(String),
        fc
          .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
      )
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...READ_PATHS),
          fc.array(fc.tuple(key, value), { maxLength: 4 }),
          async (path, pairs) => {
            const qs = new URLSearchParams(pairs).toString()
            const res = await rawRequest(base, { path: `${path}?${qs}` })
            if (res.status >= 500) throw new Error(`${path}?${qs} → ${res.status} ${res.body}`)
            validators.check(path, 'get', res.status, JSON.parse(res.body))
          },
        ),
        { numRuns: 150 },
      )
    })
  })

  describe('ingest', () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      send(`${base}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      })

    it('answers 200 with accepted, duplicates and rejected by index for a mixed batch', async () => {
      const good = (id: string): LeadEvent => ({
        id,
        type: 'lead.created',
        occurredAt: at('2026-11-18T14:00:00Z'),
        leadId: `lead-${id}`,
      })
      const batch = [
        good('mix-1'),
        {
          id: 'mix-2',
          type: 'lead.teleported',
          occurredAt: at('2026-11-18T14:00:00Z'),
          leadId: 'x',
        },
        good('mix-3'),
        'not an event',
        { ...good('mix-5'), occurredAt: 'yesterday' },
        seedEvents()[0],
      ]
      const res = await post(JSON.stringify(batch))
      expect(res.status, res.text).toBe(200)
      const body = res.json() as {
        accepted: number
        duplicates: number
        rejected: { index: number; id?: string }[]
      }
      validators.check('/api/events', 'post', 200, body)
      expect(body.accepted).toBe(2)
      expect(body.duplicates).toBe(1)
      expect(body.rejected.map((r) => r.index)).toEqual([1, 3, 4])
      expect(body.rejected[0]!.id).toBe('mix-2')
      expect(res.headers.get('cache-control')).toBe('no-store')
    })

    it('accepts an empty batch', async () => {
      const res = await post('[]')
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ accepted: 0, duplicates: 0, rejected: [] })
    })

    it.each([
      ['invalid JSON', '[{"id": '],
      ['an empty body', ''],
      ['an object', '{"id":"x"}'],
      ['a number', '42'],
    ])('answers %s with 400', async (_name, body) => {
      const res = await post(body)
      expect(res.status, res.text).toBe(400)
      const json = res.json() as { error: { code: string } }
      validators.check('/api/events', 'post', 400, json)
      expect(json.error.code).toBe('BAD_REQUEST')
    })

    it(`answers more than ${MAX_BATCH_EVENTS} events with 413`, async () => {
      const batch = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => ({ id: `big-${i}` }))
      const res = await post(JSON.stringify(batch))
      expect(res.status).toBe(413)
      validators.check('/api/events', 'post', 413, res.json())
    })

    it('answers a body declared larger than the limit with 413 without reading it', async () => {
      const res = await rawRequest(base, {
        method: 'POST',
        path: '/api/events',
        headers: {
          'content-type': 'application/json',
          'content-length': String(MAX_BATCH_BYTES + 1),
        },
        chunks: [Buffer.from('[')],
      })
      expect(res.status).toBe(413)
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    })

    it('stops reading a streamed body once it passes the limit and answers 413', async () => {
      const chunk = Buffer.alloc(256 * 1024, 0x20)
      const chunks = Array.from(
        { length: Math.ceil(MAX_BATCH_BYTES / chunk.length) + 8 },
        () => chunk,
      )
      const res = await rawRequest(base, {
        method: 'POST',
        path: '/api/events',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        chunks,
      })
      expect(res.status).toBe(413)
      validators.check('/api/events', 'post', 413, JSON.parse(res.body))
      // The server is still up and answering.
      expect((await send(`${base}/api/analytics/metrics`)).status).toBe(200)
    })
    const postEncoded = (coding: string, body: Buffer) =>
      rawRequest(base, {
        method: 'POST',
        path: '/api/events',
        headers: { 'content-type': 'application/json', 'content-encoding': coding },
        chunks: [body],
      })

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const)('takes a batch sent with Content-Encoding: %s', async (coding, compress) => {
      const batch: LeadEvent[] = [
        {
          id: `enc-${coding}`,
          type: 'lead.created',
          occurredAt: at('2026-11-18T14:00:00Z'),
          leadId: `lead-enc-${coding}`,
        },
      ]
      const res = await postEncoded(coding, compress(Buffer.from(JSON.stringify(batch))))
      expect(res.status, res.body).toBe(200)
      expect(JSON.parse(res.body)).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    })

    it('holds a compressed body to the limit once decoded, and refuses corrupt or unknown codings', async () => {
      const spaces = (n: number) =>
        Buffer.concat([Buffer.from('['), Buffer.alloc(n - 2, 0x20), Buffer.from(']')])
      // Exactly the limit once decoded is taken; a byte more is not, though it is sent as ~5 KB.
      const atLimit = await postEncoded('gzip', gzipSync(spaces(MAX_BATCH_BYTES)))
      expect(atLimit.status, atLimit.body).toBe(200)
      const bomb = gzipSync(spaces(MAX_BATCH_BYTES + 1))
      expect(bomb.length).toBeLessThan(MAX_BATCH_BYTES / 100)
      const tooLarge = await postEncoded('gzip', bomb)
      expect(tooLarge.status).toBe(413)
      validators.check('/api/events', 'post', 413, JSON.parse(tooLarge.body))

      const corrupt = await postEncoded('gzip', Buffer.from('[] is not gzip'))
      expect(corrupt.status).toBe(400)
      expect(JSON.parse(corrupt.body)).toMatchObject({
        error: { code: 'BAD_REQUEST', message: 'request body is not valid gzip' },
      })
      for (const coding of ['compress', 'gzip, br', 'zstd']) {
        const res = await postEncoded(coding, Buffer.from('[]'))
        expect(res.status, coding).toBe(415)
        const json = JSON.parse(res.body)
        validators.check('/api/events', 'post', 415, json)
        expect(json.error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
      }
      // Plain, and named as such, is as before.
      expect((await postEncoded('identity', Buffer.from('[]'))).status).toBe(200)
      expect((await send(`${base}/api/analytics/metrics`)).status).toBe(200)
    })
  })

  describe('routing', () => {
    it('answers an unknown /api path with a JSON 404', async () => {
      const res = await send(`${base}/api/analytics/nope`)
      expect(res.status).toBe(404)
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    })

    it('answers a wrong method with 405 and Allow', async () => {
      const post = await send(`${base}/api/analytics/metrics`, { method: 'POST', body: '[]' })
      expect(post.status).toBe(405)
      expect(post.headers.get('allow')).toBe('GET, HEAD')
      expect(post.json()).toMatchObject({ error: { code: 'METHOD_NOT_SUPPORTED' } })
      const get = await send(`${base}/api/events`)
      expect(get.status).toBe(405)
      expect(get.headers.get('allow')).toBe('POST')
    })

    it('leaves paths it does not own to the server', async () => {
      for (const path of [
        '/',
        '/health',
        '/apix',
        '/api/trpc/analytics.metrics',
        '/api/analytics/activity-stream',
      ]) {
        const res = await rawRequest(base, { path })
        expect(res.body, path).toBe('not the REST adapter')
      }
    })

    it('serves a self-contained docs page listing every path with a curl example', async () => {
      const res = await send(`${base}/api/docs`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      for (const path of Object.keys(doc.paths)) expect(res.text).toContain(path)
      expect(res.text).toContain('curl -s')
      expect(res.text).toContain('activity-stream')
      expect(res.text).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/i)
    })

    it('does not echo a hostile Host header into the docs page', async () => {
      const res = await rawRequest(base, {
        path: '/api/docs',
        headers: { host: '<script>x</script>' },
      })
      expect(res.status).toBe(200)
      expect(res.body).not.toContain('<script>')
    })
  })

  describe('failures', () => {
    const deps = (): ApiDeps => ({ db: client.db, clock: { now: () => NOW }, orgTimezone: 'UTC' })

    it('answers an unexpected failure with a generic 500 and hands the error to onError', async () => {
      const seen: unknown[] = []
      const secret = new Error('relation "secret_table" does not exist: select * from secret_table')
      const server = await serve(
        createRestHandler({
          deps: deps(),
          identify: async () => {
            throw secret
          },
          onError: (err) => seen.push(err),
        }),
      )
      try {
        const res = await send(`${server.base}/api/analytics/metrics`)
        expect(res.status).toBe(500)
        expect(res.json()).toEqual({
          error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' },
        })
        expect(res.text).not.toContain('secret')
        expect(seen).toEqual([secret])
      } finally {
        await server.close()
      }
    })

    it('answers a database failure with a generic 500', async () => {
      // Unmigrated, then closed: every query fails.
      const broken = await open({ migrate: false })
      await broken.close()
      const seen: unknown[] = []
      const server = await serve(
        createRestHandler({
          deps: { ...deps(), db: broken.db },
          onError: (err) => seen.push(err),
        }),
      )
      try {
        const res = await send(`${server.base}/api/analytics/leaderboard`)
        expect(res.status).toBe(500)
        expect(res.json()).toEqual({
          error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' },
        })
        expect(seen).toHaveLength(1)
      } finally {
        await server.close()
      }
    })

    it.each([
      ['UNAUTHORIZED', 401],
      ['FORBIDDEN', 403],
      ['TOO_MANY_REQUESTS', 429],
      ['NOT_FOUND', 404],
    ] as const)('maps TRPCError %s to %i', async (code, status) => {
      const server = await serve(
        createRestHandler({
          deps: deps(),
          identify: async () => {
            throw new TRPCError({ code, message: `no: ${code}` })
          },
        }),
      )
      try {
        const res = await send(`${server.base}/api/analytics/metrics`)
        expect(res.status).toBe(status)
        const body = res.json()
        expect(body).toEqual({ error: { code, message: `no: ${code}` } })
        validators.check('/api/analytics/metrics', 'get', status, body)
      } finally {
        await server.close()
      }
    })

    it('revalidates to 304 under a running clock while the read cache holds the answer, until an ingest', async () => {
      let t = NOW
      const server = await serve(
        createRestHandler({
          deps: { ...deps(), clock: { now: () => (t += 10) }, cache: new MemoryCache() },
        }),
      )
      try {
        const url = `${server.base}/api/analytics/leaderboard?period=month`
        const first = await send(url)
        const etag = first.headers.get('etag')!
        // The clock has moved on, but the cached answer keeps its asOf, so the tag still matches.
        expect((await send(url, { headers: { 'if-none-match': etag } })).status).toBe(304)
        const ingest = await send(`${server.base}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([
            {
              id: 'cache-1',
              type: 'lead.assigned',
              occurredAt: at('2026-11-18T15:00:00Z'),
              leadId: 'L2',
              agentId: 'a3',
            },
          ]),
        })
        expect(ingest.json()).toMatchObject({ accepted: 1 })
        const after = await send(url, { headers: { 'if-none-match': etag } })
        expect(after.status).toBe(200)
        expect(after.headers.get('etag')).not.toBe(etag)
      } finally {
        await server.close()
      }
    })

    it('resolves the identity afresh for every request', async () => {
      const seen: string[] = []
      const server = await serve(
        createRestHandler({
          deps: deps(),
          identify: async (req) => {
            seen.push(req.headers['x-user'] as string)
            return { sub: String(req.headers['x-user']), role: 'manager' }
          },
        }),
      )
      try {
        await send(`${server.base}/api/analytics/metrics`, { headers: { 'x-user': 'u1' } })
        await send(`${server.base}/api/analytics/metrics`, { headers: { 'x-user': 'u2' } })
        expect(seen).toEqual(['u1', 'u2'])
      } finally {
        await server.close()
      }
    })
  })

  // Found by the hostile-input tests: each once answered 500. Year-1 ranges reached year 0,
  // NUL and lone surrogates reached Postgres text, and a zone known to the JS runtime but not to
  // Postgres's tzdata failed `at time zone`.
  describe('hostile values that once answered 500', () => {
    it.each([
      '/api/analytics/metrics?from=0001-01-01T00:00:00Z&to=0001-06-01T00:00:00Z',
      '/api/analytics/leaderboard?from=0001-01-01T00:00:00Z&to=0001-06-01T00:00:00Z',
      '/api/analytics/metrics?agentId=a1%00',
      '/api/analytics/leaderboard?teamId=t1%00',
      '/api/analytics/activity-heatmap?tz=US/Pacific-New',
    ])('GET %s answers a client error', async (path) => {
      const res = await rawRequest(base, { path })
      failures.length = 0
      expect(res.status).toBeLessThan(500)
    })

    it.each([
      ['NUL in an id', { leadId: 'L\u0000' }],
      ['a lone surrogate in a text field', { source: '\ud800' }],
    ])('POST /api/events with %s rejects that event by index', async (_name, patch) => {
      const event = {
        id: `bad-${_name}`,
        type: 'lead.created',
        occurredAt: at('2026-11-18T14:00:00Z'),
        leadId: 'L99',
        ...patch,
      }
      const res = await send(`${base}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([event]),
      })
      failures.length = 0
      expect(res.status).toBe(200)
      expect(res.json()).toMatchObject({ rejected: [{ index: 0 }] })
    })
  })
})
