import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  ACTIVITY_STREAM_PATH,
  type ActivityEndpointOptions,
  type ActivityStreamStats,
  type ApiDeps,
  type AppRouter,
  AuthError,
  appRouter,
  bearerToken,
  callerKey,
  clientIpOf,
  createActivityEndpoint,
  createInnerContext,
  createRestHandler,
  type DevTokenOptions,
  DOCS_PATH,
  deferContinue,
  devTokenRequest,
  EVENTS_PATH,
  expiryOf,
  type Identity,
  IngestBusy,
  issueDevToken,
  LimitRefusal,
  MAX_BATCH_BYTES,
  OPENAPI_PATH,
  READ_ROUTES,
  RETRY_AFTER_UNAVAILABLE_S,
  type RestHandler,
  readBody,
  rejectUpgrade as rejectUpgradeWith,
  sendPerTick,
  settleUnreadBody,
  toRestError,
  type Verifier,
} from '@leads/api'
import { ping } from '@leads/db'
import { TRPCError } from '@trpc/server'
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http'
import { applyWSSHandler, type CreateWSSContextFnOptions } from '@trpc/server/adapters/ws'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'
import { methodLabel, routeLabel, type ServerMetrics } from './metrics.js'

/** tRPC is served here over HTTP (`/api/trpc/<procedure>`) and WebSocket (`/api/trpc`). */
export const TRPC_PATH = '/api/trpc'
/** Development only: mints a token for any role (404 in production or without a secret). */
export const DEV_TOKEN_PATH = '/api/dev/token'
/** WebSocket close code for a refused or expired credential (4000 + the HTTP status). */
export const WS_UNAUTHORIZED = 4401
/** Prometheus scrapes this (text exposition format). */
export const METRICS_PATH = '/metrics'
/** Requests carrying a valid id keep it; the rest get a new UUID. Returned on every response. */
export const REQUEST_ID_HEADER = 'x-request-id'
/** Procedures in one tRPC HTTP batch; the dashboard sends a handful at a time. */
export const MAX_TRPC_BATCH = 50

/** What `POST /api/dev/token` signs with; the checks of `issueDevToken` apply on top. */
export type DevTokenConfig = Pick<DevTokenOptions, 'jwtSecret' | 'nodeEnv' | 'issuer' | 'audience'>

export interface ServerOptions {
  /** Set `authRequired` here when `verify` is set: anonymous calls are then refused. */
  deps: ApiDeps
  logger: Logger
  /**
   * Verifies bearer tokens (`Authorization: Bearer`, tRPC `connectionParams.token`, `?token=` on
   * the activity stream). null or absent: an open server where tokens are ignored.
   */
  verify?: Verifier | null
  /** Enables `POST /api/dev/token` unless NODE_ENV is production or no secret is set. */
  devTokens?: DevTokenConfig | null
  /** 0 (the default) picks a free port. */
  port?: number
  host?: string
  /** Called last on shutdown, after every request has drained. */
  closeDb?: () => Promise<void>
  /** Answers the REST paths; defaults to `createRestHandler` over `deps`. */
  rest?: RestHandler
  /** Readiness probe behind `/readyz`; defaults to pinging `deps.db`. */
  isReady?: () => Promise<boolean>
  /** Serves the built dashboard for paths outside /api (null: nothing there). */
  dashboard?: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | null
  /** How long shutdown waits for in-flight requests before cutting connections. */
  drainTimeoutMs?: number
  /** WebSocket heartbeat: a silent connection gets a ping, then is dropped without a pong. */
  keepAlive?: { pingMs: number; pongWaitMs: number }
  /** Tuning of `/api/analytics/activity-stream`; the defaults suit production, tests shorten them. */
  activityStream?: Pick<
    ActivityEndpointOptions,
    'maxBufferedBytes' | 'ssePingMs' | 'sseRetryMs' | 'closeGraceMs'
  >
  /** Prometheus metrics served at `/metrics` (absent: no such path). */
  metrics?: ServerMetrics | null
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>` (else 401). */
  metricsToken?: string | null
  /**
   * Browser origins allowed besides the server's own; a request or WebSocket upgrade with any
   * other `Origin` is refused (403). Requests without `Origin` (curl, servers) are not affected.
   */
  allowedOrigins?: readonly string[]
  /** Development: any loopback origin (the Vite dev server on another port) is allowed too. */
  allowLoopbackOrigins?: boolean
  /** Against slow clients: time to send the headers, and the whole request (ms). */
  timeouts?: { headersMs: number; requestMs: number; checkEveryMs?: number }
}

export interface LeadsServer {
  httpServer: Server
  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:3000`. */
  listen(): Promise<string>
  /**
   * Graceful shutdown: stops accepting, asks WebSocket clients to reconnect elsewhere, closes
   * them with 1001, waits (bounded) for in-flight requests, then closes the database. Safe to
   * call more than once.
   */
  close(): Promise<void>
  /** Open activity streams and subscriptions, for logs and metrics. */
  activityStats(): ActivityStreamStats
}

const READY_TIMEOUT_MS = 2_000
// A maximal ingest batch must fit in one WebSocket message, plus its JSON-RPC envelope.
const WS_MAX_PAYLOAD = MAX_BATCH_BYTES + 64 * 1024

const NOT_FOUND = { error: { code: 'NOT_FOUND', message: 'no such path' } }
/** A development token request is a few claims; anything bigger is not one. */
const DEV_TOKEN_MAX_BYTES = 16 * 1024

const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, checkEveryMs: 1_000 }
const REQUEST_ID = /^[\w.:-]{1,128}$/
/** Long-lived answers: counted in the request metrics, but not timed. */
const STREAMING_ROUTES = new Set([
  ACTIVITY_STREAM_PATH,
  `${TRPC_PATH}/analytics.activity`,
  `${TRPC_PATH}/analytics.metricsLive`,
])
/** Every path the server answers itself (tRPC aside); metrics label requests by these. */
export const KNOWN_ROUTES: ReadonlySet<string> = new Set([
  ...READ_ROUTES.map((r) => r.path),
  EVENTS_PATH,
  OPENAPI_PATH,
  DOCS_PATH,
  ACTIVITY_STREAM_PATH,
  DEV_TOKEN_PATH,
  METRICS_PATH,
  '/healthz',
  '/readyz',
])
const PROCEDURES: ReadonlySet<string> = new Set(Object.keys(appRouter._def.procedures))

/** One node:http server hosting tRPC (HTTP + WebSocket), the REST paths and health probes. */
export function createServer(opts: ServerOptions): LeadsServer {
  const { deps, logger } = opts
  const verify = opts.verify ?? null
  const authLog = logger.child({ component: 'auth' })
  const metrics = opts.metrics ?? null
  const metricsToken = opts.metricsToken ?? null
  const allowedOrigins = new Set(opts.allowedOrigins ?? [])
  const requestIds = new WeakMap<IncomingMessage, string>()
  const reqId = (req: IncomingMessage) => requestIds.get(req)

  /**
   * Browsers send `Origin` on WebSocket upgrades and on cross-site requests; only the server's own
   * origin and the allow-list pass (plus loopback in development).
   */
  function originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin
    if (origin === undefined || allowedOrigins.has(origin)) return true
    const url = URL.canParse(origin) ? new URL(origin) : null
    if (!url) return false
    if (url.host === req.headers.host) return true
    return opts.allowLoopbackOrigins === true && isLoopback(url.hostname)
  }

  /**
   * The caller of a request: the bearer token of its `Authorization` header, else `token`
   * (from the activity stream's `?token=` or tRPC's `connectionParams`). No token → null, which
   * the procedures refuse when `deps.authRequired`; a bad one → AuthError (401). On an open
   * server (no verifier) tokens are ignored.
   */
  async function identify(
    req: IncomingMessage,
    tokenFromQuery?: string | null,
  ): Promise<Identity | null> {
    if (!verify) return null
    const header = req.headers.authorization
    const token = header !== undefined ? bearerToken(header) : tokenFromQuery || null
    try {
      if (header !== undefined && token === null) throw new AuthError('malformed')
      return token === null ? null : await verify(token)
    } catch (err) {
      if (err instanceof AuthError) {
        authLog.info(
          { reason: err.reason, method: req.method, url: redactToken(req.url), reqId: reqId(req) },
          'credential refused',
        )
        await chargeRefusal(req)
      }
      throw err
    }
  }

  /**
   * A refused credential costs the address one read request, so a client guessing tokens meets
   * 429 like any other flood (the budget of an identified caller is keyed by its token instead).
   */
  async function chargeRefusal(req: IncomingMessage): Promise<void> {
    await deps.limits?.consume('read', callerKey(null, clientIpOf(req, deps.trustProxyHops)))
  }

  const rest =
    opts.rest ??
    createRestHandler({
      deps,
      identify: (req) => identify(req),
      onError: (err, req) =>
        logger.error(
          { err, method: req.method, url: redactToken(req.url), reqId: reqId(req) },
          'REST request failed',
        ),
    })
  const isReady = opts.isReady ?? (() => ping(deps.db))
  const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000
  const keepAlive = opts.keepAlive ?? { pingMs: 30_000, pongWaitMs: 5_000 }

  const createHttpContext = async ({ req }: { req: IncomingMessage }) =>
    createInnerContext(deps, await identify(req), clientIpOf(req, deps.trustProxyHops))

  /** Callers already verified from an upgrade's `Authorization` header, so it is verified once. */
  const upgradeIdentities = new WeakMap<IncomingMessage, Identity | null>()

  /**
   * A tRPC WebSocket authenticates once, at connect: `connectionParams.token`, else the
   * `Authorization` header of the upgrade. A refused or (when required) missing credential closes
   * the socket with 4401 after tRPC has sent the error.
   */
  const createWsContext = async ({ req, res, info }: CreateWSSContextFnOptions) => {
    try {
      const fromParams = info.connectionParams?.token
      const identity =
        verify && typeof fromParams === 'string' && fromParams !== ''
          ? await verify(fromParams).catch(async (err: unknown) => {
              if (err instanceof AuthError) {
                authLog.info({ reason: err.reason, transport: 'trpc-ws' }, 'credential refused')
                await chargeRefusal(req)
              }
              throw err
            })
          : upgradeIdentities.has(req)
            ? (upgradeIdentities.get(req) ?? null)
            : await identify(req)
      if (identity === null && deps.authRequired === true) throw new AuthError('missing')
      // The connection ends with its credential: 4401 at expiry, and the client signs in again.
      const expiry = expiryOf(identity)
      expiry.signal?.addEventListener('abort', () => res.close(WS_UNAUTHORIZED, 'token expired'))
      res.once('close', () => expiry.cancel())
      return createInnerContext(deps, identity, clientIpOf(req, deps.trustProxyHops))
    } catch (err) {
      if (err instanceof TRPCError && err.code === 'UNAUTHORIZED') {
        // Scheduled before tRPC's own close, after its error response.
        setImmediate(() => res.close(WS_UNAUTHORIZED, err.message))
      }
      throw err
    }
  }

  const activity = createActivityEndpoint({
    deps,
    identify: (req, token) => identify(req, token),
    log: logger.child({ component: 'activity-stream' }),
    keepAlive,
    ...opts.activityStream,
  })
  const onTrpcError = ({
    error,
    path,
    type,
    req,
  }: {
    error: TRPCError
    path?: string | undefined
    type: string
    req?: IncomingMessage
  }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      const fields = { err: error.cause ?? error, path, type, reqId: req && reqId(req) }
      logger.error(fields, 'tRPC procedure failed')
    } else if (error.code === 'SERVICE_UNAVAILABLE' && !(error instanceof IngestBusy)) {
      const fields = { err: error.cause ?? error, path, type, reqId: req && reqId(req) }
      logger.warn(fields, 'tRPC procedure unavailable')
    }
  }

  const inFlight = new Set<ServerResponse>()
  let draining = false
  let closing: Promise<void> | undefined

  async function checkReady(): Promise<boolean> {
    try {
      const ready = await withTimeout(isReady(), READY_TIMEOUT_MS, null)
      if (ready === null) logger.warn({ timeoutMs: READY_TIMEOUT_MS }, 'readiness check timed out')
      return ready === true
    } catch (err) {
      logger.warn({ err }, 'readiness check failed')
      return false
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req)
    if (path.startsWith('/api/') && !originAllowed(req)) {
      req.resume()
      return sendJson(res, 403, { error: { code: 'FORBIDDEN', message: 'origin not allowed' } })
    }
    if (path === METRICS_PATH && metrics) {
      if (!allowRead(req, res)) return
      if (metricsToken && !sameSecret(bearerToken(req.headers.authorization ?? ''), metricsToken)) {
        return sendJson(
          res,
          401,
          {
            error: { code: 'UNAUTHORIZED', message: 'metrics need the METRICS_TOKEN bearer token' },
          },
          { 'www-authenticate': 'Bearer' },
        )
      }
      const text = await metrics.registry.metrics()
      res.writeHead(200, {
        'content-type': metrics.registry.contentType,
        'cache-control': 'no-store',
      })
      res.end(req.method === 'HEAD' ? undefined : text)
      return
    }
    if (path === '/healthz') {
      if (!allowRead(req, res)) return
      sendJson(res, 200, { status: 'ok' })
      return
    }
    if (path === '/readyz') {
      if (!allowRead(req, res)) return
      // Checked again after the probe: an answer sent once shutdown has begun must say so.
      const ready = !draining && (await checkReady())
      if (draining) {
        sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'shutting down' } })
      } else if (ready) {
        sendJson(res, 200, { status: 'ok' })
      } else {
        sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'database not reachable' } })
      }
      return
    }
    if (path === TRPC_PATH || path.startsWith(`${TRPC_PATH}/`)) {
      const refused = await decodeTrpcBody(req, res)
      await nodeHTTPRequestHandler({
        router: appRouter,
        req,
        res,
        path: path.slice(TRPC_PATH.length + 1),
        maxBodySize: MAX_BATCH_BYTES,
        maxBatchSize: MAX_TRPC_BATCH,
        createContext: refused ? () => Promise.reject(refused) : createHttpContext,
        onError: onTrpcError,
        responseMeta: ({ errors }) => ({ headers: errorHeaders(errors) }),
      })
      return
    }
    if (path === ACTIVITY_STREAM_PATH) return activity.handleRequest(req, res)
    if (path === DEV_TOKEN_PATH) return devToken(req, res)
    if (await rest(req, res)) return
    if (!path.startsWith('/api/') && opts.dashboard && (await opts.dashboard(req, res))) return
    sendJson(res, 404, NOT_FOUND)
  }

  /** `POST /api/dev/token` with a `devTokenRequest` body → `{ token, expiresAt }`. */
  async function devToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const config = opts.devTokens
    // In production or on an open server the path does not exist.
    if (!config || config.nodeEnv === 'production' || config.jwtSecret === undefined) {
      req.resume()
      return sendJson(res, 404, NOT_FOUND)
    }
    if (req.method !== 'POST') {
      req.resume()
      const body = { error: { code: 'METHOD_NOT_SUPPORTED', message: 'use POST' } }
      return sendJson(res, 405, body, { allow: 'POST' })
    }
    const text = await readSmallBody(req, DEV_TOKEN_MAX_BYTES)
    if (text === null) {
      const body = { error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' } }
      return sendJson(res, 413, body, { connection: 'close' })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'body is not JSON' } })
    }
    const parsed = devTokenRequest.safeParse(json)
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({
        path: i.path.map(String),
        message: i.message,
      }))
      const body = { error: { code: 'BAD_REQUEST', message: 'invalid token claims', details } }
      return sendJson(res, 400, body)
    }
    const { role, sub, teamIds } = parsed.data
    try {
      const token = await issueDevToken(role, sub, { ...config, teamIds })
      logger.info({ role, sub }, 'development token issued')
      sendJson(res, 200, token)
    } catch (err) {
      if (err instanceof TRPCError && err.code === 'NOT_FOUND') return sendJson(res, 404, NOT_FOUND)
      if (err instanceof TRPCError && err.code === 'BAD_REQUEST')
        return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: err.message } })
      throw err
    }
  }

  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts }
  const httpServer = createHttpServer(
    {
      // A client that trickles its headers or body is cut (408) instead of holding a socket.
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
    (req, res) => {
      const started = performance.now()
      const id = requestIdOf(req)
      requestIds.set(req, id)
      res.setHeader(REQUEST_ID_HEADER, id)
      inFlight.add(res)
      if (draining) res.setHeader('connection', 'close')
      res.on('close', () => {
        inFlight.delete(res)
        const seconds = (performance.now() - started) / 1000
        const path = pathOf(req)
        const route = routeLabel(path, KNOWN_ROUTES, PROCEDURES)
        metrics?.request(
          methodLabel(req.method),
          route,
          res.statusCode,
          STREAMING_ROUTES.has(path) ? null : seconds,
        )
        logger.debug(
          {
            reqId: id,
            method: req.method,
            url: redactToken(req.url),
            status: res.statusCode,
            ms: Math.round(seconds * 1000),
          },
          'request',
        )
      })
      route(req, res).catch((err: unknown) => {
        // Anything a handler did not answer itself: 503 when the database is away, else a
        // generic 500; the cause goes to the log under the request id, never to the client.
        const answer = toRestError(err)
        const level = answer.status === 503 ? 'warn' : 'error'
        logger[level](
          { err, method: req.method, url: redactToken(req.url), reqId: id },
          'request failed',
        )
        if (res.headersSent) res.destroy()
        else sendJson(res, answer.status, answer.body(), answer.headers)
      })
    },
  )

  // `Expect: 100-continue`: a batch's `100 Continue` waits until its sender is known to be
  // allowed to send it, so a refused client is answered before it uploads; elsewhere at once.
  httpServer.on('checkContinue', (req, res) => {
    if (req.method === 'POST' && pathOf(req) === EVENTS_PATH) deferContinue(req)
    else res.writeContinue()
    httpServer.emit('request', req, res)
  })

  // Requests Node refuses before any handler runs (oversized request line or headers, garbage,
  // too slow): answered with a JSON error like every other refusal, then the socket is closed.
  httpServer.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy()
      return
    }
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request line or headers too large']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request not received in time']
          : [400, 'malformed HTTP request']
    logger.debug({ err, status }, 'client error')
    const body = JSON.stringify({ error: { code: 'BAD_REQUEST', message } })
    // A HEAD request gets the head alone: a body there would be read as the next response.
    const raw = (err as { rawPacket?: Buffer }).rawPacket
    const head = raw?.subarray(0, 5).toString('latin1') === 'HEAD '
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
    )
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD })
  // tRPC sends each subscription message itself; a burst of them leaves in one write.
  wss.on('connection', (ws) => sendPerTick(ws))
  const wsHandler = applyWSSHandler<AppRouter>({
    wss,
    router: appRouter,
    createContext: createWsContext,
    onError: onTrpcError,
    keepAlive: { enabled: true, ...keepAlive },
  })

  metrics?.watch({
    streams: () => {
      const stats = activity.stats()
      return {
        trpcWebSockets: wss.clients.size,
        webSockets: stats.webSockets,
        sse: stats.sse,
        feedSubscriptions: stats.hubSubscribers,
      }
    },
  })

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err }, 'upgrade socket error'))
    if (draining) return rejectUpgrade(socket, 503, 'Service Unavailable')
    if (!originAllowed(req)) return rejectUpgrade(socket, 403, 'Forbidden')
    if (pathOf(req) === ACTIVITY_STREAM_PATH) return void activity.handleUpgrade(req, socket, head)
    if (pathOf(req) !== TRPC_PATH) return rejectUpgrade(socket, 404, 'Not Found')
    // A bad `Authorization` header is refused before the upgrade (401), so a client does not
    // reconnect in a loop; a token in connectionParams can only be judged once the socket is open.
    if (verify && req.headers.authorization !== undefined) {
      void identify(req).then(
        (identity) => {
          upgradeIdentities.set(req, identity)
          wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req))
        },
        (err: unknown) => rejectUpgradeWith(socket, toRestError(err)),
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req))
  })

  async function shutdown(): Promise<void> {
    draining = true
    logger.info(
      { inFlight: inFlight.size, webSockets: wss.clients.size, streams: activity.stats() },
      'shutting down',
    )
    // Requests already running answer with `Connection: close` so their sockets end after.
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close')
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
    wsHandler.broadcastReconnectNotification()
    for (const client of wss.clients) client.close(1001, 'server shutting down')
    const streamsClosed = activity.close()

    if (
      !(await withTimeout(
        httpClosed.then(() => true),
        drainTimeoutMs,
        false,
      ))
    ) {
      logger.warn(
        { inFlight: inFlight.size, webSockets: wss.clients.size, drainTimeoutMs },
        'drain timed out; cutting remaining connections',
      )
      for (const client of wss.clients) client.terminate()
      httpServer.closeAllConnections()
      await httpClosed
    }
    await streamsClosed
    wss.close()
    await opts.closeDb?.()
    logger.info('server closed')
  }

  return {
    httpServer,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject)
        httpServer.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
          httpServer.off('error', reject)
          resolve(baseUrl(httpServer.address() as AddressInfo))
        })
      }),
    close: () => {
      closing ??= shutdown()
      return closing
    },
    activityStats: () => activity.stats(),
  }
}

/** The client's `X-Request-Id` when it is a sane token, else a fresh UUID. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

/**
 * tRPC's adapter reads a body as it was sent. One sent compressed (`Content-Encoding`, as
 * `POST /api/events` accepts) is decoded here first, within the same byte limit for what is sent
 * and what it decodes to, and handed to the adapter as text. A body that cannot be read that way
 * comes back as the refusal (413, 415, 400) for tRPC to answer in its own error shape.
 */
async function decodeTrpcBody(
  req: IncomingMessage & { body?: string | undefined },
  res: ServerResponse,
): Promise<TRPCError | undefined> {
  if (req.method !== 'POST' || req.headers['content-encoding'] === undefined) return undefined
  try {
    req.body = (await readBody(req, res, MAX_BATCH_BYTES)).toString('utf8')
    return undefined
  } catch (err) {
    const refusal = toRestError(err)
    settleUnreadBody(req, res)
    // Present but undefined: the adapter reads no body, and the refusal answers every call.
    req.body = undefined
    return new TRPCError({ code: refusal.code, message: refusal.message, cause: err })
  }
}

/**
 * Headers of a tRPC answer with errors: `Retry-After` (and the RateLimit fields) when refused
 * with 429 or 503, and a JSON content type, which tRPC leaves out of some early refusals (415).
 */
function errorHeaders(errors: readonly TRPCError[]): Record<string, string> {
  const headers: Record<string, string> = {}
  if (errors.length > 0) headers['content-type'] = 'application/json'
  for (const error of errors) {
    if (error instanceof LimitRefusal) Object.assign(headers, error.headers())
    else if (error.code === 'SERVICE_UNAVAILABLE')
      headers['retry-after'] = String(RETRY_AFTER_UNAVAILABLE_S)
  }
  return headers
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname)
}

/** The request URL for a log line, without a `?token=` value. */
function redactToken(url: string | undefined): string | undefined {
  return url?.replace(/([?&]token=)[^&]*/gi, '$1[redacted]')
}

/** The body as text, or null once it exceeds `limit` bytes (the rest is discarded). */
function readSmallBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return
      size += chunk.length
      if (size > limit) {
        tooLarge = true
        chunks.length = 0
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * The request's path as the handlers behind it read it (`new URL`: dot segments resolved,
 * `%2e` too), so a check made on it (the `Origin` check on `/api/`) covers every spelling that
 * reaches them: `/x/../api/…` is `/api/…`.
 */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
  if (URL.canParse(url, 'http://localhost')) return new URL(url, 'http://localhost').pathname
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

function allowRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true
  sendJson(
    res,
    405,
    { error: { code: 'METHOD_NOT_ALLOWED', message: 'use GET' } },
    { allow: 'GET, HEAD' },
  )
  return false
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(payload)
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** Resolves with `promise`'s value, or with `fallback` once `ms` have passed. */
async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Compares a presented secret with the expected one in time that does not depend on where they differ. */
function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false
  const digest = (v: string) => createHash('sha256').update(v).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/** The URL clients use; a wildcard bind address is reached through loopback. */
export function baseUrl(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address
  return `http://${host}:${address.port}`
}
