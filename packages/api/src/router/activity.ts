import { activityInput, type MetricsLiveMessage, metricsLiveInput, READS } from '@leads/contract'
import { TRPCError, tracked } from '@trpc/server'
import type { Context } from '../context.js'
import { callerKey } from '../limits/rateLimits.js'
import type { FeedHub } from '../live/hub.js'
import { activityStream } from '../live/stream.js'
import { readProcedure } from '../trpc.js'
import { readMetrics } from './metrics.js'

/**
 * Least time between two pushes while events flow. An event landing just after a push waits this
 * long (plus the figures' computation) to be shown: half the 1-second freshness promise, so the
 * push keeps it with room for a busy server (SPEC §5).
 */
const METRICS_MIN_INTERVAL_MS = 500
/** A push at least this often while nothing is ingested, as time moves the window on. */
const METRICS_HEARTBEAT_MS = 30_000

function hubOf(ctx: Context): FeedHub {
  if (!ctx.live)
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'the live feed is not running' })
  return ctx.live
}

/** Takes one of the caller's stream slots (429 when all are open); the result gives it back. */
async function streamSlot(ctx: Context): Promise<() => void> {
  return (await ctx.limits?.openStream(callerKey(ctx.identity, ctx.clientIp))) ?? (() => {})
}

// The abort listener is removed when the timer fires: a long-lived subscription sleeps once a
// second and must not pile up listeners on its signal.
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t)
      resolve()
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })

export const activity = readProcedure(activityInput).subscription(async function* ({
  ctx,
  input,
  signal,
}) {
  const live = hubOf(ctx)
  const release = await streamSlot(ctx)
  try {
    // The filter as authorised: a pseudonym id from an anonymised leaderboard names its agent.
    const filter = { ...input, agentId: ctx.scope.agentId }
    const stream = activityStream({ ...ctx, live }, filter, signal)
    for await (const { id, message } of stream) yield tracked(id, message)
  } finally {
    release()
  }
})

export const metricsLive = readProcedure(metricsLiveInput).subscription(async function* ({
  ctx,
  input,
  signal,
}) {
  const hub = hubOf(ctx)
  const release = await streamSlot(ctx)
  let dirty = false
  let wake: (() => void) | null = null
  const off = hub.onChange(() => {
    dirty = true
    wake?.()
  })
  try {
    let invalidate: MetricsLiveMessage['invalidate'] = []
    while (!signal?.aborted) {
      yield {
        metrics: await readMetrics(ctx, input),
        invalidate,
      } satisfies MetricsLiveMessage
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
    release()
  }
})
