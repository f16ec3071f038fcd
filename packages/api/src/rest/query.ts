import type { z } from 'zod'
import { issuesOf, RestError, type RestIssue, summarise } from './errors.js'

const shown = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key)

/**
 * Parses a query string with a procedure's own input schema. Every parameter is a single string
 * (the schemas coerce numbers); a repeated or unknown parameter is a 400 rather than silently
 * dropped, so a typo never quietly falls back to a default.
 */
export function parseQuery<S extends z.ZodObject>(params: URLSearchParams, schema: S): z.output<S> {
  const raw: Record<string, string> = {}
  const unknown = new Set<string>()
  const repeated = new Set<string>()
  for (const [key, value] of params) {
    if (!Object.hasOwn(schema.shape, key)) unknown.add(key)
    else if (Object.hasOwn(raw, key)) repeated.add(key)
    else raw[key] = value
  }

  const issues: RestIssue[] = []
  if (unknown.size > 0) {
    const keys = [...unknown].slice(0, 10).map(shown)
    issues.push({
      code: 'unrecognized_keys',
      keys,
      path: [],
      message: `unknown query parameter${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`,
    })
  }
  for (const key of repeated)
    issues.push({ code: 'custom', path: [key], message: 'given more than once' })

  const parsed = schema.safeParse(raw)
  if (!parsed.success) issues.push(...issuesOf(parsed.error))
  if (issues.length > 0 || !parsed.success) {
    throw new RestError(
      'BAD_REQUEST',
      summarise(issues),
      issues,
      {},
      parsed.success ? {} : { cause: parsed.error },
    )
  }
  return parsed.data
}
