import { useState } from 'react'
import type { Viewer } from '../lib/auth'
import { claimsOf, DEV_ADMIN, requestDevToken } from '../lib/devUsers'
import type { ExpiryState } from '../lib/expiry'

interface SessionExpiredProps {
  state: ExpiryState
  viewer: Viewer | null
  /** The server hands out development tokens: a fresh one can be fetched here. */
  devTokens: boolean
  onToken: (token: string) => void
}

/**
 * In place of the error banner once the API refused the token: nothing is retried any more, and
 * the page says how to get back in (a fresh link; in `pnpm dev`, a fresh development token).
 */
export function SessionExpired({ state, viewer, devTokens, onToken }: SessionExpiredProps) {
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)

  const renew = async () => {
    setPending(true)
    setError(null)
    try {
      const token = await requestDevToken(viewer ? claimsOf(viewer) : DEV_ADMIN)
      if (token === null) throw new Error('the server no longer hands out development tokens')
      onToken(token)
    } catch (err) {
      setError(`Could not get a fresh token: ${(err as Error).message}`)
      setPending(false)
    }
  }

  const missing = state.reason === 'missing'
  return (
    <div className="banner expired" role="alert" data-testid="session-expired">
      <p>
        <strong>{missing ? 'Sign-in required.' : 'Session expired.'}</strong>{' '}
        {missing
          ? 'The API needs a token: open the dashboard with the link you were given (it ends in #token=…).'
          : 'The API no longer accepts this page’s token, so the figures have stopped updating. Open a fresh link'}
        {!missing && (devTokens ? ', or pick a user.' : '.')}
        {state.message && <span className="expired-reason"> ({state.message})</span>}
      </p>
      {devTokens && (
        <button type="button" className="button" onClick={() => void renew()} disabled={pending}>
          Sign in again{viewer ? ` as ${viewer.role} · ${viewer.sub}` : ''}
        </button>
      )}
      {error && <p role="status">{error}</p>}
    </div>
  )
}
