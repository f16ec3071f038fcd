import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { type ActivityInput, activityInput } from '@leads/contract'
import { WebSocketServer } from 'ws'
import { z } from 'zod'
import { authorizeRead } from '../auth/scope.js'
import type { ApiDeps, Identity } from '../context.js'
import { callerKey, clientIpOf } from '../limits/rateLimits.js'
import { issuesOf, RestError, toRestError } from '../rest/errors.js'
import { parseQuery } from '../rest/query.js'
import { sendError } from '../rest/respond.js'
import { streamToSocket } from './socket.js'
import { sendRetryLater, streamToSse } from './sse.js'
import { activityStream, type FeedSource, type StreamConnection, type StreamEnd } from './stream.js'

/** Production settings; tests shorten them. */
export const STREAM_DEFAULTS = {
  maxBufferedBytes: 1024 * 1024,
  pingMs: 30_000,
  pongWaitMs: 5_000,
  ssePingMs: 15_000,
  sseRetryMs: 2_000,
  closeGraceMs: 5_000,
} as const

/** The subset of a pino logger the endpoint uses. */
export interface StreamLogger {
  debug(fields: object, msg: string): void
  error(fields: object, msg: string): void
}

export interface ActivityEndpointOptions {
  deps: ApiDeps
  /**
   * Resolves the caller from the request and its bearer token (`Authorization: Bearer …` or
   * `?token=`), once per connection. Authentication plugs in here; until then everyone is
   * anonymous.
   */
  identify?: (req: IncomingMessage, token: string | null) => Promise<Identity | null>
  log?: StreamLogger
  /** WebSocket heartbeat (default: ping every 30 s, cut after 5 s without a pong). */
  keepAlive?: { pingMs: number; pongWaitMs: number }
  /** SSE `: ping` comment interval (default 15 s). */
  ssePingMs?: number
  /** SSE `retry:` in milliseconds (default 2 s). */
  sseRetryMs?: number
  /** Bytes that may wait on one connection before it counts as a slow consumer (default 1 MiB). */
  maxBufferedBytes?: number
  /** How long a closed connection may take to go before it is cut (default 5 s). */
  closeGraceMs?: number
}

export interface ActivityStreamStats {
  webSockets: number
  sse: number
  /** Bytes waiting to be sent, over all these connections. */
  bufferedBytes: number
  /** Connections opened since start, and those closed for falling behind. */
  opened: number
  slowConsumers: number
  /** Every live-feed subscription of the process (these streams plus tRPC subscriptions). */
  hubSubscribers: number
  /** Items waiting in the fullest hub queue. */
  largestQueue: number
}

/** `/api/analytics/activity-stream`: the live feed for REST clients, over WebSocket and SSE. */
export interface ActivityEndpoint {
  /** Answers a plain HTTP request: a GET becomes a Server-Sent Events stream. */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Answers an upgrade request: validated input becomes a WebSocket stream, else an HTTP error. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>
  stats(): ActivityStreamStats
  /** Refuses new streams, ends open ones (WebSocket: 1001) and resolves once all are gone. */
  close(): Promise<void>
}

/** The query string: the subscription's own input, numbers coerced, plus the bearer token. */
const streamQuery = activityInput.extend({
  backlog: z.coerce.number().pipe(activityInput.shape.backlog.unwrap()).optional(),
  token: z.string().max(8_192).optional(),
})
const lastEventIdHeader = activityInput.shape.lastEventId.unwrap().unwrap()

interface StreamRequest {
  input: ActivityInput
  token: string | null
}

/** Parses the query; the standard `Last-Event-ID` header (an EventSource reconnecting) wins. */
function parseStreamRequest(req: IncomingMessage): StreamRequest {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const { token, ...input } = parseQuery(url.searchParams, streamQuery)
  const header = req.headers['last-event-id']
  if (typeof header === 'string' && header !== '') {
    const parsed = lastEventIdHeader.safeParse(header)
    if (!parsed.success) {
      const issues = issuesOf(parsed.error).map((i) => ({ ...i, path: ['Last-Event-ID'] }))
      throw new RestError('BAD_REQUEST', 'Last-Event-ID: not a cursor', issues)
    }
    input.lastEventId = parsed.data
  }
  const auth = req.headers.authorization
  const bearer = auth?.match(/^Bearer\s+(\S+)$/i)?.[1]
  return { input, token: bearer ?? token ?? null }
}

/** Whether a GET's `Accept` admits an event stream (absent, `*` wildcards, or named). */
function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return true
  return accept
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*')
}

/** Answers an upgrade request with `err` as a plain HTTP response (JSON body) and closes it. */
export function rejectUpgrade(socket: Duplex, err: RestError): void {
  const body = JSON.stringify(err.body())
  const headers = Object.entries({
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    connection: 'close',
    ...err.headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  socket.end(`HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\n${headers}\r\n${body}`)
}

const NOT_RUNNING = () =>
  new RestError('SERVICE_UNAVAILABLE', 'the live feed is not running on this instance')

/**
 * The activity stream for REST clients: a plain WebSocket (JSON text frames) and Server-Sent
 * Events at the same path, with the replay semantics of the tRPC subscription (they share
 * `activityStream`). Counts its connections and logs each open and close at debug level.
 */
export function createActivityEndpoint(opts: ActivityEndpointOptions): ActivityEndpoint {
  const { deps, log } = opts
  const identify = opts.identify ?? (async () => null)
  const d = STREAM_DEFAULTS
  const maxBufferedBytes = opts.maxBufferedBytes ?? d.maxBufferedBytes
  const closeGraceMs = opts.closeGraceMs ?? d.closeGraceMs
  const keepAlive = opts.keepAlive ?? { pingMs: d.pingMs, pongWaitMs: d.pongWaitMs }
  const sseRetryMs = opts.sseRetryMs ?? d.sseRetryMs
  // Clients send nothing on this socket, so any frame beyond a few bytes is abuse.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, clientTracking: false })
  const open = { ws: new Set<StreamConnection>(), sse: new Set<StreamConnection>() }
  const counts = { opened: 0, slowConsumers: 0 }
  let closing = false

  const stats = (): ActivityStreamStats => ({
    webSockets: open.ws.size,
    sse: open.sse.size,
    bufferedBytes: [...open.ws, ...open.sse].reduce((sum, conn) => sum + conn.buffered(), 0),
    ...counts,
    hubSubscribers: deps.live?.subscriberCount ?? 0,
    largestQueue: deps.live?.largestQueue ?? 0,
  })

  /**
   * The one place a stream's identity is resolved and its feed opened. The caller's read budget
   * and one of its stream slots are taken here, so a refusal (429) comes before any upgrade;
   * `release` gives the slot back and must be called when the connection ends.
   */
  async function feedFor(
    req: IncomingMessage,
    request: StreamRequest,
  ): Promise<{ feed: FeedSource; release: () => void }> {
    const live = deps.live
    if (!live) throw NOT_RUNNING()
    const identity = await identify(req, request.token)
    // The same role and filter checks as the tRPC subscription (401 anonymous when required,
    // 403 for another agent's or team's feed), before any upgrade or stream begins.
    const { agentId } = await authorizeRead({ ...deps, identity }, request.input)
    const key = callerKey(identity, clientIpOf(req, deps.trustProxyHops))
    await deps.limits?.consume('read', key)
    const release = (await deps.limits?.openStream(key)) ?? (() => {})
    return {
      feed: (signal) =>
        activityStream(
          {
            db: deps.db,
            identity,
            live,
            pseudonymKey: deps.pseudonymKey,
            anonymizeLeaderboard: deps.anonymizeLeaderboard,
            orgTimezone: deps.orgTimezone,
          },
          // A pseudonym id (from an anonymised leaderboard) stands for the agent behind it.
          { ...request.input, agentId },
          signal,
        ),
      release,
    }
  }

  /** Counted when decided: a slow consumer's socket may take a while to close. */
  const onEnd = (end: StreamEnd) => {
    if (end === 'slow') counts.slowConsumers++
  }

  function track(transport: 'ws' | 'sse', conn: StreamConnection): void {
    const set = open[transport]
    set.add(conn)
    counts.opened++
    const started = performance.now()
    log?.debug({ transport, ...stats() }, 'activity stream opened')
    void conn.done.then(({ end, error }) => {
      set.delete(conn)
      if (error !== undefined) log?.error({ err: error, transport }, 'activity stream failed')
      log?.debug(
        { transport, end, ms: Math.round(performance.now() - started), ...stats() },
        'activity stream closed',
      )
    })
  }

  return {
    async handleRequest(req, res) {
      try {
        if (req.method !== 'GET') {
          const message = `${req.method} is not allowed here`
          throw new RestError('METHOD_NOT_SUPPORTED', message, undefined, { allow: 'GET' })
        }
        if (!acceptsEventStream(req.headers.accept)) {
          throw new RestError(
            'BAD_REQUEST',
            'this path streams: accept text/event-stream, or open a WebSocket',
          )
        }
        const request = parseStreamRequest(req)
        if (closing) {
          sendRetryLater(res, sseRetryMs)
          return
        }
        const { feed, release } = await feedFor(req, request)
        res.once('close', release)
        track(
          'sse',
          streamToSse(res, feed, {
            maxBufferedBytes,
            pingMs: opts.ssePingMs ?? d.ssePingMs,
            retryMs: sseRetryMs,
            closeGraceMs,
            onEnd,
          }),
        )
      } catch (err) {
        const restError = toRestError(err)
        if (restError.status >= 500 && restError.code !== 'SERVICE_UNAVAILABLE')
          log?.error({ err }, 'activity stream request failed')
        sendError(res, restError)
      }
    },

    async handleUpgrade(req, socket, head) {
      let feed: FeedSource
      try {
        if (closing) throw new RestError('SERVICE_UNAVAILABLE', 'shutting down')
        const opened = await feedFor(req, parseStreamRequest(req))
        feed = opened.feed
        // The upgraded connection keeps this socket, so its close ends the stream whatever
        // happens to the handshake.
        socket.once('close', opened.release)
      } catch (err) {
        const restError = toRestError(err)
        if (restError.status >= 500 && restError.code !== 'SERVICE_UNAVAILABLE')
          log?.error({ err }, 'activity stream upgrade failed')
        rejectUpgrade(socket, restError)
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (closing) {
          ws.close(1001, 'server shutting down')
          return
        }
        track(
          'ws',
          streamToSocket(ws, feed, {
            maxBufferedBytes,
            closeGraceMs,
            pingMs: keepAlive.pingMs,
            pongWaitMs: keepAlive.pongWaitMs,
            onEnd,
          }),
        )
      })
    },

    stats,

    async close() {
      closing = true
      const all = [...open.ws, ...open.sse]
      for (const conn of all) conn.shutdown()
      await Promise.all(all.map((conn) => conn.done))
      wss.close()
    },
  }
}
