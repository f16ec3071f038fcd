import { describe, expect, it } from 'vitest'
import { compareCursor, FeedBuffer, latestCursor, mergeFeed } from './feed'

const item = (id: string) => ({ id, summary: `event ${id}` })

describe('mergeFeed', () => {
  it('keeps newest first', () => {
    expect(mergeFeed([], [item('1'), item('3'), item('2')]).map((i) => i.id)).toEqual([
      '3',
      '2',
      '1',
    ])
  })

  it('drops ids it already has, so a replay after reconnecting never doubles an entry', () => {
    const before = mergeFeed([], [item('7'), item('8'), item('9')])
    const after = mergeFeed(before, [item('8'), item('9'), item('10'), item('11')])
    expect(after.map((i) => i.id)).toEqual(['11', '10', '9', '8', '7'])
  })

  it('returns the same array when nothing new arrived (no re-render)', () => {
    const list = mergeFeed([], [item('1')])
    expect(mergeFeed(list, [item('1')])).toBe(list)
    expect(mergeFeed(list, [])).toBe(list)
  })

  it('is bounded', () => {
    const many = Array.from({ length: 30 }, (_, i) => item(String(i + 1)))
    const list = mergeFeed([], many, 10)
    expect(list).toHaveLength(10)
    expect(list[0]!.id).toBe('30')
  })

  it('orders cursors numerically, beyond 2^53 too', () => {
    expect(mergeFeed([], [item('9'), item('10')]).map((i) => i.id)).toEqual(['10', '9'])
    expect(compareCursor('9007199254740993', '9007199254740992')).toBeGreaterThan(0)
  })
})

describe('latestCursor', () => {
  it('only moves forward', () => {
    expect(latestCursor(null, '5')).toBe('5')
    expect(latestCursor('5', '12')).toBe('12')
    expect(latestCursor('12', '5')).toBe('12')
  })
})

describe('FeedBuffer', () => {
  type Event = { id: string; kind: string }
  const event = (id: string): Event => ({ id, kind: 'new_lead' })
  const ids = (list: readonly Event[]) => list.map((i) => i.id)
  /** A buffer holding `messages`, ids for events and 'gap' for a notice. */
  const bufferOf = (...messages: string[]) => {
    const buffer = new FeedBuffer<Event>()
    for (const m of messages) buffer.push(m === 'gap' ? { kind: 'gap' } : event(m))
    return buffer
  }

  it('adds what arrived between renders to the list', () => {
    const buffer = bufferOf('3', '4')
    expect(ids(buffer.drain()([event('2'), event('1')]))).toEqual(['4', '3', '2', '1'])
    const list = [event('1')]
    expect(buffer.drain()(list)).toBe(list)
    // The update is pure: applied twice, it gives the same list.
    buffer.push(event('5'))
    const update = buffer.drain()
    expect(update(list)).toEqual(update(list))
    expect(ids(update(list))).toEqual(['5', '1'])
  })

  it('starts the list again after a gap notice, so no hole sits between old and new entries', () => {
    const buffer = bufferOf('5', 'gap', '900', '901')
    expect(ids(buffer.drain()([event('2'), event('1')]))).toEqual(['901', '900'])
    // Even when nothing follows the notice, the old entries go.
    buffer.push({ kind: 'gap' })
    expect(buffer.drain()([event('901')])).toEqual([])
    // And only once.
    buffer.push(event('902'))
    expect(ids(buffer.drain()([event('901')]))).toEqual(['902', '901'])
  })

  it('lists nothing for a cursor message and keeps what is listed', () => {
    const buffer = bufferOf('5')
    buffer.push({ kind: 'cursor' })
    buffer.push(event('6'))
    expect(ids(buffer.drain()([event('1')]))).toEqual(['6', '5', '1'])
    buffer.push({ kind: 'cursor' })
    const list = [event('6')]
    expect(buffer.drain()(list)).toBe(list)
  })
})
