import { isDatabaseUnavailable } from '@leads/db'
import { initTRPC, TRPCError } from '@trpc/server'
import { ZodError, type z } from 'zod'
import {
  authorizeRead,
  requireIdentity,
  requireIngester,
  requireReader,
  type ScopeFilter,
} from './auth/scope.js'
import type { Context } from './context.js'
import { type Budget, callerKey } from './limits/rateLimits.js'
import { TooManyBuckets } from './time/windows.js'
import { transformer } from './transformer.js'

const t = initTRPC.context<Context>().create({
  transformer,
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
        // Only input issues are the client's to see; an answer failing its schema is ours.
        zodIssues: !internal && cause instanceof ZodError ? cause.issues : null,
      },
    }
  },
})

/** Postgres "time zone not recognized": a name the runtime knows but the database does not. */
function isUnknownZone(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined
  return e?.code === '22023' && /time zone/.test(e.message ?? '')
}

/**
 * Domain errors thrown by queries become client errors, never 500s; a database that is down,
 * restarting or too slow (statement timeout) becomes 503 SERVICE_UNAVAILABLE, which the
 * transports answer with `Retry-After`.
 */
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
  if (result.error.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(cause)) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE, cause })
  }
  return result
})

export const DATABASE_UNAVAILABLE = 'database unavailable, retry later'

/** Takes one request from the caller's `budget` (429 past it); no limits configured → free. */
const charge = (ctx: Context, budget: Budget) =>
  ctx.limits?.consume(budget, callerKey(ctx.identity, ctx.clientIp))

const limited = (budget: Budget) =>
  t.middleware(async ({ ctx, next }) => {
    await charge(ctx, budget)
    return next()
  })

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** No authentication or authorisation: for what anyone may call. */
export const publicProcedure = t.procedure.use(mapDomainErrors)

/**
 * The caller must be identified when the server requires authentication (`authRequired`);
 * on an open server an anonymous caller passes and `ctx.identity` stays null.
 */
const identified = t.middleware(({ ctx, next }) => {
  requireIdentity(ctx)
  return next()
})

export const authedProcedure = publicProcedure.use(identified)

// The budget is taken first, so refused calls count too (an anonymous one against its address,
// as a refused token does); identity and role are checked before the input is parsed, so a
// caller who may not call at all is told so whatever it sent.

/** Who may send events: `ingest` and `admin` identities (anonymous only on an open server). */
function requireSender(ctx: Context): void {
  requireIdentity(ctx)
  requireIngester(ctx.identity)
}

/** Sending events (see `requireSender`). */
export const ingestProcedure = publicProcedure
  .use(limited('ingest'))
  .use(({ ctx, next }) => {
    requireSender(ctx)
    return next()
  })
  // Before the batch is parsed: a refused batch costs the busy server nothing more.
  .use(({ ctx, next }) => (ctx.ingestGate ? ctx.ingestGate.run(next) : next()))

/** Who may read analytics: an identified caller (on a server that requires one) of a reading role. */
function requireReaderOf(ctx: Context): void {
  requireIdentity(ctx)
  requireReader(ctx.identity)
}

/**
 * For an adapter that checks a request itself before the procedure runs (REST reads its query
 * string and the batch): refuses a caller who may not call `budget`'s procedures at all, before
 * anything it sent is looked at, as the procedures do. The refusal is charged to the caller's
 * budget as the procedure would charge it; a caller who may call is not charged here (the
 * procedure takes its budget).
 */
export async function refuseOutsider(ctx: Context, budget: Budget): Promise<void> {
  try {
    if (budget === 'ingest') requireSender(ctx)
    else requireReaderOf(ctx)
  } catch (err) {
    await charge(ctx, budget)
    throw err
  }
}

/**
 * Runs an adapter's own check of a request (its query string, its body) and charges a request it
 * refuses to the caller's `budget`, so malformed requests are limited like any other (429, not
 * another 400, once the budget is spent). A request that passes is charged by its procedure.
 */
export async function chargeRefused<T>(
  ctx: Context,
  budget: Budget,
  check: () => T | Promise<T>,
): Promise<T> {
  try {
    return await check()
  } catch (err) {
    await charge(ctx, budget)
    throw err
  }
}

const readerProcedure = publicProcedure.use(limited('read')).use(({ ctx, next }) => {
  requireReaderOf(ctx)
  return next()
})

/**
 * An analytics read with input `schema`: its `agentId`/`teamId` filters are authorised for the
 * caller (FORBIDDEN outside their reach, see `authorizeRead`) and `ctx.scope` says which agents
 * the read covers and how the leaderboard shows them. Handlers read `ctx.scope`, never the raw
 * filters.
 */
export function readProcedure<TOut extends ScopeFilter, TIn>(schema: z.ZodType<TOut, TIn>) {
  return readerProcedure
    .input(schema)
    .use(async ({ ctx, input, next }) => next({ ctx: { scope: await authorizeRead(ctx, input) } }))
}
