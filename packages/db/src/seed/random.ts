/** A source of uniform numbers in [0, 1). */
export type Rng = () => number

/** mulberry32: tiny, fast and good enough for demo data; the same seed gives the same stream. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Standard normal (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())
}

/** Log-normal with the given median: the usual shape of human response times. */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(rng))
}

export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0
  // Knuth's method is exact but O(lambda); past 30 the normal approximation is indistinguishable.
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)))
  const limit = Math.exp(-lambda)
  let k = 0
  let p = rng()
  while (p > limit) {
    k++
    p *= rng()
  }
  return k
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!
}

export function weighted<T>(rng: Rng, entries: readonly (readonly [T, number])[]): T {
  const total = entries.reduce((s, [, w]) => s + w, 0)
  let r = rng() * total
  for (const [value, w] of entries) {
    r -= w
    if (r < 0) return value
  }
  return entries[entries.length - 1]![0]
}

/** Min-heap on time; ties leave in insertion order, so the output is deterministic. */
export class TimeQueue<T> {
  private readonly heap: { at: number; seq: number; value: T }[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  peekAt(): number | undefined {
    return this.heap[0]?.at
  }

  push(at: number, value: T): void {
    const h = this.heap
    h.push({ at, seq: this.seq++, value })
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  pop(): T | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined) return undefined
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.less(l, m)) m = l
        if (r < h.length && this.less(r, m)) m = r
        if (m === i) break
        this.swap(i, m)
        i = m
      }
    }
    return top.value
  }

  /** Removes and returns, in time order, every entry at or before `limit`. */
  *drain(limit: number): Generator<T> {
    while (this.heap.length > 0 && this.heap[0]!.at <= limit) yield this.pop()!
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!
    const b = this.heap[j]!
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private swap(i: number, j: number): void {
    const h = this.heap
    const t = h[i]!
    h[i] = h[j]!
    h[j] = t
  }
}
