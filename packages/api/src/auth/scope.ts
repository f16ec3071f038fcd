import { INGEST_ROLES, READ_ROLES, type Role } from '@leads/contract'
import { TRPCError } from '@trpc/server'
import type { Context, Identity } from '../context.js'
import { agentsInScope, teamOf } from '../queries/scope.js'
import { createPseudonyms, PSEUDONYM_ID_PREFIX, type Pseudonyms } from './pseudonym.js'

export interface ScopeFilter {
  agentId?: string | undefined
  teamId?: string | undefined
}

/** What an authorised read covers and how it shows agents. */
export interface ReadScope {
  /** The agents whose rows the read sums; null = the organisation's rows (every lead). */
  agentIds: string[] | null
  /** Set when the leaderboard must hide other agents from this viewer; null = names shown. */
  pseudonyms: Pseudonyms | null
  /** The `agentId` asked for, a pseudonym id resolved to the agent behind it (the feed filters by it). */
  agentId: string | undefined
}

/**
 * A read's input plus what its answer depends on beyond the input — the resolved scope — for
 * the cache key: a manager whose token names other teams must not get a cached answer.
 */
export function cacheInput<T extends object>(input: T, scope: ReadScope) {
  return { ...input, $scope: [scope.agentIds, scope.pseudonyms !== null] }
}

export type AuthContext = Pick<
  Context,
  'db' | 'identity' | 'authRequired' | 'anonymizeLeaderboard' | 'pseudonymKey'
>

/** UNAUTHORIZED when the server requires authentication and the caller has none. */
export function requireIdentity(ctx: Pick<Context, 'identity' | 'authRequired'>): void {
  if (ctx.identity === null && ctx.authRequired === true)
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'authentication required' })
}

/** FORBIDDEN when an identified caller's role is not one of `roles` (anonymous: see above). */
export function requireRole(identity: Identity | null, roles: readonly Role[], what: string): void {
  if (identity !== null && !roles.includes(identity.role))
    throw new TRPCError({ code: 'FORBIDDEN', message: `role ${identity.role} may not ${what}` })
}

export const requireReader = (identity: Identity | null) =>
  requireRole(identity, READ_ROLES, 'read analytics')
export const requireIngester = (identity: Identity | null) =>
  requireRole(identity, INGEST_ROLES, 'send events')

const forbidden = (message: string) => new TRPCError({ code: 'FORBIDDEN', message })

/**
 * Authorises a read's `agentId`/`teamId` filters for the caller and resolves what it covers.
 * Called once per call by the procedure builders in `trpc.ts`. Who may read what (SPEC §6):
 *
 * - no identity: UNAUTHORIZED when `authRequired`; on an open server, everything (today's
 *   behaviour for development and tests).
 * - admin: everything.
 * - agent: organisation-wide aggregates, their own `agentId`, and their own team's `teamId`
 *   (the team the agents table lists for them now); any other agent or team → FORBIDDEN.
 * - manager: `teamId` among the token's `teamIds`, `agentId` of an agent currently in one of
 *   those teams (an unknown agent counts as outside) — else FORBIDDEN. An unfiltered read is
 *   scoped to the agents of their teams, so leads no agent of theirs touched (including
 *   unassigned ones) are not in their figures.
 * - ingest: no reads at all (FORBIDDEN); only `ingest` and `admin` may send events.
 *
 * Team membership is the agents table's current one: a manager sees an agent's whole history
 * once the agent is in their team, and none of it after the agent moves away.
 */
export async function authorizeRead(ctx: AuthContext, asked: ScopeFilter): Promise<ReadScope> {
  requireIdentity(ctx)
  const id = ctx.identity
  requireReader(id)
  const pseudonyms =
    id?.role === 'agent' || ctx.anonymizeLeaderboard === true
      ? createPseudonyms(ctx.pseudonymKey, id?.sub ?? null)
      : null
  // A viewer who knows other agents only by pseudonym (a drill-down from a leaderboard row) may
  // name one by its pseudonym id: it stands for the agent behind it, under the same rules below.
  const filter =
    pseudonyms && asked.agentId?.startsWith(PSEUDONYM_ID_PREFIX)
      ? { ...asked, agentId: (await unmask(ctx.db, pseudonyms, asked.agentId)) ?? asked.agentId }
      : asked
  const scope = (agentIds: string[] | null): ReadScope => ({
    agentIds,
    pseudonyms,
    agentId: filter.agentId,
  })

  if (id === null || id.role === 'admin') return scope(await agentsInScope(ctx.db, filter))

  if (id.role === 'agent') {
    if (filter.agentId !== undefined && filter.agentId !== id.sub)
      throw forbidden("agents may not read another agent's data")
    if (filter.teamId !== undefined && filter.teamId !== (await teamOf(ctx.db, id.sub)))
      throw forbidden("agents may only read their own team's data")
    return scope(await agentsInScope(ctx.db, filter))
  }

  if (id.role !== 'manager') throw forbidden(`role ${id.role} may not read analytics`)
  const teams = id.teamIds ?? []
  if (filter.teamId !== undefined && !teams.includes(filter.teamId))
    throw forbidden('that team is not one of yours')
  if (filter.agentId !== undefined) {
    const team = await teamOf(ctx.db, filter.agentId)
    if (team === null || !teams.includes(team)) throw forbidden('that agent is not in your teams')
  }
  return scope(await agentsInScope(ctx.db, filter, teams))
}

/** The agent whose pseudonym id is `shown`, or null when no agent has it. */
async function unmask(
  db: AuthContext['db'],
  pseudonyms: Pseudonyms,
  shown: string,
): Promise<string | null> {
  const agents = await db.selectFrom('agents').select('agent_id').execute()
  return agents.find((a) => pseudonyms.idOf(a.agent_id) === shown)?.agent_id ?? null
}

/**
 * Lists of rows (drill-down, raw events) go further than aggregates: an agent sees only their
 * own, whatever organisation or team scope the read resolved to.
 */
export function ownRowsOnly(identity: Identity | null, agentIds: string[] | null): string[] | null {
  if (identity?.role !== 'agent') return agentIds
  return agentIds === null || agentIds.includes(identity.sub) ? [identity.sub] : []
}
