import { type Database, lastCursor } from '@leads/db'
import type { Kysely } from 'kysely'
import { MemoryCache, type MemoryCacheOptions } from './cache.js'
import { sharedFreshRead } from './freshRead.js'

/**
 * A memory cache whose generation is the last committed event cursor in the database. Several
 * instances on one Postgres without Redis each keep their own memory and hear of each other's
 * ingest only through LISTEN/NOTIFY, a few milliseconds after the ingest has answered; keyed by
 * the database's cursor, a read on any instance right after another's ingest computes afresh
 * instead of answering from before it. Costs one index-only read per batch of concurrent
 * callers (see {@link sharedFreshRead}).
 */
export class CursorGenerationCache extends MemoryCache {
  readonly generationIsCursor = true
  private readonly cursor: () => Promise<number>

  constructor(db: Kysely<Database>, opts?: MemoryCacheOptions) {
    super(opts)
    this.cursor = sharedFreshRead(() => lastCursor(db))
  }

  override generation(): Promise<number> {
    // Read after commit only: a reader that sees cursor N computes from data that includes N.
    return this.cursor()
  }
}
