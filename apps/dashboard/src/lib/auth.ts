/** The viewer's bearer token: taken from `#token=…` once, then kept for the tab's session. */

const STORAGE_KEY = 'leads.token'

interface Env {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>
  history: Pick<History, 'replaceState' | 'state'>
  storage: Pick<Storage, 'getItem' | 'setItem'>
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
    if (fromUrl) env.storage.setItem(STORAGE_KEY, fromUrl)
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
