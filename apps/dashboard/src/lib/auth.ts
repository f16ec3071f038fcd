/** The viewer's bearer token: taken from `#token=…` once, then kept for the tab's session. */
import type { Role } from '@leads/contract'

const STORAGE_KEY = 'leads.token'

type TokenStorage = Pick<Storage, 'getItem' | 'setItem'>

interface Env {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>
  history: Pick<History, 'replaceState' | 'state'>
  storage: TokenStorage
}

/**
 * Moves a token found in the URL fragment into session storage and strips it from the address
 * bar (so it is not bookmarked, shared or left in history), then returns the stored token.
 */
export function adoptToken(
  env: Env = { location: window.location, history: window.history, storage: sessionStorage },
): string | null {
  const params = new URLSearchParams(env.location.hash.replace(/^#/, ''))
  const fromUrl = params.get('token')
  if (fromUrl !== null) {
    if (fromUrl) storeToken(fromUrl, env.storage)
    params.delete('token')
    const rest = params.toString()
    env.history.replaceState(
      env.history.state,
      '',
      `${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`,
    )
  }
  return env.storage.getItem(STORAGE_KEY) || null
}

/** Keeps `token` as the one later loads of this tab use, as a `#token=` link would. */
export function storeToken(token: string, storage: TokenStorage = sessionStorage): void {
  storage.setItem(STORAGE_KEY, token)
}

/** Who a token says is looking: the claims the API authorises by (SPEC §6). */
export interface Viewer {
  role: Role
  sub: string
  teamIds?: string[]
}

const ROLES: readonly string[] = ['admin', 'manager', 'agent', 'ingest'] satisfies Role[]

/**
 * Reads the claims of a JWT without verifying it. Only for the page's own display (which row is
 * "you", which demo user is picked): the server verifies the token on every call and is what
 * decides what the viewer may see. Null when it is not a readable JWT.
 */
export function viewerOf(token: string): Viewer | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  let claims: unknown
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    claims = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    // Not base64url JSON: an opaque token, which the page simply cannot describe.
    return null
  }
  if (typeof claims !== 'object' || claims === null) return null
  const { role, sub, teamIds } = claims as Record<string, unknown>
  if (typeof role !== 'string' || !ROLES.includes(role) || typeof sub !== 'string') return null
  const viewer: Viewer = { role: role as Role, sub }
  if (Array.isArray(teamIds) && teamIds.every((t) => typeof t === 'string'))
    viewer.teamIds = teamIds
  return viewer
}
