import { type LeadEvent, type LeadRow, type LeadsInput, PIPELINE } from '@leads/contract'
import { type DbClient, ingestEvents } from '@leads/db'
import { generateEvents } from '@leads/db/seed'
import { testDatabases } from '@leads/db/testing'
import { buildModel, type Model, startOfLocalDay } from '@leads/reference'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext, type Identity } from '../context.js'
import { drillQuery } from '../queries/leads.js'
import { createCaller } from '../root.js'

// Two days after New York's fall-back night, mid-afternoon: the 7-day windows hold a 25-hour day.
const NOW = Date.parse('2026-11-03T19:20:30Z')
const TZ = 'America/New_York'

/**
 * Every report's numbers equal the length (or, for response times, the mean) of the drill-down
 * lists behind them, on generated history with reassignments, unassigned leads and late events.
 */
describe.each(testDatabases())('drill-down lists sum to the reports on $kind', ({ open }) => {
  let client: DbClient
  /** The reference's reading of everything ingested, for the rows' per-lead facts. */
  let model: Model
  const caller = (identity: Identity | null = null) =>
    createCaller(
      createInnerContext(
        { db: client.db, clock: { now: () => NOW }, orgTimezone: 'UTC', pseudonymKey: 'k' },
        identity,
      ),
    )

  beforeAll(async () => {
    client = await open()
    const events = [
      ...generateEvents({
        now: new Date(NOW),
        days: 45,
        agents: 8,
        events: 9_000,
        tz: TZ,
        seed: 7,
      }),
    ]
    // A lead without an agent and a repeated assignment of one lead to one agent.
    const extra: LeadEvent[] = [
      { id: 'x-c', type: 'lead.created', occurredAt: '2026-11-03T14:00:00Z', leadId: 'x' },
      {
        id: 'x-a1',
        type: 'lead.assigned',
        occurredAt: '2026-11-03T14:01:00Z',
        leadId: 'x',
        agentId: events.find((e) => e.type === 'agent.upserted')!.agentId!,
      },
    ]
    extra.push({ ...extra[1]!, id: 'x-a2', occurredAt: '2026-11-03T14:05:00Z' } as LeadEvent)
    // Assigned exactly as today begins and again later today: one lead, once, in today's list.
    const today = startOfLocalDay(NOW, TZ)
    const iso = (t: number) => new Date(t).toISOString()
    extra.push(
      { id: 'y-c', type: 'lead.created', occurredAt: iso(today - 3_600_000), leadId: 'y' },
      { ...extra[1]!, id: 'y-a1', occurredAt: iso(today), leadId: 'y' } as LeadEvent,
      { ...extra[1]!, id: 'y-a2', occurredAt: iso(today + 600_000), leadId: 'y' } as LeadEvent,
    )
    // Both sides of Chatham's spring-forward (02:45 +12:45 → 03:45 +13:45): one hour bucket
    // holds wall-clock 02:00–02:45 and 03:45–04:00.
    const chatham: [string, string][] = [
      ['ch-1', '2026-09-27T03:50:00+13:45'],
      ['ch-2', '2026-09-27T02:30:00+12:45'],
    ]
    for (const [id, at] of chatham)
      extra.push({ id, type: 'lead.created', occurredAt: at, leadId: id })
    for (let i = 0; i < events.length; i += 5_000)
      await ingestEvents(client.db, events.slice(i, i + 5_000), new Date(NOW))
    await ingestEvents(client.db, extra, new Date(NOW))
    model = buildModel([...events, ...extra])
  }, 240_000)
  afterAll(async () => {
    await client?.close()
  })

  /** Every row of a drill-down, following the cursor; pages must neither overlap nor repeat. */
  async function all(input: LeadsInput, identity: Identity | null = null): Promise<LeadRow[]> {
    const rows: LeadRow[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await caller(identity).analytics.leads({ tz: TZ, limit: 173, ...input, cursor })
      rows.push(...page.rows)
      if (page.nextCursor === null) return rows
      cursor = page.nextCursor
    }
    throw new Error('too many pages')
  }
  const mean = (rows: LeadRow[]) =>
    rows.length === 0 ? null : rows.reduce((s, r) => s + r.responseTimeSeconds!, 0) / rows.length

  it('metrics: new leads, conversions and the mean response time', async () => {
    const filters = [{}, { agentId: 'agent-03' }, { teamId: 't2' }]
    const ranges = [{}, { from: '2026-10-20T08:07:00-04:00', to: '2026-11-02T13:52:00-05:00' }]
    for (const f of filters) {
      let seen = 0
      for (const r of ranges) {
        const input = { tz: TZ, ...f, ...r }
        const m = await caller().analytics.metrics(input)
        const created = await all({ report: 'metrics', ...input })
        const converted = await all({ report: 'metrics', measure: 'conversions', ...input })
        const responded = await all({ report: 'metrics', measure: 'responses', ...input })
        expect(created.length).toBe(m.totalLeads)
        seen += m.totalLeads
        expect(converted.length).toBe(Math.round((m.conversionRate ?? 0) * m.totalLeads))
        expect(mean(responded)).toBeCloseTo(m.avgResponseTimeSeconds ?? Number.NaN, 6)
        expect(new Set(created.map((x) => x.leadId)).size).toBe(created.length)
      }
      expect(seen, JSON.stringify(f)).toBeGreaterThan(0)
    }
  })

  it('lead volume: every bar, hourly and daily, across the 25-hour day', async () => {
    for (const input of [
      { period: '7d' as const },
      { period: '24h' as const },
      {
        from: '2026-10-31T00:00:00-04:00',
        to: '2026-11-02T00:00:00-05:00',
        interval: 'hour' as const,
      },
    ]) {
      const v = await caller().analytics.leadVolume({ tz: TZ, ...input })
      let nonEmpty = 0
      for (const b of v.buckets) {
        const q = { report: 'leadVolume' as const, ...input, bucketStart: b.start }
        expect((await all(q)).length, b.start).toBe(b.newLeads)
        expect((await all({ ...q, measure: 'conversions' })).length, b.start).toBe(b.conversions)
        if (b.newLeads > 0) nonEmpty++
      }
      expect(nonEmpty).toBeGreaterThan(0)
    }
  })

  it('funnel: every stage of the cohort', async () => {
    for (const period of ['week', 'month', 'quarter'] as const) {
      const f = await caller().analytics.funnel({ tz: TZ, period })
      for (const s of f.stages) {
        const rows = await all({ report: 'funnel', period, stage: s.stage })
        expect(rows.length, `${period} ${s.stage}`).toBe(s.count)
        // Each row's furthest stage, `lost` ignored (a lead lost after completing stays completed).
        for (const r of rows)
          expect(r.furthestStage, r.leadId).toBe(PIPELINE[model.leads.get(r.leadId)!.furthestRank])
      }
      // This week's and month's cohorts are days old and have had little time to convert.
      expect(f.stages[period === 'quarter' ? 4 : 1]!.count).toBeGreaterThan(0)
    }
  })

  it('heatmap: every cell lists its events', async () => {
    const h = await caller().analytics.heatmap({ tz: TZ, period: 'week', agentId: 'agent-02' })
    for (const c of h.cells) {
      const rows = await all({
        report: 'heatmap',
        agentId: 'agent-02',
        dayOfWeek: c.dayOfWeek,
        hour: c.hour,
      })
      expect(rows.length, `${c.dayOfWeek}/${c.hour}`).toBe(c.count)
      for (const r of rows) expect(r.eventType).not.toBe('agent.upserted')
    }
    const whole = await all({ report: 'heatmap', agentId: 'agent-02' })
    expect(whole.length).toBe(h.cells.reduce((s, c) => s + c.count, 0))
    expect(whole.length).toBeGreaterThan(0)
  })

  it('heatmap: every cell lists its events on a day the clocks move by an hour at :45', async () => {
    const range = {
      tz: 'Pacific/Chatham',
      from: '2026-09-26T00:00:00Z',
      to: '2026-09-28T00:00:00Z',
    }
    const h = await caller().analytics.heatmap(range)
    const listed = new Map<string, string[]>()
    for (const c of h.cells) {
      const rows = await all({ report: 'heatmap', ...range, dayOfWeek: c.dayOfWeek, hour: c.hour })
      expect(rows.length, `${c.dayOfWeek}/${c.hour}`).toBe(c.count)
      for (const r of rows)
        listed.set(r.leadId, [...(listed.get(r.leadId) ?? []), `${c.dayOfWeek}/${c.hour}`])
    }
    // Under the wall-clock hour each happened in (Sunday 03:50 and 02:30).
    expect(listed.get('ch-1')).toEqual(['6/3'])
    expect(listed.get('ch-2')).toEqual(['6/2'])
  })

  it('leaderboard: assigned, converted and response time of every row', async () => {
    for (const period of ['today', 'week', 'all-time'] as const) {
      const board = await caller().analytics.leaderboard({ tz: TZ, period })
      expect(board.rows.length).toBeGreaterThan(0)
      for (const row of board.rows) {
        const q = { report: 'leaderboard' as const, period, agentId: row.agentId }
        const assigned = await all(q)
        expect(assigned.length, `${period} ${row.agentId}`).toBe(row.totalLeads)
        expect(new Set(assigned.map((r) => r.leadId)).size).toBe(assigned.length)
        expect((await all({ ...q, measure: 'conversions' })).length).toBe(row.convertedLeads)
        const responded = await all({ ...q, measure: 'responses' })
        expect(mean(responded)).toBeCloseTo(row.avgResponseTimeSeconds ?? Number.NaN, 6)
      }
    }
  })

  it('pages are disjoint and together equal one big page', async () => {
    const input = {
      report: 'metrics' as const,
      from: '2026-10-01T00:00:00Z',
      to: '2026-11-03T00:00:00Z',
    }
    const paged = await all({ ...input, limit: 7 } as LeadsInput)
    const one = await all({ ...input, limit: 500 })
    expect(paged.map((r) => r.leadId)).toEqual(one.map((r) => r.leadId))
    const times = one.map((r) => Date.parse(r.at))
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('shows an agent only their own leads and a manager only their teams', async () => {
    const me: Identity = { sub: 'agent-03', role: 'agent' }
    const mine = await all(
      { report: 'metrics', from: '2026-10-01T00:00:00Z', to: '2026-11-03T00:00:00Z' },
      me,
    )
    expect(mine.length).toBeGreaterThan(0)
    expect(new Set(mine.map((r) => r.agentId))).toEqual(new Set(['agent-03']))
    const orgWide = await all({ report: 'heatmap', period: 'month' }, me)
    expect(orgWide.every((r) => r.agentId === 'agent-03')).toBe(true)
    await expect(
      caller(me).analytics.leads({ report: 'metrics', agentId: 'agent-04' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' })

    const teams = await client.db.selectFrom('agents').select(['agent_id', 'team_id']).execute()
    const boss: Identity = { sub: 'm-1', role: 'manager', teamIds: ['t1'] }
    const theirs = await all({ report: 'leaderboard', period: 'week' }, boss)
    const t1 = new Set(teams.filter((a) => a.team_id === 't1').map((a) => a.agent_id))
    expect(theirs.length).toBeGreaterThan(0)
    for (const r of theirs) expect(t1.has(r.agentId!)).toBe(true)
  })

  it('rejects a forged cursor and a bucket that is not one', async () => {
    const c = caller().analytics
    for (const cursor of [
      'nope',
      Buffer.from('[1e300,"x"]').toString('base64url'),
      Buffer.from('[1770000000000,"1 or 1"]').toString('base64url'),
    ])
      await expect(c.leads({ report: 'heatmap', cursor })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      })
    await expect(
      c.leads({ report: 'leadVolume', period: '7d', bucketStart: '2026-11-02T07:00:00Z' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' })
    await expect(c.leads({ report: 'funnel', measure: 'activity' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    })
  })

  it('reads every measure through an index range, never a sequential scan', async () => {
    const window = { from: NOW - 7 * 86_400_000, to: NOW }
    for (const measure of [
      'newLeads',
      'conversions',
      'responses',
      'assigned',
      'activity',
    ] as const) {
      const q = drillQuery({
        measure,
        // Scattered hours, like a heatmap cell's, must still bound the scan by their span.
        ranges:
          measure === 'activity'
            ? [14, 7].map((d) => ({
                from: NOW - d * 86_400_000,
                to: NOW - d * 86_400_000 + 3_600_000,
              }))
            : [window],
        scope: { kind: 'agents', agentIds: ['agent-01'] },
        limit: 50,
      })
      // Tables this small are cheaper to scan, so the planner is told to avoid scans: what is
      // checked is that an index serves the query, as it will on a large table.
      const plan = await client.db.connection().execute(async (db) => {
        await sql`set enable_seqscan = off`.execute(db)
        try {
          const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${q}`.execute(db)
          return rows.map((r) => r['QUERY PLAN']).join('\n')
        } finally {
          await sql`reset enable_seqscan`.execute(db)
        }
      })
      expect(plan, measure).not.toMatch(/Seq Scan/)
      expect(plan, measure).toMatch(
        /Index Cond: .*(created_at|completed_at|first_response_at|assigned_at|occurred_at) >=/,
      )
    }
  })
})
