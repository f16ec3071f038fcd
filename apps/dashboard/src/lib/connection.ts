/** Live / reconnecting / offline, derived from the WebSocket client's connection state. */

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline'

/** The subset of tRPC's `TRPCConnectionState` this module reads. */
export interface LinkState {
  state: 'idle' | 'connecting' | 'pending'
  error: unknown
}

/** How long reconnect attempts may fail before the indicator says "offline". */
export const OFFLINE_AFTER_MS = 10_000

/** Reconnect delay: quick first retries, doubling up to 5 s, with jitter so a wall of screens does not reconnect in lockstep. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(250 * 2 ** attempt, 5_000)
  return Math.round(base * (0.8 + 0.4 * random()))
}

type Listener = () => void

/** Tracks the ws client's state transitions; a snapshot store for `useSyncExternalStore`. */
export class ConnectionTracker {
  private link: LinkState = { state: 'connecting', error: null }
  private everConnected = false
  private failingSince: number | null = null
  private listeners = new Set<Listener>()
  private snapshot: ConnectionStatus = 'connecting'

  constructor(
    private readonly now: () => number = Date.now,
    private readonly online: () => boolean = () =>
      typeof navigator === 'undefined' ? true : navigator.onLine,
  ) {}

  /** Feed every `connectionState` value here. Returns true when this was a re-connection. */
  update(next: LinkState): boolean {
    const reconnected =
      next.state === 'pending' && this.link.state !== 'pending' && this.everConnected
    if (next.state === 'pending') {
      this.everConnected = true
      this.failingSince = null
    } else if (next.error && this.failingSince === null) {
      this.failingSince = this.now()
    }
    this.link = next
    this.refresh()
    return reconnected
  }

  /** Re-evaluates time- and network-dependent parts (call on a timer and on online/offline). */
  refresh(): void {
    const status = this.compute()
    if (status !== this.snapshot) {
      this.snapshot = status
      for (const l of this.listeners) l()
    }
  }

  get status(): ConnectionStatus {
    return this.snapshot
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  getSnapshot = (): ConnectionStatus => this.snapshot

  private compute(): ConnectionStatus {
    if (!this.online()) return 'offline'
    if (this.link.state === 'pending') return 'live'
    if (this.failingSince !== null && this.now() - this.failingSince >= OFFLINE_AFTER_MS)
      return 'offline'
    if (this.everConnected || this.failingSince !== null) return 'reconnecting'
    return 'connecting'
  }
}
