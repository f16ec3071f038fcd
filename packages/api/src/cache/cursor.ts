import { type Database, lastCursor } from '@leads/db'
import type { Kysely } from 'kysely'
import { MemoryCache, type MemoryCacheOptions } from './cache.js'

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

/**
 * `read` shared by concurrent callers without serving any of them a value read before it asked:
 * a caller who arrives while a read is on its way waits for the next one, which starts as soon as
 * that read settles and answers everyone who came meanwhile. Under a burst of cached reads this
 * keeps the cursor look-ups to one at a time instead of one per request, each a round trip and a
 * turn of the event loop that the live feed shares.
 */
export function sharedFreshRead<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined
  let next: Promise<T> | undefined
  const start = (): Promise<T> => {
    const current = read()
    running = current
    const settled = () => {
      if (running === current) running = undefined
    }
    current.then(settled, settled)
    return current
  }
  return () => {
    if (!running) return start()
    if (!next) {
      const ignore = () => {}
      next = running.then(ignore, ignore).then(() => {
        next = undefined
        return start()
      })
    }
    return next
  }
}
