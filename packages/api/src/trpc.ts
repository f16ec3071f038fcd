import { initTRPC, TRPCError } from '@trpc/server'
import superjson from 'superjson'
import { ZodError } from 'zod'
import type { Context } from './context.js'
import { TooManyBuckets } from './time/windows.js'

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause
    // The cause of an internal error is logged by the server, never shown to the client.
    const internal = error.code === 'INTERNAL_SERVER_ERROR'
    return {
      ...shape,
      message: internal ? 'internal error' : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        zodIssues: cause instanceof ZodError ? cause.issues : null,
      },
    }
  },
})

/** Postgres "time zone not recognized": a name the runtime knows but the database does not. */
function isUnknownZone(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined
  return e?.code === '22023' && /time zone/.test(e.message ?? '')
}

/** Domain errors thrown by queries become client errors, never 500s. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next()
  if (result.ok) return result
  const cause = result.error.cause
  if (cause instanceof TooManyBuckets) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause })
  }
  if (isUnknownZone(cause)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'unknown IANA time zone', cause })
  }
  return result
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory
/** The only procedure builder for now; authentication adds authed/role-scoped ones. */
export const publicProcedure = t.procedure.use(mapDomainErrors)
