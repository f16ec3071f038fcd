/**
 * Golden cases for the reference implementation. Every expected value here was worked out by
 * hand from the definitions in docs/metrics.md (the comments show the working), not produced by
 * running the code.
 */
import type { AgentAction, LeadEvent, LeadStatus } from '@leads/contract'
import { describe, expect, it } from 'vitest'
import { refFunnel, refHeatmap, refLeaderboard, refLeadVolume, refMetrics } from './index.js'

const NY = 'America/New_York'
const KOLKATA = 'Asia/Kolkata'
const KATHMANDU = 'Asia/Kathmandu'
const UTC = 'UTC'

let seq = 0
const nextId = () => `ev-${String(++seq).padStart(5, '0')}`

const created = (leadId: string, at: string, agentId?: string, id = nextId()): LeadEvent => ({
  id,
  type: 'lead.created',
  occurredAt: at,
  leadId,
  ...(agentId === undefined ? {} : { agentId }),
})
const assigned = (leadId: string, agentId: string, at: string): LeadEvent => ({
  id: nextId(),
  type: 'lead.assigned',
  occurredAt: at,
  leadId,
  agentId,
})
const status = (leadId: string, agentId: string, s: LeadStatus, at: string): LeadEvent => ({
  id: nextId(),
  type: 'lead.status_changed',
  occurredAt: at,
  leadId,
  agentId,
  status: s,
})
const action = (
  leadId: string,
  agentId: string,
  at: string,
  a: AgentAction = 'call',
): LeadEvent => ({
  id: nextId(),
  type: 'agent.action',
  occurredAt: at,
  leadId,
  agentId,
  action: a,
})
const upsert = (agentId: string, name: string, at: string, teamId?: string): LeadEvent => ({
  id: nextId(),
  type: 'agent.upserted',
  occurredAt: at,
  agentId,
  name,
  ...(teamId === undefined ? {} : { teamId }),
})

const pad = (n: number) => String(n).padStart(2, '0')

describe('DST days as hourly buckets of a custom range (America/New_York)', () => {
  it('spring forward: 2024-03-10 has 23 hourly buckets, 02:00 does not exist', () => {
    // 00:00 and 01:00 are EST (-05:00); at 02:00 EST the clock jumps to 03:00 EDT (-04:00).
    const expected = [
      '2024-03-10T00:00:00.000-05:00',
      '2024-03-10T01:00:00.000-05:00',
      ...Array.from({ length: 21 }, (_, i) => `2024-03-10T${pad(i + 3)}:00:00.000-04:00`),
    ]
    const out = refLeadVolume(
      [
        created('l1', '2024-03-10T06:59:59.999Z'), // 01:59:59.999 EST -> bucket 1
        created('l2', '2024-03-10T07:00:00.000Z'), // 03:00 EDT -> bucket 2
        created('l3', '2024-03-11T03:59:59.999Z'), // 23:59:59.999 EDT -> last bucket
        created('l4', '2024-03-11T04:00:00.000Z'), // midnight EDT = `to`: outside
      ],
      { tz: NY, from: '2024-03-10T00:00:00-05:00', to: '2024-03-11T00:00:00-04:00' },
      new Date('2024-03-12T12:00:00Z'),
      UTC,
    )
    expect(out.interval).toBe('hour') // 23 h ≤ 48 h
    expect(out.period).toBe('custom')
    expect(out.buckets).toHaveLength(23)
    expect(out.buckets.map((b) => b.start)).toEqual(expected)
    expect(out.buckets.map((b) => b.newLeads)).toEqual([
      0,
      1,
      1,
      ...Array.from({ length: 19 }, () => 0),
      1,
    ])
    expect(out.range).toEqual({
      from: '2024-03-10T00:00:00.000-05:00',
      to: '2024-03-11T00:00:00.000-04:00',
    })
  })

  it('fall back: 2024-11-03 has 25 hourly buckets, 01:00 occurs twice', () => {
    // 00:00 and 01:00 EDT (-04:00), then 01:00 again in EST (-05:00), then 02:00–23:00 EST.
    const expected = [
      '2024-11-03T00:00:00.000-04:00',
      '2024-11-03T01:00:00.000-04:00',
      '2024-11-03T01:00:00.000-05:00',
      ...Array.from({ length: 22 }, (_, i) => `2024-11-03T${pad(i + 2)}:00:00.000-05:00`),
    ]
    const out = refLeadVolume(
      [
        created('l1', '2024-11-03T05:30:00Z'), // 01:30 EDT -> bucket 1
        created('l2', '2024-11-03T06:30:00Z'), // 01:30 EST -> bucket 2
        status('l2', 'a', 'completed', '2024-11-03T07:00:00Z'), // 02:00 EST -> bucket 3
      ],
      { tz: NY, from: '2024-11-03T00:00:00-04:00', to: '2024-11-04T00:00:00-05:00' },
      new Date('2024-11-05T12:00:00Z'),
      UTC,
    )
    expect(out.buckets).toHaveLength(25)
    expect(out.buckets.map((b) => b.start)).toEqual(expected)
    expect(out.buckets.slice(0, 4).map((b) => [b.newLeads, b.conversions])).toEqual([
      [0, 0],
      [1, 0],
      [1, 0],
      [0, 1],
    ])
  })

  it('24h period on the fall-back day walks back through both 01:00 hours', () => {
    // now = 12:30 EST. Last bucket 12:00 EST; back through 11..02 EST, 01 EST, 01 EDT, 00 EDT
    // (14 buckets on Nov 3), then 23:00 .. 14:00 EDT on Nov 2 (10 buckets): 24 in all.
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `2024-11-02T${pad(i + 14)}:00:00.000-04:00`),
      '2024-11-03T00:00:00.000-04:00',
      '2024-11-03T01:00:00.000-04:00',
      ...Array.from({ length: 12 }, (_, i) => `2024-11-03T${pad(i + 1)}:00:00.000-05:00`),
    ]
    const out = refLeadVolume([], {}, new Date('2024-11-03T12:30:00-05:00'), NY)
    expect(out.period).toBe('24h')
    expect(out.interval).toBe('hour')
    expect(out.buckets.map((b) => b.start)).toEqual(expected)
    expect(out.range).toEqual({
      from: '2024-11-02T14:00:00.000-04:00',
      to: '2024-11-03T12:30:00.000-05:00',
    })
  })
})

describe('local midnight in half-hour and 45-minute zones', () => {
  it('Asia/Kolkata: a lead created exactly at local midnight belongs to the new day', () => {
    const events = [
      created('late', '2024-06-14T23:59:59.999+05:30'),
      created('midnight', '2024-06-15T00:00:00+05:30'), // = 2024-06-14T18:30:00Z
    ]
    const now = new Date('2024-06-15T10:00:00+05:30')
    const m = refMetrics(events, {}, now, KOLKATA)
    expect(m.period).toEqual({
      from: '2024-06-15T00:00:00.000+05:30',
      to: '2024-06-15T10:00:00.000+05:30',
    })
    expect(m.totalLeads).toBe(1)
    // The previous window is yesterday 00:00–10:00, so the 23:59:59.999 lead is in neither.
    expect(m.previous.totalLeads).toBe(0)

    const v = refLeadVolume(events, { period: '7d' }, now, KOLKATA)
    expect(v.interval).toBe('day')
    expect(v.buckets.map((b) => b.start)).toEqual(
      [9, 10, 11, 12, 13, 14, 15].map((d) => `2024-06-${pad(d)}T00:00:00.000+05:30`),
    )
    expect(v.buckets.map((b) => b.newLeads)).toEqual([0, 0, 0, 0, 0, 1, 1])
  })

  it('Asia/Kathmandu (+05:45): the day starts at 18:15 UTC', () => {
    const events = [
      action('x', 'a', '2024-06-14T18:14:59.999Z'), // Fri 2024-06-14 23:59:59.999 local
      created('x', '2024-06-14T18:15:00Z', 'a'), // Sat 2024-06-15 00:00 local
    ]
    const now = new Date('2024-06-15T08:00:00+05:45')
    const m = refMetrics(events, {}, now, KATHMANDU)
    expect(m.period.from).toBe('2024-06-15T00:00:00.000+05:45')
    expect(m.previousPeriod).toEqual({
      from: '2024-06-14T00:00:00.000+05:45',
      to: '2024-06-14T08:00:00.000+05:45',
    })
    expect(m.totalLeads).toBe(1)
    expect(m.activeAgents).toBe(0) // the action was on Friday, local

    const h = refHeatmap(events, {}, now, KATHMANDU)
    expect(h.range.from).toBe('2024-06-09T00:00:00.000+05:45')
    // Friday = 4, Saturday = 5 (0 = Monday).
    const cell = (d: number, hr: number) => h.cells[d * 24 + hr]!
    expect(cell(4, 23)).toEqual({ dayOfWeek: 4, hour: 23, count: 1 })
    expect(cell(5, 0)).toEqual({ dayOfWeek: 5, hour: 0, count: 1 })
    expect(h.cells.reduce((s, c) => s + c.count, 0)).toBe(2)
    expect(h.max).toBe(1)
  })
})

describe('leaderboard order', () => {
  // tz UTC, now 12:00, period today = [2024-05-15T00:00Z, 12:00Z).
  const at = (hms: string) => `2024-05-15T${hms}Z`
  const events: LeadEvent[] = [
    // B: 2 leads, both completed by B at 02:00 -> 2 converted, rate 1, avg 3600 s.
    created('b1', at('01:00:00'), 'B'),
    created('b2', at('01:00:00'), 'B'),
    status('b1', 'B', 'completed', at('02:00:00')),
    status('b2', 'B', 'completed', at('02:00:00')),
    // A: 4 leads, a1 a2 completed by A at 01:30 -> 2 converted, rate 0.5, avg 1800 s.
    ...['a1', 'a2', 'a3', 'a4'].map((l) => created(l, at('01:00:00'), 'A')),
    status('a1', 'A', 'completed', at('01:30:00')),
    status('a2', 'A', 'completed', at('01:30:00')),
    // D: 1 lead, responds after 30 s, completes -> 1 converted, rate 1, avg 30 s.
    created('d1', at('01:00:00'), 'D'),
    action('d1', 'D', at('01:00:30')),
    status('d1', 'D', 'completed', at('03:00:00')),
    // D0: 1 lead (20 s) + first response on A's a4 (40 s) -> 1 converted, rate 1, avg 30 s:
    // ties D exactly, so agentId decides: 'D' < 'D0'.
    created('x1', at('01:00:00'), 'D0'),
    action('x1', 'D0', at('01:00:20')),
    status('x1', 'D0', 'completed', at('03:00:00')),
    action('a4', 'D0', at('01:00:40')),
    // C: 1 lead, responds after 60 s, completes -> 1 converted, rate 1, avg 60 s.
    created('c1', at('01:00:00'), 'C'),
    action('c1', 'C', at('01:01:00')),
    status('c1', 'C', 'completed', at('03:00:00')),
    // e: 1 lead, responds after 10 s, no conversion -> 0, rate 0, avg 10 s.
    created('e1', at('01:00:00'), 'e'),
    action('e1', 'e', at('01:00:10')),
    // Z and a: 1 lead each, nothing else -> 0, rate 0, avg null: exact tie, and in code-unit
    // order 'Z' (0x5A) comes before 'a' (0x61).
    created('z1', at('01:00:00'), 'a'),
    created('z2', at('01:00:00'), 'Z'),
    // h: no leads, first response on A's a3 after 600 s -> 0, rate null, avg 600.
    action('a3', 'h', at('01:10:00')),
    // g: no leads, an action on b1 whose first response was B's -> 0, rate null, avg null.
    action('b1', 'g', at('05:00:00')),
    upsert('B', 'Beatrice', at('00:00:00'), 'red'),
  ]
  const now = new Date(at('12:00:00'))

  it('orders by converted, rate (nulls last), avg response (nulls last), agentId', () => {
    const out = refLeaderboard(events, {}, now, UTC)
    expect(out.period).toBe('today')
    expect(out.range).toEqual({
      from: '2024-05-15T00:00:00.000+00:00',
      to: '2024-05-15T12:00:00.000+00:00',
    })
    expect(out.previousRange).toEqual({
      from: '2024-05-14T00:00:00.000+00:00',
      to: '2024-05-15T00:00:00.000+00:00',
    })
    expect(out.rows.map((r) => r.agentId)).toEqual([
      'B',
      'A',
      'D',
      'D0',
      'C',
      'e',
      'Z',
      'a',
      'h',
      'g',
    ])
    expect(out.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(out.total).toBe(10)
    const byId = Object.fromEntries(out.rows.map((r) => [r.agentId, r]))
    expect(byId.B).toMatchObject({
      agentName: 'Beatrice',
      teamId: 'red',
      totalLeads: 2,
      convertedLeads: 2,
      conversionRate: 1,
      avgResponseTimeSeconds: 3600,
      trend: { previousRank: null, series: [0, 0, 0, 0, 0, 0, 2] },
    })
    expect(byId.A).toMatchObject({ totalLeads: 4, convertedLeads: 2, conversionRate: 0.5 })
    expect(byId.A!.avgResponseTimeSeconds).toBe(1800)
    expect(byId.D!.avgResponseTimeSeconds).toBe(30)
    expect(byId.D0!.avgResponseTimeSeconds).toBe(30)
    expect(byId.D0!.totalLeads).toBe(1)
    expect(byId.e).toMatchObject({ conversionRate: 0, avgResponseTimeSeconds: 10 })
    expect(byId.Z).toMatchObject({ agentName: 'Z', teamId: null, avgResponseTimeSeconds: null })
    expect(byId.h).toMatchObject({
      totalLeads: 0,
      conversionRate: null,
      avgResponseTimeSeconds: 600,
    })
    expect(byId.g).toMatchObject({
      totalLeads: 0,
      conversionRate: null,
      avgResponseTimeSeconds: null,
    })
  })

  it('paginates after ranking; rank stays the position in the full order', () => {
    const out = refLeaderboard(events, { offset: 2, limit: 3 }, now, UTC)
    expect(out.total).toBe(10)
    expect(out.rows.map((r) => [r.rank, r.agentId])).toEqual([
      [3, 'D'],
      [4, 'D0'],
      [5, 'C'],
    ])
  })

  it('previousRank comes from the whole previous day', () => {
    const out = refLeaderboard(
      [...events, created('old', '2024-05-14T23:59:59.999Z', 'C')],
      {},
      now,
      UTC,
    )
    const c = out.rows.find((r) => r.agentId === 'C')!
    expect(c.trend.previousRank).toBe(1)
    expect(c.totalLeads).toBe(1) // the lead from yesterday is not in today's window
    expect(out.rows.find((r) => r.agentId === 'B')!.trend.previousRank).toBeNull()
  })
})

describe('empty windows and edge rules', () => {
  it('conversionRate is null on an empty window, and so are its change and delta', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      created('y1', '2024-05-14T09:00:00Z', 'a'),
      created('y2', '2024-05-14T10:00:00Z', 'a'),
      status('y1', 'a', 'completed', '2024-05-14T11:00:00Z'),
    ]
    const m = refMetrics(events, {}, now, UTC)
    expect(m.totalLeads).toBe(0)
    expect(m.conversionRate).toBeNull()
    expect(m.avgResponseTimeSeconds).toBeNull()
    expect(m.activeAgents).toBe(0)
    // yesterday [00:00, 12:00): 2 leads, 1 converted, y1 answered after 2 h.
    expect(m.previous).toEqual({
      totalLeads: 2,
      conversionRate: 0.5,
      avgResponseTimeSeconds: 7200,
      activeAgents: 1,
    })
    expect(m.changes).toEqual({
      totalLeads: -100,
      conversionRate: null,
      avgResponseTimeSeconds: null,
      activeAgents: -100,
    })
    expect(m.deltas).toEqual({
      totalLeads: -2,
      conversionRate: null,
      avgResponseTimeSeconds: null,
      activeAgents: -1,
    })

    const f = refFunnel([], {}, now, UTC)
    expect(f.range.from).toBe('2024-05-01T00:00:00.000+00:00')
    expect(f.stages.map((s) => [s.stage, s.count, s.rateFromPrevious, s.rateFromStart])).toEqual([
      ['new', 0, null, null],
      ['contacted', 0, null, null],
      ['qualified', 0, null, null],
      ['retained', 0, null, null],
      ['completed', 0, null, null],
    ])
    const h = refHeatmap([], {}, now, UTC)
    expect(h.max).toBe(0)
    expect(h.cells).toHaveLength(168)
    expect(refLeaderboard([], {}, now, UTC)).toMatchObject({ total: 0, rows: [] })
  })

  it('a conversion without a creation in the window gives a rate of null, not infinity', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const m = refMetrics(
      [
        created('y1', '2024-05-14T09:00:00Z', 'a'),
        status('y1', 'a', 'completed', '2024-05-15T01:00:00Z'),
      ],
      {},
      now,
      UTC,
    )
    expect(m.totalLeads).toBe(0)
    expect(m.conversionRate).toBeNull()
    expect(m.avgResponseTimeSeconds).toBe(16 * 3600) // 09:00 -> 01:00 next day
  })

  it('a lead assigned to the same agent twice counts once', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      created('L1', '2024-05-15T01:00:00Z', 'x'),
      assigned('L1', 'x', '2024-05-15T02:00:00Z'),
      assigned('L1', 'x', '2024-05-15T03:00:00Z'),
      assigned('L2', 'x', '2024-05-15T04:00:00Z'), // a lead with no lead.created still counts
      assigned('L2', 'x', '2024-05-15T05:00:00Z'),
      assigned('L3', 'x', '2024-05-14T23:00:00Z'), // yesterday: not in today's window
    ]
    const out = refLeaderboard(events, {}, now, UTC)
    expect(out.rows).toHaveLength(1)
    expect(out.rows[0]).toMatchObject({
      agentId: 'x',
      totalLeads: 2,
      convertedLeads: 0,
      conversionRate: 0,
    })
  })

  it('a status change before its lead.created: response time clamps to 0, stage still counts', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      status('S', 's', 'qualified', '2024-05-15T10:00:00Z'),
      created('S', '2024-05-15T10:05:00Z', 's'),
    ]
    const m = refMetrics(events, {}, now, UTC)
    expect(m.totalLeads).toBe(1)
    expect(m.avgResponseTimeSeconds).toBe(0)
    expect(m.activeAgents).toBe(1)
    const f = refFunnel(events, {}, now, UTC)
    expect(f.stages.map((s) => s.count)).toEqual([1, 1, 1, 0, 0])
    expect(f.stages.map((s) => s.rateFromPrevious)).toEqual([null, 1, 1, 0, null])
    const lb = refLeaderboard(events, {}, now, UTC)
    expect(lb.rows[0]).toMatchObject({ agentId: 's', totalLeads: 1, avgResponseTimeSeconds: 0 })
  })

  it('earliest lead.created wins, ties broken by the smaller id; duplicates are activity only', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const t = '2024-05-15T01:00:00Z'
    const events = [
      created('L', t, 'p', 'e2'),
      created('L', t, 'q', 'e10'), // 'e10' < 'e2' in code-unit order: q is the first assignee
      created('L', '2024-05-15T02:00:00Z', 'r', 'e01'), // later: ignored except as activity
      created('L', t, 'p', 'e2'), // same id again: deduplicated, first occurrence wins
    ]
    expect(refMetrics(events, {}, now, UTC).totalLeads).toBe(1)
    expect(refMetrics(events, { agentId: 'q' }, now, UTC).totalLeads).toBe(1)
    expect(refMetrics(events, { agentId: 'p' }, now, UTC).totalLeads).toBe(0)
    expect(refLeaderboard(events, {}, now, UTC).rows.map((r) => [r.agentId, r.totalLeads])).toEqual(
      [['q', 1]],
    )
    const h = refHeatmap(events, {}, now, UTC)
    // 2024-05-15 is a Wednesday (2). Hour 1: e10 and e2; hour 2: e01.
    expect(h.cells[2 * 24 + 1]!.count).toBe(2)
    expect(h.cells[2 * 24 + 2]!.count).toBe(1)
    expect(h.max).toBe(2)
  })
})

describe('metrics previous window around DST (America/New_York)', () => {
  it('the day after spring forward: yesterday had 23 hours', () => {
    const now = new Date('2024-03-11T10:00:00-04:00')
    const m = refMetrics(
      [
        created('p1', '2024-03-10T09:59:59.999-04:00'),
        created('p2', '2024-03-10T10:00:00-04:00'), // at to': outside
        created('c1', '2024-03-11T09:00:00-04:00'),
        created('c2', '2024-03-11T09:30:00-04:00'),
      ],
      {},
      now,
      NY,
    )
    expect(m.period).toEqual({
      from: '2024-03-11T00:00:00.000-04:00',
      to: '2024-03-11T10:00:00.000-04:00',
    })
    // from' = 2024-03-10 00:00 EST; to' = 2024-03-10 10:00 EDT: a 9-hour previous window.
    expect(m.previousPeriod).toEqual({
      from: '2024-03-10T00:00:00.000-05:00',
      to: '2024-03-10T10:00:00.000-04:00',
    })
    expect([m.totalLeads, m.previous.totalLeads]).toEqual([2, 1])
    expect(m.changes.totalLeads).toBe(100)
    expect(m.deltas.totalLeads).toBe(1)
  })

  it('now at 02:30 the day after spring forward: yesterday 02:30 did not exist -> 03:30 EDT', () => {
    const m = refMetrics([], {}, new Date('2024-03-11T02:30:00-04:00'), NY)
    expect(m.previousPeriod).toEqual({
      from: '2024-03-10T00:00:00.000-05:00',
      to: '2024-03-10T03:30:00.000-04:00',
    })
  })

  it('the day after fall back: yesterday had 25 hours, and 01:30 takes the earlier instant', () => {
    let m = refMetrics([], {}, new Date('2024-11-04T10:00:00-05:00'), NY)
    expect(m.previousPeriod).toEqual({
      from: '2024-11-03T00:00:00.000-04:00',
      to: '2024-11-03T10:00:00.000-05:00',
    })
    m = refMetrics([], {}, new Date('2024-11-04T01:30:00-05:00'), NY)
    expect(m.previousPeriod).toEqual({
      from: '2024-11-03T00:00:00.000-04:00',
      to: '2024-11-03T01:30:00.000-04:00',
    })
  })

  it('a custom range compares with the range of the same length just before it', () => {
    const m = refMetrics(
      [],
      { from: '2024-03-10T00:00:00-05:00', to: '2024-03-11T00:00:00-04:00' },
      new Date('2024-03-12T00:00:00Z'),
      NY,
    )
    // 23 hours back from 2024-03-10 00:00 EST is 2024-03-09 01:00 EST.
    expect(m.previousPeriod).toEqual({
      from: '2024-03-09T01:00:00.000-05:00',
      to: '2024-03-10T00:00:00.000-05:00',
    })
  })
})

describe('bucket layouts', () => {
  it('an explicit interval floors the period start to that interval', () => {
    const now = new Date('2024-05-15T12:00:00Z') // a Wednesday
    // 7d starts Thursday 2024-05-09; floored to the ISO week: Monday 2024-05-06.
    const w = refLeadVolume([], { period: '7d', interval: 'week' }, now, UTC)
    expect(w.interval).toBe('week')
    expect(w.buckets.map((b) => b.start)).toEqual([
      '2024-05-06T00:00:00.000+00:00',
      '2024-05-13T00:00:00.000+00:00',
    ])
    // 24h starts at 2024-05-14 13:00; floored to the day: 2024-05-14 00:00.
    const d = refLeadVolume([], { period: '24h', interval: 'day' }, now, UTC)
    expect(d.buckets.map((b) => b.start)).toEqual([
      '2024-05-14T00:00:00.000+00:00',
      '2024-05-15T00:00:00.000+00:00',
    ])
    expect(d.range).toEqual({
      from: '2024-05-14T00:00:00.000+00:00',
      to: '2024-05-15T12:00:00.000+00:00',
    })
  })

  it('custom daily buckets across spring forward start at from, then at each local midnight', () => {
    const out = refLeadVolume(
      [created('l', '2024-03-10T23:30:00-04:00'), created('m', '2024-03-09T11:59:00-05:00')],
      {
        tz: NY,
        from: '2024-03-09T12:00:00-05:00',
        to: '2024-03-12T12:00:00-04:00',
        interval: 'day',
      },
      new Date('2024-03-13T00:00:00Z'),
      UTC,
    )
    expect(out.buckets.map((b) => [b.start, b.newLeads])).toEqual([
      ['2024-03-09T12:00:00.000-05:00', 0],
      ['2024-03-10T00:00:00.000-05:00', 1],
      ['2024-03-11T00:00:00.000-04:00', 0],
      ['2024-03-12T00:00:00.000-04:00', 0],
    ])
  })

  it('custom range default interval: ≤ 48 h hour, ≤ 90 days day, else week', () => {
    const now = new Date('2025-01-01T00:00:00Z')
    const interval = (from: string, to: string) =>
      refLeadVolume([], { from, to }, now, UTC).interval
    expect(interval('2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z')).toBe('hour')
    expect(interval('2024-05-01T00:00:00Z', '2024-05-03T00:00:00.001Z')).toBe('day')
    expect(interval('2024-05-01T00:00:00Z', '2024-07-30T00:00:00Z')).toBe('day') // 90 days
    expect(interval('2024-05-01T00:00:00Z', '2024-07-30T00:00:00.001Z')).toBe('week')
  })

  it('heatmap puts both 01:30s of a fall-back night in Sunday hour 1', () => {
    const out = refHeatmap(
      [action('l', 'a', '2024-11-03T05:30:00Z'), action('l', 'a', '2024-11-03T06:30:00Z')],
      {},
      new Date('2024-11-03T12:00:00-05:00'),
      NY,
    )
    expect(out.cells[6 * 24 + 1]).toEqual({ dayOfWeek: 6, hour: 1, count: 2 })
    expect(out.max).toBe(2)
  })
})

describe('filters and limits', () => {
  it('teamId uses the latest agent.upserted by event order', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      upsert('a', 'Ann', '2024-05-01T00:00:00Z', 'red'),
      upsert('a', 'Ann B.', '2024-05-10T00:00:00Z', 'blue'),
      upsert('b', 'Bob', '2024-05-01T00:00:00Z', 'red'),
      created('l1', '2024-05-15T01:00:00Z', 'a'),
      created('l2', '2024-05-15T01:00:00Z', 'b'),
      created('l3', '2024-05-15T01:00:00Z'),
    ]
    expect(refMetrics(events, {}, now, UTC).totalLeads).toBe(3)
    expect(refMetrics(events, { teamId: 'red' }, now, UTC).totalLeads).toBe(1)
    expect(refMetrics(events, { teamId: 'blue' }, now, UTC).totalLeads).toBe(1)
    const lb = refLeaderboard(events, { teamId: 'red' }, now, UTC)
    expect(lb.rows.map((r) => [r.rank, r.agentId, r.agentName, r.teamId])).toEqual([
      [1, 'b', 'Bob', 'red'],
    ])
  })

  it('funnel: furthest stage ignores lost and moves never go back; quarter window', () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      created('f1', '2024-04-01T00:00:00Z', 'a'),
      status('f1', 'a', 'contacted', '2024-04-02T00:00:00Z'),
      status('f1', 'a', 'lost', '2024-04-03T00:00:00Z'),
      created('f2', '2024-05-02T00:00:00Z', 'b'),
      status('f2', 'b', 'retained', '2024-05-03T00:00:00Z'),
      status('f2', 'b', 'new', '2024-05-04T00:00:00Z'),
      created('f3', '2024-05-10T00:00:00Z', 'a'),
      created('f4', '2024-03-31T23:59:59.999Z', 'a'), // previous quarter
    ]
    const q = refFunnel(events, { period: 'quarter' }, now, UTC)
    expect(q.range.from).toBe('2024-04-01T00:00:00.000+00:00')
    expect(q.stages.map((s) => s.count)).toEqual([3, 2, 1, 1, 0])
    expect(q.stages.map((s) => s.rateFromStart)).toEqual([1, 2 / 3, 1 / 3, 1 / 3, 0])
    expect(q.stages.map((s) => s.rateFromPrevious)).toEqual([null, 2 / 3, 1 / 2, 1, 0])
    const qa = refFunnel(events, { period: 'quarter', agentId: 'a' }, now, UTC)
    expect(qa.stages.map((s) => s.count)).toEqual([2, 1, 0, 0, 0])
    // This month (from May 1st): f2 and f3.
    expect(refFunnel(events, {}, now, UTC).stages.map((s) => s.count)).toEqual([2, 1, 1, 1, 0])
    // This ISO week (from Monday May 13th): nothing.
    const w = refFunnel(events, { period: 'week' }, now, UTC)
    expect(w.range.from).toBe('2024-05-13T00:00:00.000+00:00')
    expect(w.stages[0]!.count).toBe(0)
  })

  it("heatmap agentId filter counts only that agent's events", () => {
    const now = new Date('2024-05-15T12:00:00Z')
    const events = [
      created('l', '2024-05-15T01:00:00Z'), // no agent
      created('m', '2024-05-15T01:00:00Z', 'a'),
      action('l', 'a', '2024-05-15T02:00:00Z'),
      action('l', 'b', '2024-05-15T02:00:00Z'),
      upsert('a', 'Ann', '2024-05-15T02:00:00Z'),
    ]
    const all = refHeatmap(events, {}, now, UTC)
    expect(all.cells.reduce((n, c) => n + c.count, 0)).toBe(4)
    const a = refHeatmap(events, { agentId: 'a' }, now, UTC)
    expect([a.cells[2 * 24 + 1]!.count, a.cells[2 * 24 + 2]!.count]).toEqual([1, 1])
  })

  it('more than 1000 buckets is an error', () => {
    expect(() =>
      refLeadVolume(
        [],
        { from: '2024-01-01T00:00:00Z', to: '2024-03-01T00:00:00Z', interval: 'hour' },
        new Date('2024-05-15T12:00:00Z'),
        UTC,
      ),
    ).toThrow(/1000/)
  })
})
