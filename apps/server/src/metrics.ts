import type { ApiObserver, Budget } from '@leads/api'
import type pg from 'pg'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Open streams by transport, read when Prometheus scrapes. */
export interface StreamCounts {
  trpcWebSockets: number
  webSockets: number
  sse: number
  /** Live-feed subscriptions over every transport (a tRPC socket can hold several). */
  feedSubscriptions: number
}

/** Connections of the Postgres pool (absent on PGlite, which has no pool). */
export interface PoolCounts {
  total: number
  idle: number
  waiting: number
}

/** A pool's counts now; null for none (PGlite). */
export function poolCounts(pool: pg.Pool | null): PoolCounts | null {
  return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
}

/** The server's Postgres pools: `main` for reads and the rest, `ingest` for ingest alone. */
export type PoolName = 'main' | 'ingest'

export interface ServerMetrics {
  registry: Registry
  /** The procedures' hooks (ingest counts, cache lookups). */
  observer: ApiObserver
  /**
   * One finished HTTP request; `route` must come from a fixed set (see `routeLabel`). `seconds`
   * null: a stream, counted but not timed.
   */
  request(method: string, route: string, status: number, seconds: number | null): void
  limited(budget: Budget | 'streams'): void
  /** Sources read at scrape time. */
  watch(sources: {
    streams?: () => StreamCounts
    pools?: () => Partial<Record<PoolName, PoolCounts | null>>
  }): void
}

/**
 * The server's Prometheus metrics (`GET /metrics`), in a registry of their own so tests can build
 * several servers in one process: request rate and latency per route, ingest outcomes, open
 * streams, cache hit ratio (hits / lookups), pool usage, and Node's process metrics.
 */
export function createMetrics(): ServerMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route (streams excluded)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  })
  const ingested = new Counter({
    name: 'leads_ingest_events_total',
    help: 'Events received by ingest, by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const cache = new Counter({
    name: 'leads_cache_lookups_total',
    help: 'Read-cache lookups, by result (hit, miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  })
  const limited = new Counter({
    name: 'leads_rate_limited_total',
    help: 'Requests refused with 429, by budget (read, ingest, streams)',
    labelNames: ['budget'] as const,
    registers: [registry],
  })

  let streams: (() => StreamCounts) | undefined
  let pools: (() => Partial<Record<PoolName, PoolCounts | null>>) | undefined
  new Gauge({
    name: 'leads_open_streams',
    help: 'Open live connections, by transport',
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      const s = streams?.()
      if (!s) return
      this.set({ transport: 'trpc-ws' }, s.trpcWebSockets)
      this.set({ transport: 'websocket' }, s.webSockets)
      this.set({ transport: 'sse' }, s.sse)
    },
  })
  new Gauge({
    name: 'leads_feed_subscriptions',
    help: 'Live activity-feed subscriptions, over every transport',
    registers: [registry],
    collect() {
      const s = streams?.()
      if (s) this.set(s.feedSubscriptions)
    },
  })
  new Gauge({
    name: 'leads_db_pool_connections',
    help: 'Postgres pool connections, by pool (main, ingest) and state (total, idle, waiting clients)',
    labelNames: ['pool', 'state'] as const,
    registers: [registry],
    collect() {
      for (const [name, p] of Object.entries(pools?.() ?? {})) {
        if (!p) continue
        this.set({ pool: name, state: 'total' }, p.total)
        this.set({ pool: name, state: 'idle' }, p.idle)
        this.set({ pool: name, state: 'waiting' }, p.waiting)
      }
    },
  })

  return {
    registry,
    observer: {
      ingested(outcome) {
        ingested.inc({ outcome: 'accepted' }, outcome.accepted)
        ingested.inc({ outcome: 'duplicate' }, outcome.duplicates)
        ingested.inc({ outcome: 'rejected' }, outcome.rejected)
      },
      cacheLookup: (hit) => cache.inc({ result: hit ? 'hit' : 'miss' }),
    },
    request(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) })
      if (seconds !== null) duration.observe({ method, route }, seconds)
    },
    limited: (budget) => limited.inc({ budget }),
    watch(sources) {
      streams = sources.streams ?? streams
      pools = sources.pools ?? pools
    },
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/** A method label from a fixed set, whatever a client sends. */
export function methodLabel(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'other'
}

/**
 * The route label of a request path, from a fixed set so a client cannot blow up the number of
 * series: known paths as they are, tRPC calls by procedure (`batch` for several), the rest
 * `other`.
 */
export function routeLabel(
  path: string,
  known: ReadonlySet<string>,
  procedures: ReadonlySet<string>,
): string {
  if (known.has(path)) return path
  if (path.startsWith('/api/trpc/')) {
    const names = path.slice('/api/trpc/'.length).split(',')
    if (names.length > 1) return '/api/trpc/(batch)'
    return procedures.has(names[0]!) ? path : '/api/trpc/(unknown)'
  }
  if (!path.startsWith('/api/')) return '(dashboard)'
  return 'other'
}
