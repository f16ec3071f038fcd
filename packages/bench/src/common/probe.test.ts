import { describe, expect, it } from 'vitest'
import { parseProbe, probeEvent } from './probe.js'

describe('probe events', () => {
  it('carry their tag, number and send time in the lead id', () => {
    const sent = 1_767_225_600_123_456
    const event = probeEvent('p1', 42, sent)
    expect(event.occurredAt).toBe('2026-01-01T00:00:00.123Z')
    expect(parseProbe(event.leadId)).toEqual({ tag: 'p1', n: 42, sentMicros: sent })
    expect(parseProbe('L-1')).toBeNull()
    expect(parseProbe(null)).toBeNull()
  })
})
