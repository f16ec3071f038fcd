import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiDeps, Identity } from '../context.js'

export interface RestOptions {
  deps: ApiDeps
  /** Resolves the caller for a request (authentication plugs in here). */
  identify?: (req: IncomingMessage) => Promise<Identity | null>
}

/** Answers `/api/*` REST paths; resolves false for any other path so the server can go on. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

export function createRestHandler(_opts: RestOptions): RestHandler {
  return async (req, res) => {
    if (!req.url?.startsWith('/api/') || req.url.startsWith('/api/trpc')) return false
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such path' } }))
    return true
  }
}
