import { ingestBatch, ingestResult, MAX_BATCH_EVENTS } from '@leads/contract'
import { ingestEvents } from '@leads/db'
import { TRPCError, type TRPCRouterRecord } from '@trpc/server'
import { ingestProcedure } from '../trpc.js'

/**
 * A batch of more events than one request may carry is PAYLOAD_TOO_LARGE (413) over tRPC as over
 * REST, said before any of its events is validated.
 */
export function refuseOversizedBatch(batch: unknown): void {
  if (Array.isArray(batch) && batch.length > MAX_BATCH_EVENTS) {
    throw new TRPCError({
      code: 'PAYLOAD_TOO_LARGE',
      message: `batch of ${batch.length} events; at most ${MAX_BATCH_EVENTS} per request`,
    })
  }
}

export const eventsRouter = {
  /** Ingest a batch; bad events come back by index while the good ones land. */
  ingest: ingestProcedure
    .use(async ({ getRawInput, next }) => {
      refuseOversizedBatch(await getRawInput())
      return next()
    })
    .input(ingestBatch)
    .output(ingestResult)
    .mutation(async ({ ctx, input }) => {
      const { stored, ...summary } = await ingestEvents(
        ctx.ingestDb ?? ctx.db,
        input,
        new Date(ctx.clock.now()),
        {
          notify: ctx.live?.notifyChannel,
        },
      )
      ctx.observe?.ingested({
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        rejected: summary.rejected.length,
      })
      const maxSeq = stored.at(-1)?.seq
      if (maxSeq !== undefined) {
        // Invalidate before answering, so a read right after this response sees the events.
        await ctx.cache?.invalidate()
        await ctx.live?.published(maxSeq)
      }
      return summary
    }),
} satisfies TRPCRouterRecord
