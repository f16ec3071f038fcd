import { createHash } from 'node:crypto'
import type { Database } from '@leads/db'
import { TRPCError } from '@trpc/server'
import type { Kysely } from 'kysely'
import type { z } from 'zod'
import type { Context } from '../context.js'
import { readerFor } from '../queries/reader.js'
import type { ReadCache } from './cache.js'
import { shareInFlight } from './inFlight.js'

/** How old a cached answer may be when served: the 1-second freshness promise (SPEC §5). */
export const MAX_AGE_MS = 1_000

/**
 * How long an answer is kept. Its key names the second it was computed in (see
 * {@link cacheKey}), so it is not served past that second; the TTL only lets the cache drop it.
 */
export const TTL_MS = 2 * MAX_AGE_MS

/**
 * The cache key of a read: the procedure, its input, the caller when the answer depends on who
 * asks (`perCaller`), the cache generation (which every ingest moves), and the second of "now".
 * Windows move with the clock even when nothing is ingested — today so far, yesterday up to the
 * same time, an event stamped a little ahead coming into the window when its time comes — so an
 * answer is reused within the second it was computed in only: never older than the freshness
 * promise, while a burst of the same read (a wall of dashboards told to refetch at once) is
 * computed once.
 */
export function cacheKey(
  ctx: Context,
  path: string,
  input: unknown,
  generation: number,
  perCaller = true,
): string {
  const second = Math.floor(ctx.clock.now() / MAX_AGE_MS)
  const who = !perCaller ? '*' : ctx.identity ? `${ctx.identity.role}:${ctx.identity.sub}` : 'anon'
  const digest = createHash('sha1')
    .update(JSON.stringify(input ?? null))
    .digest('base64url')
  return `${path}:${generation}:${second}:${who}:${digest}`
}

/**
 * A read answered from the cache when it holds this read for the current generation, else
 * computed and stored. `compute` is given the database to read: the replica when it has caught
 * up (see `readerFor`). The cached answer keeps its own `asOf`: it says when the figures were
 * computed.
 *
 * Every answer is checked against `output` once, when computed (this replaces tRPC's
 * `.output()`, which would validate every hit again), then frozen: the memory cache hands the
 * same object to every later hit, which costs a map lookup instead of a parse and a validation
 * per request, and the REST adapter remembers that object's encoding. A frozen value is one this
 * process validated; anything else from a cache (a shared cache's JSON, which any instance may
 * have written) is validated here, frozen, and handed back to the cache to keep (`keep`), so it
 * too is checked once per process.
 */
export function cachedRead<TOut, TIn>(
  name: string,
  output: z.ZodType<TOut, TIn>,
  {
    perCaller = true,
  }: {
    /**
     * false: the answer is fixed by the input and the resolved scope alone (both in `input`; see
     * `cacheInput`), so every caller with that scope shares it — a wall of agents' dashboards
     * reading the organisation's figures computes them once. Leave it true for an answer that
     * shows the caller anything of their own (the leaderboard's own row).
     */
    perCaller?: boolean
  } = {},
) {
  return async (
    ctx: Context,
    input: unknown,
    compute: (db: Kysely<Database>) => Promise<TIn>,
  ): Promise<TOut> => {
    const cache = ctx.cache
    if (!cache) return validated(output, await compute(await readerFor(ctx)))
    const generation = await cache.generation()
    const key = cacheKey(ctx, name, input, generation, perCaller)
    const hit = await cache.get(key)
    ctx.observe?.cacheLookup(hit !== undefined)
    if (hit !== undefined) {
      if (Object.isFrozen(hit)) return hit as TOut
      // Another instance's answer (or version's): checked here once, then kept as ours. Misses
      // that shared one read-back share its object, and so the check.
      let value = checkedHits.get(hit as object) as TOut | undefined
      if (value === undefined) {
        value = deepFreeze(validated(output, hit))
        checkedHits.set(hit as object, value)
        await cache.keep?.(key, value, TTL_MS)
      }
      return value
    }
    // Misses of one key while its answer is being computed wait for that computation rather than
    // start their own: after an ingest every dashboard asks again at once, and would otherwise
    // each compute the same figures.
    // A cursor generation is the primary's cursor as this read began: the replica check needs no
    // second read of it.
    const committed = cache.generationIsCursor ? generation : undefined
    return shareInFlight(computationsOf(cache), key, async () => {
      const db = await readerFor(ctx, { committed })
      const value = deepFreeze(validated(output, await compute(db)))
      await cache.set(key, value, TTL_MS)
      return value
    }) as Promise<TOut>
  }
}

/** Answers read back from a shared cache (parsed JSON: always objects) → their checked copies. */
const checkedHits = new WeakMap<object, unknown>()

/** Answers being computed, per cache, by key. */
const computations = new WeakMap<ReadCache, Map<string, Promise<unknown>>>()
function computationsOf(cache: ReadCache): Map<string, Promise<unknown>> {
  let map = computations.get(cache)
  if (!map) {
    map = new Map()
    computations.set(cache, map)
  }
  return map
}

/** An answer that fails its own schema is a server bug: 500, and the issues stay in the log. */
function validated<TOut>(output: z.ZodType<TOut>, value: unknown): TOut {
  const result = output.safeParse(value)
  if (result.success) return result.data
  throw new TRPCError({
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Output validation failed',
    cause: result.error,
  })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
