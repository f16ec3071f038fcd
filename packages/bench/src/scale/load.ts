import { createDbClient, type DbClient, ensureUpcomingPartitions, migrateToLatest } from '@leads/db'
import { type BulkResult, bulkLoad } from '@leads/db/seed'
import type { BenchDatabase } from '../common/database.js'
import type { Options } from './options.js'
import { createProgress, progressLine } from './progress.js'

/** Opens the benchmark's database from the parent process (the server is not running then). */
export function openBenchDb(db: BenchDatabase): Promise<DbClient> {
  return createDbClient(
    db.env.DATABASE_URL ? { databaseUrl: db.env.DATABASE_URL } : { dataDir: db.env.DATA_DIR },
  )
}

/**
 * Migrates the fresh database and bulk-loads `opts.events` generated events ending at `now`,
 * with a progress bar on stderr.
 */
export async function loadHistory(
  db: BenchDatabase,
  opts: Options,
  now: Date,
): Promise<BulkResult> {
  const client = await openBenchDb(db)
  try {
    await migrateToLatest(client.db)
    await ensureUpcomingPartitions(client.db, now)
    const bar = createProgress(process.stderr)
    let phase = ''
    let phaseStart = 0
    const result = await bulkLoad(
      client,
      { now, days: opts.days, agents: opts.agents, events: opts.events, tz: 'UTC', seed: 1 },
      (p) => {
        if (p.phase !== phase) {
          bar.done()
          phase = p.phase
          phaseStart = p.elapsedMs
        }
        const line = progressLine(p.phase, p.done, p.expected, p.elapsedMs - phaseStart)
        bar.update(line, p.done >= p.expected)
      },
    )
    bar.done()
    return result
  } finally {
    await client.close()
  }
}
