import { jsonOf } from './json.js'

/**
 * A cache in front of the reads. Entries are keyed by a generation number that every ingest
 * bumps, so a read never serves data older than the last committed ingest (SPEC §5); TTLs only
 * bound how long an untouched answer lives. Values are answers as JSON-compatible values; a
 * memory cache keeps the very object it was given (`cachedRead` hands it a frozen, validated
 * answer), a shared one stores its JSON (and keeps the object in memory too).
 */
export interface ReadCache {
  /** `undefined` on a miss. */
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  /**
   * Holds an answer that `get` read back from a shared store and the caller has since validated
   * (and frozen) in this process's memory, so the next hit returns it as it is.
   */
  keep?(key: string, value: unknown, ttlMs: number): Promise<void>
  generation(): Promise<number>
  /** The generation is the primary's last committed cursor, read afresh on every call. */
  readonly generationIsCursor?: boolean
  /** Called after every ingest commit (locally, and on every instance via the feed hub). */
  invalidate(): Promise<void>
  readonly kind: 'memory' | 'redis'
  stats: { hits: number; misses: number }
}

export interface MemoryCacheOptions {
  /** Most answers held at once (default 2,000). */
  maxEntries?: number
  /**
   * Most bytes of answers held at once, measured as each answer's JSON (default 32 MiB). The
   * heap an answer takes is a small multiple of that (its objects, and the REST adapter's
   * encoded body beside it), so this is what keeps a cache of large answers from growing the
   * process: a count alone would let 2,000 month-long hourly series take several hundred MB.
   */
  maxBytes?: number
  now?: () => number
}

/** In-process cache: a map bounded in entries and bytes, oldest entries evicted first. */
export class MemoryCache implements ReadCache {
  readonly kind = 'memory'
  private readonly entries = new Map<string, { value: unknown; expires: number; bytes: number }>()
  private bytes = 0
  private gen = 0
  private readonly maxEntries: number
  private readonly maxBytes: number
  private readonly now: () => number
  stats = { hits: 0, misses: 0 }

  constructor(opts: MemoryCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 2_000
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024
    this.now = opts.now ?? Date.now
  }

  /** Bytes held, as the answers' JSON. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes }
  }

  async get(key: string): Promise<unknown> {
    const e = this.entries.get(key)
    if (!e || e.expires <= this.now()) {
      if (e) this.remove(key)
      this.stats.misses++
      return undefined
    }
    this.stats.hits++
    return e.value
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    // JSON is ASCII but for names and the like, so its length is close to its bytes.
    const bytes = jsonOf(value)?.length ?? 0
    this.remove(key)
    // An answer larger than the whole budget is not held: it would evict everything else.
    if (bytes > this.maxBytes) return
    for (const oldest of this.entries.keys()) {
      if (this.entries.size < this.maxEntries && this.bytes + bytes <= this.maxBytes) break
      this.remove(oldest)
    }
    this.entries.set(key, { value, expires: this.now() + ttlMs, bytes })
    this.bytes += bytes
  }

  private remove(key: string): void {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    this.bytes -= e.bytes
  }

  async generation(): Promise<number> {
    return this.gen
  }

  async invalidate(): Promise<void> {
    this.gen++
    // Old generations can never be read again; drop them now rather than at expiry.
    this.entries.clear()
    this.bytes = 0
  }
}
