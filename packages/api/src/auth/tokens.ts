import { type Role, type TokenClaims, tokenClaims } from '@leads/contract'
import { TRPCError } from '@trpc/server'
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose'
import type { Clock, Identity } from '../context.js'

/** Where tokens come from; built from AUTH_* variables by the server, never read here. */
export interface AuthConfig {
  /** HS256 shared secret (AUTH_JWT_SECRET), at least 32 bytes. */
  jwtSecret?: string | undefined
  /** JSON Web Key Set of an identity provider (AUTH_JWKS_URL) for RS/PS/ES/EdDSA tokens. */
  jwksUrl?: string | undefined
  /** When set, a token's `iss` must equal it. */
  issuer?: string | undefined
  /** When set, a token's `aud` must contain it. */
  audience?: string | undefined
}

/** The only algorithms accepted, per key source: an HMAC secret never meets a public key. */
export const SECRET_ALGORITHMS = ['HS256'] as const
export const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const

/** HS256 needs a key at least as long as its hash (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32
/** A bearer token longer than this is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8_192

export type AuthErrorReason =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'unavailable'

/**
 * A credential was refused. It is a TRPCError (UNAUTHORIZED; SERVICE_UNAVAILABLE when the key set
 * cannot be fetched) so tRPC and the REST adapter answer 401/503 without a mapping of their own.
 * The message is all the client sees; `reason` and `cause` are for the log.
 */
export class AuthError extends TRPCError {
  readonly reason: AuthErrorReason
  constructor(reason: AuthErrorReason, options?: { cause?: unknown }) {
    super({
      code: reason === 'unavailable' ? 'SERVICE_UNAVAILABLE' : 'UNAUTHORIZED',
      message: MESSAGES[reason],
      cause: options?.cause,
    })
    this.name = 'AuthError'
    this.reason = reason
  }
}

// Only expiry and absence are worth telling a client apart (it refreshes or logs in); every
// other failure reads the same so probing the verifier teaches nothing.
const MESSAGES: Record<AuthErrorReason, string> = {
  missing: 'authentication required',
  malformed: 'invalid token',
  algorithm: 'invalid token',
  signature: 'invalid token',
  expired: 'token expired',
  not_yet_valid: 'invalid token',
  issuer: 'invalid token',
  audience: 'invalid token',
  claims: 'invalid token',
  unavailable: 'authentication is unavailable, retry later',
}

/** Verifies a bearer token (without the `Bearer ` prefix) and returns who it speaks for. */
export type Verifier = (token: string) => Promise<Identity>

/**
 * Builds the token verifier. HS256 tokens are checked with `jwtSecret`, asymmetric ones with
 * the keys at `jwksUrl` (fetched lazily, cached, refetched on an unknown `kid`); with both set a
 * token is routed by its `alg`, each path with its own allow-list. `exp` is required.
 * Throws a plain Error at once when the configuration is unusable.
 */
export function createVerifier(config: AuthConfig, opts: { clock?: Clock } = {}): Verifier {
  const secret = config.jwtSecret === undefined ? null : secretKey(config.jwtSecret)
  const jwks: JWTVerifyGetKey | null = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 3_000 })
    : null
  if (!secret && !jwks) throw new Error('auth: set jwtSecret or jwksUrl')
  const base = {
    requiredClaims: ['exp'],
    ...(config.issuer !== undefined && { issuer: config.issuer }),
    ...(config.audience !== undefined && { audience: config.audience }),
  }

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) throw new AuthError('missing')
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('malformed')
    let alg: unknown
    try {
      alg = decodeProtectedHeader(token).alg
    } catch (cause) {
      throw new AuthError('malformed', { cause })
    }
    const viaSecret = secret !== null && isOneOf(alg, SECRET_ALGORITHMS)
    const viaJwks = jwks !== null && isOneOf(alg, JWKS_ALGORITHMS)
    if (!viaSecret && !viaJwks) throw new AuthError('algorithm', { cause: `alg ${String(alg)}` })
    const currentDate = opts.clock ? new Date(opts.clock.now()) : undefined
    let payload: JWTPayload
    try {
      payload = viaSecret
        ? (
            await jwtVerify(token, secret!, {
              ...base,
              algorithms: [...SECRET_ALGORITHMS],
              ...(currentDate && { currentDate }),
            })
          ).payload
        : (
            await jwtVerify(token, jwks!, {
              ...base,
              algorithms: [...JWKS_ALGORITHMS],
              ...(currentDate && { currentDate }),
            })
          ).payload
    } catch (cause) {
      throw new AuthError(reasonOf(cause, viaJwks), { cause })
    }
    return identityOf(payload)
  }
}

/** `Authorization: Bearer <token>` → the token; anything else → null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header)
  return match?.[1] ?? null
}

/** Parses `8h`, `15m`, `30d`, `90s` or a number of seconds into seconds. */
export function parseTtl(ttl: string | number): number {
  if (typeof ttl === 'number') {
    if (!Number.isInteger(ttl) || ttl <= 0)
      throw new Error(`ttl must be a positive integer: ${ttl}`)
    return ttl
  }
  const match = /^(\d{1,9})([smhd]?)$/.exec(ttl.trim())
  if (!match) throw new Error(`ttl must look like 90s, 15m, 8h or 30d: ${JSON.stringify(ttl)}`)
  const unit = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  const seconds = Number(match[1]) * unit
  if (seconds <= 0) throw new Error('ttl must be positive')
  return seconds
}

export interface SignOptions {
  /** Issue time in ms (tests sign tokens in the past); default now. */
  now?: number
  issuer?: string | undefined
  audience?: string | undefined
}

/**
 * Signs an HS256 token for `claims` valid for `ttl` (seconds, or `8h`-style). For tests, the
 * development token endpoint and `pnpm token`; production tokens may come from an identity
 * provider instead. The claims are validated as the verifier would (a manager needs teamIds).
 */
export async function signToken(
  secret: string,
  claims: TokenClaims,
  ttl: string | number,
  opts: SignOptions = {},
): Promise<string> {
  const c = tokenClaims.parse(claims)
  const iat = Math.floor((opts.now ?? Date.now()) / 1000)
  const jwt = new SignJWT({ role: c.role, ...(c.role === 'manager' && { teamIds: c.teamIds }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(c.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + parseTtl(ttl))
  if (opts.issuer !== undefined) jwt.setIssuer(opts.issuer)
  if (opts.audience !== undefined) jwt.setAudience(opts.audience)
  return jwt.sign(secretKey(secret))
}

function secretKey(secret: string): Uint8Array {
  const key = new TextEncoder().encode(secret)
  if (key.byteLength < MIN_SECRET_BYTES)
    throw new Error(`auth: the JWT secret must be at least ${MIN_SECRET_BYTES} bytes`)
  return key
}

function isOneOf<T extends string>(value: unknown, list: readonly T[]): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value)
}

function identityOf(payload: JWTPayload): Identity {
  const parsed = tokenClaims.safeParse(payload)
  if (!parsed.success) throw new AuthError('claims', { cause: parsed.error })
  const { sub, role, teamIds } = parsed.data
  return {
    sub,
    role: role satisfies Role,
    ...(role === 'manager' && { teamIds: [...new Set(teamIds)] }),
    expiresAt: (payload.exp as number) * 1000,
  }
}

function reasonOf(err: unknown, viaJwks: boolean): AuthErrorReason {
  if (err instanceof errors.JWTExpired) return 'expired'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'issuer'
    if (err.claim === 'aud') return 'audience'
    if (err.claim === 'nbf') return 'not_yet_valid'
    return 'claims'
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm'
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature'
  // A kid the key set does not hold (after one refetch): a key we never issued.
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return 'signature'
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported ||
    err instanceof errors.JWKInvalid
  )
    return 'malformed'
  // What is left on the key-set path is the provider not answering (timeout, refused, not 200,
  // not JSON): the token may be fine, so the client should retry rather than log in again.
  return viaJwks ? 'unavailable' : 'malformed'
}
