/**
 * Who is looking and the connections made for them. Switching the demo user replaces all of it
 * at once — a new WebSocket authenticated with the new token, an empty query cache, a fresh feed
 * — so nothing fetched for one identity is shown to the next, and no page reload is needed.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { type Viewer, viewerOf } from './lib/auth'
import { createApiClient } from './lib/client'
import { ConnectionTracker } from './lib/connection'
import { SessionExpiry } from './lib/expiry'

export interface Session {
  /** Increments with every switch; React remounts the app under it. */
  id: number
  token: string | null
  viewer: Viewer | null
  /** The server hands out development tokens (`pnpm dev`): the demo-user picker is shown. */
  devTokens: boolean
  tracker: ConnectionTracker
  /** Set once the API refuses the token (WebSocket 4401, HTTP 401): nothing retries after that. */
  expiry: SessionExpiry
  queryClient: QueryClient
  api: ReturnType<typeof createApiClient>
}

function httpStatusOf(error: unknown): number | undefined {
  const status =
    error instanceof TRPCClientError
      ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
      : undefined
  return typeof status === 'number' ? status : undefined
}

function isClientError(error: unknown): boolean {
  const status = httpStatusOf(error)
  return status !== undefined && status >= 400 && status < 500
}

function openSession(id: number, token: string | null, devTokens: boolean): Session {
  const tracker = new ConnectionTracker()
  // The client is made below; the expiry only needs it once a refusal arrives.
  let api: ReturnType<typeof createApiClient> | undefined
  const expiry = new SessionExpiry(token !== null, () => api?.close())
  const onError = (error: unknown) =>
    expiry.onHttpStatus(httpStatusOf(error), error instanceof Error ? error.message : undefined)
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        // Freshness comes from pushed invalidations, not from timers.
        staleTime: 60_000,
        retry: (count, error) => !isClientError(error) && count < 1,
        retryDelay: 1000,
        // Only a failed read is retried on a timer, so the error banner clears on recovery; a
        // refused token never recovers by itself, so then nothing is retried.
        refetchInterval: (query) =>
          query.state.status === 'error' && !expiry.expired ? 5000 : false,
      },
    },
  })
  api = createApiClient({
    token,
    tracker,
    onReconnect: () => void queryClient.invalidateQueries(),
    onSocketClose: (code, reason) => expiry.onSocketClose(code, reason),
  })
  const viewer = token ? viewerOf(token) : null
  return { id, token, viewer, devTokens, tracker, expiry, queryClient, api }
}

/** A snapshot store for `useSyncExternalStore`; built outside React so StrictMode opens one socket. */
export class Sessions {
  private current: Session
  private listeners = new Set<() => void>()

  constructor(token: string | null, devTokens: boolean) {
    this.current = openSession(1, token, devTokens)
  }

  getSnapshot = (): Session => this.current

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Closes the current connections and opens new ones that send `token`, a development token. */
  switchTo(token: string): void {
    const previous = this.current
    this.current = openSession(previous.id + 1, token, true)
    for (const listener of this.listeners) listener()
    // After React has swapped the trees, so the old one never sees its client closed under it.
    setTimeout(() => {
      previous.api.close()
      previous.queryClient.clear()
    }, 0)
  }
}
