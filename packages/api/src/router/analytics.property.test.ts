import type { LeadEvent } from '@leads/contract'
import { migrateDownAll, migrateToLatest } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { refFunnel, refHeatmap, refLeaderboard, refLeadVolume, refMetrics } from '@leads/reference'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

/**
 * Every read equals the independent reference (plain TypeScript over the raw events, date-fns
 * time zones) for random event streams delivered in random order and batches, with duplicates,
 * in zones with DST, half-hour and 45-minute offsets. PROPERTY_RUNS raises the run count.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 12)
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
// "Now" on and around DST changes (NY spring-forward and fall-back, London, Adelaide) and plain days.
const NOWS = [
  '2026-03-08T16:20:00Z',
  '2026-03-09T04:07:30Z',
  '2026-11-01T13:52:10Z',
  '2026-11-02T05:00:00Z',
  '2026-03-29T09:31:00Z',
  '2026-04-05T02:44:00Z',
  '2026-10-04T11:15:00Z',
  '2026-06-15T18:29:59.999Z',
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

const scenario = fc.record({
  now: fc.constantFrom(...NOWS),
  tz: fc.constantFrom(...ZONES),
  events: fc.array(fc.tuple(eventBody, ageMs), { minLength: 1, maxLength: 45 }),
  duplicates: fc.array(fc.nat(), { maxLength: 8 }),
  batchSize: fc.integer({ min: 1, max: 20 }),
  order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 60, maxLength: 60 }),
  custom: fc.option(fc.tuple(ageMs, fc.integer({ min: 1, max: 10 * 86_400_000 })), { nil: null }),
  filter: fc.constantFrom<{ agentId?: string; teamId?: string }>(
    {},
    {},
    { agentId: 'a1' },
    { teamId: 't1' },
  ),
})

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

  it('for random streams, orders, batches, zones and windows', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        await migrateDownAll(client.db)
        await migrateToLatest(client.db)
        const events: LeadEvent[] = s.events.map(([body, age], i) => ({
          ...body,
          id: `e${i}`,
          occurredAt: new Date(s.now - age).toISOString(),
        }))
        const delivery = [...events, ...s.duplicates.map((d) => events[d % events.length]!)]
          .map((e, i) => ({ e, k: s.order[i % s.order.length]! + i * 1e-9 }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.e)
        const caller = createCaller(
          createInnerContext({ db: client.db, clock: { now: () => s.now }, orgTimezone: 'UTC' }),
        )
        for (let i = 0; i < delivery.length; i += s.batchSize) {
          const r = await caller.events.ingest(delivery.slice(i, i + s.batchSize))
          expect(r.rejected).toEqual([])
        }
        const now = new Date(s.now)
        const range = s.custom
          ? {
              from: new Date(s.now - s.custom[0]).toISOString(),
              to: new Date(s.now - s.custom[0] + s.custom[1]).toISOString(),
            }
          : {}
        const tz = { tz: s.tz }
        const check = async (name: string, actual: Promise<unknown>, expected: () => unknown) => {
          try {
            expectMatches(await actual, expected())
          } catch (err) {
            throw new Error(`${name}: ${(err as Error).message}`)
          }
        }
        await check('metrics', caller.analytics.metrics({ ...tz, ...s.filter }), () =>
          refMetrics(events, { ...tz, ...s.filter }, now, 'UTC'),
        )
        await check('metrics custom', caller.analytics.metrics({ ...tz, ...range }), () =>
          refMetrics(events, { ...tz, ...range }, now, 'UTC'),
        )
        for (const period of ['24h', '7d', '30d'] as const) {
          await check(
            `leadVolume ${period}`,
            caller.analytics.leadVolume({ ...tz, period, ...s.filter }),
            () => refLeadVolume(events, { ...tz, period, ...s.filter }, now, 'UTC'),
          )
        }
        await check(
          'leadVolume 7d hourly',
          caller.analytics.leadVolume({ ...tz, period: '7d', interval: 'hour' }),
          () => refLeadVolume(events, { ...tz, period: '7d', interval: 'hour' }, now, 'UTC'),
        )
        if (s.custom) {
          await check('leadVolume custom', caller.analytics.leadVolume({ ...tz, ...range }), () =>
            refLeadVolume(events, { ...tz, ...range }, now, 'UTC'),
          )
        }
        for (const period of ['week', 'month', 'quarter'] as const) {
          await check(
            `funnel ${period}`,
            caller.analytics.funnel({ ...tz, period, ...s.filter }),
            () => refFunnel(events, { ...tz, period, ...s.filter }, now, 'UTC'),
          )
        }
        for (const period of ['week', 'month'] as const) {
          await check(
            `heatmap ${period}`,
            caller.analytics.heatmap({ ...tz, period, ...s.filter }),
            () => refHeatmap(events, { ...tz, period, ...s.filter }, now, 'UTC'),
          )
        }
        for (const period of ['today', 'week', 'month', 'all-time'] as const) {
          const input = { ...tz, period, ...(s.filter.teamId && { teamId: s.filter.teamId }) }
          await check(`leaderboard ${period}`, caller.analytics.leaderboard(input), () =>
            refLeaderboard(events, input, now, 'UTC'),
          )
        }
        await check(
          'leaderboard custom page',
          caller.analytics.leaderboard({ ...tz, ...range, limit: 2, offset: 1 }),
          () => refLeaderboard(events, { ...tz, ...range, limit: 2, offset: 1 }, now, 'UTC'),
        )
      }),
      { numRuns: RUNS },
    )
  }, 300_000)
})
