import type { DbClient } from '@leads/db'
// The seed and simulator entry point of packages/db (its `./seed` export).
import { DEFAULT_AGENTS, DEFAULT_DAYS, isEmpty, runSimulator, seedDatabase } from '@leads/db/seed'
import { createLogger, handleProcessSignals, openDatabase, startServer } from './app.js'
import { loadEnv } from './env.js'
import type { LeadsServer } from './server.js'

// `pnpm dev`: migrate, seed demo history when the database is empty, serve, and feed the server
// live events through its own ingest endpoint, as an external producer would.

/** The seed and the simulator share a roster: same count and seed, same agent ids and names. */
const ROSTER = { agents: DEFAULT_AGENTS, seed: 1 }
const SIMULATOR_EVENTS_PER_SECOND = 5
/** tsx watch kills a restarting process after 5 s; draining must finish well before that. */
const DRAIN_TIMEOUT_MS = 3_000
const PROGRESS_EVERY_MS = 5_000

const env = loadEnv()
const logger = createLogger(env)
const stop = new AbortController()
let client: DbClient | undefined
let server: LeadsServer | undefined
let simulation: Promise<unknown> = Promise.resolve()

async function seedIfEmpty(db: DbClient['db']): Promise<void> {
  if (!(await isEmpty(db))) {
    logger.info('database has events; not seeding')
    return
  }
  const opts = { now: new Date(), days: DEFAULT_DAYS, tz: env.ORG_TIMEZONE, ...ROSTER }
  logger.info({ days: opts.days, agents: opts.agents, tz: opts.tz }, 'seeding demo data')
  let logged = 0
  const result = await seedDatabase(db, opts, ({ done, expected, elapsedMs }) => {
    // Throwing from the progress callback is the way to stop seeding after a committed batch.
    if (stop.signal.aborted) throw new Error('seeding interrupted by shutdown')
    if (elapsedMs - logged < PROGRESS_EVERY_MS) return
    logged = elapsedMs
    const perSecond = Math.round(done / (elapsedMs / 1000))
    logger.info({ done, expected, perSecond }, 'seeding')
  })
  const { rejections, ...summary } = result
  if (result.rejected > 0) logger.warn({ ...summary, rejections }, 'seeded, some events rejected')
  else logger.info(summary, 'seeded')
}

/** Each step checks for a shutdown request first; the signal handler waits for this to settle. */
async function startDev(): Promise<void> {
  client = await openDatabase(env, logger)
  if (stop.signal.aborted) return
  await seedIfEmpty(client.db)
  if (stop.signal.aborted) return
  const started = await startServer(env, logger, client, { drainTimeoutMs: DRAIN_TIMEOUT_MS })
  server = started.server
  if (stop.signal.aborted) return
  const simLogger = logger.child({ component: 'simulator' })
  simulation = runSimulator({
    url: started.url,
    ratePerSecond: SIMULATOR_EVENTS_PER_SECOND,
    tz: env.ORG_TIMEZONE,
    signal: stop.signal,
    ...ROSTER,
    log: (line) => simLogger.info(line),
  }).then(
    (stats) => simLogger.info(stats, 'simulator stopped'),
    (err: unknown) => simLogger.error({ err }, 'simulator failed'),
  )
}

const startup = startDev()

// Registered before start-up finishes so a Ctrl-C or a watch restart during migration or seeding
// lets the current step finish instead of killing PGlite mid-write.
handleProcessSignals(async () => {
  stop.abort()
  await startup.catch(() => {})
  await simulation
  await (server ? server.close() : client?.close())
}, logger)

try {
  await startup
} catch (err) {
  // After a shutdown request the signal handler finishes the job and exits.
  if (!stop.signal.aborted) {
    logger.fatal({ err }, 'start-up failed')
    await (server ? server.close() : client?.close())
    process.exit(1)
  }
}
