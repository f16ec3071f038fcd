import { getEventListeners } from 'node:events'
import type { LeadEvent } from '@leads/contract'
import { ingestEvents } from '@leads/db'
import { recordingQueries, testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createPseudonyms } from '../auth/pseudonym.js'
import { MemoryCache } from '../cache/cache.js'
import { type ApiDeps, createInnerContext, type Identity } from '../context.js'
import { createCaller } from '../root.js'
import { InProcessBus } from './bus.js'
import { FeedHub } from './hub.js'

const NOW = Date.parse('2026-06-15T12:00:00Z')
let n = 0
const action = (lead: string): LeadEvent => ({
  id: `ev-${++n}`,
  type: 'agent.action',
  occurredAt: new Date(NOW - 60_000).toISOString(),
  leadId: lead,
  agentId: 'a1',
  action: 'call',
})

type Taken = { id: string; data: { id: string; kind: string } }

/**
 * Reads `count` messages from a subscription, or up to the first one `until` accepts; leaving
 * the loop ends the subscription.
 */
async function take(iterable: AsyncIterable<unknown>, count: number | ((m: Taken) => boolean)) {
  const out: Taken[] = []
  for await (const m of iterable) {
    // A server-side caller yields tracked() envelopes as [id, data, marker].
    const [id, data] = m as [string, Taken['data']]
    out.push({ id, data })
    if (typeof count === 'number' ? out.length === count : count({ id, data })) break
  }
  return out
}

describe.each(testDatabases())('live feed on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  let hub: FeedHub
  let caller: ReturnType<typeof createCaller>
  beforeAll(async () => {
    client = await open()
    hub = new FeedHub(client.db, new InProcessBus(), { maxBuffer: 50 })
    await hub.start()
    caller = callerIn('UTC')
  })
  /** A caller of an organisation in `orgTimezone`, on this block's database and hub. */
  const callerIn = (
    orgTimezone: string,
    extra: Partial<ApiDeps> = {},
    identity: Identity | null = null,
  ) =>
    createCaller(
      createInnerContext(
        { db: client.db, clock: { now: () => NOW }, orgTimezone, live: hub, ...extra },
        identity,
      ),
    )
  afterAll(async () => {
    await hub?.stop()
    await client?.close()
  })

  it('stops after the fetch in progress and starts no other, so the database can close right after', async () => {
    // Queries the hub has sent and not had answered yet, seen through a Kysely plugin.
    let pending = 0
    let sent = 0
    const watched = client.db.withPlugin({
      transformQuery: ({ node }) => {
        pending++
        sent++
        return node
      },
      transformResult: async ({ result }) => {
        pending--
        return result
      },
    })
    const ownHub = new FeedHub(watched, new InProcessBus())
    await ownHub.start()
    await caller.events.ingest([action('S1'), action('S2')])
    // Starts a fetch; the bus's echo asks for another one after it.
    const publishing = ownHub.published(hub.lastSeq + 1_000)
    await ownHub.stop()
    try {
      expect(pending).toBe(0)
      const after = sent
      await publishing
      await ownHub.published(hub.lastSeq + 2_000)
      await new Promise((r) => setTimeout(r, 50))
      expect(sent).toBe(after)
    } finally {
      // Whatever happened, let a stray fetch end before the suite closes the database.
      await new Promise((r) => setTimeout(r, 200))
    }
  })

  it("reads a local ingest's events in one query and ignores its own echo from the bus", async () => {
    const { db: watched, kinds: queries } = recordingQueries(client.db)
    const ownHub = new FeedHub(watched, new InProcessBus())
    await ownHub.start()
    const q = ownHub.subscribe()
    try {
      queries.length = 0
      const { stored } = await ingestEvents(client.db, [action('E1'), action('E2')])
      // The in-process bus echoes the cursor back to this hub while its fetch runs.
      await ownHub.published(stored.at(-1)!.seq)
      expect((await q.take()).map((i) => i.seq)).toEqual(stored.map((e) => e.seq))
      await new Promise((r) => setTimeout(r, 50))
      // One page read; no query for the top cursor, none for the echo.
      expect(queries).toEqual(['SelectQueryNode'])
      expect(ownHub.lastSeq).toBe(stored.at(-1)!.seq)
    } finally {
      await ownHub.stop()
    }
  })

  it('a bus that cannot publish costs other instances the message, not the ingest', async () => {
    // Stands in for a broker that is down: the buses here either cannot fail (in-process),
    // catch their own errors (Redis) or notify inside the ingest's transaction (Postgres).
    const down = new InProcessBus()
    down.publish = () => Promise.reject(new Error('broker down'))
    const errors: unknown[] = []
    const ownHub = new FeedHub(client.db, down, { onError: (err) => errors.push(err) })
    await ownHub.start()
    const q = ownHub.subscribe()
    try {
      const { stored } = await ingestEvents(client.db, [action('B1')])
      await expect(ownHub.published(stored[0]!.seq)).resolves.toBeUndefined()
      expect((await q.take()).map((i) => i.seq)).toEqual([stored[0]!.seq])
      expect(errors).toEqual([new Error('broker down')])
    } finally {
      await ownHub.stop()
    }
  })

  it('delivers events ingested after subscribing, in cursor order', async () => {
    const sub = await caller.analytics.activity({})
    const got = take(sub as AsyncIterable<unknown>, 3)
    await new Promise((r) => setTimeout(r, 50))
    await caller.events.ingest([action('L1'), action('L2')])
    await caller.events.ingest([action('L3')])
    const msgs = await got
    const ids = msgs.map((m) => Number(m.id))
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(msgs.map((m) => m.data.id)).toEqual(msgs.map((m) => m.id))
  })

  it('replays exactly the missed events after a cursor, then continues live', async () => {
    const first = [action('L1'), action('L2')]
    await caller.events.ingest(first)
    const cursor = hub.lastSeq
    await caller.events.ingest([action('L4'), action('L5')]) // missed while "disconnected"
    const sub = await caller.analytics.activity({ lastEventId: String(cursor) })
    const got = take(sub as AsyncIterable<unknown>, 3)
    await new Promise((r) => setTimeout(r, 50))
    await caller.events.ingest([action('L6')])
    const msgs = await got
    expect(msgs.map((m) => Number(m.id))).toEqual([cursor + 1, cursor + 2, cursor + 3])
  })

  /**
   * A hub replaying only the last `replayLimit` cursors, with an ingest that waits for it and a
   * follower.
   */
  async function smallWindow(replayLimit = 3) {
    const small = new FeedHub(client.db, new InProcessBus(), { replayLimit })
    await small.start()
    return {
      hub: small,
      /** Ingests `events` and waits for the hub to have read them. */
      ingest: async (events: LeadEvent[]) => {
        const top = (await ingestEvents(client.db, events)).stored.at(-1)!.seq
        await small.published(top)
        await vi.waitFor(() => expect(small.lastSeq).toBe(top))
      },
      follow: async (
        lastEventId: string,
        count: Parameters<typeof take>[1],
        filter: { agentId?: string } = {},
      ) => {
        const sub = await createCaller(
          createInnerContext({
            db: client.db,
            clock: { now: () => NOW },
            orgTimezone: 'UTC',
            live: small,
          }),
        ).analytics.activity({ lastEventId, ...filter })
        return take(sub as AsyncIterable<unknown>, count)
      },
    }
  }
  const gapNotice = (after: number, id: number) => ({
    id: String(id),
    data: {
      id: String(id),
      kind: 'gap',
      after: String(after),
      summary: `Events after ${after} up to ${id} are older than the replay window and were not replayed`,
    },
  })

  it('resumes from beyond the replay window with a gap notice, then the window, then live', async () => {
    const { hub: small, ingest, follow } = await smallWindow()
    try {
      await ingest([action('W1')])
      const cursor = small.lastSeq
      await ingest([action('W2'), action('W3'), action('W4'), action('W5'), action('W6')])
      const top = small.lastSeq
      const resumed = follow(String(cursor), 5)
      await new Promise((r) => setTimeout(r, 50))
      await ingest([action('W7')])
      const [gap, ...events] = await resumed
      // W2 and W3 are not replayed, and the client is told which cursors it lacks.
      expect(gap).toEqual(gapNotice(cursor, top - 3))
      expect(events.map((m) => Number(m.id))).toEqual([top - 2, top - 1, top, top + 1])
      // A cursor on the window's edge (W7 moved it on by one) is replayed in full, without one.
      expect(small.replayFloor).toBe(top - 2)
      const atEdge = await follow(String(top - 2), 3)
      expect(atEdge.map((m) => Number(m.id))).toEqual([top - 1, top, top + 1])
    } finally {
      await small.stop()
    }
  })

  it('tells a filtered feed of a gap only when it skipped something the feed would show', async () => {
    const { hub: small, ingest, follow } = await smallWindow()
    const byA2 = (lead: string): LeadEvent => ({ ...action(lead), agentId: 'a2' })
    try {
      // a2's feed last showed Q1; then only a1 acted, past the window: a2 missed nothing. (A
      // client that kept the feed's cursor messages would not be this far behind.)
      await ingest([byA2('Q1')])
      const seen = small.lastSeq
      await ingest([action('Q2'), action('Q3'), action('Q4'), action('Q5'), action('Q6')])
      const q6 = small.lastSeq
      expect(small.replayFloor).toBeGreaterThan(seen)
      const quiet = follow(String(seen), 2, { agentId: 'a2' })
      await new Promise((r) => setTimeout(r, 50))
      await ingest([byA2('Q7')])
      const q7 = small.lastSeq
      expect(await quiet).toEqual([
        { id: String(q6), data: { id: String(q6), kind: 'cursor' } },
        expect.objectContaining({ id: String(q7) }),
      ])

      // a2 acted again (Q8), then a1 pushed Q8 out of the window: that one was missed.
      await ingest([byA2('Q8')])
      await ingest([action('Q9'), action('Q10'), action('Q11'), action('Q12')])
      const [gap] = await follow(String(q7), 1, { agentId: 'a2' })
      expect(gap).toEqual(gapNotice(q7, small.replayFloor))
    } finally {
      await small.stop()
    }
  })

  it("moves a quiet filtered feed's cursor on, so a client following it stays inside the window", async () => {
    // Every 3 cursors without an event to show, a cursor message.
    const { hub: small, ingest, follow } = await smallWindow(30)
    const byA2 = (lead: string): LeadEvent => ({ ...action(lead), agentId: 'a2' })
    try {
      await ingest([byA2('C1')])
      const seen = small.lastSeq
      const shown = follow(String(seen), (m) => m.data.kind !== 'cursor', { agentId: 'a2' })
      const everything = follow(String(seen), 11)
      await new Promise((r) => setTimeout(r, 50))
      // Ten of a1's, in batches of one and of two, then one of a2's.
      for (const batch of [
        ['C2'],
        ['C3', 'C4'],
        ['C5'],
        ['C6', 'C7'],
        ['C8'],
        ['C9', 'C10'],
        ['C11'],
      ])
        await ingest(batch.map(action))
      const quietTop = small.lastSeq
      await ingest([byA2('C12')])
      const got = await shown
      expect(got.at(-1)).toMatchObject({
        id: String(small.lastSeq),
        data: { kind: 'agent_action' },
      })
      const cursors = got.slice(0, -1)
      expect(cursors.length).toBeGreaterThan(0)
      let previous = seen
      for (const { id, data } of cursors) {
        expect(data).toEqual({ id, kind: 'cursor' })
        // Not more often than every 3 cursors, and never past what the hub has dispatched.
        expect(Number(id) - previous).toBeGreaterThanOrEqual(3)
        expect(Number(id)).toBeLessThanOrEqual(quietTop)
        previous = Number(id)
      }
      // Never 3 or more behind: resuming from it is well inside the window.
      expect(quietTop - previous).toBeLessThan(3)
      // An unfiltered feed shows every event and so never needs one.
      expect((await everything).map((m) => m.data.kind)).not.toContain('cursor')
    } finally {
      await small.stop()
    }
  })

  it("writes times in the organisation's zone when the subscriber names none", async () => {
    const inKolkata = callerIn('Asia/Kolkata')
    const sub = await inKolkata.analytics.activity({})
    const got = take(sub as AsyncIterable<unknown>, 1)
    await new Promise((r) => setTimeout(r, 50))
    await caller.events.ingest([action('K1')])
    const [first] = (await got) as unknown as { data: { occurredAt: string } }[]
    expect(first?.data.occurredAt).toMatch(/\+05:30$/)
  })

  it("follows an anonymised leaderboard row's agent by its pseudonym id, under the pseudonym", async () => {
    const key = 'feed-test-key'
    const hidden = callerIn(
      'UTC',
      { anonymizeLeaderboard: true, pseudonymKey: key },
      { sub: 'root', role: 'admin' },
    )
    const byA2 = (lead: string): LeadEvent => ({ ...action(lead), agentId: 'a2' })
    await caller.events.ingest([byA2('P0')]) // a2 is a known agent, as on the leaderboard
    const shown = createPseudonyms(key, null).idOf('a2')
    const sub = await hidden.analytics.activity({ agentId: shown })
    type Shown = { data: { leadId: string; agentId: string } }
    const got = take(
      sub as AsyncIterable<unknown>,
      (m) => (m as unknown as Shown).data.leadId === 'P4',
    )
    await new Promise((r) => setTimeout(r, 50))
    await caller.events.ingest([action('P1'), byA2('P2'), action('P3'), byA2('P4')])
    // P0 too when the hub dispatched it after the subscription began: it is a2's as well.
    const msgs = ((await got) as unknown as Shown[]).filter((m) => m.data.leadId !== 'P0')
    expect(msgs.map((m) => m.data)).toEqual([
      expect.objectContaining({ leadId: 'P2', agentId: shown }),
      expect.objectContaining({ leadId: 'P4', agentId: shown }),
    ])
    expect(JSON.stringify(msgs)).not.toContain('"a2"')
  })

  it('follows from the newest event when the cursor is ahead of every event (a restored database)', async () => {
    await caller.events.ingest([action('R1')])
    const sub = await caller.analytics.activity({ lastEventId: String(hub.lastSeq + 1_000_000) })
    const got = take(sub as AsyncIterable<unknown>, 2)
    await new Promise((r) => setTimeout(r, 50))
    const before = hub.lastSeq
    await caller.events.ingest([action('R2'), action('R3')])
    expect((await got).map((m) => Number(m.id))).toEqual([before + 1, before + 2])
  })

  it('pushes live metrics within the 1-second promise of an ingest that lands just after a push', async () => {
    const pushes = (await caller.analytics.metricsLive({}))[Symbol.asyncIterator]()
    const first = await pushes.next()
    const before = first.done ? 0 : first.value.metrics.totalLeads
    const sent = performance.now()
    await caller.events.ingest([
      {
        id: `ev-${++n}`,
        type: 'lead.created',
        occurredAt: new Date(NOW - 1_000).toISOString(),
        leadId: 'M1',
      },
    ])
    let next = await pushes.next()
    while (!next.done && next.value.metrics.totalLeads === before) next = await pushes.next()
    const waited = performance.now() - sent
    await pushes.return?.(undefined)
    expect(next.done ? null : next.value.invalidate).toContain('leaderboard')
    expect(waited).toBeLessThan(1_000)
  })

  it('computes the live metrics once per change, however many subscribers are pushed them', async () => {
    const cache = new MemoryCache()
    const { db: watched, kinds } = recordingQueries(client.db)
    const viewer = callerIn('UTC', { db: watched, cache })
    const ingester = callerIn('UTC', { cache })
    /** Queries the subscribers' database sees for the pushes after one ingest. */
    const queriesPerChange = async (subscribers: number) => {
      const subs = await Promise.all(
        Array.from({ length: subscribers }, async () =>
          (await viewer.analytics.metricsLive({}))[Symbol.asyncIterator](),
        ),
      )
      try {
        await Promise.all(subs.map((s) => s.next()))
        kinds.length = 0
        await ingester.events.ingest([
          {
            id: `ev-${++n}`,
            type: 'lead.created',
            occurredAt: new Date(NOW - 1_000).toISOString(),
            leadId: `LM-${n}`,
          },
        ])
        const pushed = await Promise.all(subs.map((s) => s.next()))
        for (const push of pushed)
          expect(push.done ? [] : push.value.invalidate).toContain('metrics')
        return kinds.length
      } finally {
        await Promise.all(subs.map((s) => s.return?.(undefined)))
      }
    }
    const one = await queriesPerChange(1)
    expect(one).toBeGreaterThan(0)
    expect(await queriesPerChange(25)).toBe(one)
  })

  it('leaves no abort listener behind per wait on a long-lived signal', async () => {
    const q = hub.subscribe()
    const aborter = new AbortController()
    for (let i = 0; i < 12; i++) {
      const taking = q.take(aborter.signal)
      await caller.events.ingest([action(`W${i}`)])
      expect(await taking).not.toHaveLength(0)
    }
    expect(getEventListeners(aborter.signal, 'abort').length).toBeLessThanOrEqual(1)
    // An abort still ends a wait, and a closed queue leaves nothing on the signal.
    const waiting = q.take(aborter.signal)
    aborter.abort()
    expect(await waiting).toEqual([])
    q.close()
    expect(getEventListeners(aborter.signal, 'abort')).toHaveLength(0)
  })

  it('hands an event to many subscribers in chunks, with turns of the event loop between', async () => {
    const queues = Array.from({ length: 350 }, () => hub.subscribe())
    const filled = () => queues.filter((q) => q.size > 0).length
    // How far the fan-out had got at each turn of the event loop.
    const seen: number[] = []
    let watching = true
    const watch = () => {
      if (!watching) return
      seen.push(filled())
      setImmediate(watch)
    }
    watch()
    try {
      await caller.events.ingest([action('C1')])
      await vi.waitFor(() => expect(filled()).toBe(queues.length))
      expect(seen.some((n) => n > 0 && n < queues.length)).toBe(true)
    } finally {
      watching = false
      for (const q of queues) q.close()
    }
  })

  it('closes a subscriber that falls too far behind instead of buffering without bound', async () => {
    const q = hub.subscribe()
    await caller.events.ingest(Array.from({ length: 60 }, (_, i) => action(`S${i}`)))
    await new Promise((r) => setTimeout(r, 100))
    await expect(q.take()).rejects.toThrow(/fell more than 50/)
    expect(hub.subscriberCount).toBe(0)
  })
})
