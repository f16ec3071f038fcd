import { useQueryClient } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { useCallback, useSyncExternalStore } from 'react'
import type { ConnectionStatus } from '../lib/connection'
import { zoneOffset } from '../lib/format'
import { zoneOptions } from '../lib/timezones'

const STATUS_TEXT: Record<ConnectionStatus | 'signed-out', string> = {
  connecting: 'Connecting',
  live: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  'signed-out': 'Signed out',
}

/** Live / reconnecting / offline, from the WebSocket client's state; signed out once the token is refused. */
export function ConnectionIndicator({ status }: { status: ConnectionStatus | 'signed-out' }) {
  return (
    <span
      className={`connection ${status}`}
      role="status"
      data-testid="connection"
      data-status={status}
    >
      <span className="dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  )
}

/** The first failed read in the cache, if any; clears as soon as that read succeeds again. */
function useFailedRead(): unknown {
  const qc = useQueryClient()
  const subscribe = useCallback((cb: () => void) => qc.getQueryCache().subscribe(cb), [qc])
  const snapshot = useCallback(
    () =>
      qc
        .getQueryCache()
        .findAll()
        .find((q) => q.state.status === 'error')?.state.error ?? null,
    [qc],
  )
  return useSyncExternalStore(subscribe, snapshot)
}

/** Status of a failed call: 0 when the server could not be reached at all. */
function httpStatusOf(error: unknown): number {
  if (error instanceof TRPCClientError) {
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus
    return typeof status === 'number' ? status : 0
  }
  return 0
}

/** Shown while the API cannot be reached; disappears by itself once reads succeed again. */
export function ErrorBanner({ connection }: { connection: ConnectionStatus }) {
  const error = useFailedRead()
  if (!error && connection !== 'offline') return null
  const status = httpStatusOf(error)
  const message =
    error && status >= 400 && status < 500
      ? `The API refused a request (${status}): ${(error as Error).message}`
      : 'Cannot reach the analytics API. Showing the last figures received; retrying automatically.'
  return (
    <div className="banner" role="alert" data-testid="error-banner">
      {message}
    </div>
  )
}

interface TimeZoneSelectProps {
  /** The zone chosen here; undefined follows the organisation's zone. */
  value: string | undefined
  /** The organisation's zone as the API reports it. */
  serverZone: string | undefined
  onChange: (tz: string | undefined) => void
}

/** Zone for every figure on the page; defaults to the organisation's. */
export function TimeZoneSelect({ value, serverZone, onChange }: TimeZoneSelectProps) {
  const current = value ?? serverZone ?? ''
  const zones = zoneOptions(serverZone, value)
  return (
    <label className="select-field tz">
      <span>Time zone</span>
      <select
        value={current}
        onChange={(e) => onChange(e.target.value === serverZone ? undefined : e.target.value)}
        disabled={!current}
      >
        {!current && <option value="">Loading…</option>}
        {zones.map((z) => (
          <option key={z} value={z}>
            {z.replace(/_/g, ' ')} ({zoneOffset(z)}){z === serverZone ? ' · organisation' : ''}
          </option>
        ))}
      </select>
    </label>
  )
}
