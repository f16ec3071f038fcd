import { z } from 'zod'
import { entityId } from './events.js'

/** Who a bearer token speaks for (SPEC §6). */
export const ROLES = ['admin', 'manager', 'agent', 'ingest'] as const
export const role = z.enum(ROLES)
export type Role = z.infer<typeof role>

/** Roles that may send events; every other role may only read. */
export const INGEST_ROLES = ['ingest', 'admin'] as const satisfies readonly Role[]
/** Roles that may call the analytics reads. */
export const READ_ROLES = ['admin', 'manager', 'agent'] as const satisfies readonly Role[]

/** Most teams one manager token may name. */
export const MAX_TOKEN_TEAMS = 500

/**
 * The claims this service reads from a token besides the registered ones: `sub` (an agent's id
 * for role agent), `role`, and `teamIds` — required and non-empty for managers, ignored for the
 * other roles.
 */
const claimShape = {
  sub: entityId,
  role,
  teamIds: z.array(entityId).min(1).max(MAX_TOKEN_TEAMS).optional(),
}
function managersNeedTeams(
  c: { role: Role; teamIds?: string[] | undefined },
  ctx: z.RefinementCtx,
) {
  if (c.role === 'manager' && c.teamIds === undefined)
    ctx.addIssue({ code: 'custom', path: ['teamIds'], message: 'a manager token needs teamIds' })
}

export const tokenClaims = z.object(claimShape).superRefine(managersNeedTeams)
export type TokenClaims = z.infer<typeof tokenClaims>

/** Body of the development-only `POST /api/dev/token`: the claims to sign. */
export const devTokenRequest = z.strictObject(claimShape).superRefine(managersNeedTeams)
export type DevTokenRequest = z.infer<typeof devTokenRequest>
