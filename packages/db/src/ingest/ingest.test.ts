import type { LeadEvent } from '@leads/contract'
import fc from 'fast-check'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { DbClient } from '../client.js'
import { migrateDownAll, migrateToLatest } from '../migrate.js'
import { up as addHourGrain } from '../migrations/2026-11-25T1600_hour_grain.js'
import { holdIngestLock, recordingQueries, testDatabases } from '../testing.js'
import { ingestEvents } from './ingest.js'
import { reconcile, snapshotDerived } from './rebuild.js'

const NOW = new Date('2026-06-15T12:00:00Z')
const at = (min: number) => new Date(NOW.getTime() - 86_400_000 + min * 60_000).toISOString()

function story(lead: string, agent = 'a1'): LeadEvent[] {
  return [
    {
      id: `${lead}-c`,
      type: 'lead.created',
      occurredAt: at(0),
      leadId: lead,
      agentId: agent,
      source: 'web',
    },
    {
      id: `${lead}-x`,
      type: 'agent.action',
      occurredAt: at(5),
      leadId: lead,
      agentId: agent,
      action: 'call',
    },
    {
      id: `${lead}-s1`,
      type: 'lead.status_changed',
      occurredAt: at(6),
      leadId: lead,
      agentId: agent,
      status: 'contacted',
    },
    {
      id: `${lead}-s2`,
      type: 'lead.status_changed',
      occurredAt: at(90),
      leadId: lead,
      agentId: agent,
      status: 'completed',
    },
  ]
}

/** Calls `onPayload` for each notification on `channel`, on a session of its own. */
async function listen(client: DbClient, channel: string, onPayload: (payload: string) => void) {
  if (client.pglite) return client.pglite.listen(channel, onPayload)
  const listener = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await listener.connect()
  listener.on('notification', (n) => onPayload(n.payload ?? ''))
  await listener.query(`listen ${channel}`)
  return () => listener.end()
}

describe.each(testDatabases())('ingest on $kind', ({ open }) => {
  let client: DbClient
  beforeAll(async () => {
    client = await open()
  })
  afterAll(async () => {
    await client?.close()
  })
  const reset = async () => {
    await migrateDownAll(client.db)
    await migrateToLatest(client.db)
  }

  it('migrates up, down and up again', async () => {
    await migrateDownAll(client.db)
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables
      where table_schema = current_schema() and table_name = 'lead_events'`.execute(client.db)
    expect(rows[0]!.n).toBe(0)
    await migrateToLatest(client.db)
    const r = await ingestEvents(client.db, story('L1'), NOW)
    expect(r).toMatchObject({ accepted: 4, duplicates: 0, rejected: [] })
  })

  it('the hour-grain migration backfills exactly the hour rows ingest writes', async () => {
    await reset()
    // Minutes spread over two days, so several hours hold several quarter-hours.
    const batch = [...story('L1'), ...story('L2', 'a2')].map((e, i) => ({
      ...e,
      occurredAt: at(i * 37),
    }))
    await ingestEvents(client.db, batch, NOW)
    const ingested = await snapshotDerived(client.db)
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from agent_performance where grain = 'hour'`.execute(client.db)
    expect(rows[0]!.n).toBeGreaterThan(1)
    await sql`delete from agent_performance where grain = 'hour'`.execute(client.db)
    await sql`delete from org_performance where grain = 'hour'`.execute(client.db)
    await addHourGrain(client.db)
    expect(await snapshotDerived(client.db)).toEqual(ingested)
  })

  it('stores text with quotes, backslashes, braces, commas and NULL exactly (column arrays)', async () => {
    await reset()
    const odd = ['a"b', 'c\\d', '{e,f}', 'NULL', ' g ', "h'i", 'ünï €😀', '\\"{,}']
    const batch = odd.map((text, i) => ({
      id: `${text}#${i}`,
      type: 'lead.created' as const,
      occurredAt: at(i),
      leadId: `lead ${text}`,
      agentId: `agent ${text}`,
      source: text,
    }))
    expect(await ingestEvents(client.db, batch, NOW)).toMatchObject({ accepted: odd.length })
    const rows = await client.db
      .selectFrom('lead_events')
      .select(['event_id', 'lead_id', 'agent_id', 'source', 'payload'])
      .orderBy('seq')
      .execute()
    expect(rows.map((r) => [r.event_id, r.lead_id, r.agent_id, r.source])).toEqual(
      batch.map((e) => [e.id, e.leadId, e.agentId, e.source]),
    )
    expect(rows.map((r) => (r.payload as LeadEvent).id)).toEqual(batch.map((e) => e.id))
    expect(await reconcile(client.db)).toEqual([])
  })

  it('the same batch twice leaves identical tables and counts duplicates', async () => {
    await reset()
    const batch = [...story('L1'), ...story('L2', 'a2')]
    await ingestEvents(client.db, batch, NOW)
    const first = await snapshotDerived(client.db)
    const again = await ingestEvents(client.db, batch, NOW)
    expect(again).toMatchObject({ accepted: 0, duplicates: 8, rejected: [] })
    expect(await snapshotDerived(client.db)).toEqual(first)
  })

  it('takes the same few statements for a batch of any size, and gives cursors without gaps', async () => {
    await reset()
    const { db: counted, kinds: statements } = recordingQueries(client.db)
    const ingest = async (events: LeadEvent[]) => {
      statements.length = 0
      const r = await ingestEvents(counted, events, NOW)
      return { statements: statements.length, seqs: r.stored.map((e) => e.seq) }
    }
    const leads = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => story(`${prefix}${i}`)).flat()
    // The lock, the look-up, the month's new partition and the write (begin and commit are not
    // queries to a plugin); then the partition is there.
    const one = await ingest(story('N1').slice(0, 1))
    expect(one.statements).toBe(4)
    const many = await ingest(leads('M', 50))
    expect(many.statements).toBe(3)
    // Events sent again take no cursor: one stored before, one twice in this batch.
    const again = await ingest([...story('N1'), story('N1')[1]!])
    expect(again.seqs).toHaveLength(3)
    // Leads with rows already: their earlier events are read too.
    const later = await ingest(leads('M', 50).map((e) => ({ ...e, id: `${e.id}-late` })))
    expect(later.statements).toBe(4)
    // Cursors follow batch order, one batch after another, without gaps.
    const seqs = [one, many, again, later].flatMap((r) => r.seqs)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
    expect(await reconcile(client.db)).toEqual([])
  })

  it('announces what landed by NOTIFY at commit: the last cursor of each batch that stored something', async () => {
    await reset()
    const channel = `ingest_${Math.random().toString(36).slice(2, 10)}`
    const heard: string[] = []
    const stop = await listen(client, channel, (payload) => heard.push(payload))
    try {
      const first = await ingestEvents(client.db, story('A1'), NOW, { notify: channel })
      const resent = await ingestEvents(client.db, story('A1'), NOW, { notify: channel })
      const quiet = await ingestEvents(client.db, story('A2'), NOW)
      const last = await ingestEvents(client.db, story('A3'), NOW, { notify: channel })
      expect(resent.accepted).toBe(0)
      expect(quiet.accepted).toBe(4)
      await vi.waitFor(() => expect(heard).toHaveLength(2))
      // Postgres delivers a session's notifications in commit order.
      expect(heard).toEqual([first, last].map((r) => String(r.stored.at(-1)!.seq)))
    } finally {
      await stop()
    }
  })

  it('the same batch posted 20 times concurrently is stored once', async () => {
    await reset()
    const batch = [...story('L1'), ...story('L2', 'a2'), ...story('L3')]
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ingestEvents(client.db, batch, NOW)),
    )
    expect(results.reduce((s, r) => s + r.accepted, 0)).toBe(batch.length)
    expect(results.reduce((s, r) => s + r.duplicates, 0)).toBe(batch.length * 19)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from lead_events`.execute(
      client.db,
    )
    expect(rows[0]!.n).toBe(batch.length)
    const perf = await client.db
      .selectFrom('org_performance')
      .select((eb) => [
        eb.fn.sum<number>('leads_created').as('created'),
        eb.fn.sum<number>('conversions').as('conv'),
      ])
      .where('grain', '=', 'day')
      .executeTakeFirstOrThrow()
    expect(Number(perf.created)).toBe(3)
    expect(Number(perf.conv)).toBe(3)
    expect(await reconcile(client.db)).toEqual([])
  })

  it('rejects an id reused with different content as a conflict and keeps the stored event', async () => {
    await reset()
    const [created] = story('L1')
    await ingestEvents(client.db, [created!], NOW)
    const changed = { ...created!, source: 'phone' }
    const r = await ingestEvents(client.db, [changed], NOW)
    expect(r.accepted).toBe(0)
    expect(r.rejected).toEqual([
      expect.objectContaining({ index: 0, id: created!.id, code: 'conflict' }),
    ])
    const row = await client.db
      .selectFrom('leads')
      .select('source')
      .where('lead_id', '=', 'L1')
      .executeTakeFirstOrThrow()
    expect(row.source).toBe('web')
  })

  it('treats the same instant written with another offset as the same content', async () => {
    await reset()
    const created: LeadEvent = {
      id: 'e1',
      type: 'lead.created',
      occurredAt: '2026-06-14T10:00:00Z',
      leadId: 'L1',
    }
    await ingestEvents(client.db, [created], NOW)
    const r = await ingestEvents(
      client.db,
      [{ ...created, occurredAt: '2026-06-14T15:30:00+05:30' }],
      NOW,
    )
    expect(r).toMatchObject({ accepted: 0, duplicates: 1, rejected: [] })
  })

  it('handles a status change that arrives before its lead.created', async () => {
    await reset()
    const [created, , contacted, completed] = story('L1')
    await ingestEvents(client.db, [completed!, contacted!], NOW)
    let ct = await client.db
      .selectFrom('conversion_tracking')
      .selectAll()
      .where('lead_id', '=', 'L1')
      .executeTakeFirstOrThrow()
    expect(ct.created_at).toBeNull()
    expect(ct.converted_by).toBe('a1')
    await ingestEvents(client.db, [created!], NOW)
    ct = await client.db
      .selectFrom('conversion_tracking')
      .selectAll()
      .where('lead_id', '=', 'L1')
      .executeTakeFirstOrThrow()
    expect(ct.created_at?.toISOString()).toBe(created!.occurredAt)
    const rt = await client.db
      .selectFrom('response_times')
      .selectAll()
      .where('lead_id', '=', 'L1')
      .executeTakeFirstOrThrow()
    expect(Number(rt.response_ms)).toBe(6 * 60_000)
    expect(await reconcile(client.db)).toEqual([])
  })

  it('learns an agent name that arrives after the agent first acted', async () => {
    await reset()
    await ingestEvents(client.db, story('L1', 'ann'), NOW)
    await ingestEvents(
      client.db,
      [
        {
          id: 'u2',
          type: 'agent.upserted',
          occurredAt: at(10),
          agentId: 'ann',
          name: 'Ann Newer',
          teamId: 't1',
        },
        { id: 'u1', type: 'agent.upserted', occurredAt: at(1), agentId: 'ann', name: 'Ann Older' },
      ],
      NOW,
    )
    const agent = await client.db
      .selectFrom('agents')
      .selectAll()
      .where('agent_id', '=', 'ann')
      .executeTakeFirstOrThrow()
    expect(agent).toMatchObject({ name: 'Ann Newer', team_id: 't1' })
  })

  it("breaks a tie between an agent's updates by code-unit id order, whatever the collation", async () => {
    const update = (id: string, name: string, teamId: string) => ({
      id,
      type: 'agent.upserted',
      occurredAt: at(5),
      agentId: 'ann',
      name,
      teamId,
    })
    // 'B' < 'a' in code units: 'a' is the later of the two, in either arrival order.
    for (const batches of [
      [[update('B', 'First', 't1')], [update('a', 'Second', 't2')]],
      [[update('a', 'Second', 't2'), update('B', 'First', 't1')]],
    ]) {
      await reset()
      // As on a database created with ICU's `en` collation, as many are: 'a' sorts before 'B'.
      if (client.kind === 'postgres')
        await sql`alter table agents alter column profile_event_id type text collate "en-x-icu"`.execute(
          client.db,
        )
      for (const batch of batches) await ingestEvents(client.db, batch, NOW)
      const agent = await client.db
        .selectFrom('agents')
        .select(['name', 'team_id'])
        .where('agent_id', '=', 'ann')
        .executeTakeFirstOrThrow()
      expect(agent).toEqual({ name: 'Second', team_id: 't2' })
    }
  })

  it('stores a late event for a month detached for archiving, in a partition beside it', async () => {
    await reset()
    const old = (id: string, minute: number) => ({
      id,
      type: 'lead.created',
      occurredAt: `2025-01-10T10:${String(minute).padStart(2, '0')}:00Z`,
      leadId: id,
    })
    await ingestEvents(client.db, [old('jan-1', 0)], NOW)
    // The documented retention step, with the table kept until it is archived.
    await sql`alter table lead_events detach partition lead_events_p202501`.execute(client.db)
    try {
      const r = await ingestEvents(client.db, [old('jan-2', 1), ...story('L1')], NOW)
      expect(r).toMatchObject({ accepted: 5, rejected: [] })
      // A second late event finds that partition: no new one per batch.
      await ingestEvents(client.db, [old('jan-3', 2)], NOW)
      const { rows } = await sql<{ name: string }>`
        select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'lead_events'::regclass and c.relname like 'lead_events_p202501%'`.execute(
        client.db,
      )
      expect(rows.map((r) => r.name)).toEqual([expect.stringMatching(/^lead_events_p202501_late_/)])
      const stored = await client.db
        .selectFrom('lead_events')
        .select('event_id')
        .where('event_id', 'like', 'jan-%')
        .execute()
      expect(stored.map((e) => e.event_id).sort()).toEqual(['jan-2', 'jan-3'])
    } finally {
      await sql`drop table if exists lead_events_p202501`.execute(client.db)
    }
  })

  it('rejects bad events by index and stores the good ones', async () => {
    await reset()
    const good = story('L1')
    const batch: unknown[] = [
      good[0],
      { id: 'bad-type', type: 'lead.exploded', occurredAt: at(1), leadId: 'L1' },
      good[1],
      { id: 'no-offset', type: 'lead.created', occurredAt: '2026-06-14T10:00:00', leadId: 'L2' },
      'not an object',
      { id: 'x'.repeat(200), type: 'lead.created', occurredAt: at(1), leadId: 'L3' },
      { id: 'future', type: 'lead.created', occurredAt: '2026-06-16T12:00:00Z', leadId: 'L4' },
      {
        id: 'bad-status',
        type: 'lead.status_changed',
        occurredAt: at(1),
        leadId: 'L1',
        agentId: 'a1',
        status: 'won',
      },
      good[2],
    ]
    const r = await ingestEvents(client.db, batch, NOW)
    expect(r.accepted).toBe(3)
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
      [1, 'invalid'],
      [3, 'invalid'],
      [4, 'invalid'],
      [5, 'invalid'],
      [6, 'future'],
      [7, 'invalid'],
    ])
    expect(r.rejected[0]).toMatchObject({ id: 'bad-type', error: expect.stringContaining('type') })
    expect(r.rejected[5]!.error).toContain('status')
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from lead_events`.execute(
      client.db,
    )
    expect(rows[0]!.n).toBe(3)
  })

  it('derived tables equal a from-scratch rebuild for any delivery order, batching and duplicates', async () => {
    const leads = ['L1', 'L2', 'L3', 'L4']
    const agents = ['a1', 'a2', 'a3']
    const event = fc.oneof(
      fc.record({
        type: fc.constant('lead.created' as const),
        leadId: fc.constantFrom(...leads),
        agentId: fc.option(fc.constantFrom(...agents), { nil: undefined }),
      }),
      fc.record({
        type: fc.constant('lead.assigned' as const),
        leadId: fc.constantFrom(...leads),
        agentId: fc.constantFrom(...agents),
      }),
      fc.record({
        type: fc.constant('lead.status_changed' as const),
        leadId: fc.constantFrom(...leads),
        agentId: fc.constantFrom(...agents),
        status: fc.constantFrom('new', 'contacted', 'qualified', 'retained', 'completed', 'lost'),
      }),
      fc.record({
        type: fc.constant('agent.action' as const),
        leadId: fc.constantFrom(...leads),
        agentId: fc.constantFrom(...agents),
        action: fc.constantFrom('call', 'email'),
      }),
      fc.record({
        type: fc.constant('agent.upserted' as const),
        agentId: fc.constantFrom(...agents),
        name: fc.constantFrom('A', 'B'),
      }),
    )
    // Minutes over three days so events cross quarter-hour, day and month-grain buckets.
    const timed = fc.tuple(event, fc.integer({ min: 0, max: 3 * 1440 }))
    await fc.assert(
      fc.asyncProperty(
        fc.array(timed, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 8 }),
        async (specs, dupPicks, batchSize) => {
          await reset()
          const events = specs.map(([e, min], i) => ({
            ...e,
            id: `e${i}`,
            occurredAt: new Date(Date.UTC(2026, 4, 30) + min * 60_000).toISOString(),
          }))
          const delivery = [...events, ...dupPicks.map((p) => events[p % events.length]!)]
          // Deterministic shuffle from the generated picks keeps failures reproducible.
          const order = delivery.map((e, i) => ({
            e,
            k: (i * 7919 + (dupPicks[i % Math.max(1, dupPicks.length)] ?? 0)) % 101,
          }))
          order.sort((a, b) => a.k - b.k)
          let accepted = 0
          for (let i = 0; i < order.length; i += batchSize) {
            const r = await ingestEvents(
              client.db,
              order.slice(i, i + batchSize).map((o) => o.e),
              NOW,
            )
            expect(r.rejected).toEqual([])
            accepted += r.accepted
          }
          expect(accepted).toBe(events.length)
          expect(await reconcile(client.db)).toEqual([])
        },
      ),
      { numRuns: 25 },
    )
  })
})

describe.runIf(testDatabases().some((d) => d.kind === 'postgres'))('the ingest lock', () => {
  const postgres = testDatabases().find((d) => d.kind === 'postgres')!
  it("is one per schema: a batch waits for its own schema's lock, not for another's", async () => {
    const [a, b] = [await postgres.open(), await postgres.open()]
    const release = await holdIngestLock(a.db)
    try {
      let waitedOn = false
      const same = ingestEvents(a.db, story('W1'), NOW).then((r) => {
        waitedOn = true
        return r
      })
      // Another schema's batch goes through while this schema's lock is held.
      expect((await ingestEvents(b.db, story('W2'), NOW)).accepted).toBe(4)
      await new Promise((r) => setTimeout(r, 100))
      expect(waitedOn).toBe(false)
      await release()
      expect((await same).accepted).toBe(4)
    } finally {
      await release()
      await a.close()
      await b.close()
    }
  }, 10_000)
})
