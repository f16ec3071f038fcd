/**
 * The demo-user picker of `pnpm dev`: tokens from the server's development-only
 * `POST /api/dev/token`, for an admin, a manager and an agent taken from the data itself.
 */
import type { AppRouter } from '@leads/api'
import type { DevTokenRequest } from '@leads/contract'
import { createTRPCClient, httpLink } from '@trpc/client'
import superjson from 'superjson'
import type { Viewer } from './auth'
import type { LeaderboardData } from './trpc'

export const DEV_TOKEN_PATH = '/api/dev/token'

/** The identity the dashboard takes in `pnpm dev` when it was opened without a token. */
export const DEV_ADMIN: DevTokenRequest = { role: 'admin', sub: 'dev-admin' }
const DEV_MANAGER_SUB = 'dev-manager'
/** The API's largest leaderboard page: the roster is read from it. */
const ROSTER_LIMIT = 500

/**
 * A token for `claims` from the development endpoint, or null when the server has none (404:
 * production, or a server without AUTH_JWT_SECRET) — which is how the page tells whether to
 * offer the picker at all.
 */
export async function requestDevToken(
  claims: DevTokenRequest,
  fetchFn: typeof fetch = fetch,
): Promise<string | null> {
  const res = await fetchFn(DEV_TOKEN_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  })
  if (res.status === 404) return null
  if (!res.ok) throw new Error(`${DEV_TOKEN_PATH} answered ${res.status}: ${await res.text()}`)
  const body: unknown = await res.json()
  const token = (body as { token?: unknown } | null)?.token
  if (typeof token !== 'string') throw new Error(`${DEV_TOKEN_PATH} answered without a token`)
  return token
}

/** How often to ask again while the server is not up yet (`pnpm dev` seeds for a minute first). */
const RETRY_MS = 2_000

/**
 * `requestDevToken`, asked again until the server answers at all: the dashboard of `pnpm dev`
 * usually loads before the API has finished seeding, and must not settle for "no dev tokens"
 * because of that.
 */
export async function awaitDevToken(
  claims: DevTokenRequest,
  retryMs = RETRY_MS,
): Promise<string | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestDevToken(claims)
    } catch (err) {
      if (attempt === 0) console.info('development token endpoint not answering yet; retrying', err)
      await new Promise((resolve) => setTimeout(resolve, retryMs))
    }
  }
}

/** The claims to ask for again for someone the page already knows (a stored token). */
export function claimsOf(viewer: Viewer): DevTokenRequest {
  return viewer.role === 'manager' && viewer.teamIds
    ? { role: viewer.role, sub: viewer.sub, teamIds: viewer.teamIds }
    : { role: viewer.role, sub: viewer.sub }
}

/** One entry of the picker. */
export interface DemoUser {
  /** Stable across loads; also matches a viewer to its entry (`choiceKey`). */
  key: string
  label: string
  claims: DevTokenRequest
}

type RosterRow = Pick<LeaderboardData['rows'][number], 'agentId' | 'agentName' | 'teamId'>

/**
 * Admin, a manager and an agent out of the agents the admin sees: the agent with the smallest
 * id among those in a team (in the demo roster `agent-01`), and the manager of that agent's
 * team, so that switching between the three shows the same person at three levels of access.
 * Without teams there is no manager to offer; without agents, no agent.
 */
export function demoUsers(rows: readonly RosterRow[]): DemoUser[] {
  const byId = [...rows].sort((a, b) =>
    a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0,
  )
  const agent = byId.find((r) => r.teamId !== null) ?? byId[0]
  const users: DemoUser[] = [{ key: 'admin', label: 'Admin', claims: DEV_ADMIN }]
  if (agent?.teamId)
    users.push({
      key: `manager:${agent.teamId}`,
      label: `Manager · team ${agent.teamId}`,
      claims: { role: 'manager', sub: DEV_MANAGER_SUB, teamIds: [agent.teamId] },
    })
  if (agent)
    users.push({
      key: `agent:${agent.agentId}`,
      label: `Agent · ${agent.agentName}`,
      claims: { role: 'agent', sub: agent.agentId },
    })
  return users
}

/** The picker entry a viewer corresponds to (a manager of exactly one team; any admin). */
export function choiceKey(viewer: Viewer | null): string | null {
  if (!viewer) return null
  switch (viewer.role) {
    case 'admin':
      return 'admin'
    case 'manager':
      return viewer.teamIds?.length === 1 ? `manager:${viewer.teamIds[0]}` : null
    case 'agent':
      return `agent:${viewer.sub}`
    default:
      return null
  }
}

/** The picker's entries, read from the all-time leaderboard as the dev admin sees it. */
export async function loadDemoUsers(): Promise<DemoUser[]> {
  const adminToken = await requestDevToken(DEV_ADMIN)
  if (adminToken === null) throw new Error(`${DEV_TOKEN_PATH} is gone`)
  const admin = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: '/api/trpc',
        transformer: superjson,
        headers: { Authorization: `Bearer ${adminToken}` },
      }),
    ],
  })
  const board = await admin.analytics.leaderboard.query({
    period: 'all-time',
    limit: ROSTER_LIMIT,
  })
  return demoUsers(board.rows)
}
