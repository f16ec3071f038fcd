import { parseArgs } from 'node:util'
import type { MigrationResultSet } from 'kysely'
import {
  ensureUpcomingPartitions,
  migrateDownAll,
  migrateDownOne,
  migrateToLatest,
} from '../migrate.js'
import { describeDatabase, loadEnv, openDatabase, scriptArgs } from './env.js'

const USAGE = `usage: pnpm db:migrate [--down [--all]]
  (none)       apply every pending migration
  --down       roll back the latest migration applied
  --down --all roll back every migration: drops every table, and all the data in them`

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    down: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help || (values.all && !values.down)) {
  console.log(USAGE)
  process.exit(values.help ? 0 : 2)
}
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
    const down = values.all ? migrateDownAll : migrateDownOne
    report(await down(client.db), 'nothing to roll back')
  } else {
    report(await migrateToLatest(client.db), 'already up to date')
    await ensureUpcomingPartitions(client.db, new Date())
  }
} finally {
  await client.close()
}
