import autocannon from 'autocannon'
import { Histogram } from '../common/histogram.js'
import { sampleMachine, sampleProc } from '../common/proc.js'

export interface LoadResult {
  p50: number
  p95: number
  p99: number
  requestsPerSecond: number
  requests: number
  non2xx: number
  errors: number
  /** Peak RSS of the measured server processes during the run, MB (summed over processes). */
  rssPeakMb: number
  /** Busy cores of the whole machine during the run: this benchmark, its database and anyone else. */
  machineBusyCores: number
  /** Cores the hypervisor gave to other guests meanwhile (steal time). */
  machineStolenCores: number
}

export interface LoadSpec {
  /** One or more servers; connections are split evenly between them. */
  urls: string[]
  /** Paths asked in turn on every connection. */
  paths: string[]
  connections: number
  durationS: number
  /** Server processes whose RSS is sampled during the run. */
  pids: number[]
  /** Seconds before a request counts as an error (autocannon's default is 10). */
  timeoutS?: number
  /** Run until this many answers instead of for `durationS` (for reads that take seconds). */
  amount?: number
}

/**
 * A closed loop (each connection sends its next request on the answer) for a fixed time.
 * Latencies go into our own histogram: autocannon reports p90 and p97.5 but no p95.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latency = new Histogram()
  let rssPeak = 0
  const sample = async () => {
    const all = await Promise.all(spec.pids.map((pid) => sampleProc(pid)))
    rssPeak = Math.max(
      rssPeak,
      all.reduce((sum, s) => sum + (s?.rssBytes ?? 0), 0),
    )
  }
  await sample()
  const machineStart = await sampleMachine()
  const wallStart = performance.now()
  const timer = setInterval(() => void sample(), 250)
  try {
    const per = spec.urls.map((_, i) =>
      Math.max(1, Math.floor((spec.connections + i) / spec.urls.length)),
    )
    const results = await Promise.all(
      spec.urls.map(
        (url, i) =>
          new Promise<autocannon.Result>((resolve, reject) => {
            const instance = autocannon(
              {
                url,
                connections: per[i]!,
                ...(spec.amount === undefined
                  ? { duration: spec.durationS }
                  : { amount: Math.max(1, Math.floor(spec.amount / spec.urls.length)) }),
                timeout: spec.timeoutS ?? 10,
                requests: spec.paths.map((path) => ({ method: 'GET' as const, path })),
              },
              (err, result) => (err ? reject(err) : resolve(result)),
            )
            instance.on('response', (_client, _status, _bytes, ms: number) =>
              latency.record(ms * 1_000),
            )
          }),
      ),
    )
    const machineEnd = await sampleMachine()
    const seconds = (performance.now() - wallStart) / 1_000
    const machineBusyCores = (machineEnd.busy - machineStart.busy) / seconds
    const machineStolenCores = (machineEnd.steal - machineStart.steal) / seconds
    const requests = results.reduce((n, r) => n + r.requests.total, 0)
    const duration = Math.max(...results.map((r) => r.duration))
    return {
      p50: latency.quantile(0.5) / 1_000,
      p95: latency.quantile(0.95) / 1_000,
      p99: latency.quantile(0.99) / 1_000,
      requestsPerSecond: requests / duration,
      requests,
      non2xx: results.reduce((n, r) => n + r.non2xx, 0),
      errors: results.reduce((n, r) => n + r.errors, 0),
      rssPeakMb: Math.round(rssPeak / 2 ** 20),
      machineBusyCores,
      machineStolenCores,
    }
  } finally {
    clearInterval(timer)
  }
}
