import {
  ACTIVITY_KINDS,
  activityInput,
  activityMessage,
  eventsExportInput,
  exportSelector,
  feedCursor,
  feedGap,
  ingestResult,
  leadEvent,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_BUCKETS,
  MAX_LEADERBOARD_LIMIT,
  MAX_RANGE_DAYS,
} from '@leads/contract'
import { z } from 'zod'
import { STREAM_DEFAULTS } from '../live/endpoint.js'
import { cursorInterval, REPLAY_LIMIT } from '../live/hub.js'
import { SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON } from '../live/socket.js'
import { BODY_ENCODINGS } from './body.js'
import { restErrorBody } from './errors.js'
import { READ_CACHE_CONTROL } from './respond.js'
import {
  ACTIVITY_STREAM_PATH,
  DOCS_PATH,
  EVENTS_PATH,
  EXPORT_PATH,
  OPENAPI_PATH,
  READ_ROUTES,
  type ReadRoute,
} from './routes.js'

export type JsonSchema = Record<string, unknown>

export interface Parameter {
  name: string
  in: 'query' | 'header'
  required: boolean
  description?: string
  schema: JsonSchema
  example?: string
}

/** The subset of an OpenAPI 3.1 document this adapter produces (and the docs page reads). */
export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string; description: string }
  tags: { name: string; description: string }[]
  /** Who may call: a bearer token (when the server verifies tokens; otherwise it is ignored). */
  security: Security
  paths: Record<string, Record<string, Operation>>
  components: {
    securitySchemes: Record<string, JsonSchema>
    schemas: Record<string, JsonSchema>
    parameters: Record<string, Parameter>
    headers: Record<string, { description: string; schema: JsonSchema }>
    responses: Record<string, Response>
  }
}

export interface Operation {
  operationId: string
  tags: string[]
  summary: string
  description: string
  parameters?: (Parameter | Ref)[]
  /** Where it differs from the document's: none for the public documents, `?token=` for streams. */
  security?: Security
  requestBody?: {
    required: boolean
    description: string
    content: Record<string, { schema: JsonSchema; example?: unknown }>
  }
  responses: Record<string, Response | Ref>
}
interface Response {
  description: string
  headers?: Record<string, Ref>
  content?: Record<string, { schema: JsonSchema }>
}
type Ref = { $ref: string }
type Security = Record<string, string[]>[]

const ref = (kind: string, name: string): Ref => ({ $ref: `#/components/${kind}/${name}` })

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // The document's dialect already is 2020-12, which is what zod emits.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema
  return rest
}

const PARAMETER_DOCS: Record<string, string> = {
  tz: "IANA time-zone name (e.g. `America/New_York`). Default: the organisation's zone.",
  from: 'Start of a custom range (inclusive), ISO 8601 with offset. Give together with `to`; a custom range replaces `period`.',
  to: `End of a custom range (exclusive), after \`from\` and at most ${MAX_RANGE_DAYS} days later.`,
  period: 'Named window, counted in calendar units of `tz`.',
  interval: `Bucket size; the default depends on \`period\`. At most ${MAX_BUCKETS} buckets per answer.`,
  agentId: 'Only figures for this agent.',
  teamId: "Only figures for this team's agents.",
  limit: `Rows per page, 1–${MAX_LEADERBOARD_LIMIT} (default 50).`,
  offset: 'Rows to skip (default 0).',
  report: 'Drill-down: the report whose number is opened; its period rules give the window.',
  measure: 'Drill-down: what is listed; the default is the first the report allows.',
  stage: 'Drill-down of the funnel: cohort leads whose furthest stage is at least this one.',
  bucketStart: 'Drill-down of lead volume: the `start` of one bucket, as the report gave it.',
  dayOfWeek: 'Drill-down of the heatmap: local weekday of the cell, 0 = Monday (with `hour`).',
  hour: 'Drill-down of the heatmap: local hour of the cell, 0–23 (with `dayOfWeek`).',
  cursor: 'Drill-down: `nextCursor` of the previous page (opaque).',
  after:
    'Events export: a live feed cursor; the events ingested after it, in cursor order, from any time unless `from`/`to` are given too.',
  metric: 'Forecast: `newLeads` (default) or `conversions`.',
  horizon: 'Forecast: days to predict, today first: 7, 14 (default) or 30.',
}

/** Example query values used by the document and the curl lines on the docs page. */
const EXAMPLES: Record<string, Record<string, string>> = {
  metrics: { tz: 'America/New_York' },
  leadVolume: { period: '7d', tz: 'Europe/London' },
  funnel: { period: 'month', tz: 'Asia/Kolkata' },
  heatmap: { period: 'week', tz: 'Australia/Adelaide' },
  leaderboard: { period: 'week', limit: '10' },
  leads: { report: 'leadVolume', period: '7d', measure: 'conversions' },
  forecast: { metric: 'newLeads', horizon: '14', tz: 'America/New_York' },
  export: { report: 'leaderboard', format: 'csv' },
}

function queryParameters(route: ReadRoute): Parameter[] {
  const input = jsonSchema(route.input, 'input') as {
    properties?: Record<string, JsonSchema>
    required?: string[]
  }
  return Object.entries(input.properties ?? {}).map(([name, schema]) => {
    const example = EXAMPLES[route.operationId]?.[name]
    const description = PARAMETER_DOCS[name]
    return {
      name,
      in: 'query',
      required: input.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema,
      ...(example ? { example } : {}),
    }
  })
}

const STREAM_PARAMETER_DOCS: Record<string, string> = {
  lastEventId: 'Resume after this cursor (the `id` of the last message received).',
  agentId: "Only events by this agent or on this agent's leads.",
  teamId: "Only events by this team's agents.",
  backlog: 'Without a cursor: begin with up to this many of the latest events (default 0).',
  tz: "IANA zone used to format `occurredAt` (default: the organisation's zone).",
  token: 'Bearer token, for clients that cannot send an `Authorization` header.',
}

/** The stream's query parameters (the subscription's input plus `token`) and `Last-Event-ID`. */
function streamParameters(): Parameter[] {
  const input = jsonSchema(activityInput, 'input') as { properties: Record<string, JsonSchema> }
  const cursor = jsonSchema(activityInput.shape.lastEventId.unwrap().unwrap(), 'input')
  const schemas: Record<string, JsonSchema> = {
    ...input.properties,
    lastEventId: cursor,
    token: { type: 'string' },
  }
  return [
    ...Object.entries(schemas).map(([name, schema]): Parameter => {
      const description = STREAM_PARAMETER_DOCS[name]
      return { name, in: 'query', required: false, ...(description ? { description } : {}), schema }
    }),
    {
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'Sent by EventSource when it reconnects; wins over `lastEventId`.',
      schema: cursor,
    },
  ]
}

const EXAMPLE_BATCH = [
  {
    id: 'evt-1',
    type: 'agent.upserted',
    occurredAt: '2026-11-18T09:00:00Z',
    agentId: 'a1',
    name: 'Ada',
    teamId: 't1',
  },
  {
    id: 'evt-2',
    type: 'lead.created',
    occurredAt: '2026-11-18T09:05:00+01:00',
    leadId: 'L1',
    agentId: 'a1',
    source: 'web',
  },
  {
    id: 'evt-3',
    type: 'agent.action',
    occurredAt: '2026-11-18T09:07:00Z',
    leadId: 'L1',
    agentId: 'a1',
    action: 'call',
  },
  {
    id: 'evt-4',
    type: 'lead.status_changed',
    occurredAt: '2026-11-18T09:08:00Z',
    leadId: 'L1',
    agentId: 'a1',
    status: 'contacted',
  },
]

const STREAM = STREAM_DEFAULTS
const MIB = STREAM.maxBufferedBytes / 1024 / 1024
/** The document's description; `replayLimit` is the server's replay window, in events. */
const describeApi = (replayLimit: number) => {
  const REPLAY = replayLimit.toLocaleString('en-US')
  const CURSOR_EVERY = cursorInterval(replayLimit).toLocaleString('en-US')
  return `Live lead analytics as plain JSON over HTTP: the five dashboard reads, the leads behind any
number (drill-down), the forecast, CSV/JSON export, event ingest and the live activity stream.
The same procedures are served over tRPC; this document is generated from the same zod schemas.

## Authentication
A server started with \`AUTH_JWT_SECRET\` or \`AUTH_JWKS_URL\` (as \`pnpm dev\` is) wants a JWT
on every call but this document and \`/api/docs\`: \`Authorization: Bearer <token>\`, or
\`?token=<token>\` on the activity stream for clients that cannot set a header. No token, or a
bad or expired one, is 401 \`UNAUTHORIZED\`; a role that may not do what was asked is 403
\`FORBIDDEN\` (an \`agent\` asking for another agent's figures, an \`ingest\` token reading, a
reader sending events). Roles: \`admin\` (everything), \`manager\` (their teams' figures),
\`agent\` (their own, others pseudonymised), \`ingest\` (events only). A server without either
variable is open and ignores tokens. The examples below assume \`TOKEN\` holds a token
(\`pnpm dev\`: \`POST /api/dev/token\`; otherwise \`pnpm token\`).

## Time zones and windows
Every read accepts \`tz\` (an IANA name; default: the organisation's zone) and, where it accepts
\`period\`, a custom \`from\`/\`to\` range (ISO 8601 with offset; \`from\` < \`to\`, at most ${MAX_RANGE_DAYS} days).
Date-times, here and in events' \`occurredAt\`, need an offset (\`Z\`, \`+05:30\`, \`+0530\` or \`+05\`); seconds
may be left out (\`2026-12-03T10:30+01:00\`).
Timestamps in answers are ISO 8601 with the offset of \`tz\`. Every answer carries \`asOf\`: every
event ingested before that instant is included in the figures.

## Errors
Every error is JSON \`{ "error": { "code", "message", "details"? } }\` — never a stack trace.
400 \`BAD_REQUEST\`: invalid input; \`details\` lists each problem as a zod issue (\`code\`, \`path\`,
\`message\`). An unknown or repeated query parameter is also a 400. Other statuses: 401, 403, 404,
405 (with \`Allow\`), 413, 415, 429, 500, 503. 429 (a spent rate budget or too many open streams)
carries \`Retry-After\` and the \`RateLimit\` / \`RateLimit-Policy\` fields; 503 (the database is
away or too slow, or an instance already holds its maximum of ingest batches; nothing was
applied) carries \`Retry-After\`. Every answer has an
\`X-Request-Id\` (yours when you send a plain one), which the server's log lines carry too.

## Caching
Reads answer with a strong \`ETag\` and \`Cache-Control: ${READ_CACHE_CONTROL}\`: figures are fresh
for about a second, so clients revalidate each time; a matching \`If-None-Match\` gets \`304 Not
Modified\` with no body.

## Ingest limits
\`POST ${EVENTS_PATH}\` takes a JSON array of at most ${MAX_BATCH_EVENTS.toLocaleString('en-US')} events and
${MAX_BATCH_BYTES.toLocaleString('en-US')} bytes (${MAX_BATCH_BYTES / 1024 / 1024} MiB); larger batches get 413. Each
event is validated on its own: invalid ones come back in \`rejected\` by index while the rest are
stored. Event ids make ingest idempotent: re-sending an event counts as a duplicate. The body may
be sent compressed (\`Content-Encoding: ${BODY_ENCODINGS.join('`, `')}\`); the byte limit holds for
it both as sent and decoded; any other coding gets 415. A caller who
may not send events is refused (401/403/429) before the batch is read; with
\`Expect: 100-continue\` before it is uploaded.

## Live activity stream
\`${ACTIVITY_STREAM_PATH}\` streams activity as it happens, as a plain WebSocket or as
Server-Sent Events at the same path (tRPC clients use the \`analytics.activity\` subscription,
which behaves the same). Each message is an \`ActivityMessage\`: \`{ id, kind, type, occurredAt,
leadId, agentId, agentName, status?, action?, summary }\`; \`kind\` is one of
${ACTIVITY_KINDS.join(', ')}. The two exceptions: the first message of a resume from beyond the
retention window, a \`FeedGap\` whose \`kind\` is \`gap\`, and on a filtered feed a
\`FeedCursor\` \`{ id, kind: "cursor" }\` (see Resuming).
\`id\` is a strictly increasing cursor. Query parameters, all optional: \`lastEventId\` (resume after this cursor), \`agentId\` / \`teamId\` (only that agent's or
team's activity), \`backlog\` (0–200: without a cursor, begin with that many of the latest
events), \`tz\` (zone of \`occurredAt\`), \`token\` (a bearer token for clients that cannot send
\`Authorization: Bearer\`). Invalid input is answered 400 with the error body above before any
stream starts.

## Resuming
A client that reconnects with the id of the last message it received gets every event it missed,
in order and without duplicates, then live events, as long as fewer than ${REPLAY} events were
ingested meanwhile (the retention window). From an older cursor the replay starts ${REPLAY} events
back, and when events the client would be shown are among those skipped, the first message says so:
a \`FeedGap\` \`{ id, kind: "gap", after, summary }\` (over SSE as \`event: gap\`), meaning the
events with cursors after \`after\` up to \`id\` were not replayed; what follows comes after
\`id\`. A filtered feed (an agent's, a manager's, or one with \`agentId\` / \`teamId\`) that
passes ${CURSOR_EVERY} cursors without an event to show is sent a \`FeedCursor\`
\`{ id, kind: "cursor" }\` (over SSE as \`event: cursor\`): nothing to show, but resume from
\`id\`; a client that keeps it stays inside the window however quiet its feed. (One that does not
is told of a gap only when something it would be shown was skipped.) A client that must keep every event fetches those from
the raw event export: \`${EXPORT_PATH}?report=events&format=json&after=<after>\` lists the events
ingested after that cursor in cursor order (each row's \`seq\`); keep those up to \`id\`.

## WebSocket
Upgrade at the path, e.g. \`websocat "ws://localhost:3000${ACTIVITY_STREAM_PATH}?backlog=10&token=$TOKEN"\`.
Every text frame is one message as JSON; the client sends nothing. The server pings every
${STREAM.pingMs / 1000} s and drops a connection whose pong does not come within ${STREAM.pongWaitMs / 1000} s. A client
that falls behind (more than ${MIB} MiB waiting to be sent to it, or its queue full) is closed
with code ${SLOW_CONSUMER_CODE} and reason "${SLOW_CONSUMER_REASON}"; a server shutting down
closes with 1001. Either way, reconnect with \`?lastEventId=\` set to the last id received.

## Server-Sent Events
A GET that accepts \`text/event-stream\`, e.g. \`curl -N -H 'accept: text/event-stream' -H "authorization: Bearer $TOKEN" "$API${ACTIVITY_STREAM_PATH}?backlog=10"\`.
Each event has \`id:\` (the cursor), \`event: activity\` (\`event: gap\` for a \`FeedGap\`,
\`event: cursor\` for a \`FeedCursor\`) and \`data:\` (the JSON message); a \`: ping\`
comment comes every ${STREAM.ssePingMs / 1000} s, and \`retry: ${STREAM.sseRetryMs}\` sets the reconnection delay.
EventSource resumes by itself with the standard \`Last-Event-ID\` header, which wins over
\`?lastEventId=\`. A client that stops reading is cut once ${MIB} MiB wait for it, and resumes the
same way.`
}

// Keyed by the selector's own fields, so a new one cannot go undocumented.
const SELECTOR_DOCS: Record<keyof typeof exportSelector.shape, string> = {
  report: 'What to export: a report, or `events` for the raw event log.',
  format: 'File format (default csv).',
  formulas:
    "CSV only. `escape` (default): a text field starting with `=`, `+`, `-`, `@`, tab or CR, which a spreadsheet would run as a formula, is written with a leading `'`. `keep`: every field exactly as stored (for programs, not spreadsheets).",
}

/** The export: its own parameters, then whatever the chosen report takes. */
function exportOperation(): Record<string, Operation> {
  const selector = jsonSchema(exportSelector, 'input') as {
    properties: Record<string, JsonSchema>
  }
  const events = jsonSchema(eventsExportInput, 'input') as {
    properties: Record<string, JsonSchema>
  }
  const reportParameters = new Map<string, JsonSchema>(Object.entries(events.properties))
  for (const route of READ_ROUTES.filter((r) => !['leads', 'forecast'].includes(r.operationId)))
    for (const p of queryParameters(route)) reportParameters.set(p.name, p.schema)
  const rowsOf = {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'null', 'array'] },
    },
  }
  return {
    get: {
      operationId: 'export',
      tags: ['analytics'],
      summary: 'Download a report or the raw events as CSV or JSON',
      description:
        'A file (`Content-Disposition: attachment; filename="<report>-<local date>.<format>"`) ' +
        "with the report's figures as rows — the same procedure as the read answers them, with " +
        'the same role scope and pseudonyms. Columns: metrics `kpi, value, previous, change, delta, ' +
        'from, to, previousFrom, previousTo` (one row per KPI); lead-volume `start, newLeads, ' +
        'conversions`; funnel `stage, count, rateFromPrevious, rateFromStart`; heatmap `dayOfWeek, ' +
        'hour, count`; leaderboard `rank, agentId, agentName, teamId, totalLeads, convertedLeads, ' +
        'conversionRate, avgResponseTimeSeconds, previousRank, series` (the 7-day series joined ' +
        'by `;` in CSV); events `seq, id, type, occurredAt, leadId, agentId, status, action, ' +
        'source, name, teamId`. CSV follows RFC 4180: a header row, CRLF line ends, fields with a ' +
        'comma, quote, CR or LF quoted, null as an empty field; text that a spreadsheet would run ' +
        "as a formula is prefixed with `'` unless `formulas=keep`. JSON is an array of the same " +
        'rows, always exact. ' +
        'Timestamps are ISO 8601 with the offset of `tz`. `report=events` streams the raw events ' +
        `of the window (\`from\`/\`to\`, at most ${MAX_RANGE_DAYS} days; default today so far), oldest ` +
        'first (with `after=<cursor>`: the events ingested after that live feed cursor, in cursor ' +
        'order, as a feed client fetches what a replay gap left out), in constant server memory: an agent gets the events of their own leads and their ' +
        "own events, a manager those of their teams' agents. The export is a snapshot: events " +
        'ingested after it began are not in it.',
      parameters: [
        ...Object.entries(selector.properties).map(
          ([name, schema]): Parameter => ({
            name,
            in: 'query',
            required: name === 'report',
            description: SELECTOR_DOCS[name as keyof typeof SELECTOR_DOCS],
            schema,
            ...(EXAMPLES.export?.[name] ? { example: EXAMPLES.export[name] } : {}),
          }),
        ),
        ...[...reportParameters].map(
          ([name, schema]): Parameter => ({
            name,
            in: 'query',
            required: false,
            description: `As for the chosen report${PARAMETER_DOCS[name] ? `: ${PARAMETER_DOCS[name]}` : '.'}`,
            schema,
          }),
        ),
      ],
      responses: {
        '200': {
          description: 'The file.',
          headers: { 'Content-Disposition': ref('headers', 'ContentDisposition') },
          content: {
            'text/csv': { schema: { type: 'string', description: 'RFC 4180, with a header row.' } },
            'application/json': { schema: rowsOf },
          },
        },
        '400': ref('responses', 'BadRequest'),
        '500': ref('responses', 'InternalError'),
        default: ref('responses', 'Error'),
      },
    },
  }
}

/** Builds the OpenAPI 3.1 document from the contract's zod schemas and the route table. */
export function buildOpenApiDocument({
  replayLimit = REPLAY_LIMIT,
}: {
  /** The server's replay window, in events, for the description. */
  replayLimit?: number | undefined
} = {}): OpenApiDocument {
  const schemas: Record<string, JsonSchema> = {
    Error: jsonSchema(restErrorBody, 'output'),
    LeadEvent: jsonSchema(leadEvent, 'input'),
    IngestBatch: {
      type: 'array',
      maxItems: MAX_BATCH_EVENTS,
      items: ref('schemas', 'LeadEvent'),
      description: `At most ${MAX_BATCH_EVENTS} events and ${MAX_BATCH_BYTES} bytes.`,
    },
    IngestResult: jsonSchema(ingestResult, 'output'),
    ActivityMessage: jsonSchema(activityMessage, 'output'),
    FeedGap: jsonSchema(feedGap, 'output'),
    FeedCursor: jsonSchema(feedCursor, 'output'),
  }
  const paths: OpenApiDocument['paths'] = {}
  const errorResponse = (description: string): Response => ({
    description,
    content: { 'application/json': { schema: ref('schemas', 'Error') } },
  })

  for (const route of READ_ROUTES) {
    schemas[route.outputName] = jsonSchema(route.output, 'output')
    paths[route.path] = {
      get: {
        operationId: route.operationId,
        tags: ['analytics'],
        summary: route.summary,
        description: route.description,
        parameters: [...queryParameters(route), ref('parameters', 'IfNoneMatch')],
        responses: {
          '200': {
            description: 'The figures.',
            headers: {
              ETag: ref('headers', 'ETag'),
              'Cache-Control': ref('headers', 'CacheControl'),
            },
            content: { 'application/json': { schema: ref('schemas', route.outputName) } },
          },
          '304': ref('responses', 'NotModified'),
          '400': ref('responses', 'BadRequest'),
          '500': ref('responses', 'InternalError'),
          default: ref('responses', 'Error'),
        },
      },
    }
  }

  paths[EXPORT_PATH] = exportOperation()

  paths[EVENTS_PATH] = {
    post: {
      operationId: 'ingest',
      tags: ['events'],
      summary: 'Ingest a batch of events',
      description:
        `A JSON array of at most ${MAX_BATCH_EVENTS} events and ${MAX_BATCH_BYTES} bytes. Answers 200 ` +
        'even when some events are rejected: `accepted` new events stored, `duplicates` already ' +
        'known (same id, same content), `rejected` the rest by index with a reason (`invalid`, ' +
        '`conflict`: id reused with different content, `future`: occurredAt too far ahead).',
      requestBody: {
        required: true,
        description: 'Events of any of the five types, in any order.',
        content: {
          'application/json': { schema: ref('schemas', 'IngestBatch'), example: EXAMPLE_BATCH },
        },
      },
      responses: {
        '200': {
          description: 'Per-batch outcome.',
          content: { 'application/json': { schema: ref('schemas', 'IngestResult') } },
        },
        '400': ref('responses', 'BadRequest'),
        '413': ref('responses', 'PayloadTooLarge'),
        '415': ref('responses', 'UnsupportedMediaType'),
        '500': ref('responses', 'InternalError'),
        default: ref('responses', 'Error'),
      },
    },
  }

  paths[ACTIVITY_STREAM_PATH] = {
    get: {
      operationId: 'activityStream',
      tags: ['analytics'],
      summary: 'Live activity as Server-Sent Events or over a WebSocket',
      description:
        'Server-Sent Events (`event: activity`, `id:` = cursor, `data:` = one `ActivityMessage` as ' +
        'JSON) for a GET accepting `text/event-stream`; a WebSocket for an upgrade request (one ' +
        '`ActivityMessage` per text frame). Resume with `Last-Event-ID` or `lastEventId`; see ' +
        '"Live activity stream" above for heartbeats, slow consumers and the retention window ' +
        '(a resume from beyond it begins with a `FeedGap`; a filtered feed also gets `FeedCursor`s).',
      parameters: streamParameters(),
      security: [{ bearerAuth: [] }, { queryToken: [] }],
      responses: {
        '101': {
          description:
            'WebSocket upgrade: one JSON `ActivityMessage` (or, first on a resume from beyond the ' +
            'retention window, a `FeedGap`; on a filtered feed, a `FeedCursor`) per text frame, until the server closes ' +
            `with ${SLOW_CONSUMER_CODE} (slow consumer) or 1001 (shutting down).`,
        },
        '200': {
          description: 'An endless event stream; every `data:` line is one `ActivityMessage`.',
          content: {
            'text/event-stream': {
              schema: {
                type: 'string',
                description:
                  '`retry:`, then events `id: <cursor>` / `event: activity` / `data: <ActivityMessage JSON>` and `: ping` comments; ' +
                  'first on a resume from beyond the retention window, `event: gap` with a `FeedGap`; ' +
                  'on a filtered feed, `event: cursor` with a `FeedCursor`.',
              },
            },
          },
        },
        '400': ref('responses', 'BadRequest'),
        '503': errorResponse(
          '`SERVICE_UNAVAILABLE`: the live feed is not running on this instance.',
        ),
        default: ref('responses', 'Error'),
      },
    },
  }

  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      tags: ['meta'],
      summary: 'This document',
      description: 'The OpenAPI 3.1 document, generated from the zod schemas the procedures use.',
      responses: {
        '200': {
          description: 'OpenAPI 3.1 document.',
          headers: {
            ETag: ref('headers', 'ETag'),
            'Cache-Control': ref('headers', 'CacheControl'),
          },
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        '304': ref('responses', 'NotModified'),
      },
    },
  }
  paths[DOCS_PATH] = {
    get: {
      operationId: 'docs',
      tags: ['meta'],
      summary: 'Human-readable API docs',
      description:
        'This document rendered as a self-contained HTML page with example curl commands.',
      responses: {
        '200': {
          description: 'HTML page.',
          headers: {
            ETag: ref('headers', 'ETag'),
            'Cache-Control': ref('headers', 'CacheControl'),
          },
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        '304': ref('responses', 'NotModified'),
      },
    },
  }

  // Every API operation may be refused a credential (401) or a role (403), for rate (429), or
  // answered 503 while the database is away; this document and the docs page are public.
  for (const [path, item] of Object.entries(paths)) {
    const open = path === OPENAPI_PATH || path === DOCS_PATH
    for (const operation of Object.values(item)) {
      if (open) {
        operation.security = []
        continue
      }
      operation.responses['401'] ??= ref('responses', 'Unauthorized')
      operation.responses['403'] ??= ref('responses', 'Forbidden')
      operation.responses['429'] ??= ref('responses', 'TooManyRequests')
      operation.responses['503'] ??= ref('responses', 'Unavailable')
    }
  }

  return {
    openapi: '3.1.0',
    info: { title: 'Leads analytics API', version: '1.0.0', description: describeApi(replayLimit) },
    tags: [
      { name: 'analytics', description: 'Dashboard reads (SPEC §4.1–4.5).' },
      { name: 'events', description: 'Event ingest (SPEC §4.7).' },
      { name: 'meta', description: 'This document and the docs page.' },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Wanted when the server verifies tokens (`AUTH_JWT_SECRET` or `AUTH_JWKS_URL`); ignored otherwise.',
        },
        queryToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description: 'The same token, for stream clients that cannot send `Authorization`.',
        },
      },
      schemas,
      parameters: {
        IfNoneMatch: {
          name: 'If-None-Match',
          in: 'header',
          required: false,
          description:
            'An `ETag` from an earlier answer; when it still matches the answer is 304 with no body.',
          schema: { type: 'string' },
        },
      },
      headers: {
        ETag: {
          description: 'Strong validator of the body (SHA-256).',
          schema: { type: 'string' },
        },
        RetryAfter: {
          description: 'Seconds to wait before trying again.',
          schema: { type: 'integer', minimum: 1 },
        },
        RateLimit: {
          description:
            'IETF RateLimit fields: `"<budget>";r=<remaining>;t=<seconds to reset>`, e.g. `"read";r=0;t=42`.',
          schema: { type: 'string' },
        },
        RateLimitPolicy: {
          description:
            'The budget: `"<budget>";q=<requests>;w=<window seconds>`, e.g. `"read";q=1200;w=60`.',
          schema: { type: 'string' },
        },
        ContentDisposition: {
          description: 'Always `attachment`, with a file name of the report and the local date.',
          schema: { type: 'string' },
        },
        CacheControl: {
          description: `Always \`${READ_CACHE_CONTROL}\`: revalidate with \`If-None-Match\`.`,
          schema: { type: 'string', const: READ_CACHE_CONTROL },
        },
      },
      responses: {
        NotModified: {
          description: 'The `If-None-Match` tag matches: no body.',
          headers: {
            ETag: ref('headers', 'ETag'),
            'Cache-Control': ref('headers', 'CacheControl'),
          },
        },
        BadRequest: errorResponse(
          'Invalid input (`BAD_REQUEST`): bad query parameters, or a request body that is not a JSON ' +
            'array; `details` lists the zod issues where there are any.',
        ),
        PayloadTooLarge: errorResponse(
          `\`PAYLOAD_TOO_LARGE\`: more than ${MAX_BATCH_BYTES} bytes or more than ${MAX_BATCH_EVENTS} events.`,
        ),
        UnsupportedMediaType: errorResponse(
          `\`UNSUPPORTED_MEDIA_TYPE\`: a \`Content-Encoding\` other than ${BODY_ENCODINGS.join(', ')} or none.`,
        ),
        InternalError: errorResponse('`INTERNAL_SERVER_ERROR`, with a generic message.'),
        Unauthorized: errorResponse(
          '`UNAUTHORIZED`: no token where the server wants one, or a malformed, forged or expired one.',
        ),
        Forbidden: errorResponse(
          "`FORBIDDEN`: the token's role may not do this (see Authentication above).",
        ),
        TooManyRequests: {
          ...errorResponse(
            '`TOO_MANY_REQUESTS`: the caller spent its read or ingest budget (per token subject, or ' +
              'per address when anonymous), or holds its maximum of open streams.',
          ),
          headers: {
            'Retry-After': ref('headers', 'RetryAfter'),
            RateLimit: ref('headers', 'RateLimit'),
            'RateLimit-Policy': ref('headers', 'RateLimitPolicy'),
          },
        },
        Unavailable: {
          ...errorResponse(
            '`SERVICE_UNAVAILABLE`: the database is unreachable, restarting or slower than the ' +
              'statement timeout, or (ingest) this instance already holds its maximum of batches ' +
              '(`INGEST_MAX_IN_FLIGHT`); nothing of the request was applied. Retry after `Retry-After`.',
          ),
          headers: { 'Retry-After': ref('headers', 'RetryAfter') },
        },
        Error: errorResponse('Any other error (404, 405) in the same shape.'),
      },
    },
  }
}
