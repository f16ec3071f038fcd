import type { Role } from '@leads/contract'
import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import type { ReadCache } from './cache/cache.js'
import type { IngestGate } from './limits/ingestGate.js'
import type { RateLimits } from './limits/rateLimits.js'
import type { FeedHub } from './live/hub.js'

/** Time source; injected so tests pin "now". */
export interface Clock {
  now(): number
}
export const systemClock: Clock = { now: () => Date.now() }

/** Who is calling (filled by authentication; null for anonymous). */
export interface Identity {
  /** The subject; for role agent, the agent's id. */
  sub: string
  role: Role
  /** A manager's teams (non-empty); absent for the other roles. */
  teamIds?: string[]
  /** When the credential expires (ms since the epoch); a live connection should close then. */
  expiresAt?: number
}

/** What the server counts for its metrics; the procedures report here. */
export interface ApiObserver {
  ingested(outcome: { accepted: number; duplicates: number; rejected: number }): void
  cacheLookup(hit: boolean): void
}

/** Long-lived dependencies, built once per process (or per test). */
export interface ApiDeps {
  db: Kysely<Database>
  /**
   * A read replica of `db` (DATABASE_READ_URL) for the analytics reads. A read uses it only when
   * it has replayed every event `db` had committed when the read began; else the read goes to
   * `db`, so a read right after an ingest sees it whatever the replication lag.
   */
  readDb?: Kysely<Database> | null
  /**
   * The same database as `db` through a few connections of its own, for ingest: batches waiting
   * for the ingest lock do not take the connections reads need, nor reads ingest's. Absent → `db`.
   */
  ingestDb?: Kysely<Database> | null
  clock: Clock
  /** Zone used when a read does not name one (ORG_TIMEZONE). */
  orgTimezone: string
  /** The process's live feed; null where nothing streams (scripts, some tests). */
  live?: FeedHub | null
  /** Read cache; null or absent turns caching off (benchmarks measure both). */
  cache?: ReadCache | null
  /**
   * true: a call without an identity is answered UNAUTHORIZED. false or absent: an open server
   * (development without AUTH_JWT_SECRET, most tests) where anonymous callers may do anything;
   * a caller that does have an identity is held to its role either way.
   */
  authRequired?: boolean
  /** LEADERBOARD_ANONYMIZE: other agents appear under pseudonyms for every viewer, not only agents. */
  anonymizeLeaderboard?: boolean
  /**
   * Key of the leaderboard pseudonyms (an HMAC key). Give every instance the same one so a
   * pseudonym is the same on every instance and after a restart; absent → a random key per process.
   */
  pseudonymKey?: string
  /** Request budgets and stream caps; null or absent: unlimited (tests, scripts, benchmarks). */
  limits?: RateLimits | null
  /** Caps the ingest batches held at once (503 past it); null or absent: no cap. */
  ingestGate?: IngestGate | null
  /** Proxies in front of the server whose `X-Forwarded-For` is believed (TRUST_PROXY_HOPS). */
  trustProxyHops?: number
  /** Metrics hooks; absent where nothing is exported. */
  observe?: ApiObserver | null
}

/** Inner context: what every procedure sees, whether called over HTTP, WebSocket or REST. */
export interface Context extends ApiDeps {
  identity: Identity | null
  /** The peer address, which budgets an anonymous caller (null: unknown or not over a network). */
  clientIp?: string | null
}

export function createInnerContext(
  deps: ApiDeps,
  identity: Identity | null = null,
  clientIp: string | null = null,
): Context {
  return { ...deps, identity, clientIp }
}
