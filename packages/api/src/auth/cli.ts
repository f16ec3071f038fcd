import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ROLES, tokenClaims } from '@leads/contract'
import { z } from 'zod'
import { MIN_SECRET_BYTES, parseTtl, signToken } from './tokens.js'

// `pnpm token` alone is pnpm's own registry-token command, hence `run` and the `--`.
const USAGE = `usage: pnpm run token -- --role ${ROLES.join('|')} --sub <id> [--teams t1,t2]
                          [--ttl 8h] [--iss <issuer>] [--aud <audience>]
Prints an HS256 token signed with AUTH_JWT_SECRET on stdout (issuer and audience default to
AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE). --teams is required for role manager.`

const blankIsUnset = (v: unknown) => (v === '' ? undefined : v)
const envSchema = z.object({
  AUTH_JWT_SECRET: z.preprocess(
    blankIsUnset,
    z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'is not set: export the secret the server verifies tokens with'
            : 'must be a string',
      })
      .refine((s) => Buffer.byteLength(s) >= MIN_SECRET_BYTES, {
        message: `must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 48)`,
      }),
  ),
  AUTH_JWT_ISSUER: z.preprocess(blankIsUnset, z.string().optional()),
  AUTH_JWT_AUDIENCE: z.preprocess(blankIsUnset, z.string().optional()),
})

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** `pnpm token …`: arguments and environment in, the token (or why not) out. */
export async function runTokenCli(
  argv: string[],
  env: Record<string, string | undefined>,
  now = Date.now(),
): Promise<CliResult> {
  const fail = (message: string, code = 2): CliResult => ({
    code,
    stdout: '',
    stderr: `${message}\n`,
  })
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      // pnpm may pass a `--` before the script's own arguments.
      args: argv[0] === '--' ? argv.slice(1) : argv,
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        teams: { type: 'string' },
        ttl: { type: 'string', default: '8h' },
        iss: { type: 'string' },
        aud: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`)
  }
  if (values.help) return { code: 0, stdout: `${USAGE}\n`, stderr: '' }

  const parsedEnv = envSchema.safeParse(env)
  if (!parsedEnv.success) {
    const lines = parsedEnv.error.issues.map((i) => `${i.path.join('.')} ${i.message}`)
    return fail(lines.join('\n'))
  }
  const claims = tokenClaims.safeParse({
    role: values.role,
    sub: values.sub,
    teamIds:
      typeof values.teams === 'string'
        ? values.teams
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined,
  })
  if (!claims.success) {
    const flag = { role: '--role', sub: '--sub', teamIds: '--teams' } as Record<string, string>
    const lines = claims.error.issues.map((i) => {
      const key = String(i.path[0] ?? '')
      return `${flag[key] ?? key}: ${i.message}`
    })
    return fail(`${lines.join('\n')}\n${USAGE}`)
  }
  let ttlSeconds: number
  try {
    ttlSeconds = parseTtl(values.ttl as string)
  } catch (err) {
    return fail(`--ttl: ${(err as Error).message}`)
  }
  const { AUTH_JWT_SECRET, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE } = parsedEnv.data
  const token = await signToken(AUTH_JWT_SECRET, claims.data, ttlSeconds, {
    now,
    issuer: (values.iss as string | undefined) ?? AUTH_JWT_ISSUER,
    audience: (values.aud as string | undefined) ?? AUTH_JWT_AUDIENCE,
  })
  const expires = new Date((Math.floor(now / 1000) + ttlSeconds) * 1000).toISOString()
  return {
    code: 0,
    stdout: `${token}\n`,
    stderr: `${claims.data.role} token for ${claims.data.sub}, expires ${expires}\n`,
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))

if (invokedDirectly) {
  const result = await runTokenCli(process.argv.slice(2), process.env)
  process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  process.exitCode = result.code
}
