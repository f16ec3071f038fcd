import type { LeadEvent } from '@leads/contract'
import { migrateDownAll, migrateToLatest } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import {
  previousDayWindow,
  refFunnel,
  refHeatmap,
  refLeaderboard,
  refLeadVolume,
  refMetrics,
  startOfLocalDay,
  startOfLocalDayPlus,
  startOfLocalHour,
  startOfLocalISOWeek,
  startOfLocalMonth,
  startOfLocalQuarter,
} from '@leads/reference'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

/**
 * Every read equals the independent reference (plain TypeScript over the raw events, date-fns
 * time zones) for random event streams delivered in random order and batches, with duplicates,
 * in zones with DST, half-hour and 45-minute offsets, with the organisation's zone as the default.
 * Events land on window edges (and a millisecond either side) and share instants often, where
 * off-by-one and tie-break mistakes live. PROPERTY_RUNS raises the run count.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 25)
const ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Adelaide',
  // A zone name Postgres also knows as a fixed-offset abbreviation (+01:00 all year).
  'CET',
  // Clocks move by half an hour: one local hour a year lasts 90 minutes, one 30.
  'Australia/Lord_Howe',
]
/**
 * Instants that are exactly a local midnight in their zone, where today's bucket starts at now:
 * Kolkata; New York after fall-back; UTC on a Monday; UTC on the first day of a month and quarter.
 */
const MIDNIGHTS: [string, string][] = [
  ['2026-06-15T18:30:00Z', 'Asia/Kolkata'],
  ['2026-11-02T05:00:00Z', 'America/New_York'],
  ['2026-11-30T00:00:00Z', 'UTC'],
  ['2026-07-01T00:00:00Z', 'UTC'],
]
// "Now" on and around DST changes (NY spring-forward and fall-back, London, Adelaide), plain days,
// and the midnights above (in whatever zone a run picks).
const NOWS = [
  '2026-03-08T16:20:00Z',
  '2026-03-09T04:07:30Z',
  '2026-11-01T13:52:10Z',
  '2026-03-29T09:31:00Z',
  '2026-04-05T02:44:00Z',
  '2026-10-04T11:15:00Z',
  '2026-06-15T18:29:59.999Z',
  ...MIDNIGHTS.map(([at]) => at),
].map(Date.parse)

const LEADS = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6']
const AGENTS = ['a1', 'a2', 'a3', 'a4']

const eventBody = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('lead.created' as const),
      leadId: fc.constantFrom(...LEADS),
      agentId: fc.option(fc.constantFrom(...AGENTS), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('lead.assigned' as const),
      leadId: fc.constantFrom(...LEADS),
      agentId: fc.constantFrom(...AGENTS),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('lead.status_changed' as const),
      leadId: fc.constantFrom(...LEADS),
      agentId: fc.constantFrom(...AGENTS),
      status: fc.constantFrom(
        'new',
        'contacted',
        'qualified',
        'retained',
        'completed',
        'completed',
        'lost',
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('agent.action' as const),
      leadId: fc.constantFrom(...LEADS),
      agentId: fc.constantFrom(...AGENTS),
      action: fc.constantFrom('call', 'email', 'note'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('agent.upserted' as const),
      agentId: fc.constantFrom(...AGENTS),
      name: fc.constantFrom('Ann', 'Bo', 'Cy'),
      teamId: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
    }),
  },
)

/** Offsets before "now": mostly the last two days (windows' edges), some up to 40 days back. */
const ageMs = fc.oneof(
  fc.integer({ min: 0, max: 2 * 86_400_000 }),
  fc.integer({ min: 0, max: 40 * 86_400_000 }),
)

/**
 * When an event happened: an age before now; one of the reads' window edges in the zone of the
 * reads, or a millisecond either side (`edgesOf`); or the instant of an earlier event (a tie).
 */
const when = fc.oneof(
  { weight: 5, arbitrary: ageMs.map((age) => ({ age })) },
  {
    weight: 2,
    arbitrary: fc.record({ edge: fc.nat(), nudge: fc.constantFrom(-1, 0, 0, 1) }),
  },
  { weight: 2, arbitrary: fc.record({ sameAs: fc.nat() }) },
)

const scenario = fc.record({
  now: fc.constantFrom(...NOWS),
  tz: fc.constantFrom(...ZONES),
  orgTz: fc.constantFrom(...ZONES),
  /** Left out, the reads take the organisation's zone. */
  tzGiven: fc.boolean(),
  events: fc.array(fc.tuple(eventBody, when), { minLength: 1, maxLength: 45, size: 'medium' }),
  duplicates: fc.array(fc.nat(), { maxLength: 8 }),
  batchSize: fc.integer({ min: 1, max: 20 }),
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
  custom: fc.option(
    fc.oneof(
      fc.tuple(ageMs, fc.integer({ min: 1, max: 10 * 86_400_000 })).map(([age, length]) => ({
        age,
        length,
      })),
      // A custom window from one edge to another, so events sit exactly on its bounds.
      fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ edges: [a, b] as const })),
    ),
    { nil: null },
  ),
  filter: fc.constantFrom<{ agentId?: string; teamId?: string }>(
    {},
    {},
    { agentId: 'a1' },
    { teamId: 't1' },
  ),
})

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

/** The instants where the reads' windows and buckets begin or end, at or before `now`. */
function edgesOf(now: number, zone: string): number[] {
  const today = startOfLocalDay(now, zone)
  const hour = startOfLocalHour(now, zone)
  const week = startOfLocalISOWeek(now, zone)
  const month = startOfLocalMonth(now, zone)
  const quarter = startOfLocalQuarter(now, zone)
  const edges = [
    now,
    hour,
    startOfLocalHour(hour - 1, zone),
    startOfLocalHour(now - 86_400_000, zone),
    today,
    previousDayWindow(now, zone).to,
    ...[-1, -6, -7, -29, -30].map((n) => startOfLocalDayPlus(today, n, zone)),
    week,
    startOfLocalISOWeek(week - 1, zone),
    month,
    startOfLocalMonth(month - 1, zone),
    quarter,
    startOfLocalQuarter(quarter - 1, zone),
  ]
  return [...new Set(edges)].filter((t) => t <= now).sort((a, b) => a - b)
}

/** The scenario's custom range, if it has one: from its ages, or from one edge to another. */
function customRange(s: Scenario, edges: readonly number[]): { from?: string; to?: string } {
  if (!s.custom) return {}
  const iso = (t: number) => new Date(t).toISOString()
  if ('age' in s.custom)
    return { from: iso(s.now - s.custom.age), to: iso(s.now - s.custom.age + s.custom.length) }
  const [a, b] = s.custom.edges.map((i) => edges[i % edges.length]!).sort((x, y) => x - y) as [
    number,
    number,
  ]
  // Two picks of one edge: an hour from it, so the window is never empty.
  return { from: iso(a), to: iso(b > a ? b : a + 3_600_000) }
}

/** Numbers within a relative 1e-9 (SQL sums and JS sums may round differently); all else exact. */
function expectMatches(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Math.abs(actual - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
      throw new Error(`${path}: ${actual} ≠ ${expected}`)
    }
    return
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length)
      throw new Error(`${path}: length ${actual.length} ≠ ${expected.length}`)
    for (const [i, e] of expected.entries()) expectMatches(actual[i], e, `${path}[${i}]`)
    return
  }
  if (
    expected !== null &&
    typeof expected === 'object' &&
    actual !== null &&
    typeof actual === 'object'
  ) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)])
    for (const k of keys)
      expectMatches(
        (actual as Record<string, unknown>)[k],
        (expected as Record<string, unknown>)[k],
        `${path}.${k}`,
      )
    return
  }
  if (actual !== expected)
    throw new Error(`${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`)
}

describe.each(testDatabases())('analytics reads equal the reference on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  beforeAll(async () => {
    client = await open()
  })
  afterAll(async () => {
    await client?.close()
  })

  /** Ingests the scenario's events into an empty database; every read must equal the reference. */
  async function checkScenario(s: Scenario): Promise<void> {
    await migrateDownAll(client.db)
    await migrateToLatest(client.db)
    const zone = s.tzGiven ? s.tz : s.orgTz
    const edges = edgesOf(s.now, zone)
    const range = customRange(s, edges)
    const instants: number[] = []
    for (const [, w] of s.events) {
      const t =
        'age' in w
          ? s.now - w.age
          : 'edge' in w
            ? Math.min(s.now, edges[w.edge % edges.length]! + w.nudge)
            : instants.length > 0
              ? instants[w.sameAs % instants.length]!
              : s.now
      instants.push(t)
    }
    const events: LeadEvent[] = s.events.map(([body], i) => ({
      ...body,
      id: `e${i}`,
      occurredAt: new Date(instants[i]!).toISOString(),
    }))
    const delivery = [...events, ...s.duplicates.map((d) => events[d % events.length]!)]
      .map((e, i) => ({ e, k: s.order[i % s.order.length]! + i * 1e-9 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.e)
    const caller = createCaller(
      createInnerContext({ db: client.db, clock: { now: () => s.now }, orgTimezone: s.orgTz }),
    )
    for (let i = 0; i < delivery.length; i += s.batchSize) {
      const r = await caller.events.ingest(delivery.slice(i, i + s.batchSize))
      expect(r.rejected).toEqual([])
    }
    const now = new Date(s.now)
    const tz = s.tzGiven ? { tz: s.tz } : {}
    const check = async (name: string, actual: Promise<unknown>, expected: () => unknown) => {
      try {
        expectMatches(await actual, expected())
      } catch (err) {
        throw new Error(`${name}: ${(err as Error).message}`)
      }
    }
    await check('metrics', caller.analytics.metrics({ ...tz, ...s.filter }), () =>
      refMetrics(events, { ...tz, ...s.filter }, now, s.orgTz),
    )
    await check('metrics custom', caller.analytics.metrics({ ...tz, ...range }), () =>
      refMetrics(events, { ...tz, ...range }, now, s.orgTz),
    )
    for (const period of ['24h', '7d', '30d'] as const) {
      await check(
        `leadVolume ${period}`,
        caller.analytics.leadVolume({ ...tz, period, ...s.filter }),
        () => refLeadVolume(events, { ...tz, period, ...s.filter }, now, s.orgTz),
      )
    }
    // An explicit interval floors the period's start to its own unit.
    for (const period of ['24h', '7d', '30d'] as const)
      for (const interval of ['hour', 'day', 'week'] as const)
        await check(
          `leadVolume ${period} by ${interval}`,
          caller.analytics.leadVolume({ ...tz, period, interval }),
          () => refLeadVolume(events, { ...tz, period, interval }, now, s.orgTz),
        )
    if (s.custom) {
      await check('leadVolume custom', caller.analytics.leadVolume({ ...tz, ...range }), () =>
        refLeadVolume(events, { ...tz, ...range }, now, s.orgTz),
      )
    }
    for (const period of ['week', 'month', 'quarter'] as const) {
      await check(`funnel ${period}`, caller.analytics.funnel({ ...tz, period, ...s.filter }), () =>
        refFunnel(events, { ...tz, period, ...s.filter }, now, s.orgTz),
      )
    }
    for (const period of ['week', 'month'] as const) {
      await check(
        `heatmap ${period}`,
        caller.analytics.heatmap({ ...tz, period, ...s.filter }),
        () => refHeatmap(events, { ...tz, period, ...s.filter }, now, s.orgTz),
      )
    }
    for (const period of ['today', 'week', 'month', 'all-time'] as const) {
      const input = { ...tz, period, ...(s.filter.teamId && { teamId: s.filter.teamId }) }
      await check(`leaderboard ${period}`, caller.analytics.leaderboard(input), () =>
        refLeaderboard(events, input, now, s.orgTz),
      )
    }
    await check(
      'leaderboard custom page',
      caller.analytics.leaderboard({ ...tz, ...range, limit: 2, offset: 1 }),
      () => refLeaderboard(events, { ...tz, ...range, limit: 2, offset: 1 }, now, s.orgTz),
    )
  }

  it('for random streams, orders, batches, zones and windows', async () => {
    await fc.assert(fc.asyncProperty(scenario, checkScenario), { numRuns: RUNS })
  }, 300_000)

  it('at local midnights, in the zone whose midnight it is', async () => {
    // Random runs rarely pair such a now with its zone; these pairs always run.
    for (const [i, [at, zone]] of MIDNIGHTS.entries()) {
      const [s] = fc.sample(scenario, { numRuns: 1, seed: 1_000 + i })
      await checkScenario({ ...s!, now: Date.parse(at), tz: zone, orgTz: zone })
    }
  }, 120_000)
})
