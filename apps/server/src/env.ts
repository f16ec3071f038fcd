import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { timeZone } from '@leads/contract'
import { z } from 'zod'

/**
 * The repository root, found from this file rather than the working directory: turbo and pnpm
 * run the server from `apps/server`, a developer may run it from anywhere.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '.data', 'pglite')

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Set → PostgreSQL through a pool; unset → embedded PGlite in DATA_DIR. */
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })
    .optional(),
  /** Set → cache and live fan-out go through Redis (shared by every instance). */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
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
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
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
    // Never echo connection URLs back: they may carry a password.
    const shown = name.endsWith('_URL') ? '' : ` (got ${JSON.stringify(present[name])})`
    return `  ${name}: ${issue.message}${shown}`
  })
  throw new EnvError(`invalid environment:\n${lines.join('\n')}`)
}

/** Reads `process.env` once at start-up; on a bad variable prints why and exits with code 1. */
export function loadEnv(): Env {
  try {
    return parseEnv(process.env)
  } catch (error) {
    if (!(error instanceof EnvError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
