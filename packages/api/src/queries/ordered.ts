import type { Database } from '@leads/db'
import { type Kysely, sql, type Transaction } from 'kysely'

/**
 * Runs a keyset page query with bitmap scans off, so the planner walks the index in order and
 * stops after the page. Without table statistics (PGlite never runs autovacuum; a new monthly
 * partition has none either) it guesses a window holds a hundred rows, bitmap-scans all of it
 * and sorts: every page then costs as much as the whole rest of the window, and an export turns
 * quadratic. `set local` ends with the transaction.
 */
export function alongIndex<T>(
  db: Kysely<Database>,
  query: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_bitmapscan = off`.execute(trx)
    return query(trx)
  })
}
