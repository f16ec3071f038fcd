import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import type { ReadCache } from './cache/cache.js'
import type { FeedHub } from './live/hub.js'

/** Time source; injected so tests pin "now". */
export interface Clock {
  now(): number
}
export const systemClock: Clock = { now: () => Date.now() }

/** Who is calling (filled by authentication; null for anonymous). */
export interface Identity {
  sub: string
  role: 'admin' | 'manager' | 'agent' | 'ingest'
  teamIds?: string[]
}

/** Long-lived dependencies, built once per process (or per test). */
export interface ApiDeps {
  db: Kysely<Database>
  clock: Clock
  /** Zone used when a read does not name one (ORG_TIMEZONE). */
  orgTimezone: string
  /** The process's live feed; null where nothing streams (scripts, some tests). */
  live?: FeedHub | null
  /** Read cache; null or absent turns caching off (benchmarks measure both). */
  cache?: ReadCache | null
}

/** Inner context: what every procedure sees, whether called over HTTP, WebSocket or REST. */
export interface Context extends ApiDeps {
  identity: Identity | null
}

export function createInnerContext(deps: ApiDeps, identity: Identity | null = null): Context {
  return { ...deps, identity }
}
