import { createServer, type IncomingHttpHeaders, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RestHandler } from './index.js'

/** A real HTTP server on port 0 that lets the REST handler answer, and 404s what it declines. */
export async function serve(
  handler: RestHandler,
): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled)
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not the REST adapter')
      },
      (err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)))
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * A request with node:http rather than fetch: it can send a raw (unnormalised) path, stream a
 * body chunk by chunk, and still read an early answer such as a 413 sent before the upload ends.
 */
export function rawRequest(
  base: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; chunks?: Buffer[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(base)
    const req = request({
      host: url.hostname,
      port: url.port,
      method: opts.method ?? 'GET',
      path: opts.path,
      headers: opts.headers,
      // A connection of its own: a request cut short must not leave its socket to the next one.
      agent: false,
    })
    let answered = false
    req.on('response', (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    // After an early answer the server stops reading; the rest of the upload may fail to send.
    req.on('error', (err) => {
      if (!answered) reject(err)
    })
    const chunks = [...(opts.chunks ?? [])]
    const writeNext = () => {
      if (answered) return
      const chunk = chunks.shift()
      if (!chunk) {
        req.end()
        return
      }
      if (req.write(chunk)) setImmediate(writeNext)
      else req.once('drain', writeNext)
    }
    writeNext()
  })
}
