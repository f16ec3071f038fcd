import {
  type ActivityMessage,
  activityInput,
  type MetricsLiveMessage,
  metricsLiveInput,
  READS,
} from '@leads/contract'
import { TRPCError, tracked } from '@trpc/server'
import type { Context } from '../context.js'
import { feedFilter } from '../live/filter.js'
import type { FeedHub } from '../live/hub.js'
import { type FeedItem, readFeed, readRecent } from '../live/messages.js'
import { formatInstant } from '../time/local.js'
import { publicProcedure } from '../trpc.js'
import { computeMetrics } from './metrics.js'

/** How far back a resuming client is replayed (documented retention window). */
export const REPLAY_LIMIT = 10_000
const PAGE = 500
/** Live metrics: at most one push a second, and one at least every 30 s as time moves on. */
const METRICS_MIN_INTERVAL_MS = 1_000
const METRICS_HEARTBEAT_MS = 30_000

function hubOf(ctx: Context): FeedHub {
  if (!ctx.live)
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'the live feed is not running' })
  return ctx.live
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true },
    )
  })

export const activity = publicProcedure.input(activityInput).subscription(async function* ({
  ctx,
  input,
  signal,
}) {
  const hub = hubOf(ctx)
  // Listen first, then replay: anything dispatched during the replay is queued, and the cursor
  // check drops what the replay already sent — no gap, no duplicate.
  const queue = hub.subscribe()
  const visible = feedFilter(ctx.identity, input)
  const tz = input.tz
  const toMessage = (item: FeedItem): ActivityMessage =>
    tz ? { ...item.message, occurredAt: formatInstant(item.occurredAtMs, tz) } : item.message
  try {
    let last = hub.lastSeq
    if (input.lastEventId == null) {
      for (const item of await readRecent(ctx.db, last, input.backlog ?? 0)) {
        if (visible(item)) yield tracked(String(item.seq), toMessage(item))
      }
    } else {
      last = Math.max(Number(input.lastEventId), hub.lastSeq - REPLAY_LIMIT, 0)
      for (;;) {
        const page = await readFeed(ctx.db, last, PAGE)
        for (const item of page) {
          last = item.seq
          if (visible(item)) yield tracked(String(item.seq), toMessage(item))
        }
        if (page.length < PAGE || signal?.aborted) break
      }
    }
    while (!signal?.aborted) {
      const items = await queue.take(signal)
      if (items.length === 0 && !signal?.aborted) return
      for (const item of items) {
        if (item.seq <= last) continue
        last = item.seq
        if (visible(item)) yield tracked(String(item.seq), toMessage(item))
      }
    }
  } finally {
    queue.close()
  }
})

export const metricsLive = publicProcedure.input(metricsLiveInput).subscription(async function* ({
  ctx,
  input,
  signal,
}) {
  const hub = hubOf(ctx)
  let dirty = false
  let wake: (() => void) | null = null
  const off = hub.onChange(() => {
    dirty = true
    wake?.()
  })
  try {
    let invalidate: MetricsLiveMessage['invalidate'] = []
    while (!signal?.aborted) {
      yield { metrics: await computeMetrics(ctx, input), invalidate } satisfies MetricsLiveMessage
      await sleep(METRICS_MIN_INTERVAL_MS, signal)
      if (!dirty) {
        await Promise.race([
          new Promise<void>((resolve) => {
            wake = resolve
          }),
          sleep(METRICS_HEARTBEAT_MS, signal),
        ])
        wake = null
      }
      invalidate = dirty ? [...READS] : []
      dirty = false
    }
  } finally {
    off()
  }
})
