import { ingestBatch, ingestResult } from '@leads/contract'
import { ingestEvents } from '@leads/db'
import type { TRPCRouterRecord } from '@trpc/server'
import { publicProcedure } from '../trpc.js'

export const eventsRouter = {
  /** Ingest a batch; bad events come back by index while the good ones land. */
  ingest: publicProcedure
    .input(ingestBatch)
    .output(ingestResult)
    .mutation(async ({ ctx, input }) => {
      const { stored: _stored, ...summary } = await ingestEvents(ctx.db, input, new Date(ctx.clock.now()))
      return summary
    }),
} satisfies TRPCRouterRecord
