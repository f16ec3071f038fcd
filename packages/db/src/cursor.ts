import { type Kysely, sql } from 'kysely'
import type { Database } from './schema.js'

/**
 * The newest committed event cursor (0 on an empty database). Ingest takes cursors under one
 * lock and commits in their order, so whoever reads N sees every event up to N and the derived
 * rows written with them.
 */
export async function lastCursor(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ seq: number | null }>`
    select max(seq)::int8 as seq from lead_event_ids`.execute(db)
  return Number(rows[0]?.seq ?? 0)
}
