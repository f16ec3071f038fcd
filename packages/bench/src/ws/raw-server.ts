import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { ActivityMessage } from '@leads/contract'
import { WebSocket, WebSocketServer } from 'ws'
import { serve } from '../common/ipc.js'

/**
 * The baseline: a plain `ws` server doing nothing but the fan-out. It takes the same batches on
 * `POST /api/events`, numbers each event, and sends each as one JSON activity message to every
 * client — the broadcast loop of the `ws` README, with no database, cursor or per-client work.
 */
let seq = 0
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/events') {
    res.writeHead(404).end()
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      type: string
      occurredAt: string
      leadId: string
    }[]
    for (const e of batch) {
      const message: ActivityMessage = {
        id: String(++seq),
        kind: 'new_lead',
        type: e.type,
        occurredAt: e.occurredAt,
        leadId: e.leadId,
        agentId: null,
        agentName: null,
        summary: `New lead ${e.leadId}`,
      }
      const data = JSON.stringify(message)
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data)
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ accepted: batch.length, duplicates: 0, rejected: [] }))
  })
})
const wss = new WebSocketServer({ server: http, path: '/ws' })
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
const { port } = http.address() as AddressInfo

const RESOLUTION_MS = 10
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
loop.enable()

export const api = {
  url: async () => `http://127.0.0.1:${port}`,
  loopDelay: async () => {
    // The histogram holds whole timer intervals; the delay is what exceeds the interval.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS)
    const out = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) }
    loop.reset()
    return out
  },
  /** The process's own view of its memory, to tell the JS heap from native and WASM memory. */
  memory: async () => {
    // Collected first (the parent starts this process with --expose-gc), so the heap figure is
    // what is live, not garbage V8 has not got round to.
    globalThis.gc?.()
    return process.memoryUsage()
  },
  stop: async () => {
    for (const client of wss.clients) client.terminate()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    setImmediate(() => process.exit(0))
  },
}
export type RawServerApi = typeof api
serve(api)
