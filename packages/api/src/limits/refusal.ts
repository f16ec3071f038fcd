import { TRPCError } from '@trpc/server'

/**
 * A request a limit refused (429 over a budget, 503 while ingest is full). A TRPCError, so tRPC
 * and the REST adapter answer with its code by themselves; both transports add `headers()`,
 * which say when to come back.
 */
export abstract class LimitRefusal extends TRPCError {
  abstract headers(): Record<string, string>
}
