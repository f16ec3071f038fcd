import { isDatabaseUnavailable } from '@leads/db'
import { TRPCError } from '@trpc/server'
import { ZodError, z } from 'zod'
import { LimitRefusal } from '../limits/refusal.js'

/** Codes a REST error body can carry; tRPC's names, so both transports speak alike. */
export const REST_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_SUPPORTED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const
export type RestErrorCode = (typeof REST_ERROR_CODES)[number]

const STATUS: Record<RestErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
}

/** One validation problem, as zod reports it (`code`, `path`, `message`, plus code-specific fields). */
export const restIssue = z.looseObject({
  code: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
})
export type RestIssue = z.infer<typeof restIssue>

/** The body of every REST error response (SPEC §4). */
export const restErrorBody = z.object({
  error: z.object({
    code: z.enum(REST_ERROR_CODES),
    message: z.string(),
    /** Present for 400s caused by invalid input: one entry per problem. */
    details: z.array(restIssue).optional(),
  }),
})
export type RestErrorBody = z.infer<typeof restErrorBody>

/** An error the adapter answers as-is: status, body and any extra headers (e.g. `Allow`). */
export class RestError extends Error {
  readonly status: number
  constructor(
    readonly code: RestErrorCode,
    message: string,
    readonly details?: RestIssue[],
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'RestError'
    this.status = STATUS[code]
  }

  body(): RestErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    }
  }
}

const GENERIC = 'internal error'
const UNAVAILABLE = 'service unavailable, retry later'
/** When a client should try again after a 503: long enough for a pool to reconnect. */
export const RETRY_AFTER_UNAVAILABLE_S = 5
const retryLater = { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_S) }

/** zod issues minus `input` (never echo what the client sent) and anything JSON cannot carry. */
export function issuesOf(err: ZodError): RestIssue[] {
  return err.issues.map(({ input: _input, path, ...rest }) => {
    const safe = JSON.parse(
      JSON.stringify(rest, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    ) as Record<string, unknown>
    // A format's regular expression (hundreds of characters for a date-time) tells a client
    // nothing the message does not.
    delete safe.pattern
    return {
      ...safe,
      code: rest.code,
      message: rest.message,
      path: path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    }
  })
}

/** A one-line summary of the issues for `message`; the full list goes in `details`. */
export function summarise(issues: RestIssue[]): string {
  const parts = issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''
  return `invalid input: ${parts.join('; ')}${more}`
}

/**
 * Maps anything thrown while answering to the error the client sees. Client errors keep their
 * message; everything else becomes a generic 500 so no stack, SQL or driver text leaks.
 */
export function toRestError(err: unknown): RestError {
  if (err instanceof RestError) return err
  if (err instanceof ZodError) {
    const issues = issuesOf(err)
    return new RestError('BAD_REQUEST', summarise(issues), issues, {}, { cause: err })
  }
  if (err instanceof TRPCError) {
    if (err.code === 'BAD_REQUEST' && err.cause instanceof ZodError) {
      const issues = issuesOf(err.cause)
      return new RestError('BAD_REQUEST', summarise(issues), issues, {}, { cause: err })
    }
    if (err instanceof LimitRefusal)
      return new RestError(err.code as RestErrorCode, err.message, undefined, err.headers(), {
        cause: err,
      })
    const code = err.code as RestErrorCode
    if (Object.hasOwn(STATUS, code) && STATUS[code] < 500)
      return new RestError(code, err.message, undefined, {}, { cause: err })
    if (code === 'SERVICE_UNAVAILABLE')
      return new RestError(code, UNAVAILABLE, undefined, retryLater, { cause: err })
  }
  // Outside a procedure (the activity stream's replay, say) a lost database is still a 503.
  if (isDatabaseUnavailable(err))
    return new RestError('SERVICE_UNAVAILABLE', UNAVAILABLE, undefined, retryLater, { cause: err })
  return new RestError('INTERNAL_SERVER_ERROR', GENERIC, undefined, {}, { cause: err })
}
