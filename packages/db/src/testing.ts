import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import pg from 'pg'
import { createDbClient, type DbClient, type DbKind } from './client.js'
import { lockIngest } from './ingest/ingest.js'
import { ensureUpcomingPartitions, migrateToLatest, SCHEMA_DDL_LOCK } from './migrate.js'
import type { Database } from './schema.js'

export interface TestDb {
  kind: DbKind
  /** A migrated database of its own: a fresh in-memory PGlite, or a fresh schema on Postgres. */
  open(opts?: { migrate?: boolean }): Promise<DbClient>
}

/**
 * The databases every database test runs on: PGlite always, and the real Postgres too when
 * `DATABASE_URL` is set (CI sets it). Use with `describe.each(testDatabases())`.
 */
export function testDatabases(): TestDb[] {
  const url = process.env.DATABASE_URL
  const targets: TestDb[] = [
    { kind: 'pglite', open: (o) => openTest(undefined, o?.migrate ?? true) },
  ]
  if (url) targets.push({ kind: 'postgres', open: (o) => openTest(url, o?.migrate ?? true) })
  return targets
}

async function openTest(url: string | undefined, migrate: boolean): Promise<DbClient> {
  const schema = url ? `test_${randomBytes(6).toString('hex')}` : 'public'
  const client = await createDbClient({ databaseUrl: url, schema, poolSize: 4 })
  if (migrate) {
    await migrateToLatest(client.db)
    await ensureUpcomingPartitions(client.db, new Date())
  }
  if (!url) return client
  return {
    ...client,
    close: async () => {
      await client.close()
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        // Never while another test file's migrator reads the catalog (see SCHEMA_DDL_LOCK).
        await admin.query('select pg_advisory_lock($1)', [SCHEMA_DDL_LOCK])
        await admin.query(`drop schema if exists "${schema}" cascade`)
      } finally {
        await admin.end() // ending the session releases the lock
      }
    },
  }
}

/**
 * `db` with the kind of every query sent through it recorded in `kinds`, in order, for tests
 * that count statements (`begin` and `commit` do not pass through plugins).
 */
export function recordingQueries(db: Kysely<Database>): { db: Kysely<Database>; kinds: string[] } {
  const kinds: string[] = []
  const recording = db.withPlugin({
    transformQuery: ({ node }) => {
      kinds.push(node.kind)
      return node
    },
    transformResult: async ({ result }) => result,
  })
  return { db: recording, kinds }
}

/**
 * Holds `db`'s ingest lock, as another instance's long batch would, until the returned function
 * is called (it resolves once the holding transaction has ended).
 */
export async function holdIngestLock(db: Kysely<Database>): Promise<() => Promise<void>> {
  let release = () => {}
  const released = new Promise<void>((r) => {
    release = r
  })
  let holding: Promise<void> = Promise.resolve()
  await new Promise<void>((locked, failed) => {
    holding = db.transaction().execute(async (trx) => {
      await lockIngest(trx)
      locked()
      await released
    })
    holding.catch(failed)
  })
  return async () => {
    release()
    await holding
  }
}
