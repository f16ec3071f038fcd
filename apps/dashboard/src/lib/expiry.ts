/**
 * "Session expired": the API refused the page's credential — the tRPC WebSocket closed with 4401
 * (token expired or refused) or an HTTP call answered 401. Retrying with the same token cannot
 * succeed, so the first such signal stops the connections once and the page says what to do
 * instead of reconnecting in a loop.
 */

/** Close code of the tRPC WebSocket when its token expires or is refused (apps/server WS_UNAUTHORIZED). */
export const WS_UNAUTHORIZED = 4401

export type ExpiryReason = 'expired' | 'missing'

export interface ExpiryState {
  expired: boolean
  /** `missing`: the page has no token at all (the server requires one); else it was refused. */
  reason: ExpiryReason | null
  /** What the server said, when it said something. */
  message: string | null
}

const ACTIVE: ExpiryState = { expired: false, reason: null, message: null }

/** A snapshot store for `useSyncExternalStore`, one per session. */
export class SessionExpiry {
  private state: ExpiryState = ACTIVE
  private listeners = new Set<() => void>()

  /**
   * @param hasToken whether the session was opened with a token
   * @param stop closes the connections (called once, on the first refusal)
   */
  constructor(
    private readonly hasToken: boolean,
    private readonly stop: () => void,
  ) {}

  /** Feed every WebSocket close here; only 4401 counts. */
  onSocketClose(code: number | undefined, reason?: string): void {
    if (code === WS_UNAUTHORIZED) this.expire(reason || null)
  }

  /** Feed every failed HTTP call's status here; only 401 counts (403 is a role, not a session). */
  onHttpStatus(status: number | undefined, message?: string): void {
    if (status === 401) this.expire(message ?? null)
  }

  private expire(message: string | null): void {
    if (this.state.expired) return
    this.state = { expired: true, reason: this.hasToken ? 'expired' : 'missing', message }
    this.stop()
    for (const l of this.listeners) l()
  }

  get expired(): boolean {
    return this.state.expired
  }

  getSnapshot = (): ExpiryState => this.state

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
}
