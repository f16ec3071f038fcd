import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import lockfile from 'proper-lockfile'
import { PGliteThread } from './pglite/thread.js'
import type { Database } from './schema.js'

export type DbKind = 'pglite' | 'postgres'

export interface DbClient {
  db: Kysely<Database>
  kind: DbKind
  /** The schema every table lives in (tests give each file its own). */
  schema: string
  /** Set for `postgres`: the pool behind `db`, for LISTEN/NOTIFY and pool metrics. */
  pool: pg.Pool | null
  /** Set for `pglite`: the embedded database behind `db`, on its own thread. */
  pglite: PGliteThread | null
  close(): Promise<void>
}

export interface DbOptions {
  /** `postgres://…` → node-postgres pool; absent → embedded PGlite. */
  databaseUrl?: string | undefined
  /** PGlite data directory; absent → in memory. */
  dataDir?: string | undefined
  /** Postgres schema to use (created when missing); default `public`. */
  schema?: string | undefined
  poolSize?: number | undefined
  /**
   * Postgres only: a statement running (or waiting for a lock) longer than this is cancelled, so
   * a locked table answers "unavailable" instead of holding every pooled connection. Default: none.
   */
  statementTimeoutMs?: number | undefined
  /** Postgres only: how long to wait for a connection before failing (default 5 s, never forever). */
  connectTimeoutMs?: number | undefined
  /** Postgres only: told when an idle pooled connection fails (logged by the server). */
  onPoolError?: ((err: Error) => void) | undefined
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000

// Counts and sums stay far below 2^53, so int8 and numeric come back as plain numbers on both
// databases (PGlite already does this; node-postgres would return strings).
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v)
    return pg.types.getTypeParser(oid, format)
  },
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** The one connection factory: same migrations and queries on both databases. */
export async function createDbClient(opts: DbOptions = {}): Promise<DbClient> {
  const schema = opts.schema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name: ${schema}`)

  if (opts.databaseUrl) {
    if (schema !== 'public') {
      const admin = new pg.Client({ connectionString: opts.databaseUrl })
      await admin.connect()
      try {
        await admin.query(`create schema if not exists "${schema}"`)
      } finally {
        await admin.end()
      }
    }
    const statementTimeout =
      opts.statementTimeoutMs === undefined
        ? ''
        : ` -c statement_timeout=${opts.statementTimeoutMs}`
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      types: pgTypes,
      options: `-c search_path="${schema}" -c timezone=UTC${statementTimeout}`,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    })
    // An idle client dropped by the server (a restart, `pg_terminate_backend`) emits 'error' on
    // the pool; without a listener that would crash the process. The pool replaces it by itself.
    pool.on('error', (err) => opts.onPoolError?.(err))
    // A connection killed while checked out (between two queries of a transaction, say) emits
    // 'error' on its client, where the pool has no listener: without this one the process would
    // crash. The query in progress fails on its own, and the pool discards the broken client.
    pool.on('connect', (conn) => conn.on('error', (err) => opts.onPoolError?.(err)))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return { db, kind: 'postgres', schema, pool, pglite: null, close: () => db.destroy() }
  }

  // PGlite creates only the last folder of its path.
  if (opts.dataDir) await mkdir(dirname(opts.dataDir), { recursive: true })
  const unlock = opts.dataDir ? await lockDataDir(opts.dataDir) : async () => {}
  const pglite = await PGliteThread.start(opts.dataDir).catch(async (err: unknown) => {
    await unlock()
    throw err
  })
  await pglite.exec(`set timezone = 'UTC'`)
  if (schema !== 'public') {
    await pglite.exec(`create schema if not exists "${schema}"; set search_path = "${schema}"`)
  }
  // The dialect calls only `query` and `close`, which the thread answers as PGlite would.
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite as unknown as PGlite) })
  return {
    db,
    kind: 'pglite',
    schema,
    pool: null,
    pglite,
    close: async () => {
      try {
        await db.destroy()
        if (!pglite.closed) await pglite.close()
      } finally {
        await unlock()
      }
    },
  }
}

/**
 * PGlite's files can be open in one process only: a second one (`reconcile` beside `pnpm dev`)
 * corrupts them, and PGlite itself does not refuse. The lock is `<dataDir>.lock`, kept fresh while
 * held and taken over once stale (10 s), so a killed process does not lock the data for good; a
 * restart's new process waits a few seconds for the old one to let go.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(dataDir, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 6, minTimeout: 250, maxTimeout: 2_000 },
      // The default throws from a timer, crashing the process, when the lock could not be kept
      // fresh (a loop blocked for 10 s); say so instead, loudly.
      onCompromised: (err) =>
        process.emitWarning(
          `lost the lock on ${dataDir}; another process may open it: ${err.message}`,
        ),
    })
  } catch (err) {
    if ((err as { code?: string }).code !== 'ELOCKED') throw err
    throw new Error(
      `the PGlite database at ${dataDir} is open in another process (\`pnpm dev\`?): stop that ` +
        'one first, or set DATABASE_URL to a Postgres both can share',
    )
  }
}

/** True when the database answers a trivial query. */
export async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db)
    return true
  } catch {
    return false
  }
}
