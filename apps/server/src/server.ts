import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  ACTIVITY_STREAM_PATH,
  type ActivityEndpointOptions,
  type ActivityStreamStats,
  type ApiDeps,
  type AppRouter,
  appRouter,
  createActivityEndpoint,
  createInnerContext,
  createRestHandler,
  MAX_BATCH_BYTES,
  type RestHandler,
} from '@leads/api'
import { ping } from '@leads/db'
import type { TRPCError } from '@trpc/server'
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http'
import { applyWSSHandler } from '@trpc/server/adapters/ws'
import type { Logger } from 'pino'
import { WebSocketServer } from 'ws'

/** tRPC is served here over HTTP (`/api/trpc/<procedure>`) and WebSocket (`/api/trpc`). */
export const TRPC_PATH = '/api/trpc'

export interface ServerOptions {
  deps: ApiDeps
  logger: Logger
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

const INTERNAL_ERROR = { error: { code: 'INTERNAL', message: 'internal error' } }

/** One node:http server hosting tRPC (HTTP + WebSocket), the REST paths and health probes. */
export function createServer(opts: ServerOptions): LeadsServer {
  const { deps, logger } = opts
  const rest =
    opts.rest ??
    createRestHandler({
      deps,
      onError: (err, req) =>
        logger.error({ err, method: req.method, url: req.url }, 'REST request failed'),
    })
  const isReady = opts.isReady ?? (() => ping(deps.db))
  const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000
  const keepAlive = opts.keepAlive ?? { pingMs: 30_000, pongWaitMs: 5_000 }

  const createContext = () => createInnerContext(deps, null)
  const activity = createActivityEndpoint({
    deps,
    log: logger.child({ component: 'activity-stream' }),
    keepAlive,
    ...opts.activityStream,
  })
  const onTrpcError = ({
    error,
    path,
    type,
  }: {
    error: TRPCError
    path?: string | undefined
    type: string
  }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error.cause ?? error, path, type }, 'tRPC procedure failed')
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
      await nodeHTTPRequestHandler({
        router: appRouter,
        req,
        res,
        path: path.slice(TRPC_PATH.length + 1),
        maxBodySize: MAX_BATCH_BYTES,
        createContext,
        onError: onTrpcError,
      })
      return
    }
    if (path === ACTIVITY_STREAM_PATH) return activity.handleRequest(req, res)
    if (await rest(req, res)) return
    if (!path.startsWith('/api/') && opts.dashboard && (await opts.dashboard(req, res))) return
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such path' } })
  }

  const httpServer = createHttpServer((req, res) => {
    const started = performance.now()
    inFlight.add(res)
    if (draining) res.setHeader('connection', 'close')
    res.on('close', () => {
      inFlight.delete(res)
      logger.debug(
        {
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      )
    })
    route(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'request handler failed')
      if (res.headersSent) res.destroy()
      else sendJson(res, 500, INTERNAL_ERROR)
    })
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD })
  const wsHandler = applyWSSHandler<AppRouter>({
    wss,
    router: appRouter,
    createContext,
    onError: onTrpcError,
    keepAlive: { enabled: true, ...keepAlive },
  })

  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err }, 'upgrade socket error'))
    if (draining) return rejectUpgrade(socket, 503, 'Service Unavailable')
    if (pathOf(req) === ACTIVITY_STREAM_PATH) return void activity.handleUpgrade(req, socket, head)
    if (pathOf(req) !== TRPC_PATH) return rejectUpgrade(socket, 404, 'Not Found')
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

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/'
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
