import { LEADERBOARD_PERIODS, type LeaderboardOutput } from '@leads/contract'
import { testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiDeps, createInnerContext, type Identity } from '../context.js'
import { InProcessBus } from '../live/bus.js'
import { FeedHub } from '../live/hub.js'
import { type ActivityEvent, activityStream } from '../live/stream.js'
import { createCaller } from '../root.js'
import { createPseudonyms } from './pseudonym.js'
import { AGENT, NOW, seedAccessFixture, TEAM } from './testing.js'

const KEY = 'pseudonym-key-for-tests'
const others = [AGENT.teammate, AGENT.rival, AGENT.loner]
const me: Identity = { sub: AGENT.own.id, role: 'agent' }
const PSEUDONYM_ID = /^anon-[0-9a-f]{6}$/
const PSEUDONYM_NAME = /^Agent [0-9a-f]{6}$/

describe.each(testDatabases())('leaderboard privacy on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  let deps: ApiDeps
  beforeAll(async () => {
    client = await open()
    await seedAccessFixture(client.db)
    deps = { db: client.db, clock: { now: () => NOW }, orgTimezone: 'UTC', pseudonymKey: KEY }
  })
  afterAll(async () => {
    await client?.close()
  })
  const as = (identity: Identity | null, extra: Partial<ApiDeps> = {}) =>
    createCaller(createInnerContext({ ...deps, authRequired: true, ...extra }, identity))

  /** A new lead of AGENT.own's and a call on it by `caller`, 20 minutes before NOW. */
  const callOnOwnLead = (leadId: string, caller: string) => {
    const at = new Date(NOW - 20 * 60_000).toISOString()
    return as({ sub: 'root', role: 'admin' }).events.ingest([
      { id: `${leadId}-new`, type: 'lead.created', occurredAt: at, leadId, agentId: AGENT.own.id },
      {
        id: `${leadId}-call`,
        type: 'agent.action',
        occurredAt: at,
        leadId,
        agentId: caller,
        action: 'call',
      },
    ])
  }

  /** What `identity`'s feed sends in its first 300 ms: replay or backlog, before going live. */
  async function feedOf(
    identity: Identity | null,
    input: { backlog?: number; lastEventId?: string },
  ): Promise<ActivityEvent[]> {
    const hub = new FeedHub(client.db, new InProcessBus())
    await hub.start()
    try {
      const aborter = new AbortController()
      const seen: ActivityEvent[] = []
      const stream = activityStream({ ...deps, identity, live: hub }, input, aborter.signal)
      const timer = setTimeout(() => aborter.abort(), 300)
      for await (const event of stream) seen.push(event)
      clearTimeout(timer)
      return seen
    } finally {
      await hub.stop()
    }
  }

  /** Every leaderboard an agent can ask for: each period and a custom range, whole and paged. */
  async function everyLeaderboard(identity: Identity, extra: Partial<ApiDeps> = {}) {
    const caller = as(identity, extra)
    const inputs = [
      ...LEADERBOARD_PERIODS.flatMap((period) => [
        { period },
        { period, teamId: TEAM.mine },
        { period, tz: 'Asia/Kolkata' },
        ...[0, 1, 2, 3].map((offset) => ({ period, limit: 1, offset })),
      ]),
      { from: '2026-05-01T00:00:00Z', to: '2026-06-17T00:00:00Z' },
    ]
    return Promise.all(inputs.map((input) => caller.analytics.leaderboard(input)))
  }

  /** Every other read an agent can make, for the same search. */
  async function everyOtherRead(identity: Identity) {
    const a = as(identity).analytics
    const own = [{}, { agentId: AGENT.own.id }, { teamId: TEAM.mine }]
    return Promise.all(
      own.flatMap((f) => [
        a.metrics(f),
        ...(['24h', '7d', '30d'] as const).map((period) => a.leadVolume({ ...f, period })),
        ...(['week', 'month', 'quarter'] as const).map((period) => a.funnel({ ...f, period })),
        ...(['week', 'month'] as const).map((period) => a.heatmap({ ...f, period })),
      ]),
    )
  }

  /** Drill-down lists, raw events and forecasts: the per-lead answers an agent can get. */
  async function everyList(identity: Identity) {
    const a = as(identity).analytics
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-06-17T12:00:00Z' }
    const lists = await Promise.all([
      ...(['metrics', 'leadVolume', 'funnel', 'heatmap'] as const).map((report) =>
        a.leads({ report, ...range, limit: 500 }),
      ),
      a.leads({ report: 'leaderboard', period: 'all-time', limit: 500 }),
      a.forecast({}),
      a.forecast({ metric: 'conversions', agentId: AGENT.own.id }),
    ])
    const exported = await a.eventsExport(range)
    const events = []
    for await (const page of exported.pages) events.push(...page)
    // The agent's own leads and events are there, so the search below is not vacuous.
    expect(events.length).toBeGreaterThan(5)
    return [lists, events]
  }

  it("shows an agent no other agent's name, id or team in any response", async () => {
    const boards = await everyLeaderboard(me)
    const json = JSON.stringify([boards, await everyOtherRead(me), await everyList(me)])
    for (const other of others) {
      expect(json).not.toContain(other.id)
      expect(json).not.toContain(other.name)
      // A first or last name alone would identify too.
      for (const part of other.name.split(' ')) expect(json).not.toContain(part)
    }
    expect(json).not.toContain(TEAM.other)
    expect(json).toContain(AGENT.own.name)
    expect(json).toContain(AGENT.own.id)
    // Every period really had other agents in it, so the search was not vacuous.
    for (const board of boards) expect(board.total).toBeGreaterThan(1)
  })

  it("shows an agent no other agent's name or id in the live feed, even on the agent's own leads", async () => {
    // A teammate acts on a lead the agent owns: the agent's feed carries it, under a pseudonym.
    await callOnOwnLead('feed-lead', AGENT.teammate.id)
    const messagesOf = async (...args: Parameters<typeof feedOf>) =>
      (await feedOf(...args)).flatMap((e) =>
        e.message.kind === 'gap' || e.message.kind === 'cursor' ? [] : [e.message],
      )
    const backlog = await messagesOf(me, { backlog: 500 })
    const replay = await messagesOf(me, { lastEventId: '0' })
    expect(replay.length).toBe(backlog.length)
    const call = backlog.find((m) => m.summary.includes('feed-lead') && m.summary.includes('call'))
    expect(call?.agentId).toMatch(PSEUDONYM_ID)
    expect(call?.agentName).toMatch(PSEUDONYM_NAME)
    expect(call?.summary).toBe(`${call?.agentName} logged a call on feed-lead`)
    const json = JSON.stringify([backlog, replay])
    for (const other of others) {
      expect(json).not.toContain(other.id)
      for (const part of other.name.split(' ')) expect(json).not.toContain(part)
    }
    expect(json).toContain(AGENT.own.name)
    // The agent's own events come first-hand: the backlog reached past other agents' events.
    expect(backlog.filter((m) => m.agentId === AGENT.own.id).length).toBeGreaterThan(10)
    // An admin sees the teammate by name.
    const admin = await messagesOf({ sub: 'root', role: 'admin' }, { backlog: 5 })
    expect(JSON.stringify(admin)).toContain(AGENT.teammate.name)
  })

  it('shows a manager in the live feed exactly the events their raw export lists', async () => {
    // Another team's agent calls on a lead one of the manager's agents owns.
    await callOnOwnLead('mgr-lead', AGENT.rival.id)
    const manager: Identity = { sub: 'manager-1', role: 'manager', teamIds: [TEAM.mine] }
    const fed = (await feedOf(manager, { lastEventId: '0' })).map((e) => e.id)
    const exported = await as(manager).analytics.eventsExport({
      from: new Date(NOW - 399 * 86_400_000).toISOString(),
      to: new Date(NOW + 1).toISOString(),
    })
    const listed: string[] = []
    for await (const page of exported.pages)
      for (const row of page) if (row.type !== 'agent.upserted') listed.push(row.seq)

    const rivalCall = listed.at(-1)
    expect(rivalCall).toBeDefined()
    expect(fed).toContain(rivalCall)
    expect([...fed].sort()).toEqual([...listed].sort())
  })

  it('shows other agents under stable pseudonyms and the own row as it is', async () => {
    const boards = await everyLeaderboard(me)
    const seen = new Map<string, string>()
    for (const board of boards) {
      for (const row of board.rows) {
        if (row.agentId === AGENT.own.id) {
          expect(row).toMatchObject({ agentName: AGENT.own.name, teamId: TEAM.mine })
          continue
        }
        expect(row.agentId).toMatch(PSEUDONYM_ID)
        expect(row.agentName).toMatch(PSEUDONYM_NAME)
        expect(row.agentName.slice(6)).toBe(row.agentId.slice(5))
        expect(row.teamId).toBeNull()
        expect(seen.get(row.agentId) ?? row.agentName).toBe(row.agentName)
        seen.set(row.agentId, row.agentName)
      }
    }
    expect(seen.size).toBe(others.length)
    // The same agent gets the same pseudonym in every period, call and (same key) instance.
    const again = await as(me).analytics.leaderboard({ period: 'all-time' })
    const pseudonyms = createPseudonyms(KEY, AGENT.own.id)
    expect(new Set(again.rows.map((r) => r.agentId))).toEqual(
      new Set([AGENT.own.id, ...others.map((o) => pseudonyms.idOf(o.id))]),
    )
    // Another key gives other pseudonyms (they are keyed, not a plain hash of the id).
    const rekeyed = await as(me, { pseudonymKey: 'another-key' }).analytics.leaderboard({
      period: 'all-time',
    })
    const ids = (b: LeaderboardOutput) =>
      b.rows.map((r) => r.agentId).filter((id) => id !== AGENT.own.id)
    expect(ids(rekeyed).some((id) => ids(again).includes(id))).toBe(false)
  })

  it('keeps the figures, ranks and trend of hidden rows', async () => {
    const named = await as({ sub: 'root', role: 'admin' }).analytics.leaderboard({
      period: 'month',
    })
    const hidden = await as(me).analytics.leaderboard({ period: 'month' })
    const strip = (b: LeaderboardOutput) =>
      b.rows.map(({ agentId: _i, agentName: _n, teamId: _t, ...figures }) => figures)
    // No exact ties in the fixture, so the order is the same as the named one.
    expect(strip(hidden)).toEqual(strip(named))
    expect(hidden.total).toBe(named.total)
  })

  it('names everyone for admins and managers unless LEADERBOARD_ANONYMIZE is on', async () => {
    const admin: Identity = { sub: 'root', role: 'admin' }
    const manager: Identity = { sub: 'manager-mo-1', role: 'manager', teamIds: [TEAM.mine] }
    const names = async (b: Promise<LeaderboardOutput>) => (await b).rows.map((r) => r.agentName)
    expect(await names(as(admin).analytics.leaderboard({ period: 'all-time' }))).toEqual(
      expect.arrayContaining([AGENT.teammate.name, AGENT.rival.name]),
    )
    expect(await names(as(manager).analytics.leaderboard({ period: 'all-time' }))).toContain(
      AGENT.teammate.name,
    )
    for (const viewer of [admin, manager, null]) {
      const json = JSON.stringify(await everyLeaderboardOf(viewer))
      for (const other of [...others, AGENT.own]) {
        expect(json).not.toContain(other.id)
        expect(json).not.toContain(other.name)
      }
    }
    // With the flag an agent still sees their own row.
    const mine = JSON.stringify(await everyLeaderboard(me, { anonymizeLeaderboard: true }))
    expect(mine).toContain(AGENT.own.name)
  })

  it("opens an anonymised leaderboard row's leads by its pseudonym id, within the viewer's reach", async () => {
    const admin: Identity = { sub: 'root', role: 'admin' }
    const hidden = as(admin, { anonymizeLeaderboard: true }).analytics
    const board = await hidden.leaderboard({ period: 'all-time' })
    const shown = createPseudonyms(KEY, null).idOf(AGENT.teammate.id)
    expect(board.rows.map((r) => r.agentId)).toContain(shown)
    const input = { report: 'leaderboard', period: 'all-time', agentId: shown, limit: 500 } as const
    const byPseudonym = await hidden.leads(input)
    const byId = await as(admin).analytics.leads({ ...input, agentId: AGENT.teammate.id })
    expect(byPseudonym.rows.length).toBeGreaterThan(0)
    expect(byPseudonym.rows.map((r) => r.leadId)).toEqual(byId.rows.map((r) => r.leadId))
    expect(JSON.stringify(byPseudonym)).not.toContain(AGENT.teammate.name)
    // The pseudonym stands for the agent under the same rules: an agent still may not open it.
    await expect(
      as(me).analytics.leads({
        ...input,
        agentId: createPseudonyms(KEY, me.sub).idOf(AGENT.teammate.id),
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  async function everyLeaderboardOf(identity: Identity | null) {
    const caller = as(identity, { anonymizeLeaderboard: true, authRequired: identity !== null })
    return Promise.all(
      LEADERBOARD_PERIODS.map((period) => caller.analytics.leaderboard({ period })),
    )
  }

  it('orders exact ties by the pseudonym shown, not by the real ids', async () => {
    // Twelve agents with identical figures today: one assigned lead each, nothing else.
    const tied = Array.from({ length: 12 }, (_, i) => `agent-tie-${String(i).padStart(2, '0')}`)
    const at = new Date(NOW - 30 * 60_000).toISOString()
    await as({ sub: 'loader', role: 'ingest' }).events.ingest(
      tied.map((agentId, i) => ({
        id: `tie-${i}`,
        type: 'lead.created',
        occurredAt: at,
        leadId: `tie-lead-${i}`,
        agentId,
      })),
    )
    const named = await as({ sub: 'root', role: 'admin' }).analytics.leaderboard({
      period: 'today',
      limit: 500,
    })
    const hidden = await as(me).analytics.leaderboard({ period: 'today', limit: 500 })
    const tiedNamed = named.rows.filter((r) => r.agentId.startsWith('agent-tie-'))
    expect(tiedNamed.map((r) => r.agentId)).toEqual(tied) // SPEC order: agentId asc
    const pseudonyms = createPseudonyms(KEY, AGENT.own.id)
    const tiedShown = new Set(tied.map((id) => pseudonyms.idOf(id)))
    const tiedHidden = hidden.rows.filter((r) => tiedShown.has(r.agentId))
    // Same positions as the named board, filled in pseudonym order.
    expect(tiedHidden.map((r) => r.rank)).toEqual(tiedNamed.map((r) => r.rank))
    expect(tiedHidden.map((r) => r.agentId)).toEqual(tiedHidden.map((r) => r.agentId).sort())
    expect(hidden.rows.map((r) => r.rank)).toEqual(hidden.rows.map((_, i) => i + 1))
    expect(JSON.stringify(hidden)).not.toContain('agent-tie-')
  })
})
