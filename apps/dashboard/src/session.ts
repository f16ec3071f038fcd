/**
 * Who is looking and the connections made for them. Switching the demo user replaces all of it
 * at once — a new WebSocket authenticated with the new token, an empty query cache, a fresh feed
 * — so nothing fetched for one identity is shown to the next, and no page reload is needed.
 */
import { QueryClient } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { type Viewer, viewerOf } from './lib/auth'
import { createApiClient } from './lib/client'
import { ConnectionTracker } from './lib/connection'

export interface Session {
  /** Increments with every switch; React remounts the app under it. */
  id: number
  token: string | null
  viewer: Viewer | null
  /** The server hands out development tokens (`pnpm dev`): the demo-user picker is shown. */
  devTokens: boolean
  tracker: ConnectionTracker
  queryClient: QueryClient
  api: ReturnType<typeof createApiClient>
}

function isClientError(error: unknown): boolean {
  const status =
    error instanceof TRPCClientError
      ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
      : undefined
  return typeof status === 'number' && status >= 400 && status < 500
}

function openSession(id: number, token: string | null, devTokens: boolean): Session {
  const tracker = new ConnectionTracker()
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        // Freshness comes from pushed invalidations, not from timers.
        staleTime: 60_000,
        retry: (count, error) => !isClientError(error) && count < 1,
        retryDelay: 1000,
        // Only a failed read is retried on a timer, so the error banner clears on recovery.
        refetchInterval: (query) => (query.state.status === 'error' ? 5000 : false),
      },
    },
  })
  const api = createApiClient({
    token,
    tracker,
    onReconnect: () => void queryClient.invalidateQueries(),
  })
  const viewer = token ? viewerOf(token) : null
  return { id, token, viewer, devTokens, tracker, queryClient, api }
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
