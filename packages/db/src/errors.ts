/**
 * SQLSTATE codes that mean "the database cannot serve this now; the same request may succeed
 * later": the connection went away (class 08), the server is shutting down or starting
 * (57P01–57P03, e.g. `pg_terminate_backend`), too many connections (53300), or the statement was
 * cancelled by `statement_timeout` or waited too long for a lock (57014, 55P03).
 */
const RETRYABLE_SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300', '57014', '55P03'])

/** Socket-level failures of reaching the database at all. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
])

// node-postgres reports a lost or unobtainable connection with plain Errors and these messages.
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Client was closed and is not queryable/,
  /Cannot use a pool after calling end on the pool/,
]

/**
 * Whether `err` says the database is unreachable, restarting or overloaded — answered as 503 with
 * `Retry-After` — rather than that the query itself is wrong (a bug: 500).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    if (code.startsWith('08') && code.length === 5) return true
    if (RETRYABLE_SQLSTATE.has(code) || NETWORK_CODES.has(code)) return true
  }
  if (DRIVER_MESSAGES.some((re) => re.test(err.message))) return true
  // Node's connect() reports every address it tried (IPv4 and IPv6) in one AggregateError.
  if (err instanceof AggregateError && err.errors.some((e) => isDatabaseUnavailable(e, depth + 1)))
    return true
  return isDatabaseUnavailable(err.cause, depth + 1)
}
