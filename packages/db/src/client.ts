import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely, PostgresDialect, sql } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import { lockDataDir } from './dataDirLock.js'
import type { Database } from './schema.js'

export type DbKind = 'pglite' | 'postgres'

export interface DbClient {
  db: Kysely<Database>
  kind: DbKind
  /** The schema every table lives in (tests give each file its own). */
  schema: string
  /** Set for `postgres`: the pool behind `db`, for LISTEN/NOTIFY and pool metrics. */
  pool: pg.Pool | null
  /** Set for `pglite`: the embedded instance behind `db`. */
  pglite: PGlite | null
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
  const pglite = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite()
  await pglite.waitReady.catch(async (err: unknown) => {
    await unlock()
    throw err
  })
  await pglite.exec(`set timezone = 'UTC'`)
  if (schema !== 'public') {
    await pglite.exec(`create schema if not exists "${schema}"; set search_path = "${schema}"`)
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) })
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

/** True when the database answers a trivial query. */
export async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db)
    return true
  } catch {
    return false
  }
}
