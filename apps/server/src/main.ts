import type { DbClient } from '@leads/db'
import { createLogger, handleProcessSignals, openDatabase, startServer } from './app.js'
import { loadEnv } from './env.js'
import type { LeadsServer } from './server.js'

// Production entry: migrate, serve, drain on SIGTERM. No demo data here (that is dev.ts).
const env = loadEnv()
const logger = createLogger(env)
let client: DbClient | undefined
let server: LeadsServer | undefined

async function start(): Promise<void> {
  client = await openDatabase(env, logger)
  server = (await startServer(env, logger, client)).server
}

const startup = start()

// Registered before start-up finishes: a SIGTERM during migrations lets them finish, then closes.
handleProcessSignals(async () => {
  await startup.catch(() => {})
  await (server ? server.close() : client?.close())
}, logger)

try {
  await startup
} catch (err) {
  logger.fatal({ err }, 'start-up failed')
  await client?.close()
  process.exit(1)
}
