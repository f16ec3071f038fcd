import { isAbsolute, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_DATA_DIR, EnvError, parseEnv, REPO_ROOT } from './env.js'

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
      NODE_ENV: 'development',
    })
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
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError)
    expect(() => parseEnv({ [name]: value })).toThrow(
      new RegExp(`^invalid environment:\\n  ${name}: `),
    )
  })

  it('never echoes a bad DATABASE_URL, which may hold a password', () => {
    expect(() => parseEnv({ DATABASE_URL: 'mysql://root:hunter2@localhost/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    )
  })
})
