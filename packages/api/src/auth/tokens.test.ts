import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TRPCError } from '@trpc/server'
import fc from 'fast-check'
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueDevToken } from './dev.js'
import {
  AuthError,
  type AuthErrorReason,
  bearerToken,
  createVerifier,
  MAX_TOKEN_LENGTH,
  parseTtl,
  signToken,
  type Verifier,
} from './tokens.js'

const SECRET = 'test-secret-of-at-least-32-bytes-0123456789'
const NOW = Date.parse('2026-06-15T12:00:00Z')
const clock = { now: () => NOW }
const enc = (s: string) => new TextEncoder().encode(s)
const nowSec = Math.floor(NOW / 1000)

/** Signs any payload with any HS256 key and header, as an attacker could. */
function forge(payload: Record<string, unknown>, key: Uint8Array | CryptoKey, alg = 'HS256') {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid: 'k1' }).sign(key)
}

async function reasonOf(p: Promise<unknown>): Promise<AuthErrorReason> {
  try {
    await p
  } catch (err) {
    if (err instanceof AuthError) return err.reason
    throw err
  }
  throw new Error('expected the token to be refused')
}

const agentClaims = { sub: 'agent-07', role: 'agent' as const }

describe('HS256 verification', () => {
  const verify = createVerifier({ jwtSecret: SECRET }, { clock })

  it('accepts a token it signed and returns the identity with its expiry', async () => {
    const token = await signToken(SECRET, agentClaims, '1h', { now: NOW })
    expect(await verify(token)).toEqual({
      sub: 'agent-07',
      role: 'agent',
      expiresAt: (nowSec + 3600) * 1000,
    })
  })

  it('keeps teamIds for managers only', async () => {
    const manager = await signToken(
      SECRET,
      { sub: 'm1', role: 'manager', teamIds: ['t1', 't2', 't1'] },
      60,
      { now: NOW },
    )
    expect((await verify(manager)).teamIds).toEqual(['t1', 't2'])
    const agent = await forge({ ...agentClaims, teamIds: ['t9'], exp: nowSec + 60 }, enc(SECRET))
    expect(await verify(agent)).not.toHaveProperty('teamIds')
  })

  it('refuses alg none, with or without a signature part', async () => {
    const unsecured = new UnsecuredJWT({ ...agentClaims, role: 'admin' })
      .setExpirationTime(nowSec + 60)
      .encode()
    expect(await reasonOf(verify(unsecured))).toBe('algorithm')
    const [h, p] = unsecured.split('.')
    expect(await reasonOf(verify(`${h}.${p}.c2lnbmF0dXJl`))).toBe('algorithm')
    for (const alg of ['None', 'NONE', 'nOnE']) {
      const header = base64url.encode(JSON.stringify({ alg, typ: 'JWT' }))
      expect(await reasonOf(verify(`${header}.${p}.`))).toBe('algorithm')
    }
  })

  it('refuses HS384/HS512 and asymmetric algorithms it was not given keys for', async () => {
    const hs512 = await forge({ ...agentClaims, exp: nowSec + 60 }, enc(SECRET), 'HS512')
    expect(await reasonOf(verify(hs512))).toBe('algorithm')
    const { privateKey } = await generateKeyPair('RS256')
    const rs = await forge({ ...agentClaims, exp: nowSec + 60 }, privateKey, 'RS256')
    expect(await reasonOf(verify(rs))).toBe('algorithm')
  })

  it('refuses a wrong secret and a tampered payload', async () => {
    const other = await signToken('another-secret-also-32-bytes-long-xyz', agentClaims, 60, {
      now: NOW,
    })
    expect(await reasonOf(verify(other))).toBe('signature')
    const good = await signToken(SECRET, agentClaims, 60, { now: NOW })
    const [h, , s] = good.split('.')
    const admin = base64url.encode(JSON.stringify({ sub: 'agent-07', role: 'admin', exp: 1e10 }))
    expect(await reasonOf(verify(`${h}.${admin}.${s}`))).toBe('signature')
  })

  it('enforces exp: expired tokens and tokens without exp are refused', async () => {
    const expired = await signToken(SECRET, agentClaims, '1h', { now: NOW - 2 * 3_600_000 })
    const err = await verify(expired).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toBeInstanceOf(TRPCError)
    expect(err).toMatchObject({ reason: 'expired', code: 'UNAUTHORIZED', message: 'token expired' })
    const noExp = await forge({ ...agentClaims }, enc(SECRET))
    expect(await reasonOf(verify(noExp))).toBe('claims')
    const stringExp = await forge({ ...agentClaims, exp: String(nowSec + 60) }, enc(SECRET))
    expect(await reasonOf(verify(stringExp))).toBe('claims')
  })

  it('refuses a token that is not valid yet', async () => {
    const early = await forge({ ...agentClaims, exp: nowSec + 600, nbf: nowSec + 300 }, enc(SECRET))
    expect(await reasonOf(verify(early))).toBe('not_yet_valid')
  })

  it('uses the real clock when none is injected', async () => {
    const real = createVerifier({ jwtSecret: SECRET })
    const token = await signToken(SECRET, agentClaims, 60)
    expect((await real(token)).sub).toBe('agent-07')
    expect(await reasonOf(real(await signToken(SECRET, agentClaims, 60, { now: NOW })))).toBe(
      'expired',
    )
  })

  it.each([
    ['no role', { sub: 'a1' }],
    ['an unknown role', { sub: 'a1', role: 'superuser' }],
    ['a role of the wrong type', { sub: 'a1', role: ['admin'] }],
    ['no sub', { role: 'admin' }],
    ['an empty sub', { sub: '', role: 'admin' }],
    ['a sub with control characters', { sub: 'a1\u0000', role: 'admin' }],
    ['a manager without teamIds', { sub: 'm1', role: 'manager' }],
    ['a manager with empty teamIds', { sub: 'm1', role: 'manager', teamIds: [] }],
    ['a manager with teamIds of the wrong type', { sub: 'm1', role: 'manager', teamIds: 't1' }],
  ])('refuses a correctly signed token with %s', async (_name, claims) => {
    const token = await forge({ ...claims, exp: nowSec + 60 }, enc(SECRET))
    expect(await reasonOf(verify(token))).toBe('claims')
  })

  it('refuses garbage as malformed, never with another kind of error', async () => {
    const samples = [
      '',
      'abc',
      'a.b.c',
      '...',
      '.',
      'Bearer abc.def.ghi',
      'eyJhbGciOiJIUzI1NiJ9',
      'eyJhbGciOiJIUzI1NiJ9..',
      'eyJhbGciOiJIUzI1NiJ9.eyJ9.sig',
      `${base64url.encode('{"alg":"HS256"')}.e30.x`,
      `${base64url.encode('[]')}.e30.x`,
      `${base64url.encode('{"alg":{"a":1}}')}.e30.x`,
      'x'.repeat(MAX_TOKEN_LENGTH + 1),
    ]
    for (const s of samples) {
      const reason = await reasonOf(verify(s))
      expect(['missing', 'malformed', 'algorithm', 'signature']).toContain(reason)
    }
    const segment = fc.oneof(fc.base64String(), fc.string(), fc.constant(''))
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.tuple(segment, segment, segment).map((p) => p.join('.')),
          fc.json().map((j) => `${base64url.encode(j)}.${base64url.encode(j)}.abc`),
        ),
        async (s) => {
          const err = await verify(s).then(
            () => null,
            (e: unknown) => e,
          )
          expect(err).toBeInstanceOf(AuthError)
          expect((err as AuthError).code).toBe('UNAUTHORIZED')
        },
      ),
      { numRuns: 300 },
    )
  })

  it('gives every failure but expiry the same message', async () => {
    const bad = await forge({ sub: 'a1', exp: nowSec + 60 }, enc(SECRET))
    const err = await verify(bad).catch((e: unknown) => e)
    expect((err as Error).message).toBe('invalid token')
  })
})

describe('issuer and audience', () => {
  const verify = createVerifier(
    { jwtSecret: SECRET, issuer: 'https://id.example', audience: 'leads-api' },
    { clock },
  )
  const sign = (opts: { issuer?: string; audience?: string }) =>
    signToken(SECRET, agentClaims, 60, { now: NOW, ...opts })

  it('accepts the configured issuer and audience', async () => {
    const token = await sign({ issuer: 'https://id.example', audience: 'leads-api' })
    expect((await verify(token)).sub).toBe('agent-07')
  })

  it.each([
    ['a wrong issuer', { issuer: 'https://evil.example', audience: 'leads-api' }, 'issuer'],
    ['no issuer', { audience: 'leads-api' }, 'issuer'],
    ['a wrong audience', { issuer: 'https://id.example', audience: 'other-api' }, 'audience'],
    ['no audience', { issuer: 'https://id.example' }, 'audience'],
  ] as const)('refuses %s', async (_name, opts, reason) => {
    expect(await reasonOf(verify(await sign(opts)))).toBe(reason)
  })

  it('ignores iss and aud when none is configured', async () => {
    const open = createVerifier({ jwtSecret: SECRET }, { clock })
    expect((await open(await sign({ issuer: 'x', audience: 'y' }))).sub).toBe('agent-07')
  })
})

describe('asymmetric keys from a JWKS URL', () => {
  let server: Server
  let jwksUrl: string
  let privateKey: CryptoKey
  let publicPem: string
  let served = 0

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true })
    privateKey = pair.privateKey
    publicPem = await exportSPKI(pair.publicKey)
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    server = createServer((req, res) => {
      served++
      if (req.url !== '/jwks') return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ keys: [jwk] }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
  })

  const rs256 = (claims: Record<string, unknown>, key: CryptoKey = privateKey) =>
    forge({ ...claims, exp: nowSec + 60 }, key, 'RS256')

  it('accepts a token signed by a key of the set, fetching the set once', async () => {
    const verify = createVerifier({ jwksUrl }, { clock })
    const before = served
    expect(await verify(await rs256({ sub: 'root', role: 'admin' }))).toMatchObject({
      sub: 'root',
      role: 'admin',
    })
    await verify(await rs256({ sub: 'root', role: 'admin' }))
    expect(served - before).toBe(1)
  })

  it('refuses a key that is not in the set, even under a known kid', async () => {
    const verify = createVerifier({ jwksUrl }, { clock })
    const stranger = await generateKeyPair('RS256')
    const token = await rs256({ sub: 'root', role: 'admin' }, stranger.privateKey)
    expect(await reasonOf(verify(token))).toBe('signature')
  })

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const claims = { sub: 'root', role: 'admin', exp: nowSec + 60 }
    for (const secret of [publicPem, publicPem.trim(), JSON.stringify({ keys: [] })]) {
      const confused = await forge(claims, enc(secret))
      // Only a key set: HS256 is not on its list at all.
      expect(await reasonOf(createVerifier({ jwksUrl }, { clock })(confused))).toBe('algorithm')
      // Key set and secret: HS256 is checked against the secret only, never the public key.
      const both = createVerifier({ jwksUrl, jwtSecret: SECRET }, { clock })
      expect(await reasonOf(both(confused))).toBe('signature')
    }
  })

  it('routes by algorithm when both a secret and a key set are configured', async () => {
    const both = createVerifier({ jwksUrl, jwtSecret: SECRET }, { clock })
    expect((await both(await rs256({ sub: 'root', role: 'admin' }))).role).toBe('admin')
    expect((await both(await signToken(SECRET, agentClaims, 60, { now: NOW }))).role).toBe('agent')
  })

  it('answers 503-style (retry later) when the key set cannot be fetched', async () => {
    const down = createVerifier({ jwksUrl: `${jwksUrl.replace('/jwks', '/missing')}` }, { clock })
    const err = await down(await rs256({ sub: 'root', role: 'admin' })).catch((e: unknown) => e)
    expect(err).toMatchObject({ reason: 'unavailable', code: 'SERVICE_UNAVAILABLE' })
  })
})

describe('configuration and helpers', () => {
  it('refuses to build a verifier without keys or with a short secret', () => {
    expect(() => createVerifier({})).toThrow(/jwtSecret or jwksUrl/)
    expect(() => createVerifier({ jwtSecret: 'short' })).toThrow(/at least 32 bytes/)
  })

  it('signs only valid claims', async () => {
    await expect(signToken(SECRET, { sub: 'm1', role: 'manager' } as never, 60)).rejects.toThrow()
    await expect(signToken('short', agentClaims, 60)).rejects.toThrow(/32 bytes/)
  })

  it('parses TTLs', () => {
    expect(parseTtl('8h')).toBe(28_800)
    expect(parseTtl('15m')).toBe(900)
    expect(parseTtl('30d')).toBe(2_592_000)
    expect(parseTtl('90')).toBe(90)
    expect(parseTtl(45)).toBe(45)
    for (const bad of ['0', '-5m', '1.5h', 'h', '8 hours', ''])
      expect(() => parseTtl(bad)).toThrow()
    expect(() => parseTtl(0)).toThrow()
  })

  it('reads the token from an Authorization header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(bearerToken('bearer   abc')).toBe('abc')
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull()
    expect(bearerToken('Bearer')).toBeNull()
    expect(bearerToken('Bearer a b')).toBeNull()
    expect(bearerToken(undefined)).toBeNull()
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeNull()
  })
})

describe('development tokens', () => {
  let verify: Verifier
  beforeAll(() => {
    verify = createVerifier({ jwtSecret: SECRET }, { clock })
  })

  it('issues a token the verifier accepts', async () => {
    const dev = await issueDevToken('manager', 'm1', {
      jwtSecret: SECRET,
      nodeEnv: 'development',
      teamIds: ['t1'],
      now: NOW,
    })
    expect(dev.expiresAt).toBe(new Date(NOW + 8 * 3_600_000).toISOString())
    expect(await verify(dev.token)).toMatchObject({ sub: 'm1', role: 'manager', teamIds: ['t1'] })
  })

  it('refuses in production, without a secret, and for invalid claims', async () => {
    await expect(
      issueDevToken('admin', 'root', { jwtSecret: SECRET, nodeEnv: 'production' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(
      issueDevToken('admin', 'root', { jwtSecret: undefined, nodeEnv: 'development' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(
      issueDevToken('manager', 'm1', { jwtSecret: SECRET, nodeEnv: 'test' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
