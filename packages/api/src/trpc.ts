import { initTRPC, TRPCError } from '@trpc/server'
import superjson from 'superjson'
import { ZodError } from 'zod'
import type { Context } from './context.js'
import { TooManyBuckets } from './time/windows.js'

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        zodIssues: cause instanceof ZodError ? cause.issues : null,
      },
    }
  },
})

/** Domain errors thrown by queries become client errors, never 500s. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next()
  if (!result.ok && result.error.cause instanceof TooManyBuckets) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: result.error.cause.message, cause: result.error.cause })
  }
  return result
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory
/** The only procedure builder for now; authentication adds authed/role-scoped ones. */
export const publicProcedure = t.procedure.use(mapDomainErrors)
