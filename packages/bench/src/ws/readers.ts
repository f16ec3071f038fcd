import autocannon from 'autocannon'
import { serve } from '../common/ipc.js'

/** The dashboard's two most frequent reads, asked in turn on every connection. */
export const READ_PATHS = ['/api/analytics/metrics', '/api/analytics/leaderboard']

export interface ReadLoadStats {
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  non2xx: number
  errors: number
}

let running: { instance: autocannon.Instance; done: Promise<autocannon.Result> } | null = null

export const api = {
  /**
   * Starts a closed-loop read load (each connection sends its next request on the answer),
   * capped at `rate` requests/s in all if given: autocannon then sends each second's quota at
   * the start of the second, a burst a second.
   */
  start: async (args: { url: string; connections: number; rate?: number }) => {
    let instance!: autocannon.Instance
    const done = new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: args.url,
          connections: args.connections,
          ...(args.rate !== undefined && { overallRate: args.rate }),
          // Stopped by `stop`; the duration is only a backstop.
          duration: 3_600,
          requests: READ_PATHS.map((path) => ({ method: 'GET' as const, path })),
        },
        (err, result) => (err ? reject(err) : resolve(result)),
      )
    })
    await new Promise<void>((resolve) => instance.on('start', () => resolve()))
    running = { instance, done }
  },
  stop: async (): Promise<ReadLoadStats> => {
    if (!running) throw new Error('no read load running')
    running.instance.stop()
    const r = await running.done
    running = null
    setTimeout(() => process.exit(0), 50)
    return {
      requestsPerSecond: r.requests.total / r.duration,
      latencyP50Ms: r.latency.p50,
      latencyP99Ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
    }
  },
}
export type ReadersApi = typeof api
serve(api)
