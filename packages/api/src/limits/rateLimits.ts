import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import type { Redis } from 'ioredis'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import type { Identity } from '../context.js'
import { LimitRefusal } from './refusal.js'
import { createStreamSlots, type Release } from './streamSlots.js'

/** Reads (procedures, REST reads, opening a stream) and ingest are counted apart. */
export type Budget = 'read' | 'ingest'

const WINDOW_S = 60

export interface RateLimitOptions {
  /** Read requests a minute per caller; 0 turns the read limit off. */
  readPerMinute: number
  /** Ingest requests (batches) a minute per caller; 0 turns the ingest limit off. */
  ingestPerMinute: number
  /** Streams (activity feeds, live metrics) one caller may hold open at once; 0 = no cap. */
  streamsPerCaller: number
  /** Budgets shared by every instance; absent → this process's memory. */
  redis?: Redis | null
  /** Prefix of the Redis keys, so several deployments can share one Redis. */
  keyPrefix?: string
  /** Told of every refusal, for metrics. */
  onLimited?: (budget: Budget | 'streams') => void
}

/**
 * A caller went over a budget: 429 (TOO_MANY_REQUESTS), with `Retry-After` and the RateLimit
 * fields.
 */
export class RateLimited extends LimitRefusal {
  constructor(
    readonly budget: Budget | 'streams',
    readonly limit: number,
    /** Whole seconds until a request would be admitted again (at least 1). */
    readonly retryAfterS: number,
  ) {
    super({
      code: 'TOO_MANY_REQUESTS',
      message:
        budget === 'streams'
          ? `at most ${limit} open streams per caller; close one first`
          : `rate limit of ${limit} ${budget} requests a minute reached; retry in ${retryAfterS} s`,
    })
    this.name = 'RateLimited'
  }

  /**
   * `Retry-After` (RFC 9110 §10.2.3) and the RateLimit fields of the IETF draft, in its current
   * form (`RateLimit`, `RateLimit-Policy`) and the older one clients still read
   * (`RateLimit-Limit`/`-Remaining`/`-Reset`).
   */
  headers(): Record<string, string> {
    const window = this.budget === 'streams' ? '' : `;w=${WINDOW_S}`
    return {
      'retry-after': String(this.retryAfterS),
      'ratelimit-policy': `"${this.budget}";q=${this.limit}${window}`,
      ratelimit: `"${this.budget}";r=0;t=${this.retryAfterS}`,
      'ratelimit-limit': String(this.limit),
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(this.retryAfterS),
    }
  }
}

/** What the procedures and streams ask of the limits. */
export interface RateLimits {
  /** Takes one request from `key`'s `budget`; throws {@link RateLimited} once it is spent. */
  consume(budget: Budget, key: string): Promise<void>
  /**
   * Takes one of `key`'s stream slots (on every instance, when they share a Redis); throws
   * {@link RateLimited} when all are taken. The returned function gives the slot back (calling
   * it again does nothing).
   */
  openStream(key: string): Promise<Release>
}

/**
 * Who a budget belongs to: an identified caller by role and subject (every token of one subject
 * shares it, across instances), an anonymous one by address — also before authentication, so a
 * client guessing tokens is limited too.
 */
export function callerKey(identity: Identity | null, clientIp: string | null | undefined): string {
  return identity ? `sub:${identity.role}:${identity.sub}` : `ip:${clientIp ?? 'unknown'}`
}

/**
 * The caller's address, which budgets anonymous callers. With no trusted proxies it is the
 * peer's; with `trustedHops` proxies in front (TRUST_PROXY_HOPS) it is the address the outermost
 * of them saw, read from the right of `X-Forwarded-For`, since a client can write anything on its
 * left. Anything there that is not an IP address counts as the peer. No default: every caller
 * passes the server's setting (`ApiDeps.trustProxyHops`), so none ignores it by omission.
 */
export function clientIpOf(req: IncomingMessage, trustedHops: number | undefined): string | null {
  const peer = req.socket.remoteAddress ?? null
  if (trustedHops === undefined || trustedHops <= 0) return peer
  const header = req.headers['x-forwarded-for']
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
  const chain = peer === null ? forwarded : [...forwarded, peer]
  const seen = chain[Math.max(0, chain.length - 1 - trustedHops)]
  return seen !== undefined && isIP(seen) !== 0 ? seen : peer
}

function limiter(
  budget: Budget,
  points: number,
  opts: RateLimitOptions,
): RateLimiterAbstract | null {
  if (points <= 0) return null
  const keyPrefix = `${opts.keyPrefix ?? 'leads:rl'}:${budget}`
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_S })
  if (!opts.redis) return memory
  // Redis down → the in-memory limiter answers at once (budgets then count per instance), so a
  // Redis outage never turns into errors or hangs. The connection's errors are logged where the
  // client is made.
  return new RateLimiterRedis({
    storeClient: opts.redis,
    keyPrefix,
    points,
    duration: WINDOW_S,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  })
}

/** Budgets of `rate-limiter-flexible`: in memory by default, in Redis when one is given. */
export function createRateLimits(opts: RateLimitOptions): RateLimits {
  const limiters: Record<Budget, RateLimiterAbstract | null> = {
    read: limiter('read', opts.readPerMinute, opts),
    ingest: limiter('ingest', opts.ingestPerMinute, opts),
  }
  const points: Record<Budget, number> = { read: opts.readPerMinute, ingest: opts.ingestPerMinute }
  const streams = createStreamSlots({
    cap: opts.streamsPerCaller,
    redis: opts.redis,
    keyPrefix: opts.keyPrefix ?? 'leads:rl',
  })

  return {
    async consume(budget, key) {
      const l = limiters[budget]
      if (!l) return
      try {
        await l.consume(key)
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res
        opts.onLimited?.(budget)
        throw new RateLimited(
          budget,
          points[budget],
          Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        )
      }
    },
    async openStream(key) {
      const release = await streams.take(key)
      if (release) return release
      opts.onLimited?.('streams')
      // A stream slot frees when a stream closes, not at a known time; a few seconds is a polite
      // first retry.
      throw new RateLimited('streams', opts.streamsPerCaller, 5)
    },
  }
}
