import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** Where the measured server keeps its data for one run, and how to remove it afterwards. */
export interface BenchDatabase {
  /** Variables for the server's own env parser. */
  env: { DATA_DIR: string; DATABASE_URL: string }
  describe: string
  drop(): Promise<void>
}

/**
 * A database nobody else uses: a temporary PGlite directory, or — given a Postgres URL — a new
 * database on that server, so a run neither reads nor clobbers anyone's tables, and its
 * LISTEN/NOTIFY channel is its own.
 */
export async function createBenchDatabase(databaseUrl?: string): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leads-bench-'))
  if (!databaseUrl) {
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: '' },
      describe: 'PGlite (temporary directory)',
      drop: () => rm(dataDir, { recursive: true, force: true }),
    }
  }
  const name = `leads_bench_${Date.now().toString(36)}_${process.pid}`
  const admin = new pg.Client({ connectionString: databaseUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    describe: `Postgres at ${url.host} (fresh database ${name})`,
    drop: async () => {
      const c = new pg.Client({ connectionString: databaseUrl })
      await c.connect()
      try {
        await c.query(`drop database if exists ${name} with (force)`)
      } finally {
        await c.end()
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}
