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

/**
 * Cases a mutation audit showed the random streams rarely reach: facts at the same instant, a
 * lead completed twice by different agents, a cohort reaching a stage after its window.
 */
describe.each(testDatabases())(
  'analytics golden cases at ties and re-completions on $kind',
  ({ open }) => {
    let client: Awaited<ReturnType<typeof open>>
    let caller: ReturnType<typeof createCaller>
    const now = Date.parse('2026-11-02T12:00:00Z')
    const day = (from: string, to: string) => ({ tz: 'UTC', from, to })

    beforeAll(async () => {
      client = await open()
      caller = createCaller(
        createInnerContext({ db: client.db, clock: { now: () => now }, orgTimezone: 'UTC' }),
      )
      const at = (occurredAt: string) => ({ occurredAt })
      const events: LeadEvent[] = [
        // One lead created twice at one instant: "tie-10" comes before "tie-9" in code-unit order,
        // so its agent p is the first assignee.
        {
          id: 'tie-9',
          type: 'lead.created',
          ...at('2026-10-05T10:00:00Z'),
          leadId: 'tie',
          agentId: 'q',
        },
        {
          id: 'tie-10',
          type: 'lead.created',
          ...at('2026-10-05T10:00:00Z'),
          leadId: 'tie',
          agentId: 'p',
        },
        // Two leads of two agents at one instant: each agent's counters get their own.
        {
          id: 'sp',
          type: 'lead.created',
          ...at('2026-10-06T10:00:00Z'),
          leadId: 'sp',
          agentId: 'p',
        },
        {
          id: 'sq',
          type: 'lead.created',
          ...at('2026-10-06T10:00:00Z'),
          leadId: 'sq',
          agentId: 'q',
        },
        // Completed by p, reopened and completed again by q: the conversion is p's, on the 21st.
        {
          id: 'tw0',
          type: 'lead.created',
          ...at('2026-10-20T10:00:00Z'),
          leadId: 'tw',
          agentId: 'p',
        },
        {
          id: 'tw1',
          type: 'lead.status_changed',
          ...at('2026-10-21T10:00:00Z'),
          leadId: 'tw',
          agentId: 'p',
          status: 'completed',
        },
        {
          id: 'tw2',
          type: 'lead.status_changed',
          ...at('2026-10-21T11:00:00Z'),
          leadId: 'tw',
          agentId: 'q',
          status: 'contacted',
        },
        {
          id: 'tw3',
          type: 'lead.status_changed',
          ...at('2026-10-22T10:00:00Z'),
          leadId: 'tw',
          agentId: 'q',
          status: 'completed',
        },
        // Created in October, qualified in November: not in November's cohort.
        { id: 'late0', type: 'lead.created', ...at('2026-10-30T10:00:00Z'), leadId: 'late' },
        {
          id: 'late1',
          type: 'lead.status_changed',
          ...at('2026-11-01T09:00:00Z'),
          leadId: 'late',
          agentId: 'p',
          status: 'qualified',
        },
        { id: 'early0', type: 'lead.created', ...at('2026-11-01T08:00:00Z'), leadId: 'early' },
        {
          id: 'early1',
          type: 'lead.status_changed',
          ...at('2026-11-01T09:00:00Z'),
          leadId: 'early',
          agentId: 'p',
          status: 'qualified',
        },
      ]
      const r = await caller.events.ingest(events)
      expect(r).toMatchObject({ accepted: events.length, rejected: [] })
    })
    afterAll(async () => {
      await client?.close()
    })

    it('takes the first of two creations at one instant by event id', async () => {
      const oct5 = day('2026-10-05T00:00:00Z', '2026-10-06T00:00:00Z')
      expect((await caller.analytics.metrics({ ...oct5, agentId: 'p' })).totalLeads).toBe(1)
      expect((await caller.analytics.metrics({ ...oct5, agentId: 'q' })).totalLeads).toBe(0)
      expect((await caller.analytics.metrics(oct5)).totalLeads).toBe(1)
    })

    it('books two agents’ leads at one instant to each agent', async () => {
      const oct6 = day('2026-10-06T00:00:00Z', '2026-10-07T00:00:00Z')
      for (const agentId of ['p', 'q']) {
        expect((await caller.analytics.metrics({ ...oct6, agentId })).totalLeads, agentId).toBe(1)
        const v = await caller.analytics.leadVolume({ ...oct6, interval: 'hour', agentId })
        expect(v.buckets.find((b) => b.newLeads > 0)?.start, agentId).toBe(
          '2026-10-06T10:00:00.000+00:00',
        )
      }
    })

    it('credits a lead completed twice to the first completion’s agent, on its day', async () => {
      const october = day('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')
      const board = await caller.analytics.leaderboard(october)
      const converted = Object.fromEntries(board.rows.map((r) => [r.agentId, r.convertedLeads]))
      expect(converted).toEqual({ p: 1, q: 0 })
      const v = await caller.analytics.leadVolume({ ...october, interval: 'day' })
      const conversions = v.buckets.filter((b) => b.conversions > 0)
      expect(conversions.map((b) => [b.start.slice(0, 10), b.conversions])).toEqual([
        ['2026-10-21', 1],
      ])
    })

    it('keeps a funnel cohort to the leads created in the window, whenever they moved', async () => {
      const f = await caller.analytics.funnel({ tz: 'UTC', period: 'month' })
      expect(f.stages.map((s) => [s.stage, s.count])).toEqual([
        ['new', 1],
        ['contacted', 1],
        ['qualified', 1],
        ['retained', 0],
        ['completed', 0],
      ])
    })
  },
)
