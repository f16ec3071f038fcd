import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { adoptToken } from './lib/auth'
import { createApiClient } from './lib/client'
import { ConnectionTracker } from './lib/connection'
import { trpc } from './lib/trpc'
import './styles.css'

function isClientError(error: unknown): boolean {
  const status =
    error instanceof TRPCClientError
      ? (error.data as { httpStatus?: number } | undefined)?.httpStatus
      : undefined
  return typeof status === 'number' && status >= 400 && status < 500
}

// Built once, outside React, so StrictMode's double mount cannot open a second socket.
const token = adoptToken()
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

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <trpc.Provider client={api.client} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <App tracker={tracker} />
      </QueryClientProvider>
    </trpc.Provider>
  </StrictMode>,
)
