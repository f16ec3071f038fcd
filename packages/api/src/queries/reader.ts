import { type Database, lastCursor } from '@leads/db'
import type { Kysely } from 'kysely'
import type { ApiDeps } from '../context.js'

/** After a replica fails to answer, reads leave it alone this long. */
export const REPLICA_COOL_OFF_MS = 5_000
const failedAt = new WeakMap<Kysely<Database>, number>()

/**
 * The database an analytics read computes on: the read replica when there is one and it has
 * replayed every event the primary had committed when the read began, else the primary. Ingest
 * writes an event and its derived rows in one transaction, so a replica holding cursor N holds
 * every figure up to N. A replica that cannot answer counts as behind, and is left alone for a
 * few seconds: its outage slows reads down to the primary's pace instead of failing them.
 */
export async function readerFor(
  deps: Pick<ApiDeps, 'db' | 'readDb'>,
  opts: {
    /** The primary's cursor when the caller has just read it (a cursor-keyed cache has). */
    committed?: number
    now?: () => number
  } = {},
): Promise<Kysely<Database>> {
  const replica = deps.readDb
  const now = opts.now ?? Date.now
  if (!replica || now() - (failedAt.get(replica) ?? -Infinity) < REPLICA_COOL_OFF_MS) return deps.db
  const [committed, replayed] = await Promise.all([
    opts.committed ?? lastCursor(deps.db),
    lastCursor(replica).catch(() => {
      failedAt.set(replica, now())
      return -1
    }),
  ])
  return replayed >= committed ? replica : deps.db
}
