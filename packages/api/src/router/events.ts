import { ingestBatch, ingestResult } from '@leads/contract'
import { ingestEvents } from '@leads/db'
import type { TRPCRouterRecord } from '@trpc/server'
import { ingestProcedure } from '../trpc.js'

export const eventsRouter = {
  /** Ingest a batch; bad events come back by index while the good ones land. */
  ingest: ingestProcedure
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
