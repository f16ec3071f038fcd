import type { AppRouter } from '@leads/api'
import { createWSClient, httpBatchLink, splitLink, wsLink } from '@trpc/client'
import superjson from 'superjson'
import { backoffDelay, type ConnectionTracker } from './connection'
import { trpc } from './trpc'

/** `ws(s)://<host>/api/trpc` for the page's own origin (the dev server proxies it). */
export function wsUrl(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/api/trpc`
}

export interface ClientOptions {
  token: string | null
  tracker: ConnectionTracker
  /** Called when the socket comes back after a drop: reads may have missed invalidations. */
  onReconnect: () => void
  /** Every close of the socket, with its code (4401: the token was refused or expired). */
  onSocketClose?: (code: number | undefined, reason: string | undefined) => void
}

/** The tRPC client: subscriptions over one WebSocket, everything else over batched HTTP. */
export function createApiClient({ token, tracker, onReconnect, onSocketClose }: ClientOptions) {
  const wsClient = createWSClient({
    url: () => wsUrl(window.location),
    lazy: { enabled: false, closeMs: 0 },
    retryDelayMs: (attempt) => backoffDelay(attempt),
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    connectionParams: () => (token ? { token } : {}),
    onClose: (cause) =>
      onSocketClose?.(cause?.code, (cause as { reason?: string } | undefined)?.reason),
  })
  const stateSub = wsClient.connectionState.subscribe({
    next: (s) => {
      if (tracker.update({ state: s.state, error: s.error })) onReconnect()
    },
  })
  const client = trpc.createClient({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink<AppRouter>({ client: wsClient, transformer: superjson }),
        false: httpBatchLink({
          url: '/api/trpc',
          transformer: superjson,
          headers: () => (token ? { Authorization: `Bearer ${token}` } : {}),
        }),
      }),
    ],
  })
  return {
    client,
    close() {
      stateSub.unsubscribe()
      void wsClient.close()
    },
  }
}
