import { existsSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import sirv from 'sirv'

/**
 * Serves the built dashboard at `/` (same origin as the API, so one URL works on a wall
 * screen). Hashed assets are cached for a year; index.html is revalidated; unknown paths that
 * are not under /api fall back to index.html for client-side routes.
 */
export function createStaticHandler(
  dir: string,
): ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | null {
  if (!existsSync(dir)) return null
  const serve = sirv(dir, {
    single: true,
    etag: true,
    setHeaders: (res, pathname) => {
      res.setHeader(
        'cache-control',
        pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  return (req, res) =>
    new Promise((resolve) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return resolve(false)
      serve(req, res, () => resolve(false))
      res.once('finish', () => resolve(true))
      res.once('close', () => resolve(true))
    })
}
