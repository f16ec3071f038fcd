import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createLogger, openDatabase, startServer } from '@leads/server/src/app.js'
import { parseEnv } from '@leads/server/src/env.js'
import { serve } from '../common/ipc.js'

/**
 * The measured server, alone in this process: the real `openDatabase` + `startServer` wiring,
 * configured by the environment the parent built (temporary DATA_DIR or a fresh database).
 */
const env = parseEnv(process.env)
const logger = createLogger(env)
const client = await openDatabase(env, logger)
const { server, url } = await startServer(env, logger, client, { drainTimeoutMs: 2_000 })

// Event-loop delay is the one figure only the process itself can see: how long a ready callback
// (a socket write, a database answer) waited for the thread.
const RESOLUTION_MS = 10
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
loop.enable()

export const api = {
  url: async () => url,
  /** Event-loop delay since the previous call, in ms. */
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
    await server.close()
    setImmediate(() => process.exit(0))
  },
}
export type LeadsServerApi = typeof api
serve(api)
