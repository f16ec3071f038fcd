import {
  type Kysely,
  type MigrationResultSet,
  Migrator,
  NO_MIGRATIONS,
  type RawBuilder,
  sql,
} from 'kysely'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

/**
 * Every migration run, and a test's schema drop, holds this advisory lock: Kysely's migrator reads
 * the whole catalog (every schema) to find its lock table, and that read fails with "relation …
 * does not exist" if another schema is dropped at that moment.
 */
export const SCHEMA_DDL_LOCK = 4_242_002

type Run = (m: Migrator) => Promise<MigrationResultSet>

async function migrate(db: Kysely<Database>, run: Run): Promise<MigrationResultSet> {
  // One connection holds the session lock and runs the migrations.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${SCHEMA_DDL_LOCK})`.execute(conn)
    try {
      // Keep the bookkeeping tables in the connection's own schema: without it, Kysely finds
      // another schema's table on the search path and two test schemas trip over each other.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
        conn,
      )
      const migrator = new Migrator({
        db: conn,
        provider: { getMigrations: async () => migrations },
        migrationTableSchema: rows[0]!.schema,
      })
      const { error, results } = await run(migrator)
      if (error) throw new Error('migration failed', { cause: error })
      return { results }
    } finally {
      await sql`select pg_advisory_unlock(${SCHEMA_DDL_LOCK})`.execute(conn)
    }
  })
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  return migrate(db, (m) => m.migrateToLatest())
}

/** Rolls back the latest migration applied (`pnpm db:migrate --down`). */
export async function migrateDownOne(db: Kysely<Database>): Promise<MigrationResultSet> {
  return migrate(db, (m) => m.migrateDown())
}

/** Rolls back every migration, dropping every table (tests, `pnpm db:migrate --down --all`). */
export async function migrateDownAll(db: Kysely<Database>): Promise<MigrationResultSet> {
  return migrate(db, (m) => m.migrateTo(NO_MIGRATIONS))
}

function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))
}

function partitionName(month: Date): string {
  return `lead_events_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, '0')}`
}

/** The monthly partitions of `lead_events` that hold `instants`: name → first instant of the month. */
export function partitionsFor(instants: Iterable<Date>): Map<string, Date> {
  const months = new Map<string, Date>()
  for (const t of instants) {
    const m = monthStart(t)
    months.set(partitionName(m), m)
  }
  return months
}

/**
 * Creates the partition of `lead_events` for the month starting at `month` (see `partitionsFor`),
 * under the name `missingPartitions` chose for it.
 */
export async function createPartition(
  db: Kysely<Database>,
  month: Date,
  name = partitionName(month),
): Promise<void> {
  const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1))
  await sql`create table if not exists ${sql.id(name)} partition of lead_events
    for values from (${sql.lit(month.toISOString())}) to (${sql.lit(next.toISOString())})`.execute(
    db,
  )
}

/** A month with no partition: its `partitionsFor` name, and the name to create it under. */
export type MissingPartition = [month: string, create: string]

/**
 * The months among `months` (see `partitionsFor`) with no partition attached to `lead_events`, as
 * an expression for a select list (null when none is missing), each with the name to create its
 * partition under: `lead_events_pYYYYMM`, unless a table of that name is there without being a
 * partition. A month detached for archiving keeps its table until it is dropped (or is left
 * behind), and a late event for it then gets a partition beside it, `…_late_<time>`, instead of
 * failing its batch. Checked in the catalog rather than by creating: CREATE … PARTITION OF locks
 * the parent even when the table exists.
 */
export function missingPartitions(
  months: ReadonlyMap<string, Date>,
): RawBuilder<MissingPartition[] | null> {
  const late = `_late_${Date.now().toString(36)}`
  return sql`(select json_agg(json_build_array(name,
      case when to_regclass(name) is null then name else name || ${late} end))
    from unnest(${[...months.keys()]}::text[]) as name
    where not exists (
      select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'lead_events'::regclass
        and (c.relname = name or starts_with(c.relname, name || '_late_'))))`
}

/** Creates the monthly partitions of `lead_events` that hold `instants`, when missing. */
export async function ensurePartitions(
  db: Kysely<Database>,
  instants: Iterable<Date>,
): Promise<void> {
  const months = partitionsFor(instants)
  if (months.size === 0) return
  const { rows } = await sql<{
    missing: MissingPartition[] | null
  }>`select ${missingPartitions(months)} as missing`.execute(db)
  for (const [month, name] of rows[0]?.missing ?? [])
    await createPartition(db, months.get(month)!, name)
}

/** Keeps the current month and the next `ahead` months partitioned, so ingest rarely runs DDL. */
export async function ensureUpcomingPartitions(
  db: Kysely<Database>,
  now: Date,
  ahead = 2,
): Promise<void> {
  const months: Date[] = []
  for (let i = 0; i <= ahead; i++) {
    months.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1)))
  }
  await ensurePartitions(db, months)
}
