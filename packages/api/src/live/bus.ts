import { once } from 'node:events'
import type { Redis } from 'ioredis'
import type pg from 'pg'

/**
 * Tells every API instance that events up to a cursor were committed. Messages carry only the
 * cursor; subscribers read the events themselves, so a lost message costs latency, not data.
 */
export interface Bus {
  /**
   * Set when the bus is Postgres NOTIFY on this channel: ingest then notifies inside its own
   * transaction (`ingestEvents`' `notify`), delivered at commit, and nothing is published after.
   */
  readonly notifyChannel?: string
  publish(maxSeq: number): Promise<void>
  /** Resolves once listening; the returned function stops it. */
  subscribe(onMessage: (maxSeq: number) => void): Promise<() => Promise<void>>
}

/** One process: listeners are called directly. */
export class InProcessBus implements Bus {
  private readonly listeners = new Set<(maxSeq: number) => void>()

  async publish(maxSeq: number): Promise<void> {
    for (const l of this.listeners) l(maxSeq)
  }

  async subscribe(onMessage: (maxSeq: number) => void) {
    this.listeners.add(onMessage)
    return async () => {
      this.listeners.delete(onMessage)
    }
  }
}

/**
 * The Postgres channel a schema's events are announced on. NOTIFY reaches every session of the
 * database, and instances on another schema (each test file has its own) must not hear them: a
 * cursor from another sequence would move this instance's feed past events it has not sent yet.
 * (Redis spans databases: the server names its channel after the deployment instead.)
 */
export function channelOf(schema: string): string {
  // A channel name is an identifier: at most 63 bytes. Schema names are [a-z0-9_].
  return schema === 'public' ? 'lead_events' : `lead_events_${schema}`.slice(0, 63)
}

interface BusOptions {
  /** Default: `channelOf('public')`. */
  channel?: string
  onError?: (err: unknown) => void
}

/**
 * Postgres LISTEN/NOTIFY: a dedicated connection listens. Ingest notifies in its transaction
 * (`notifyChannel`); `publish` uses the pool, for a caller outside one. A dropped listener
 * reconnects with backoff and reports a catch-up message, so nothing is missed.
 */
export class PostgresBus implements Bus {
  readonly notifyChannel: string
  private readonly onError: (err: unknown) => void

  constructor(
    private readonly pool: pg.Pool,
    private readonly connect: () => pg.Client,
    opts: BusOptions = {},
  ) {
    this.notifyChannel = opts.channel ?? channelOf('public')
    this.onError = opts.onError ?? (() => {})
  }

  async publish(maxSeq: number): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [this.notifyChannel, String(maxSeq)])
  }

  async subscribe(onMessage: (maxSeq: number) => void) {
    let stopped = false
    let client: pg.Client | null = null
    let retry: NodeJS.Timeout | null = null
    const listen = async (delay: number): Promise<void> => {
      if (stopped) return
      const c = this.connect()
      c.on('notification', (n) => onMessage(Number(n.payload ?? 0)))
      c.on('error', (err) => {
        this.onError(err)
        c.end().catch(() => {})
        if (client === c) client = null
        if (!stopped) retry = setTimeout(() => void listen(Math.min(delay * 2, 5_000)), delay)
      })
      try {
        await c.connect()
        await c.query(`listen ${this.notifyChannel}`)
        client = c
        onMessage(0) // catch up on anything committed while not listening
      } catch (err) {
        this.onError(err)
        c.end().catch(() => {})
        if (!stopped) retry = setTimeout(() => void listen(Math.min(delay * 2, 5_000)), delay)
      }
    }
    await listen(100)
    return async () => {
      stopped = true
      if (retry) clearTimeout(retry)
      await client?.end().catch(() => {})
    }
  }
}

/** Redis pub/sub: one subscriber connection per process; ioredis reconnects by itself. */
export class RedisBus implements Bus {
  private readonly channel: string
  private readonly onError: (err: unknown) => void

  constructor(
    private readonly redis: Redis,
    opts: BusOptions = {},
  ) {
    this.channel = opts.channel ?? channelOf('public')
    this.onError = opts.onError ?? (() => {})
  }

  async publish(maxSeq: number): Promise<void> {
    try {
      await this.redis.publish(this.channel, String(maxSeq))
    } catch (err) {
      // Other instances catch up on their next message or reconnect; local delivery is direct.
      this.onError(err)
    }
  }

  async subscribe(onMessage: (maxSeq: number) => void) {
    // Resubscribed here, not by ioredis: its own resubscribe after a reconnect does not catch a
    // SUBSCRIBE refused because the connection dropped again at once (the duplicate inherits
    // `enableOfflineQueue: false`), and that unhandled rejection stopped the server.
    const sub = this.redis.duplicate({ autoResubscribe: false })
    sub.on('error', this.onError)
    sub.on('message', (_channel: string, payload: string) => onMessage(Number(payload)))
    // A SUBSCRIBE sent before the duplicate has connected fails at once (no offline queue), so
    // a server started right after Redis sometimes crashed here.
    if (sub.status !== 'ready') await once(sub, 'ready', { signal: AbortSignal.timeout(10_000) })
    await sub.subscribe(this.channel)
    // Subscribed, then caught up on whatever was published before: now, and after every
    // reconnect.
    const resume = () => onMessage(0)
    sub.on('ready', () => void sub.subscribe(this.channel).catch(this.onError).finally(resume))
    resume()
    return async () => {
      sub.disconnect()
    }
  }
}
