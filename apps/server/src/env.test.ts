import { execFile } from 'node:child_process'
import { isAbsolute, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  authEnabled,
  DEFAULT_DATA_DIR,
  DEV_PSEUDONYM_KEY,
  EnvError,
  envSchema,
  parseEnv,
  pseudonymKeyOf,
  REPO_ROOT,
} from './env.js'

const SECRET = 'a-shared-secret-of-at-least-32-bytes!'

describe('parseEnv', () => {
  it('fills defaults, with the PGlite directory under the repository root', () => {
    const env = parseEnv({})
    expect(env).toEqual({
      PORT: 3000,
      HOST: '127.0.0.1',
      DATA_DIR: DEFAULT_DATA_DIR,
      DASHBOARD_DIR: join(REPO_ROOT, 'apps', 'dashboard', 'dist'),
      ORG_TIMEZONE: 'UTC',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      LEADERBOARD_ANONYMIZE: false,
      CACHE: 'on',
      CACHE_MAX_MB: 32,
      RATE_LIMIT_PER_MINUTE: 1_200,
      INGEST_RATE_LIMIT_PER_MINUTE: 600,
      INGEST_MAX_IN_FLIGHT: 16,
      TRUST_PROXY_HOPS: 0,
      STREAM_LIMIT_PER_CALLER: 20,
      FEED_REPLAY_EVENTS: 10_000,
      DB_STATEMENT_TIMEOUT_MS: 10_000,
      ALLOWED_ORIGINS: [],
    })
    expect(authEnabled(env)).toBe(false)
    expect(DEFAULT_DATA_DIR).toBe(join(REPO_ROOT, '.data', 'pglite'))
    expect(isAbsolute(DEFAULT_DATA_DIR)).toBe(true)
  })

  it('reads given values and treats empty strings as unset', () => {
    const env = parseEnv({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test',
      DATA_DIR: 'tmp/db',
      ORG_TIMEZONE: 'Asia/Kolkata',
      LOG_LEVEL: '',
      NODE_ENV: 'production',
      UNRELATED: 'ignored',
    })
    expect(env).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test',
      DATA_DIR: join(REPO_ROOT, 'tmp', 'db'),
      ORG_TIMEZONE: 'Asia/Kolkata',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    })
    expect(env).not.toHaveProperty('UNRELATED')
  })

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['ORG_TIMEZONE', 'Mars/Olympus_Mons'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['AUTH_JWKS_URL', 'ftp://idp.example/jwks.json'],
    ['LEADERBOARD_ANONYMIZE', 'maybe'],
    ['PSEUDONYM_KEY', 'short'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['INGEST_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['STREAM_LIMIT_PER_CALLER', '1.5'],
    ['FEED_REPLAY_EVENTS', '0'],
    ['FEED_REPLAY_EVENTS', '2000000'],
    ['INGEST_MAX_IN_FLIGHT', '-1'],
    ['TRUST_PROXY_HOPS', 'all'],
    ['METRICS_TOKEN', 'short'],
    ['DB_STATEMENT_TIMEOUT_MS', 'soon'],
    ['ALLOWED_ORIGINS', 'https://wall.example.com/path'],
    ['ALLOWED_ORIGINS', 'wall.example.com'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError)
    expect(() => parseEnv({ [name]: value })).toThrow(
      new RegExp(`^invalid environment:\\n  ${name}: `),
    )
  })

  it('reads the limits and the origin allow-list (0 turns a limit off)', () => {
    const env = parseEnv({
      RATE_LIMIT_PER_MINUTE: '0',
      INGEST_RATE_LIMIT_PER_MINUTE: '30',
      INGEST_MAX_IN_FLIGHT: '4',
      TRUST_PROXY_HOPS: '1',
      STREAM_LIMIT_PER_CALLER: '3',
      FEED_REPLAY_EVENTS: '50000',
      DB_STATEMENT_TIMEOUT_MS: '2500',
      ALLOWED_ORIGINS: ' https://wall.example.com, http://localhost:8080 ,',
    })
    expect(env).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 0,
      INGEST_RATE_LIMIT_PER_MINUTE: 30,
      INGEST_MAX_IN_FLIGHT: 4,
      TRUST_PROXY_HOPS: 1,
      STREAM_LIMIT_PER_CALLER: 3,
      FEED_REPLAY_EVENTS: 50_000,
      DB_STATEMENT_TIMEOUT_MS: 2500,
      ALLOWED_ORIGINS: ['https://wall.example.com', 'http://localhost:8080'],
    })
  })

  it('never echoes a bad DATABASE_URL, which may hold a password', () => {
    expect(() => parseEnv({ DATABASE_URL: 'mysql://root:hunter2@localhost/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })

  it('takes DATABASE_READ_URL only beside DATABASE_URL', () => {
    const replica = 'postgresql://reader:hunter2@replica:5432/leads'
    expect(
      parseEnv({ DATABASE_URL: 'postgresql://postgres@primary/leads', DATABASE_READ_URL: replica })
        .DATABASE_READ_URL,
    ).toBe(replica)
    expect(() => parseEnv({ DATABASE_READ_URL: replica })).toThrow(
      /DATABASE_READ_URL: needs DATABASE_URL/,
    )
    expect(() => parseEnv({ DATABASE_READ_URL: replica })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })

  it('reads the authentication variables', () => {
    const env = parseEnv({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://idp.example/',
      AUTH_JWT_AUDIENCE: 'leads-api',
      LEADERBOARD_ANONYMIZE: 'TRUE',
      PSEUDONYM_KEY: 'a-pseudonym-key-for-all-instances',
    })
    expect(env).toMatchObject({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://idp.example/',
      AUTH_JWT_AUDIENCE: 'leads-api',
      LEADERBOARD_ANONYMIZE: true,
      PSEUDONYM_KEY: 'a-pseudonym-key-for-all-instances',
    })
    expect(authEnabled(env)).toBe(true)
    expect(authEnabled(parseEnv({ AUTH_JWKS_URL: 'https://idp.example/jwks' }))).toBe(true)
    expect(parseEnv({ LEADERBOARD_ANONYMIZE: '0' }).LEADERBOARD_ANONYMIZE).toBe(false)
  })

  it('refuses a JWT secret shorter than 32 bytes without echoing it', () => {
    const short = 'hunter2-but-still-too-short'
    expect(() => parseEnv({ AUTH_JWT_SECRET: short })).toThrow(
      /^invalid environment:\n {2}AUTH_JWT_SECRET: must be at least 32 bytes$/,
    )
    expect(() => parseEnv({ PSEUDONYM_KEY: 'hunter2' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })

  it('derives the pseudonym key: PSEUDONYM_KEY, else a hash of the secret, else a dev key', () => {
    const own = pseudonymKeyOf(parseEnv({ AUTH_JWT_SECRET: SECRET, PSEUDONYM_KEY: 'k'.repeat(20) }))
    expect(own).toEqual({ key: 'k'.repeat(20), source: 'env' })

    const derived = pseudonymKeyOf(parseEnv({ AUTH_JWT_SECRET: SECRET }))
    expect(derived.source).toBe('secret')
    expect(derived.key).toMatch(/^[0-9a-f]{64}$/)
    expect(derived.key).not.toContain(SECRET)
    // Every instance with the same secret agrees; another secret gives another key.
    expect(pseudonymKeyOf(parseEnv({ AUTH_JWT_SECRET: SECRET })).key).toBe(derived.key)
    expect(pseudonymKeyOf(parseEnv({ AUTH_JWT_SECRET: `${SECRET}x` })).key).not.toBe(derived.key)

    expect(pseudonymKeyOf(parseEnv({}))).toEqual({ key: DEV_PSEUDONYM_KEY, source: 'dev' })
  })
})

describe('the settings under turbo', () => {
  // turbo's strict mode hands a task only the variables turbo.json lists: a setting missing
  // there (METRICS_TOKEN, RATE_LIMIT_PER_MINUTE) was silently dropped by `pnpm dev`/`pnpm start`.
  it('reach the server started by `pnpm dev` and `pnpm start`, every one of them', async () => {
    const { stdout } = await promisify(execFile)(
      'pnpm',
      ['exec', 'turbo', 'run', 'dev', 'start', '--filter=@leads/server', '--dry=json'],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
    )
    type Vars = { passthrough: string[] | null; specified: { passThroughEnv?: string[] | null } }
    const plan = JSON.parse(stdout) as {
      globalCacheInputs: { environmentVariables: Vars }
      tasks: { taskId: string; envMode: string; environmentVariables: Vars }[]
    }
    const settings = Object.keys(envSchema.shape)
    const global = plan.globalCacheInputs.environmentVariables.specified.passThroughEnv ?? []
    const tasks = plan.tasks.filter((t) => /^@leads\/server#(dev|start)$/.test(t.taskId))
    expect(tasks).toHaveLength(2)
    for (const task of tasks) {
      if (task.envMode === 'loose') continue
      const passed = [...global, ...(task.environmentVariables.passthrough ?? [])]
      expect(
        settings.filter((name) => !passed.includes(name)),
        task.taskId,
      ).toEqual([])
    }
  })
})
