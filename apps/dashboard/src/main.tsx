import { QueryClientProvider } from '@tanstack/react-query'
import { StrictMode, useSyncExternalStore } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { adoptToken, storeToken, viewerOf } from './lib/auth'
import { awaitDevToken, claimsOf, DEV_ADMIN, requestDevToken } from './lib/devUsers'
import { trpc } from './lib/trpc'
import { Sessions } from './session'
import './styles.css'

function Root({ sessions }: { sessions: Sessions }) {
  const session = useSyncExternalStore(sessions.subscribe, sessions.getSnapshot)
  const switchTo = (token: string) => {
    storeToken(token)
    sessions.switchTo(token)
  }
  return (
    <trpc.Provider key={session.id} client={session.api.client} queryClient={session.queryClient}>
      <QueryClientProvider client={session.queryClient}>
        <App
          tracker={session.tracker}
          expiry={session.expiry}
          token={session.token}
          viewer={session.viewer}
          devTokens={session.devTokens}
          onViewAs={switchTo}
        />
      </QueryClientProvider>
    </trpc.Provider>
  )
}

/**
 * The token is the one the tab was opened with (`#token=`, then session storage). In `pnpm dev`
 * the server also hands out tokens: the stored identity gets a fresh one (an old one may have
 * expired, or been signed with another development secret), and a tab without one starts as
 * admin instead of showing "authentication required". Elsewhere the endpoint answers 404 and
 * the stored token is used as it is.
 */
async function start(): Promise<void> {
  const stored = adoptToken()
  const known = stored ? viewerOf(stored) : null
  const wanted = known ? claimsOf(known) : DEV_ADMIN
  // undefined: the server did not answer (still starting); asked again below, after the first paint.
  const dev = await requestDevToken(wanted).catch(() => undefined)
  if (dev) storeToken(dev)
  const sessions = new Sessions(dev ?? stored, Boolean(dev))

  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Root sessions={sessions} />
    </StrictMode>,
  )

  if (dev === undefined) {
    const token = await awaitDevToken(wanted)
    if (token) {
      storeToken(token)
      sessions.switchTo(token)
    }
  }
}

void start()
