import { describe, expect, it } from 'vitest'
import { backoffDelay, ConnectionTracker, OFFLINE_AFTER_MS } from './connection'

function setup() {
  const clock = { t: 1_000_000, online: true }
  const tracker = new ConnectionTracker(
    () => clock.t,
    () => clock.online,
  )
  const seen: string[] = []
  tracker.subscribe(() => seen.push(tracker.getSnapshot()))
  return { clock, tracker, seen }
}

const closed = new Error('WebSocket closed')

describe('ConnectionTracker', () => {
  it('goes connecting → live', () => {
    const { tracker } = setup()
    expect(tracker.status).toBe('connecting')
    expect(tracker.update({ state: 'pending', error: null })).toBe(false)
    expect(tracker.status).toBe('live')
  })

  it('shows reconnecting after a drop, offline when it lasts, and reports the reconnection', () => {
    const { clock, tracker, seen } = setup()
    tracker.update({ state: 'pending', error: null })
    tracker.update({ state: 'connecting', error: closed })
    expect(tracker.status).toBe('reconnecting')
    clock.t += OFFLINE_AFTER_MS - 1
    tracker.refresh()
    expect(tracker.status).toBe('reconnecting')
    clock.t += 1
    tracker.refresh()
    expect(tracker.status).toBe('offline')
    // Further failed attempts keep the first failure time.
    tracker.update({ state: 'connecting', error: closed })
    expect(tracker.status).toBe('offline')
    expect(tracker.update({ state: 'pending', error: null })).toBe(true)
    expect(seen).toEqual(['live', 'reconnecting', 'offline', 'live'])
  })

  it('is offline at once when the browser is', () => {
    const { clock, tracker } = setup()
    tracker.update({ state: 'pending', error: null })
    clock.online = false
    tracker.refresh()
    expect(tracker.status).toBe('offline')
  })

  it('a first connection that fails is reconnecting, then offline', () => {
    const { clock, tracker } = setup()
    tracker.update({ state: 'connecting', error: closed })
    expect(tracker.status).toBe('reconnecting')
    clock.t += OFFLINE_AFTER_MS
    tracker.refresh()
    expect(tracker.status).toBe('offline')
    // The first successful open is not a re-connection.
    expect(tracker.update({ state: 'pending', error: null })).toBe(false)
  })
})

describe('backoffDelay', () => {
  it('doubles from 250 ms and caps at 5 s (±20% jitter)', () => {
    const mid = () => 0.5
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, mid))).toEqual([
      250, 500, 1000, 2000, 4000, 5000, 5000,
    ])
    expect(backoffDelay(0, () => 0)).toBe(200)
    expect(backoffDelay(20, () => 1)).toBe(6000)
  })
})
