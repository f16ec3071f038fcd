import { parseArgs } from 'node:util'
import type { MigrationResultSet } from 'kysely'
import { ensureUpcomingPartitions, migrateDownAll, migrateToLatest } from '../migrate.js'
import { describeDatabase, loadEnv, openDatabase } from './env.js'

const { values } = parseArgs({ options: { down: { type: 'boolean', default: false } } })
const env = loadEnv()

function report({ results = [] }: MigrationResultSet, idle: string): void {
  if (results.length === 0) console.log(idle)
  for (const r of results)
    console.log(`${r.direction === 'Up' ? 'applied' : 'rolled back'} ${r.migrationName}`)
}

const client = await openDatabase(env)
try {
  console.log(`database: ${describeDatabase(env)}`)
  if (values.down) {
    report(await migrateDownAll(client.db), 'nothing to roll back')
  } else {
    report(await migrateToLatest(client.db), 'already up to date')
    await ensureUpcomingPartitions(client.db, new Date())
  }
} finally {
  await client.close()
}
