import { describe, expect, it } from 'vitest'
import { runTokenCli } from './cli.js'
import { createVerifier } from './tokens.js'

const SECRET = 'cli-test-secret-of-at-least-32-bytes-000'
const NOW = Date.parse('2026-06-15T12:00:00Z')
const verify = createVerifier(
  { jwtSecret: SECRET, issuer: 'leads', audience: 'api' },
  { clock: { now: () => NOW } },
)
const env = { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'leads', AUTH_JWT_AUDIENCE: 'api' }

describe('pnpm run token', () => {
  it('prints only the token on stdout, signed with AUTH_JWT_SECRET and the configured iss/aud', async () => {
    const r = await runTokenCli(
      ['--', '--role', 'agent', '--sub', 'agent-07', '--ttl', '2h'],
      env,
      NOW,
    )
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(r.stderr).toContain('expires 2026-06-15T14:00:00.000Z')
    expect(await verify(r.stdout.trim())).toEqual({
      sub: 'agent-07',
      role: 'agent',
      expiresAt: NOW + 2 * 3_600_000,
    })
  })

  it('signs manager tokens with their teams', async () => {
    const r = await runTokenCli(['--role', 'manager', '--sub', 'm1', '--teams', 't1, t2'], env, NOW)
    expect(await verify(r.stdout.trim())).toMatchObject({ role: 'manager', teamIds: ['t1', 't2'] })
  })

  it.each([
    [
      'AUTH_JWT_SECRET is missing',
      {},
      ['--role', 'agent', '--sub', 'a'],
      /AUTH_JWT_SECRET is not set/,
    ],
    [
      'AUTH_JWT_SECRET is blank',
      { AUTH_JWT_SECRET: '' },
      ['--role', 'agent', '--sub', 'a'],
      /not set/,
    ],
    [
      'AUTH_JWT_SECRET is short',
      { AUTH_JWT_SECRET: 'x' },
      ['--role', 'agent', '--sub', 'a'],
      /32 bytes/,
    ],
    ['the role is unknown', env, ['--role', 'root', '--sub', 'a'], /--role/],
    ['the sub is missing', env, ['--role', 'agent'], /--sub/],
    ['a manager has no teams', env, ['--role', 'manager', '--sub', 'm'], /--teams/],
    ['the ttl is not a duration', env, ['--role', 'agent', '--sub', 'a', '--ttl', 'soon'], /--ttl/],
    ['a flag is unknown', env, ['--rol', 'agent'], /Unknown option/],
  ])('exits 2 with a message when %s', async (_name, e, argv, message) => {
    const r = await runTokenCli(argv, e, NOW)
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr).toMatch(message)
  })

  it('prints usage for --help', async () => {
    const r = await runTokenCli(['--help'], {}, NOW)
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toContain('usage: pnpm run token -- --role')
  })
})
