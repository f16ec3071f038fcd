import type { ActivityInput, FeedCursor, FeedGap, FeedMessage } from '@leads/contract'
import { lastCursor } from '@leads/db'
import { createPseudonyms, type Pseudonyms } from '../auth/pseudonym.js'
import { AuthError } from '../auth/tokens.js'
import type { Context, Identity } from '../context.js'
import { formatInstant } from '../time/local.js'
import { feedFilter } from './filter.js'
import type { FeedHub } from './hub.js'
import { anyVisible, type FeedItem, readFeed, readRecent, summaryOf } from './messages.js'

const PAGE = 500

/**
 * What the stream needs: the database for replay, the hub for live items, who is asking, and
 * how other agents are shown to them.
 */
export interface StreamContext
  extends Pick<
    Context,
    'db' | 'identity' | 'pseudonymKey' | 'anonymizeLeaderboard' | 'orgTimezone'
  > {
  live: FeedHub
}

/** One message for one subscriber; `id` is its cursor (the tRPC `tracked()` id, SSE `id:`). */
export interface ActivityEvent {
  id: string
  message: FeedMessage
}

/** Opens the feed for one connection; the signal aborts when the connection ends. */
export type FeedSource = (signal: AbortSignal) => AsyncIterable<ActivityEvent>

/** Why a stream ended, for logs and counts. */
export type StreamEnd = 'client' | 'slow' | 'shutdown' | 'dead' | 'error' | 'expired'

/** One open stream to a REST client, whatever its transport. */
export interface StreamConnection {
  /** Ends the stream because the server is going away (WebSocket: close 1001). */
  shutdown(): void
  /** Bytes written but not yet taken by the network. */
  buffered(): number
  /** Resolves once the connection is gone, with the reason it ended. */
  done: Promise<{ end: StreamEnd; error?: unknown }>
}

/**
 * The activity feed for one subscriber, shared by every transport (tRPC, WebSocket, SSE):
 * listens first, then replays from `input.lastEventId` (within the hub's replay window, after a
 * {@link FeedGap} when the cursor is older) or sends the `backlog` of latest events, then goes
 * live. Items at or below the last cursor sent are skipped, so events committed during the
 * switch from replay to live arrive exactly once. A filtered subscriber that passes
 * `hub.cursorEvery` cursors without an event to show is sent a {@link FeedCursor}.
 * Ends when `signal` aborts or the hub stops; throws `SlowConsumerError` when the subscriber's
 * queue overflowed (the client resumes by cursor), and `AuthError('expired')` when the caller's
 * token expires — a stream never outlives its credential.
 */
export async function* activityStream(
  ctx: StreamContext,
  input: ActivityInput,
  outer?: AbortSignal,
): AsyncGenerator<ActivityEvent, void, undefined> {
  const expiry = expiryOf(ctx.identity)
  const signal =
    expiry.signal && outer ? AbortSignal.any([outer, expiry.signal]) : (expiry.signal ?? outer)
  const hub = ctx.live
  // Anything dispatched while the replay runs waits in the queue; the cursor check below drops
  // what the replay already sent.
  const queue = hub.subscribe()
  const visible = feedFilter(ctx.identity, input)
  // Like every read's, the zone defaults to the organisation's (SPEC §4).
  const tz = input.tz ?? ctx.orgTimezone
  // As on the leaderboard (SPEC §6): agents, and everyone when anonymising, see other agents
  // under pseudonyms — in the id, the name and the summary.
  const identity = ctx.identity
  const pseudonyms =
    identity?.role === 'agent' || ctx.anonymizeLeaderboard === true
      ? createPseudonyms(ctx.pseudonymKey, identity?.role === 'agent' ? identity.sub : null)
      : null
  // `last` is how far this subscriber has been taken through the feed, `sent` the cursor of the
  // last message it was sent (or resumed from).
  let last = hub.lastSeq
  let sent = last
  const toEvent = (item: FeedItem): ActivityEvent => {
    sent = item.seq
    return sharedEvent(item, tz, pseudonyms)
  }
  const quietFor = () => last - sent >= hub.cursorEvery
  const cursorEvent = (): ActivityEvent => {
    sent = last
    const message: FeedCursor = { id: String(last), kind: 'cursor' }
    return { id: message.id, message }
  }
  try {
    if (input.lastEventId == null) {
      for (const item of await readRecent(ctx.db, last, input.backlog ?? 0, visible)) {
        yield toEvent(item)
      }
    } else {
      const requested = Number(input.lastEventId)
      // A cursor past the newest committed event is not from this feed (a restored database,
      // another deployment): follow from the newest, rather than skip every event until the
      // feed passes it. Past only the hub (it has not heard another instance's ingest yet) it
      // stands.
      const top = requested > hub.lastSeq ? await lastCursor(ctx.db) : requested
      const from = Math.min(requested, top)
      last = Math.max(from, hub.replayFloor)
      sent = from
      // Said rather than skipped in silence, so a client keeping every event can fetch the rest;
      // but only when something this subscriber would be shown is among them: a filtered feed's
      // cursor moves only with what it shows, so a quiet one falls behind the window without
      // having missed anything. Past a window's worth of reading back, assume it has.
      if (last > from && (await anyVisible(ctx.db, from, last, visible)) !== false) {
        sent = last
        yield gapEvent(from, last)
      }
      for (;;) {
        const page = await readFeed(ctx.db, last, PAGE)
        for (const item of page) {
          last = item.seq
          if (visible(item)) yield toEvent(item)
        }
        if (quietFor()) yield cursorEvent()
        if (page.length < PAGE || signal?.aborted) break
      }
    }
    while (!signal?.aborted) {
      const items = await queue.take(signal)
      if (items.length === 0 && !signal?.aborted) return
      for (const item of items) {
        if (item.seq <= last) continue
        last = item.seq
        if (visible(item)) yield toEvent(item)
      }
      if (quietFor()) yield cursorEvent()
    }
    if (expiry.signal?.aborted && !outer?.aborted) throw new AuthError('expired')
  } finally {
    expiry.cancel()
    queue.close()
  }
}

/** The notice sent in place of the events after `after` up to `resumedAfter`. */
function gapEvent(after: number, resumedAfter: number): ActivityEvent {
  const message: FeedGap = {
    id: String(resumedAfter),
    kind: 'gap',
    after: String(after),
    summary: `Events after ${after} up to ${resumedAfter} are older than the replay window and were not replayed`,
  }
  return { id: message.id, message }
}

/**
 * Every subscriber asking for the same zone (and seeing the acting agent the same way) gets the
 * same event object, so the transports can serialize it once for all of them (see
 * {@link formattedOnce}) instead of once per subscriber. Pseudonyms depend only on the agent and
 * the process-wide key, so one masked copy serves every viewer it is hidden from.
 */
const eventsByItem = new WeakMap<FeedItem, Map<string, ActivityEvent>>()
function sharedEvent(item: FeedItem, tz: string, pseudonyms: Pseudonyms | null): ActivityEvent {
  const agentId = item.message.agentId
  const masked = pseudonyms !== null && agentId !== null && pseudonyms.hides(agentId)
  let byView = eventsByItem.get(item)
  if (!byView) {
    byView = new Map()
    eventsByItem.set(item, byView)
  }
  const key = `${tz}|${masked ? 'masked' : ''}`
  let event = byView.get(key)
  if (!event) {
    let message = item.message
    // The hub's messages are written in UTC already.
    if (tz !== 'UTC') message = { ...message, occurredAt: formatInstant(item.occurredAtMs, tz) }
    if (masked) {
      const name = pseudonyms.nameOf(agentId)
      message = {
        ...message,
        agentId: pseudonyms.idOf(agentId),
        agentName: name,
        summary: summaryOf(message, name),
      }
    }
    event = { id: String(item.seq), message }
    byView.set(key, event)
  }
  return event
}

/**
 * `format`, computed once per event object: a fan-out to a thousand sockets formats each message
 * once, not a thousand times. `format` must depend on the event alone.
 */
export function formattedOnce(
  format: (event: ActivityEvent) => string,
): (event: ActivityEvent) => string {
  const done = new WeakMap<ActivityEvent, string>()
  return (event) => {
    let text = done.get(event)
    if (text === undefined) {
      text = format(event)
      done.set(event, text)
    }
    return text
  }
}

/** Node's timers overflow past 2^31 − 1 ms (about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A signal that aborts when `identity`'s credential expires (none for a credential without expiry). */
export function expiryOf(identity: Identity | null): {
  signal: AbortSignal | undefined
  cancel(): void
} {
  const at = identity?.expiresAt
  if (at === undefined) return { signal: undefined, cancel: () => {} }
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    const wait = at - Date.now()
    if (wait <= 0) controller.abort()
    else timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS))
  }
  arm()
  return { signal: controller.signal, cancel: () => clearTimeout(timer) }
}
