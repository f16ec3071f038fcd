/**
 * A cache in front of the reads. Entries are keyed by a generation number that every ingest
 * bumps, so a read never serves data older than the last committed ingest (SPEC §5); TTLs only
 * bound how long an untouched answer lives. Values are answers as JSON-compatible values; a
 * memory cache keeps the very object it was given (`cachedRead` hands it a frozen, validated
 * answer), a shared one stores its JSON.
 */
export interface ReadCache {
  /** `undefined` on a miss. */
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, ttlMs: number): Promise<void>
  generation(): Promise<number>
  /** Called after every ingest commit (locally, and on every instance via the feed hub). */
  invalidate(): Promise<void>
  readonly kind: 'memory' | 'redis'
  stats: { hits: number; misses: number }
}

/** In-process cache: a bounded map, oldest entries evicted first. */
export class MemoryCache implements ReadCache {
  readonly kind = 'memory'
  private readonly entries = new Map<string, { value: unknown; expires: number }>()
  private gen = 0
  stats = { hits: 0, misses: 0 }

  constructor(
    private readonly maxEntries = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<unknown> {
    const e = this.entries.get(key)
    if (!e || e.expires <= this.now()) {
      if (e) this.entries.delete(key)
      this.stats.misses++
      return undefined
    }
    this.stats.hits++
    return e.value
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(key, { value, expires: this.now() + ttlMs })
  }

  async generation(): Promise<number> {
    return this.gen
  }

  async invalidate(): Promise<void> {
    this.gen++
    // Old generations can never be read again; drop them now rather than at expiry.
    this.entries.clear()
  }
}
