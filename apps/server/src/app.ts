import {
  type Bus,
  CursorGenerationCache,
  channelOf,
  createRateLimits,
  createVerifier,
  FeedHub,
  IngestGate,
  InProcessBus,
  MemoryCache,
  PostgresBus,
  type ReadCache,
  RedisBus,
  RedisCache,
  systemClock,
  type Verifier,
} from '@leads/api'
import {
  createDbClient,
  type DbClient,
  type DbOptions,
  deploymentId,
  ensureUpcomingPartitions,
  migrateToLatest,
} from '@leads/db'
import { Redis } from 'ioredis'
import pg from 'pg'
import { type Logger, pino } from 'pino'
import { authEnabled, type Env, pseudonymKeyOf } from './env.js'
import { createMetrics, poolCounts } from './metrics.js'
import { createServer, type LeadsServer } from './server.js'
import { createStaticHandler } from './static.js'

/**
 * Structured JSON logs on stdout, one line per event. Written synchronously: the volume is small,
 * and the lines that matter most (why start-up or shutdown failed) must not sit in a buffer when
 * the process ends.
 */
export function createLogger(env: Env): Logger {
  return pino(
    { level: env.LOG_LEVEL, base: { service: 'leads-server', env: env.NODE_ENV } },
    pino.destination({ dest: 1, sync: true }),
  )
}

/** Where the data lives, without the password. */
export function describeDatabase(env: Env): string {
  if (!env.DATABASE_URL) return `PGlite at ${env.DATA_DIR}`
  const url = new URL(env.DATABASE_URL)
  return `Postgres at ${url.host}${url.pathname}`
}

/**
 * Opens the database `env` names (Postgres when `DATABASE_URL` is set, else PGlite in
 * `DATA_DIR`), applies pending migrations and creates the coming months' partitions.
 */
export async function openDatabase(env: Env, logger: Logger): Promise<DbClient> {
  const client = await createDbClient(
    env.DATABASE_URL ? postgres(env, env.DATABASE_URL, logger) : { dataDir: env.DATA_DIR },
  )
  try {
    const { results = [] } = await migrateToLatest(client.db)
    for (const r of results)
      logger.info({ migration: r.migrationName, direction: r.direction }, 'migrated')
    await ensureUpcomingPartitions(client.db, new Date())
  } catch (err) {
    await client.close()
    throw err
  }
  logger.info({ database: describeDatabase(env), kind: client.kind }, 'database ready')
  return client
}

function postgres(env: Env, databaseUrl: string, logger: Logger): DbOptions {
  return {
    databaseUrl,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS || undefined,
    // A dropped connection is replaced by the pool; worth a line, never a crash.
    onPoolError: (err) => logger.warn({ err, component: 'db' }, 'database connection lost'),
  }
}

/**
 * The read replica `DATABASE_READ_URL` names, or null. Not migrated: it replays the primary.
 * Reads use it only once it has caught up (see `readerFor`), so a replica that is down or behind
 * sends them to the primary.
 */
async function openReplica(env: Env, logger: Logger): Promise<DbClient | null> {
  if (!env.DATABASE_READ_URL) return null
  const replica = await createDbClient({
    ...postgres(env, env.DATABASE_READ_URL, logger),
    // A replica that does not answer is skipped for a while; a read should not wait long on it.
    connectTimeoutMs: 1_000,
  })
  const url = new URL(env.DATABASE_READ_URL)
  logger.info({ replica: `Postgres at ${url.host}${url.pathname}` }, 'read replica configured')
  return replica
}

/**
 * On Postgres, ingest's own connections. Ingest runs one batch at a time per schema across all
 * instances (`lockIngest`, which `reconcile` also takes), so batches beyond the first would only
 * wait on the lock while holding connections: up to `INGEST_MAX_IN_FLIGHT` of them, more than the
 * main pool has, and the dashboard's reads would then wait for a connection until they failed
 * (503). Here the batches wait in this pool's queue instead, and reads never wait for ingest's
 * connections, nor ingest for theirs. null on PGlite (one connection in process).
 */
async function openIngestPool(env: Env, logger: Logger, client: DbClient) {
  if (!env.DATABASE_URL || !client.pool) return null
  return createDbClient({
    ...postgres(env, env.DATABASE_URL, logger),
    schema: client.schema,
    poolSize: INGEST_POOL_SIZE,
    // Waiting here replaces waiting on the lock, which the statement timeout bounded (0: never).
    connectTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
  })
}

/** The batch holding the lock, and the next, ready to take it the moment it is released. */
const INGEST_POOL_SIZE = 2

/**
 * The process's live feed and read cache. One instance alone uses an in-process bus and memory;
 * on Postgres the instances hear each other through LISTEN/NOTIFY; with Redis, through its
 * pub/sub, and they share one cache.
 */
export async function startLive(env: Env, logger: Logger, client: DbClient) {
  const log = logger.child({ component: 'live' })
  const warn = (err: unknown) => log.warn({ err }, 'live transport error; falling back or retrying')
  const redis = env.REDIS_URL
    ? new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : null
  redis?.on('error', warn)
  // Deployments sharing one Redis must share none of its keys or channels.
  const namespace = redis ? `leads:${await deploymentId(client.db)}` : 'leads'
  // Without Redis, instances on one Postgres key their memory caches by the database's cursor,
  // so one's read right after another's ingest is never answered from before it.
  const memory = { maxBytes: env.CACHE_MAX_MB * 1024 * 1024 }
  const cache: ReadCache = redis
    ? new RedisCache(redis, { namespace, onError: warn, memory })
    : env.DATABASE_URL
      ? new CursorGenerationCache(client.db, memory)
      : new MemoryCache(memory)
  const databaseUrl = env.DATABASE_URL
  const bus: Bus = redis
    ? new RedisBus(redis, { channel: `${namespace}:events`, onError: warn })
    : client.pool && databaseUrl
      ? new PostgresBus(client.pool, () => new pg.Client({ connectionString: databaseUrl }), {
          // NOTIFY reaches only sessions on the same database; the schema tells the rest apart.
          channel: channelOf(client.schema),
          onError: warn,
        })
      : new InProcessBus()
  const hub = new FeedHub(client.db, bus, { onError: warn, replayLimit: env.FEED_REPLAY_EVENTS })
  await hub.start()
  // Another instance's ingest reaches this one through the hub; its memory cache must drop too.
  hub.onChange(() => void cache.invalidate())
  log.info({ bus: bus.constructor.name, cache: cache.kind }, 'live feed started')
  return {
    live: hub,
    cache,
    redis,
    namespace,
    stop: async () => {
      await hub.stop()
      redis?.disconnect()
    },
  }
}

/** What the server needs to authenticate callers, built once from the environment. */
export interface AuthSetup {
  /** null: no AUTH_JWT_SECRET or AUTH_JWKS_URL, an open server. */
  verify: Verifier | null
  authRequired: boolean
  anonymizeLeaderboard: boolean
  pseudonymKey: string
  devTokens: {
    jwtSecret: string | undefined
    nodeEnv: string
    issuer: string | undefined
    audience: string | undefined
  }
}

/**
 * Builds the token verifier when a secret or key set is configured (then every API call needs a
 * token), and the leaderboard privacy settings. Without either the server stays open, with a
 * warning, as it was before authentication existed.
 */
export function setupAuth(env: Env, logger: Logger): AuthSetup {
  const log = logger.child({ component: 'auth' })
  const enabled = authEnabled(env)
  const verify = enabled
    ? createVerifier({
        jwtSecret: env.AUTH_JWT_SECRET,
        jwksUrl: env.AUTH_JWKS_URL,
        issuer: env.AUTH_JWT_ISSUER,
        audience: env.AUTH_JWT_AUDIENCE,
      })
    : null
  if (enabled) {
    log.info(
      {
        hs256: env.AUTH_JWT_SECRET !== undefined,
        jwks: env.AUTH_JWKS_URL !== undefined,
        issuer: env.AUTH_JWT_ISSUER ?? null,
        audience: env.AUTH_JWT_AUDIENCE ?? null,
      },
      'authentication required',
    )
  } else {
    log.warn(
      'authentication disabled: set AUTH_JWT_SECRET or AUTH_JWKS_URL; every endpoint is open to anyone who can reach it',
    )
  }
  const pseudonym = pseudonymKeyOf(env)
  if (pseudonym.source === 'dev')
    log.warn(
      'PSEUDONYM_KEY and AUTH_JWT_SECRET unset: leaderboard pseudonyms use a fixed development key anyone can reverse',
    )
  return {
    verify,
    authRequired: enabled,
    anonymizeLeaderboard: env.LEADERBOARD_ANONYMIZE,
    pseudonymKey: pseudonym.key,
    devTokens: {
      jwtSecret: env.AUTH_JWT_SECRET,
      nodeEnv: env.NODE_ENV,
      issuer: env.AUTH_JWT_ISSUER,
      audience: env.AUTH_JWT_AUDIENCE,
    },
  }
}

/** Builds the server over an open database (closed with the server) and starts listening. */
export async function startServer(
  env: Env,
  logger: Logger,
  client: DbClient,
  opts: { drainTimeoutMs?: number } = {},
): Promise<{ server: LeadsServer; url: string }> {
  const auth = setupAuth(env, logger)
  const replica = await openReplica(env, logger)
  const ingestPool = await openIngestPool(env, logger, client)
  const { live, cache, redis, namespace, stop } = await startLive(env, logger, client)
  const metrics = createMetrics()
  const limits = createRateLimits({
    readPerMinute: env.RATE_LIMIT_PER_MINUTE,
    ingestPerMinute: env.INGEST_RATE_LIMIT_PER_MINUTE,
    streamsPerCaller: env.STREAM_LIMIT_PER_CALLER,
    redis,
    keyPrefix: `${namespace}:rl`,
    onLimited: (budget) => metrics.limited(budget),
  })
  metrics.watch({
    pools: () => ({ main: poolCounts(client.pool), ingest: poolCounts(ingestPool?.pool ?? null) }),
  })
  const server = createServer({
    deps: {
      db: client.db,
      ingestDb: ingestPool?.db ?? null,
      readDb: replica?.db ?? null,
      clock: systemClock,
      orgTimezone: env.ORG_TIMEZONE,
      live,
      cache: env.CACHE === 'off' ? null : cache,
      authRequired: auth.authRequired,
      anonymizeLeaderboard: auth.anonymizeLeaderboard,
      pseudonymKey: auth.pseudonymKey,
      limits,
      ingestGate: env.INGEST_MAX_IN_FLIGHT > 0 ? new IngestGate(env.INGEST_MAX_IN_FLIGHT) : null,
      trustProxyHops: env.TRUST_PROXY_HOPS,
      observe: metrics.observer,
    },
    metrics,
    metricsToken: env.METRICS_TOKEN ?? null,
    allowedOrigins: env.ALLOWED_ORIGINS,
    allowLoopbackOrigins: env.NODE_ENV !== 'production',
    verify: auth.verify,
    devTokens: auth.devTokens,
    logger,
    port: env.PORT,
    host: env.HOST,
    dashboard: createStaticHandler(env.DASHBOARD_DIR),
    closeDb: async () => {
      await stop()
      await replica?.close()
      await ingestPool?.close()
      await client.close()
    },
    ...opts,
  })
  const url = await server.listen()
  logger.info({ url, host: env.HOST, port: env.PORT, orgTimezone: env.ORG_TIMEZONE }, 'listening')
  return { server, url }
}

/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits 0 (1 if it failed). A repeated signal is
 * ignored rather than forcing an exit: one Ctrl-C reaches the process through turbo, pnpm and tsx
 * at once, and cutting shutdown short could leave a PGlite directory half written. Errors that
 * escape every handler are logged and shut the process down the same way with exit code 1.
 */
export function handleProcessSignals(shutdown: () => Promise<void>, logger: Logger): void {
  let stopping = false
  const stop = (code: number) => {
    if (stopping) return
    stopping = true
    shutdown().then(
      () => process.exit(code),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info({ signal }, stopping ? 'already shutting down' : 'signal received')
      stop(0)
    })
  }
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception')
    stop(1)
  })
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection')
    stop(1)
  })
}
