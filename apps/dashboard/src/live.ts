/**
 * Everything that depends on the API's subscriptions lives here, so the rest of the app only
 * sees plain hooks: live KPIs with read invalidation, and the resumable activity feed.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { FeedBuffer, latestCursor } from './lib/feed'
import { throttleSet } from './lib/throttle'
import { type RouterInputs, type RouterOutputs, trpc } from './lib/trpc'

type Yield<T> = T extends AsyncIterable<infer U> ? U : never

/** One message of `analytics.activity`, as the server's `tracked()` envelope carries it. */
type FeedMessage = Yield<RouterOutputs['analytics']['activity']>['data']
/** An event of the feed: every message but the notice of a gap and a filtered feed's cursor. */
export type ActivityItem = Exclude<FeedMessage, { kind: 'gap' | 'cursor' }>
/** Reads the live metrics stream may ask us to refetch. */
type ReadName = Yield<RouterOutputs['analytics']['metricsLive']>['invalidate'][number]

type MetricsInput = RouterInputs['analytics']['metrics']
type ActivityInput = RouterInputs['analytics']['activity']

/** Refetches other reads at most once a second however fast events arrive. */
const INVALIDATE_THROTTLE_MS = 1000

/**
 * Keeps the cached `analytics.metrics` for `input` current from `analytics.metricsLive` and
 * invalidates the other reads the server names, throttled.
 */
export function useLiveMetrics(input: MetricsInput, enabled = true): void {
  const utils = trpc.useUtils()
  const invalidator = useMemo(
    () =>
      throttleSet<ReadName>((names) => {
        for (const name of names) void utils.analytics[name].invalidate()
        // The forecast's "on pace" counts today's leads so far, which change with lead volume.
        if (names.has('leadVolume')) void utils.analytics.forecast.invalidate()
      }, INVALIDATE_THROTTLE_MS),
    [utils],
  )
  useEffect(() => () => invalidator.cancel(), [invalidator])

  trpc.analytics.metricsLive.useSubscription(input, {
    enabled,
    onData(message) {
      utils.analytics.metrics.setData(input, message.metrics)
      invalidator.push(message.invalidate.filter((name) => name !== 'metrics'))
    },
  })
}

/** How long incoming feed items are gathered before one render (a backfill arrives as a burst). */
const FEED_FLUSH_MS = 50
const FEED_BACKLOG = 50

export interface ActivityFeed {
  items: ActivityItem[]
  /** The subscription's own state: `connecting` until the first message after (re)subscribing. */
  status: 'idle' | 'connecting' | 'pending' | 'error'
  error: string | null
}

/**
 * The live activity feed. Keeps the last cursor so a re-subscription (zone change, remount) and
 * a reconnection (the ws link resends the last tracked id) resume where it stopped; ids already
 * shown are dropped, so a backfill that overlaps never doubles an entry.
 */
export function useActivityFeed(scope: Omit<ActivityInput, 'lastEventId'>): ActivityFeed {
  const [items, setItems] = useState<ActivityItem[]>([])
  const cursor = useRef<string | null>(null)
  const [buffer] = useState(() => new FeedBuffer<ActivityItem>())
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current)
    },
    [],
  )

  const { tz, agentId, teamId } = scope
  // The cursor is read when the input is rebuilt (scope change), not on every event.
  const input = useMemo<ActivityInput>(() => {
    const base: ActivityInput = {}
    if (tz) base.tz = tz
    if (agentId) base.agentId = agentId
    if (teamId) base.teamId = teamId
    if (cursor.current) base.lastEventId = cursor.current
    // A fresh screen starts with the latest events rather than blank.
    else base.backlog = FEED_BACKLOG
    return base
  }, [tz, agentId, teamId])

  const sub = trpc.analytics.activity.useSubscription(input, {
    onData(envelope) {
      cursor.current = latestCursor(cursor.current, envelope.id)
      // A gap notice (after a disconnect longer than the replay window) restarts the list; a
      // cursor message only moves the cursor.
      buffer.push(envelope.data)
      if (timer.current) return
      timer.current = setTimeout(() => {
        timer.current = null
        setItems(buffer.drain())
      }, FEED_FLUSH_MS)
    },
  })

  return { items, status: sub.status, error: sub.error ? sub.error.message : null }
}
