import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { IANAZone } from 'luxon'
import { z } from 'zod'
import { createDbClient, type DbClient } from '../client.js'

/** The repository root, found from this file so the CLIs behave the same from any directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

const blankIsUnset = (v: unknown) => (v === '' ? undefined : v)

const envSchema = z.object({
  DATABASE_URL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATA_DIR: z.preprocess(blankIsUnset, z.string().optional()),
  ORG_TIMEZONE: z.preprocess(
    blankIsUnset,
    z
      .string()
      .refine((tz) => IANAZone.isValidZone(tz), 'must be an IANA time zone such as Europe/Berlin')
      .default('UTC'),
  ),
  PORT: z.preprocess(blankIsUnset, z.coerce.number().int().min(1).max(65_535).default(3000)),
  INGEST_TOKEN: z.preprocess(blankIsUnset, z.string().optional()),
})

export type CliEnv = z.infer<typeof envSchema>

/** The script's arguments: `pnpm db:seed -- --days 2` hands it the `--` too. */
export function scriptArgs(argv: string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : argv
}

/** Exits with a clear message when a `--tz` flag is not an IANA zone. */
export function timeZoneFlag(tz: string): string {
  if (IANAZone.isValidZone(tz)) return tz
  console.error(
    `--tz: unknown IANA time zone ${JSON.stringify(tz)} (e.g. Europe/Berlin, Asia/Kolkata)`,
  )
  process.exit(2)
}

/** Reads the environment once; a bad value exits with a message naming the variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const parsed = envSchema.safeParse(source)
  if (parsed.success) return parsed.data
  for (const issue of parsed.error.issues) {
    console.error(`invalid environment variable ${issue.path.join('.')}: ${issue.message}`)
  }
  process.exit(2)
}

/**
 * PGlite's data directory. A relative `DATA_DIR` is taken from the repository root, because pnpm
 * runs package scripts inside the package.
 */
export function pgliteDir(env: CliEnv): string {
  return resolve(REPO_ROOT, env.DATA_DIR ?? '.data/pglite')
}

/**
 * `DATABASE_URL` set → Postgres; otherwise the embedded PGlite at `pgliteDir`. One that cannot be
 * opened (PGlite held by `pnpm dev`, Postgres refusing) exits with the reason, not a stack trace.
 */
export async function openDatabase(env: CliEnv): Promise<DbClient> {
  try {
    if (env.DATABASE_URL) return await createDbClient({ databaseUrl: env.DATABASE_URL })
    const dir = pgliteDir(env)
    // PGlite creates only the last path segment.
    mkdirSync(dir, { recursive: true })
    return await createDbClient({ dataDir: dir })
  } catch (err) {
    console.error(`cannot open ${describeDatabase(env)}: ${(err as Error).message}`)
    process.exit(1)
  }
}

/** Where the data goes, without the password. */
export function describeDatabase(env: CliEnv): string {
  if (!env.DATABASE_URL) return `PGlite at ${pgliteDir(env)}`
  try {
    const url = new URL(env.DATABASE_URL)
    return `Postgres at ${url.host}${url.pathname}`
  } catch {
    return 'Postgres'
  }
}
