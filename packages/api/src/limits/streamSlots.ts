import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'

/** Gives a slot back; calling it again does nothing. */
export type Release = () => void

export interface StreamSlotOptions {
  /** Streams one caller may hold open at once; 0 = no cap. */
  cap: number
  /** Slots shared by every instance; absent → this process's memory. */
  redis?: Redis | null
  keyPrefix: string
  /**
   * How long a shared slot lives unless renewed (default 60 s). An instance renews its slots
   * every third of that, so the slots of an instance that died without closing its streams
   * free themselves within one lease.
   */
  leaseMs?: number
}

/** Open streams per caller, counted across instances when they share a Redis. */
export interface StreamSlots {
  /** Takes one of `key`'s slots, or answers false when all are taken. */
  take(key: string): Promise<Release | false>
}

// A sorted set per caller: one member per open stream, scored by the end of its lease, read with
// Redis's own clock so instances need not agree on the time. Drop expired leases, then count.
const TAKE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`

// Re-adds a lease that lapsed while Redis was unreachable: the stream is still open.
const RENEW = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

const DEFAULT_LEASE_MS = 60_000

/**
 * Stream slots in this process's memory, or in Redis when one is given. Redis unreachable → the
 * slot is counted in memory (the cap then holds per instance), so an outage never refuses or
 * hangs a stream; once Redis is back the renewal adds such slots to the shared count, and leases
 * that lapsed meanwhile come back the same way.
 */
export function createStreamSlots(opts: StreamSlotOptions): StreamSlots {
  const local = new Map<string, number>()
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS
  const instance = randomUUID()
  let serial = 0
  /** This instance's shared slots: member → Redis key, renewed while open. */
  const leases = new Map<string, string>()
  let renewal: NodeJS.Timeout | null = null

  const count = (key: string, by: 1 | -1) => {
    const n = (local.get(key) ?? 0) + by
    if (n <= 0) local.delete(key)
    else local.set(key, n)
  }

  const renewAll = () => {
    const redis = opts.redis
    if (redis?.status !== 'ready') return
    for (const [member, redisKey] of leases)
      redis.eval(RENEW, 1, redisKey, member, leaseMs).catch(() => {})
  }

  const hold = (member: string, redisKey: string) => {
    leases.set(member, redisKey)
    // Runs only while this instance holds a shared slot, and never keeps the process alive.
    renewal ??= setInterval(renewAll, Math.max(1, Math.floor(leaseMs / 3))).unref()
  }

  const letGo = (member: string, redisKey: string) => {
    leases.delete(member)
    if (leases.size === 0 && renewal) {
      clearInterval(renewal)
      renewal = null
    }
    // A lost ZREM leaves the lease to lapse on its own.
    opts.redis?.zrem(redisKey, member).catch(() => {})
  }

  const once = (release: () => void): Release => {
    let released = false
    return () => {
      if (released) return
      released = true
      release()
    }
  }

  return {
    async take(key) {
      const cap = opts.cap
      const redis = cap > 0 ? opts.redis : null
      const redisKey = `${opts.keyPrefix}:streams:${key}`
      const member = `${instance}:${++serial}`
      if (redis?.status === 'ready') {
        let taken: unknown = null
        try {
          taken = await redis.eval(TAKE, 1, redisKey, member, cap, leaseMs)
        } catch {
          // Unreachable after all: counted in memory below.
        }
        if (taken === 0) return false
        if (taken === 1) {
          count(key, 1)
          hold(member, redisKey)
          return once(() => {
            count(key, -1)
            letGo(member, redisKey)
          })
        }
      }
      if (cap > 0 && (local.get(key) ?? 0) >= cap) return false
      count(key, 1)
      // Redis out of reach: the renewal adds this slot to the shared count once it is back, so
      // other instances do not hand the caller a full cap more.
      if (redis) hold(member, redisKey)
      return once(() => {
        count(key, -1)
        if (redis) letGo(member, redisKey)
      })
    },
  }
}
