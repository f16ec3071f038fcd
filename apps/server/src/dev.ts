import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { signToken } from '@leads/api'
import { type DbClient, ensureUpcomingPartitions, migrateDownAll, migrateToLatest } from '@leads/db'
// The seed and simulator entry point of packages/db (its `./seed` export).
import { DEFAULT_AGENTS, isEmpty, runSimulator, seedDatabase } from '@leads/db/seed'
import { createLogger, handleProcessSignals, openDatabase, startServer } from './app.js'
import { type Env, loadEnv } from './env.js'
import type { LeadsServer } from './server.js'

// `pnpm dev`: migrate, seed demo history when the database is empty, serve, and feed the server
// live events through its own ingest endpoint, as an external producer would.

/** The seed and the simulator share a roster: same count and seed, same agent ids and names. */
const ROSTER = { agents: DEFAULT_AGENTS, seed: 1 }
/**
 * Demo history: 30 days at about 8,000 events a day (about a minute to seed on PGlite). The
 * simulator keeps the same daily volume, shaped by office hours in ORG_TIMEZONE, so "today vs
 * yesterday" compares like with like instead of a flood of live events against a quiet history.
 */
const DEMO = { days: 30, events: 240_000 }
const SIMULATOR_EVENTS_PER_SECOND = DEMO.events / DEMO.days / 86_400
/** tsx watch kills a restarting process after 5 s; draining must finish well before that. */
const DRAIN_TIMEOUT_MS = 3_000
const PROGRESS_EVERY_MS = 5_000
/** HS256 wants a key at least as long as its hash; the environment check asks the same. */
const DEV_SECRET_BYTES = 32

/**
 * `pnpm dev` runs with authentication on, as production does, so that the dashboard's demo-user
 * picker (tokens from `POST /api/dev/token`) shows what each role really sees. Without a
 * configured AUTH_JWT_SECRET a random one is made once and kept beside the demo data: tokens in
 * open tabs and the leaderboard pseudonyms survive watch restarts. An identity provider
 * (AUTH_JWKS_URL) is left alone: a second, local way in would defeat testing against it.
 */
async function withDevSecret(base: Env): Promise<{ env: Env; secretFile: string | null }> {
  if (base.AUTH_JWT_SECRET !== undefined || base.AUTH_JWKS_URL !== undefined)
    return { env: base, secretFile: null }
  const secretFile = `${base.DATA_DIR}.dev-secret`
  let secret = await readFile(secretFile, 'utf8').then(
    (text) => text.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return ''
      throw err
    },
  )
  if (Buffer.byteLength(secret) < DEV_SECRET_BYTES) {
    secret = randomBytes(DEV_SECRET_BYTES).toString('hex')
    await mkdir(dirname(secretFile), { recursive: true })
    await writeFile(secretFile, `${secret}\n`, { mode: 0o600 })
  }
  return { env: { ...base, AUTH_JWT_SECRET: secret }, secretFile }
}

// Development tokens and loopback origins are what `pnpm dev` is for; NODE_ENV can still say otherwise.
const { env, secretFile } = await withDevSecret(loadEnv({ NODE_ENV: 'development' }))
const logger = createLogger(env)
if (secretFile)
  logger.info(
    { secretFile },
    'development authentication: AUTH_JWT_SECRET unset, using a generated one; get tokens from POST /api/dev/token',
  )
const stop = new AbortController()
let client: DbClient | undefined
let server: LeadsServer | undefined
let simulation: Promise<unknown> = Promise.resolve()

/**
 * A marker beside the PGlite directory says the demo seed ran to the end. Seeding takes about a
 * minute and a watch restart can interrupt it; a half-seeded demo database is wiped and seeded
 * again rather than kept with a hole in its history. A Postgres database is never wiped.
 */
const seededMarker = `${env.DATA_DIR}.seeded`

async function seedIfEmpty(db: DbClient['db']): Promise<void> {
  const embedded = !env.DATABASE_URL
  if (embedded && existsSync(seededMarker)) {
    logger.info('demo data already seeded')
    return
  }
  if (!(await isEmpty(db))) {
    if (!embedded) {
      logger.info('database has events; not seeding')
      return
    }
    logger.warn('the previous demo seed was interrupted; starting it over')
    await migrateDownAll(db)
    await migrateToLatest(db)
    await ensureUpcomingPartitions(db, new Date())
  }
  const opts = { now: new Date(), ...DEMO, tz: env.ORG_TIMEZONE, ...ROSTER }
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
  if (embedded) await writeFile(seededMarker, `${new Date().toISOString()}\n`)
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
  // With authentication on, the simulator sends events as an ingest client would: with a token.
  const token = env.AUTH_JWT_SECRET
    ? await signToken(env.AUTH_JWT_SECRET, { sub: 'dev-simulator', role: 'ingest' }, '30d', {
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
      })
    : undefined
  if (!token && env.AUTH_JWKS_URL)
    simLogger.warn(
      'AUTH_JWKS_URL without AUTH_JWT_SECRET: the simulator has no token and will be refused',
    )
  // The seed, or the run before a watch restart, has already written up to here.
  const newest = await client.db
    .selectFrom('lead_events')
    .select((eb) => eb.fn.max('occurred_at').as('at'))
    .where('occurred_at', '<=', new Date())
    .executeTakeFirst()
  simulation = runSimulator({
    token,
    url: started.url,
    ratePerSecond: SIMULATOR_EVENTS_PER_SECOND,
    seasonal: true,
    backlogAfter: newest?.at ? new Date(newest.at).getTime() : undefined,
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

/**
 * Ends the `tsx watch` that runs this process, if one does. After a failed start it would wait
 * for an edit, and `pnpm dev` would go on serving a dashboard without its API; what fails here
 * is mostly the environment (the port, a database held by another process), which no edit fixes.
 * With the watcher gone turbo stops the dashboard too, and `pnpm dev` exits with the error above
 * it. A bug in start-up code ends it too: fix it and run `pnpm dev` again. (Code that fails to
 * load never gets here; the watcher waits for the fix.)
 */
function stopWatcher(): void {
  let parent: string
  try {
    parent = execFileSync('ps', ['-o', 'command=', '-p', String(process.ppid)], {
      encoding: 'utf8',
    })
  } catch {
    return // No `ps` (Windows): the watcher waits for an edit, as before.
  }
  if (/\btsx\b.* watch\b/.test(parent)) process.kill(process.ppid, 'SIGTERM')
}

try {
  await startup
} catch (err) {
  // After a shutdown request the signal handler finishes the job and exits.
  if (!stop.signal.aborted) {
    logger.fatal({ err }, 'start-up failed')
    await (server ? server.close() : client?.close())
    stopWatcher()
    process.exit(1)
  }
}
