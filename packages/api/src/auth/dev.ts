import { type Role, tokenClaims } from '@leads/contract'
import { TRPCError } from '@trpc/server'
import { parseTtl, signToken } from './tokens.js'

export interface DevTokenOptions {
  /** AUTH_JWT_SECRET; without it the server is open and a token would be pointless. */
  jwtSecret: string | undefined
  /** NODE_ENV; `production` refuses, whatever the server's wiring says. */
  nodeEnv: string | undefined
  /** Required for role manager. */
  teamIds?: string[] | undefined
  /** Default 8h. */
  ttl?: string | number
  issuer?: string | undefined
  audience?: string | undefined
  /** Issue time in ms; default now. */
  now?: number
}

export interface DevToken {
  token: string
  /** ISO 8601. */
  expiresAt: string
}

/**
 * Mints a token for local development: the server exposes it as `POST /api/dev/token` (body
 * `devTokenRequest` from the contract) only when NODE_ENV is not `production`, so the dashboard
 * and curl can act as any role. Refuses in production as a second line of defence, and when no
 * secret is configured (NOT_FOUND, as if the endpoint did not exist).
 */
export async function issueDevToken(
  role: Role,
  sub: string,
  opts: DevTokenOptions,
): Promise<DevToken> {
  if (opts.nodeEnv === 'production')
    throw new TRPCError({ code: 'NOT_FOUND', message: 'no development tokens in production' })
  if (opts.jwtSecret === undefined)
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: 'development tokens need AUTH_JWT_SECRET (without it the server is open)',
    })
  const claims = tokenClaims.safeParse({ role, sub, teamIds: opts.teamIds })
  if (!claims.success)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: 'invalid token claims',
      cause: claims.error,
    })
  const now = opts.now ?? Date.now()
  const ttl = opts.ttl ?? '8h'
  const token = await signToken(opts.jwtSecret, claims.data, ttl, {
    now,
    issuer: opts.issuer,
    audience: opts.audience,
  })
  const expiresAt = (Math.floor(now / 1000) + parseTtl(ttl)) * 1000
  return { token, expiresAt: new Date(expiresAt).toISOString() }
}
