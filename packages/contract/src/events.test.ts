import { describe, expect, it } from 'vitest'
import { metricsInput } from './analytics.js'
import { leadEvent } from './events.js'

const created = {
  id: 'e1',
  type: 'lead.created',
  occurredAt: '2026-11-25T10:00:00+05:30',
  leadId: 'L1',
}

describe('event schema', () => {
  it('accepts an instant with an offset and rejects one without', () => {
    expect(leadEvent.safeParse(created).success).toBe(true)
    expect(leadEvent.safeParse({ ...created, occurredAt: '2026-11-25T10:00:00' }).success).toBe(
      false,
    )
  })

  it('rejects text Postgres cannot store or a log cannot show', () => {
    expect(leadEvent.safeParse({ ...created, leadId: 'L\u0000' }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, source: '\ud800' }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, source: 'tab\there' }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, source: 'Zürich 📞' }).success).toBe(true)
  })

  it('rejects unknown fields, empty and over-long ids, and times outside 2000–2100', () => {
    expect(leadEvent.safeParse({ ...created, extra: 1 }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, id: '' }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, id: 'x'.repeat(129) }).success).toBe(false)
    expect(leadEvent.safeParse({ ...created, occurredAt: '1999-12-31T23:59:59Z' }).success).toBe(
      false,
    )
  })
})

describe('range inputs', () => {
  it('needs from and to together, from before to, within 400 days, in a known zone', () => {
    const ok = { from: '2026-11-01T00:00:00Z', to: '2026-11-08T00:00:00Z' }
    expect(metricsInput.safeParse(ok).success).toBe(true)
    expect(metricsInput.safeParse({ from: ok.from }).success).toBe(false)
    expect(metricsInput.safeParse({ from: ok.to, to: ok.from }).success).toBe(false)
    expect(metricsInput.safeParse({ from: '2024-01-01T00:00:00Z', to: ok.to }).success).toBe(false)
    expect(
      metricsInput.safeParse({ from: '0001-01-01T00:00:00Z', to: '0001-02-01T00:00:00Z' }).success,
    ).toBe(false)
    expect(metricsInput.safeParse({ tz: 'Asia/Kathmandu' }).success).toBe(true)
    expect(metricsInput.safeParse({ tz: 'Mars/Olympus' }).success).toBe(false)
  })
})
