import { setImmediate as nextTurn } from 'node:timers/promises'
import { type Database, lastCursor } from '@leads/db'
import type { Kysely } from 'kysely'
import type { Bus } from './bus.js'
import { type FeedItem, readFeed } from './messages.js'

const PAGE = 500

/**
 * How far back a resuming client is replayed by default (the retention window, in events;
 * FEED_REPLAY_EVENTS sets a server's).
 */
export const REPLAY_LIMIT = 10_000

/**
 * How many cursors a filtered subscriber passes without an event to show before it is sent a
 * `cursor` message: a tenth of the window, so a connected client never falls out of it.
 */
export function cursorInterval(replayLimit: number): number {
  return Math.max(Math.floor(replayLimit / 10), 1)
}

/** Thrown into a subscriber that fell too far behind; it resumes by cursor on reconnect. */
export class SlowConsumerError extends Error {
  constructor(readonly limit: number) {
    super(
      `subscriber fell more than ${limit} messages behind; reconnect with lastEventId to resume`,
    )
  }
}

/**
 * One per process: learns of new events from the bus (its own ingests, other instances via
 * Postgres NOTIFY or Redis), reads them from the database once, and fans them out to every
 * local subscriber. Readers never see gaps: the database is the source, the bus only says "look".
 */
export class FeedHub {
  private cursor = 0
  private readonly subscribers = new Set<Queue>()
  private readonly changeListeners = new Set<() => void>()
  private fetching: Promise<void> | null = null
  /**
   * What the next fetch reads up to: a cursor known to be committed with everything below it,
   * `'ask'` to read the top from the database, null when nothing is waiting.
   */
  private pending: number | 'ask' | null = null
  private stopped = false
  private unsubscribeBus: (() => Promise<void>) | null = null
  stats = { delivered: 0, dropped: 0 }

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: Bus,
    private readonly opts: {
      maxBuffer?: number
      /** The replay window in events (default {@link REPLAY_LIMIT}). */
      replayLimit?: number
      onError?: (err: unknown) => void
    } = {},
  ) {}

  async start(): Promise<void> {
    this.cursor = await lastCursor(this.db)
    // A message's cursor was committed under the ingest lock, so everything below it is too; 0
    // (a bus catching up after a reconnect) says only "look".
    this.unsubscribeBus = await this.bus.subscribe((maxSeq) =>
      this.poke(maxSeq > 0 ? maxSeq : 'ask'),
    )
  }

  /**
   * Stops listening and closes every subscriber. Resolves once a fetch in progress is over, so
   * the database can be closed right after without that fetch failing.
   */
  async stop(): Promise<void> {
    this.stopped = true
    await this.unsubscribeBus?.()
    await this.fetching
    for (const q of this.subscribers) q.close()
    this.subscribers.clear()
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** Items waiting in the fullest subscriber queue; never above `maxBuffer`. */
  get largestQueue(): number {
    let max = 0
    for (const q of this.subscribers) max = Math.max(max, q.size)
    return max
  }

  get lastSeq(): number {
    return this.cursor
  }

  /** How many of the latest events a resuming client may be replayed. */
  get replayLimit(): number {
    return this.opts.replayLimit ?? REPLAY_LIMIT
  }

  /** The oldest cursor a client may resume after and still be replayed everything it missed. */
  get replayFloor(): number {
    return Math.max(this.cursor - this.replayLimit, 0)
  }

  /** See {@link cursorInterval}. */
  get cursorEvery(): number {
    return cursorInterval(this.replayLimit)
  }

  /** Passed to `ingestEvents` as `notify`: the bus's channel when ingest announces itself. */
  get notifyChannel(): string | undefined {
    return this.bus.notifyChannel
  }

  /**
   * Called after a local ingest commits: fetch now, and tell every other instance unless the
   * ingest's own transaction did (`notifyChannel`). Never rejects: the events are stored, and a
   * failed message costs other instances latency (they catch up on the next), not data.
   */
  async published(maxSeq: number): Promise<void> {
    if (maxSeq <= this.cursor) return
    this.poke(maxSeq)
    if (this.bus.notifyChannel !== undefined) return
    await this.bus.publish(maxSeq).catch((err) => this.opts.onError?.(err))
  }

  /** Registers a listener for "data changed" (used by live metrics). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  /** A bounded queue receiving every item dispatched from now on. */
  subscribe(): Queue {
    const q = new Queue(this.opts.maxBuffer ?? 10_000, () => this.subscribers.delete(q))
    this.subscribers.add(q)
    return q
  }

  /**
   * Fetches up to `top`, now or after the fetch in progress. A cursor already dispatched is
   * ignored: this instance's own ingests come back to it through the bus.
   */
  private poke(top: number | 'ask'): void {
    if (this.stopped || (top !== 'ask' && top <= this.cursor)) return
    this.pending =
      top === 'ask' || this.pending === 'ask' ? 'ask' : Math.max(top, this.pending ?? 0)
    if (!this.fetching) this.fetchPending()
  }

  private fetchPending(): void {
    const upTo = this.pending ?? 'ask'
    this.pending = null
    this.fetching = this.drain(upTo)
      .catch((err) => this.opts.onError?.(err))
      .finally(() => {
        this.fetching = null
        if (this.pending !== null && !this.stopped) this.fetchPending()
      })
  }

  private async drain(upTo: number | 'ask'): Promise<void> {
    let changed = false
    // Without a known cursor, read the top first: everything up to it is committed (ingest
    // commits in cursor order), so the page read below cannot miss an event that commits
    // meanwhile.
    const top = upTo === 'ask' ? await lastCursor(this.db) : upTo
    while (this.cursor < top) {
      const items = await readFeed(this.db, this.cursor, PAGE, top)
      await this.dispatch(items)
      changed = true
      // agent.upserted events are not activity but still move the cursor.
      this.cursor = items.length < PAGE ? top : items.at(-1)!.seq
    }
    if (changed) for (const l of this.changeListeners) l()
  }

  /**
   * Hands `items` to every subscriber, yielding to the event loop after each
   * {@link DISPATCH_CHUNK} of them. What a subscriber does with its items (format, write) runs in
   * the microtasks of the push; a thousand of them in one go would hold the loop for tens of
   * milliseconds, and the next ingest's queries, waiting on that loop, with it.
   */
  private async dispatch(items: FeedItem[]): Promise<void> {
    if (items.length === 0) return
    let n = 0
    // A Set visits what is added while it is iterated: a subscriber arriving during a pause gets
    // these items too, and its stream drops any its replay already sent.
    for (const q of this.subscribers) {
      for (const item of items) q.push(item)
      this.stats.delivered += items.length
      if (++n % DISPATCH_CHUNK === 0) await nextTurn()
    }
  }
}

/** Subscribers served between two turns of the event loop (see `FeedHub.dispatch`). */
const DISPATCH_CHUNK = 100

/** A subscriber's buffer: bounded so a slow consumer cannot grow server memory. */
export class Queue {
  private items: FeedItem[] = []
  private wake: (() => void) | null = null
  private failure: Error | null = null
  private closed = false
  private watched: AbortSignal | undefined
  private readonly onAbort = () => this.wake?.()

  constructor(
    private readonly limit: number,
    private readonly onClose: () => void,
  ) {}

  push(item: FeedItem): void {
    if (this.closed) return
    if (this.items.length >= this.limit) {
      this.failure = new SlowConsumerError(this.limit)
      this.items = []
      this.close()
      return
    }
    this.items.push(item)
    this.wake?.()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.watched?.removeEventListener('abort', this.onAbort)
    this.onClose()
    this.wake?.()
  }

  get size(): number {
    return this.items.length
  }

  /** Waits for items; returns [] when closed (throws if closed for falling behind). */
  async take(signal?: AbortSignal): Promise<FeedItem[]> {
    // A stream takes many times over one signal: listen to it once, not once per wait (adding
    // and removing a listener each time was a few per cent of a fan-out's CPU).
    if (signal !== undefined && signal !== this.watched) {
      this.watched?.removeEventListener('abort', this.onAbort)
      this.watched = signal
      signal.addEventListener('abort', this.onAbort, { once: true })
    }
    if (this.items.length === 0 && !this.closed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
      this.wake = null
    }
    if (this.failure) throw this.failure
    const out = this.items
    this.items = []
    return out
  }
}
