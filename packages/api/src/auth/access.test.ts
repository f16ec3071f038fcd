import type { LeadEvent } from '@leads/contract'
import { testDatabases } from '@leads/db/testing'
import { TRPCError } from '@trpc/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryCache } from '../cache/cache.js'
import { type ApiDeps, createInnerContext, type Identity } from '../context.js'
import { appRouter, createCaller } from '../root.js'
import { AGENT, NOW, seedAccessFixture, TEAM } from './testing.js'
import { createVerifier, signToken } from './tokens.js'

/**
 * The BOLA/BFLA matrix (OWASP API1/API5), generated: every read procedure × every filter it
 * accepts × every kind of caller, plus ingest × every caller, each with the outcome the policy
 * table below gives. Callers arrive the way the server will see them — a bearer token through
 * the verifier — except "no token".
 */
const SECRET = 'access-test-secret-at-least-32-bytes-long'
const clock = { now: () => NOW }
const verify = createVerifier({ jwtSecret: SECRET }, { clock })

type Outcome = 'ok' | 'UNAUTHORIZED' | 'FORBIDDEN'

/** What a read is asked for. The agent caller is AGENT.own; the manager manages TEAM.mine. */
const TARGETS = {
  everything: {},
  'own agent': { agentId: AGENT.own.id },
  'teammate agent': { agentId: AGENT.teammate.id },
  'agent of another team': { agentId: AGENT.rival.id },
  'agent without a team': { agentId: AGENT.loner.id },
  'unknown agent': { agentId: 'agent-nobody-0000' },
  'own team': { teamId: TEAM.mine },
  'other team': { teamId: TEAM.other },
  'unknown team': { teamId: 'team-nowhere-0000' },
} as const
type Target = keyof typeof TARGETS

type Caller = {
  /** null: no Authorization header at all. */
  token: (() => Promise<string>) | null
  /** false: an open server (no AUTH_JWT_SECRET), where only anonymous callers are let through. */
  authRequired: boolean
}
const sign = (claims: Parameters<typeof signToken>[1], opts: { now?: number } = {}) =>
  signToken(SECRET, claims, '1h', { now: NOW, ...opts })
const agent = { sub: AGENT.own.id, role: 'agent' } as const
const manager = { sub: 'manager-mo-1', role: 'manager' as const, teamIds: [TEAM.mine as string] }

const CALLERS = {
  'no token': { token: null, authRequired: true },
  'forged token': {
    token: () =>
      signToken('not-the-server-secret-but-32-bytes-long', { ...agent, role: 'admin' }, 60, {
        now: NOW,
      }),
    authRequired: true,
  },
  'expired token': {
    token: () => sign({ sub: 'root', role: 'admin' }, { now: NOW - 2 * 3_600_000 }),
    authRequired: true,
  },
  agent: { token: () => sign(agent), authRequired: true },
  manager: { token: () => sign(manager), authRequired: true },
  ingest: { token: () => sign({ sub: 'simulator', role: 'ingest' }), authRequired: true },
  admin: { token: () => sign({ sub: 'root', role: 'admin' }), authRequired: true },
  'anonymous, open server': { token: null, authRequired: false },
  'agent, open server': { token: () => sign(agent), authRequired: false },
  'manager, open server': { token: () => sign(manager), authRequired: false },
} satisfies Record<string, Caller>
type CallerName = keyof typeof CALLERS

const U = 'UNAUTHORIZED'
const F = 'FORBIDDEN'
const row = (o: Outcome) =>
  Object.fromEntries(Object.keys(TARGETS).map((t) => [t, o])) as Record<Target, Outcome>
const agentRow: Record<Target, Outcome> = {
  everything: 'ok',
  'own agent': 'ok',
  'teammate agent': F,
  'agent of another team': F,
  'agent without a team': F,
  'unknown agent': F,
  'own team': 'ok',
  'other team': F,
  'unknown team': F,
}
const managerRow: Record<Target, Outcome> = {
  everything: 'ok',
  'own agent': 'ok',
  'teammate agent': 'ok',
  'agent of another team': F,
  'agent without a team': F,
  'unknown agent': F,
  'own team': 'ok',
  'other team': F,
  'unknown team': F,
}

/** The policy: outcome of a read per caller and target, and of an ingest per caller. */
const POLICY: Record<CallerName, { read: Record<Target, Outcome>; ingest: Outcome }> = {
  'no token': { read: row(U), ingest: U },
  'forged token': { read: row(U), ingest: U },
  'expired token': { read: row(U), ingest: U },
  agent: { read: agentRow, ingest: F },
  manager: { read: managerRow, ingest: F },
  ingest: { read: row(F), ingest: 'ok' },
  admin: { read: row('ok'), ingest: 'ok' },
  'anonymous, open server': { read: row('ok'), ingest: 'ok' },
  'agent, open server': { read: agentRow, ingest: F },
  'manager, open server': { read: managerRow, ingest: F },
}

type AnyCaller = ReturnType<typeof createCaller>
type Filter = { agentId?: string; teamId?: string }
/** Every read procedure, with the filters it accepts. */
const READS: {
  name: string
  filters: readonly ('agentId' | 'teamId')[]
  call: (c: AnyCaller, f: Filter) => Promise<unknown>
}[] = [
  { name: 'metrics', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.metrics(f) },
  { name: 'leadVolume', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.leadVolume(f) },
  { name: 'funnel', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.funnel(f) },
  { name: 'heatmap', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.heatmap(f) },
  { name: 'leaderboard', filters: ['teamId'], call: (c, f) => c.analytics.leaderboard(f) },
  {
    name: 'leads',
    filters: ['agentId', 'teamId'],
    call: (c, f) => c.analytics.leads({ report: 'metrics', ...f }),
  },
  {
    name: 'eventsExport',
    filters: ['agentId', 'teamId'],
    call: (c, f) => c.analytics.eventsExport(f),
  },
  { name: 'forecast', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.forecast(f) },
  // Subscriptions are authorised when called, before their first event.
  { name: 'activity', filters: ['agentId', 'teamId'], call: (c, f) => c.analytics.activity(f) },
  {
    name: 'metricsLive',
    filters: ['agentId', 'teamId'],
    call: (c, f) => c.analytics.metricsLive(f),
  },
]

let eventSeq = 0
const newEvent = (): LeadEvent[] => [
  {
    id: `matrix-${++eventSeq}`,
    type: 'lead.created',
    occurredAt: new Date(NOW - 60_000).toISOString(),
    leadId: `matrix-lead-${eventSeq}`,
  },
]

const cases = [
  ...READS.flatMap((read) =>
    (Object.keys(CALLERS) as CallerName[]).flatMap((caller) =>
      (Object.entries(TARGETS) as [Target, Filter][])
        .filter(([, f]) => Object.keys(f).every((k) => read.filters.includes(k as 'agentId')))
        .map(([target, filter]) => ({
          label: `${read.name} of ${target}`,
          caller,
          call: (c: AnyCaller) => read.call(c, filter),
          expected: POLICY[caller].read[target],
        })),
    ),
  ),
  ...(Object.keys(CALLERS) as CallerName[]).map((caller) => ({
    label: 'events.ingest',
    caller,
    call: (c: AnyCaller) => c.events.ingest(newEvent()),
    expected: POLICY[caller].ingest,
  })),
]

describe.each(testDatabases())('access control on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  let deps: ApiDeps
  beforeAll(async () => {
    client = await open()
    await seedAccessFixture(client.db)
    deps = { db: client.db, clock, orgTimezone: 'UTC' }
  })
  afterAll(async () => {
    await client?.close()
  })

  /** What the server will do per request: verify the bearer token, then build the context. */
  async function outcome(
    name: CallerName,
    call: (c: AnyCaller) => Promise<unknown>,
  ): Promise<Outcome> {
    const spec: Caller = CALLERS[name]
    try {
      const identity = spec.token ? await verify(await spec.token()) : null
      await call(
        createCaller(createInnerContext({ ...deps, authRequired: spec.authRequired }, identity)),
      )
      return 'ok'
    } catch (err) {
      if (err instanceof TRPCError && (err.code === U || err.code === F)) return err.code
      throw err
    }
  }

  it('covers every procedure of the router, every read and ingest for every caller', () => {
    // A new procedure fails here until it is in the matrix.
    const covered = [...READS.map((r) => `analytics.${r.name}`), 'events.ingest'].sort()
    expect(covered).toEqual(Object.keys(appRouter._def.procedures).sort())
    // Nine reads take both filters (all 9 targets), the leaderboard only teamId (4); 10 callers.
    expect(cases.length).toBe((9 * 9 + 4) * 10 + 10)
  })

  it.each(cases)('$label by $caller → $expected', async ({ caller, call, expected }) => {
    expect(await outcome(caller, call)).toBe(expected)
  })

  describe('what an allowed read covers', () => {
    const as = (identity: Identity | null, extra: Partial<ApiDeps> = {}) =>
      createCaller(createInnerContext({ ...deps, authRequired: true, ...extra }, identity))
    // Built per test: deps exist only once beforeAll has run.
    const admin = () => as({ sub: 'root', role: 'admin' })
    const mgr = () => as({ sub: 'manager-mo-1', role: 'manager', teamIds: [TEAM.mine] })
    const me = () => as({ sub: AGENT.own.id, role: 'agent' })

    it("scopes a manager's unfiltered reads to the agents of their teams", async () => {
      expect(await mgr().analytics.metrics({})).toEqual(
        await admin().analytics.metrics({ teamId: TEAM.mine }),
      )
      expect(await mgr().analytics.leadVolume({ period: '7d' })).toEqual(
        await admin().analytics.leadVolume({ period: '7d', teamId: TEAM.mine }),
      )
      expect(await mgr().analytics.funnel({})).toEqual(
        await admin().analytics.funnel({ teamId: TEAM.mine }),
      )
      expect(await mgr().analytics.heatmap({})).toEqual(
        await admin().analytics.heatmap({ teamId: TEAM.mine }),
      )
      const board = await mgr().analytics.leaderboard({ period: 'all-time' })
      expect(board.rows.map((r) => r.agentId).sort()).toEqual(
        [AGENT.own.id, AGENT.teammate.id].sort(),
      )
      // Unassigned leads and other teams' leads are outside a manager's figures.
      expect((await mgr().analytics.metrics({})).totalLeads).toBeLessThan(
        (await admin().analytics.metrics({})).totalLeads,
      )
    })

    it('gives an agent organisation-wide aggregates and their own figures', async () => {
      expect(await me().analytics.metrics({})).toEqual(await admin().analytics.metrics({}))
      expect(await me().analytics.metrics({ agentId: AGENT.own.id })).toEqual(
        await admin().analytics.metrics({ agentId: AGENT.own.id }),
      )
      expect(await me().analytics.funnel({ teamId: TEAM.mine })).toEqual(
        await admin().analytics.funnel({ teamId: TEAM.mine }),
      )
    })

    it('applies the same rules to the live metrics subscription', async () => {
      await expect(me().analytics.metricsLive({ agentId: AGENT.rival.id })).rejects.toMatchObject({
        code: F,
      })
      await expect(as(null).analytics.metricsLive({})).rejects.toMatchObject({ code: U })
    })

    it('never serves a manager an answer cached for another team list', async () => {
      const cache = new MemoryCache()
      const north = as({ sub: 'manager-mo-1', role: 'manager', teamIds: [TEAM.mine] }, { cache })
      const south = as({ sub: 'manager-mo-1', role: 'manager', teamIds: [TEAM.other] }, { cache })
      const a = await north.analytics.leaderboard({ period: 'all-time' })
      const b = await south.analytics.leaderboard({ period: 'all-time' })
      expect(b.rows.map((r) => r.agentId)).toEqual([AGENT.rival.id])
      expect(a.rows.map((r) => r.agentId)).not.toContain(AGENT.rival.id)
    })
  })
})
