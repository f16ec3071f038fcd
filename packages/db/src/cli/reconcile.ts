import { reconcile } from '../ingest/rebuild.js'
import { describeDatabase, loadEnv, openDatabase } from './env.js'

const env = loadEnv()
const client = await openDatabase(env)
try {
  console.log(`database: ${describeDatabase(env)}`)
  const started = performance.now()
  const differing = await reconcile(client.db)
  const took = `${((performance.now() - started) / 1000).toFixed(1)} s`
  if (differing.length === 0) {
    console.log(`derived tables match a rebuild from raw events (${took})`)
  } else {
    console.error(`derived tables differ from a rebuild from raw events (${took}):`)
    for (const t of differing) console.error(`  ${t}`)
    process.exitCode = 1
  }
} finally {
  await client.close()
}
