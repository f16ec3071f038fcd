import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttleSet } from './throttle'

describe('throttleSet', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('flushes the first batch at once and merges a burst into one trailing flush', () => {
    const flushed: string[][] = []
    const t = throttleSet<string>((s) => flushed.push([...s].sort()), 1000)
    t.push(['leaderboard'])
    expect(flushed).toEqual([['leaderboard']])
    t.push(['funnel'])
    vi.advanceTimersByTime(300)
    t.push(['heatmap', 'funnel'])
    t.push(['leaderboard'])
    expect(flushed).toHaveLength(1)
    vi.advanceTimersByTime(700)
    expect(flushed).toEqual([['leaderboard'], ['funnel', 'heatmap', 'leaderboard']])
    vi.advanceTimersByTime(5000)
    expect(flushed).toHaveLength(2)
  })

  it('ignores empty pushes and cancels pending work', () => {
    const flush = vi.fn()
    const t = throttleSet<string>(flush, 1000)
    t.push([])
    expect(flush).not.toHaveBeenCalled()
    t.push(['a'])
    t.push(['b'])
    t.cancel()
    vi.advanceTimersByTime(2000)
    expect(flush).toHaveBeenCalledTimes(1)
  })
})
