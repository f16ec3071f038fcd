import type { IncomingMessage, ServerResponse } from 'node:http'
import { MAX_BATCH_BYTES } from '@leads/contract'
import { type ApiDeps, createInnerContext, type Identity } from '../context.js'
import { clientIpOf } from '../limits/rateLimits.js'
import { createCaller } from '../root.js'
import { refuseOversizedBatch } from '../router/events.js'
import { chargeRefused, refuseOutsider } from '../trpc.js'
import { readJsonBody, settleUnreadBody } from './body.js'
import { renderDocs } from './docs.js'
import { RestError, toRestError } from './errors.js'
import { answerExport } from './export.js'
import { buildOpenApiDocument } from './openapi.js'
import { encode, encodeJson, JSON_TYPE, sendCacheable, sendError, sendJson } from './respond.js'
import {
  ACTIVITY_STREAM_PATH,
  DOCS_PATH,
  EVENTS_PATH,
  EXPORT_PATH,
  OPENAPI_PATH,
  READ_ROUTES,
} from './routes.js'

export interface RestOptions {
  deps: ApiDeps
  /** Resolves the caller for a request (authentication plugs in here). */
  identify?: (req: IncomingMessage) => Promise<Identity | null>
  /**
   * Told about every failure answered as 5xx (the client only sees a generic message); the
   * adapter logs nothing itself.
   */
  onError?: (err: unknown, req: IncomingMessage) => void
}

/** Answers `/api/*` REST paths; resolves false for any other path so the server can go on. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  url: URL
}
type Endpoint = { methods: readonly string[]; answer: (x: Exchange) => Promise<void> }

/** Paths under /api that other handlers own: tRPC and the live activity stream. */
function ownedElsewhere(path: string): boolean {
  return path === '/api/trpc' || path.startsWith('/api/trpc/') || path === ACTIVITY_STREAM_PATH
}

/**
 * The REST adapter: analytics reads and ingest over plain JSON, calling the tRPC procedures
 * through a server-side caller (a fresh context per request), plus the OpenAPI document and docs.
 */
export function createRestHandler(opts: RestOptions): RestHandler {
  const { deps, identify, onError } = opts
  // The replay window described is this server's.
  const doc = buildOpenApiDocument({ replayLimit: deps.live?.replayLimit })
  const docJson = encode(JSON.stringify(doc))

  const contextFor = async (req: IncomingMessage) =>
    createInnerContext(deps, (await identify?.(req)) ?? null, clientIpOf(req, deps.trustProxyHops))

  const endpoints = new Map<string, Endpoint>()
  for (const route of READ_ROUTES) {
    endpoints.set(route.path, {
      methods: ['GET', 'HEAD'],
      answer: async ({ req, res, url }) => {
        // Who is asking before what they asked (401/403 whatever the query), and a bad query
        // counts against the caller's budget, as over tRPC.
        const ctx = await contextFor(req)
        await refuseOutsider(ctx, 'read')
        const input = await chargeRefused(ctx, 'read', () => route.parse(url.searchParams))
        const output = await route.call(createCaller(ctx), input)
        sendCacheable(req, res, JSON_TYPE, encodeJson(output))
      },
    })
  }
  endpoints.set(EVENTS_PATH, {
    methods: ['POST'],
    answer: async ({ req, res }) => {
      const ctx = await contextFor(req)
      // Refused before the body is read: up to 5 MB of JSON is not parsed for a caller who may
      // not send it (what happens to the rest of it: `settleUnreadBody`).
      await refuseOutsider(ctx, 'ingest')
      // A body that is not a batch counts against the ingest budget like a refused batch.
      const batch = await chargeRefused(ctx, 'ingest', async () => {
        const body = await readJsonBody(req, res, MAX_BATCH_BYTES)
        if (!Array.isArray(body))
          throw new RestError('BAD_REQUEST', 'request body must be a JSON array of events')
        refuseOversizedBatch(body)
        return body
      })
      const { accepted, duplicates, rejected } = await createCaller(ctx).events.ingest(batch)
      sendJson(res, 200, { accepted, duplicates, rejected })
    },
  })
  endpoints.set(EXPORT_PATH, {
    methods: ['GET'],
    answer: async ({ req, res, url }) => {
      const ctx = await contextFor(req)
      await refuseOutsider(ctx, 'read')
      await answerExport(
        createCaller(ctx),
        (parse) => chargeRefused(ctx, 'read', parse),
        url.searchParams,
        req,
        res,
      )
    },
  })
  endpoints.set(OPENAPI_PATH, {
    methods: ['GET', 'HEAD'],
    answer: async ({ req, res }) => sendCacheable(req, res, JSON_TYPE, docJson),
  })
  endpoints.set(DOCS_PATH, {
    methods: ['GET', 'HEAD'],
    answer: async ({ req, res }) =>
      sendCacheable(
        req,
        res,
        'text/html; charset=utf-8',
        encode(renderDocs(doc, req.headers.host)),
        {
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        },
      ),
  })

  return async (req, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      // Not a URL this adapter could own; let the server answer it.
      return false
    }
    const path = url.pathname
    if (!(path === '/api' || path.startsWith('/api/')) || ownedElsewhere(path)) return false

    try {
      const endpoint = endpoints.get(path)
      if (!endpoint) throw new RestError('NOT_FOUND', 'no such path')
      if (!endpoint.methods.includes(req.method ?? '')) {
        throw new RestError(
          'METHOD_NOT_SUPPORTED',
          `${req.method} is not allowed here`,
          undefined,
          {
            allow: endpoint.methods.join(', '),
          },
        )
      }
      await endpoint.answer({ req, res, url })
    } catch (err) {
      const restError = toRestError(err)
      settleUnreadBody(req, res)
      sendError(res, restError)
      if (restError.status >= 500) onError?.(err, req)
    }
    return true
  }
}
