import type { LeadEvent } from '@leads/contract'
import { testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

/** Hand-computed cases at the edges SPEC §3 names; each number below was worked out by hand. */
describe.each(testDatabases())('analytics golden cases on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  let caller: ReturnType<typeof createCaller>
  const now = Date.parse('2026-11-02T12:00:00Z')
  let n = 0
  const ev = (e: Omit<LeadEvent, 'id'> & Record<string, unknown>) =>
    ({ id: `g${++n}`, ...e }) as LeadEvent

  beforeAll(async () => {
    client = await open()
    caller = createCaller(
      createInnerContext({ db: client.db, clock: { now: () => now }, orgTimezone: 'UTC' }),
    )
    const events: LeadEvent[] = [
      // New York fall-back day (2026-11-01, 25 hours): one lead in each 01:xx hour.
      ev({ type: 'lead.created', occurredAt: '2026-11-01T01:30:00-04:00', leadId: 'ny-edt' }),
      ev({ type: 'lead.created', occurredAt: '2026-11-01T01:30:00-05:00', leadId: 'ny-est' }),
      // Exactly local midnight in Kolkata on 2026-11-02: belongs to the 2nd, not the 1st.
      ev({ type: 'lead.created', occurredAt: '2026-11-02T00:00:00+05:30', leadId: 'kol-midnight' }),
      // Two agents tied on conversions and rate; the faster responder ranks first, then id.
      ev({ type: 'lead.created', occurredAt: '2026-11-02T09:00:00Z', leadId: 'a', agentId: 'zed' }),
      ev({
        type: 'lead.status_changed',
        occurredAt: '2026-11-02T09:01:00Z',
        leadId: 'a',
        agentId: 'zed',
        status: 'completed',
      }),
      ev({ type: 'lead.created', occurredAt: '2026-11-02T09:00:00Z', leadId: 'b', agentId: 'amy' }),
      ev({
        type: 'lead.status_changed',
        occurredAt: '2026-11-02T09:05:00Z',
        leadId: 'b',
        agentId: 'amy',
        status: 'completed',
      }),
      ev({ type: 'lead.created', occurredAt: '2026-11-02T09:00:00Z', leadId: 'c', agentId: 'bob' }),
      ev({
        type: 'lead.status_changed',
        occurredAt: '2026-11-02T09:05:00Z',
        leadId: 'c',
        agentId: 'bob',
        status: 'completed',
      }),
    ]
    const r = await caller.events.ingest(events)
    expect(r.rejected).toEqual([])
  })
  afterAll(async () => {
    await client?.close()
  })

  it('splits a 25-hour fall-back day into 25 hourly buckets, the repeated 01:00 twice', async () => {
    const v = await caller.analytics.leadVolume({
      tz: 'America/New_York',
      from: '2026-11-01T00:00:00-04:00',
      to: '2026-11-02T00:00:00-05:00',
      interval: 'hour',
    })
    expect(v.buckets).toHaveLength(25)
    expect(v.buckets[1]).toMatchObject({ start: '2026-11-01T01:00:00.000-04:00', newLeads: 1 })
    expect(v.buckets[2]).toMatchObject({ start: '2026-11-01T01:00:00.000-05:00', newLeads: 1 })
  })

  it('has 23 hourly buckets on a spring-forward day', async () => {
    const v = await caller.analytics.leadVolume({
      tz: 'America/New_York',
      from: '2026-03-08T00:00:00-05:00',
      to: '2026-03-09T00:00:00-04:00',
      interval: 'hour',
    })
    expect(v.buckets).toHaveLength(23)
    expect(v.buckets[2]!.start).toBe('2026-03-08T03:00:00.000-04:00')
  })

  it('counts a lead created exactly at local midnight in the new day', async () => {
    const v = await caller.analytics.leadVolume({ tz: 'Asia/Kolkata', period: '7d' })
    const byDay = Object.fromEntries(v.buckets.map((b) => [b.start.slice(0, 10), b.newLeads]))
    expect(byDay['2026-11-01']).toBe(2) // the two New York leads (01:30 EDT/EST = 11:00/12:00 IST)
    expect(byDay['2026-11-02']).toBe(4) // midnight lead + a, b, c
  })

  it('orders leaderboard ties by response time, then agent id', async () => {
    const b = await caller.analytics.leaderboard({ period: 'today' })
    expect(b.rows.map((r) => [r.rank, r.agentId])).toEqual([
      [1, 'zed'],
      [2, 'amy'],
      [3, 'bob'],
    ])
  })

  it('answers null conversion rate and response time for an empty window', async () => {
    const m = await caller.analytics.metrics({
      from: '2026-10-01T00:00:00Z',
      to: '2026-10-02T00:00:00Z',
    })
    expect(m).toMatchObject({
      totalLeads: 0,
      conversionRate: null,
      avgResponseTimeSeconds: null,
      activeAgents: 0,
    })
    expect(m.changes.totalLeads).toBeNull()
  })

  it('never lets funnel counts increase from stage to stage', async () => {
    const f = await caller.analytics.funnel({ period: 'month' })
    const counts = f.stages.map((s) => s.count)
    expect(counts).toEqual([6, 3, 3, 3, 3])
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!)
  })
})
