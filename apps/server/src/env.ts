import { createHash } from 'node:crypto'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REPLAY_LIMIT } from '@leads/api'
import { timeZone } from '@leads/contract'
import { z } from 'zod'

/**
 * The repository root, found from this file rather than the working directory: turbo and pnpm
 * run the server from `apps/server`, a developer may run it from anywhere.
 */
// From `src/env.ts` and from the bundle `dist/main.js` alike: both sit two folders below the root.
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '.data', 'pglite')

/** HS256 needs a key at least as long as its hash (RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32

/** `true`/`false` (also `1`/`0`, `yes`/`no`), case-insensitive. */
const booleanFlag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Every setting the server reads, by variable name. */
export const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Set → PostgreSQL through a pool; unset → embedded PGlite in DATA_DIR. */
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
      .optional(),
    /**
     * A read replica of DATABASE_URL for the analytics reads; a read goes to the primary while the
     * replica has not replayed the primary's last committed event.
     */
    DATABASE_READ_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
      .optional(),
    /** Set → cache and live fan-out go through Redis (shared by every instance). */
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
    /** off → reads skip the cache (the benchmark measures both); on by default. */
    CACHE: z.enum(['on', 'off']).default('on'),
    /** The in-process cache's budget, in MB of the answers' JSON (unused with REDIS_URL). */
    CACHE_MAX_MB: z.coerce.number().positive().max(4_096).default(32),
    /** Relative paths are taken from the repository root, for the same reason as REPO_ROOT. */
    DATA_DIR: z
      .string()
      .min(1)
      .default(DEFAULT_DATA_DIR)
      .transform((dir) => (isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir))),
    /** The built dashboard served at `/` (`pnpm build` writes it). */
    DASHBOARD_DIR: z
      .string()
      .min(1)
      .default(resolve(REPO_ROOT, 'apps', 'dashboard', 'dist'))
      .transform((dir) => (isAbsolute(dir) ? dir : resolve(REPO_ROOT, dir))),
    ORG_TIMEZONE: timeZone.default('UTC'),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    /**
     * production unless said otherwise: development mints tokens for any role on request
     * (`POST /api/dev/token`) and trusts loopback origins, so a server started without it
     * (`node dist/main.js`) must not be one. `pnpm dev` sets development.
     */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
    /** HS256 secret; set (or AUTH_JWKS_URL) → every API call needs a bearer token. */
    AUTH_JWT_SECRET: z
      .string()
      .refine((s) => Buffer.byteLength(s) >= MIN_SECRET_BYTES, {
        error: `must be at least ${MIN_SECRET_BYTES} bytes`,
      })
      .optional(),
    /** JSON Web Key Set of an identity provider, for RS256/PS256/ES256/EdDSA tokens. */
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).optional(),
    /** When set, a token's `iss` must equal it. */
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    /** When set, a token's `aud` must contain it. */
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    /** true → other agents appear under pseudonyms on every viewer's leaderboard, not only agents'. */
    LEADERBOARD_ANONYMIZE: booleanFlag.default(false),
    /** HMAC key of the leaderboard pseudonyms; default derived from AUTH_JWT_SECRET. */
    PSEUDONYM_KEY: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    /** Read requests a minute per caller (token subject, or address when anonymous); 0 = off. */
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1_200),
    /** Ingest requests (batches of up to 5,000 events) a minute per caller; 0 = off. */
    INGEST_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /**
     * Ingest batches this instance holds at once, being stored or waiting to be (ingest is
     * serialised); past it a batch is answered 503 + Retry-After. 0 = no cap.
     */
    INGEST_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(16),
    /**
     * How many of the latest events a client resuming the live feed by cursor is replayed; an
     * older cursor gets a gap notice. Each instance behind one load balancer should say the same.
     */
    FEED_REPLAY_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(REPLAY_LIMIT),
    /** Live streams (activity feeds, live metrics) one caller may hold open; 0 = no cap. */
    STREAM_LIMIT_PER_CALLER: z.coerce.number().int().min(0).default(20),
    /**
     * Reverse proxies in front of the server (load balancers, ingress): with N, an anonymous
     * caller's budget is keyed by the address the outermost of them saw in `X-Forwarded-For`.
     * 0 (default): the peer's address; forwarded headers are ignored.
     */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
    METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    /** Postgres: a statement running longer is cancelled and answered 503; 0 = never. */
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /**
     * Browser origins allowed besides the server's own (comma-separated, e.g.
     * `https://wall.example.com`); any other Origin is refused with 403.
     */
    ALLOWED_ORIGINS: z
      .string()
      .transform((list, ctx) => {
        const origins = list
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== '')
        for (const origin of origins) {
          const parsed = URL.canParse(origin) ? new URL(origin) : null
          if (parsed?.origin !== origin)
            ctx.addIssue({
              code: 'custom',
              message: `not an origin like https://host[:port]: ${origin}`,
            })
        }
        return origins
      })
      .default([]),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_READ_URL && !env.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_READ_URL'],
        message: 'needs DATABASE_URL: a replica is of a Postgres primary',
      })
  })

export type Env = z.infer<typeof envSchema>

/** Thrown by `parseEnv`; the message names every bad variable. */
export class EnvError extends Error {
  override name = 'EnvError'
}

/**
 * Validates the variables the server reads. An empty string counts as unset, so `FOO=` in a
 * shell or `.env` file means "use the default".
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const present = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((key) => [key, source[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  )
  const result = envSchema.safeParse(present)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment')
    // Never echo connection URLs (they may carry a password), secrets or keys back.
    const shown = SECRET_NAME.test(name) ? '' : ` (got ${JSON.stringify(present[name])})`
    return `  ${name}: ${issue.message}${shown}`
  })
  throw new EnvError(`invalid environment:\n${lines.join('\n')}`)
}

const SECRET_NAME = /(_URL|_SECRET|_KEY)$/

/** Whether the server verifies tokens (and then requires one on every API call). */
export function authEnabled(env: Env): boolean {
  return env.AUTH_JWT_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined
}

/** Used only when neither PSEUDONYM_KEY nor AUTH_JWT_SECRET is set; start-up warns. */
export const DEV_PSEUDONYM_KEY = 'leads-development-pseudonym-key (not secret)'

/**
 * The leaderboard pseudonym key and where it came from: PSEUDONYM_KEY; else a hash of
 * AUTH_JWT_SECRET (every instance with the same secret agrees, and the secret itself never
 * becomes the HMAC key); else a fixed development key, which anyone can use to reverse
 * pseudonyms by trying agent ids.
 */
export function pseudonymKeyOf(env: Env): { key: string; source: 'env' | 'secret' | 'dev' } {
  if (env.PSEUDONYM_KEY !== undefined) return { key: env.PSEUDONYM_KEY, source: 'env' }
  if (env.AUTH_JWT_SECRET !== undefined) {
    const key = createHash('sha256')
      .update('leads/pseudonym-key/v1\0')
      .update(env.AUTH_JWT_SECRET)
      .digest('hex')
    return { key, source: 'secret' }
  }
  return { key: DEV_PSEUDONYM_KEY, source: 'dev' }
}

/**
 * Reads `process.env` once at start-up, over the entry point's own `defaults` (a variable set
 * to the empty string counts as unset, as in {@link parseEnv}); on a bad variable prints why
 * and exits with code 1.
 */
export function loadEnv(defaults: Record<string, string> = {}): Env {
  try {
    return parseEnv({ ...defaults, ...definedIn(process.env) })
  } catch (error) {
    if (!(error instanceof EnvError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}

function definedIn(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  )
}
