import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createDbClient } from '@leads/db'
import { serve } from '../common/ipc.js'
import { NAIVE_SQL } from './naive.js'
import type { Read } from './reads.js'

/**
 * The two baselines, alone in this process: `GET /floor` answers `SELECT 1` and
 * `GET /naive/<read>` runs that read's naive GROUP BY, each through the same kind of connection
 * the API uses (a node-postgres pool of the same size, or PGlite), with a bare `node:http`
 * handler and `JSON.stringify` — no framework, validation or cache.
 */
const databaseUrl = process.env.DATABASE_URL || undefined
const client = await createDbClient(
  databaseUrl ? { databaseUrl } : { dataDir: process.env.DATA_DIR },
)
const query = async (text: string): Promise<unknown[]> =>
  client.pool ? (await client.pool.query(text)).rows : (await client.pglite!.query(text)).rows

let reported = false
const http = createServer((req, res) => {
  const path = req.url ?? ''
  const text =
    path === '/floor' ? 'select 1 as ok' : NAIVE_SQL[path.replace('/naive/', '') as Read['name']]
  if (!text || !(path === '/floor' || path.startsWith('/naive/'))) {
    res.writeHead(404).end()
    return
  }
  query(text).then(
    (rows) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(rows))
    },
    (err: unknown) => {
      // Said once on stderr: a row's non-2xx count alone does not tell a timeout from a bug.
      if (!reported) process.stderr.write(`baseline ${path}: ${String(err)}\n`)
      reported = true
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(err))
    },
  )
})
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
const { port } = http.address() as AddressInfo

export const api = {
  url: async () => `http://127.0.0.1:${port}`,
  stop: async () => {
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    await client.close()
    setImmediate(() => process.exit(0))
  },
}
export type BaselineServerApi = typeof api
serve(api)
