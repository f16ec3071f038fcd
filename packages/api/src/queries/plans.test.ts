import type { Database } from '@leads/db'
import { bulkLoad } from '@leads/db/seed'
import { testDatabases } from '@leads/db/testing'
import {
  CompiledQuery,
  createQueryId,
  type Kysely,
  type KyselyPlugin,
  type RootOperationNode,
  sql,
} from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

/** Mid-month, mid-week, mid-quarter-hour: every read has buckets of each grain and edges. */
const NOW = Date.parse('2026-06-17T10:07:30.250Z')
/** Enough history for the planner to plan as it would in production (months of partitions). */
const HISTORY = { days: 120, agents: 30, events: 60_000, tz: 'UTC', seed: 3 }

type Caller = ReturnType<typeof createCaller>
const odd = (iso: string) => `${iso}T10:07:00+05:30`

/** Every read, with the windows that exercise its different SQL shapes. */
const READS: [string, (c: Caller) => Promise<unknown>][] = [
  ['metrics today', (c) => c.analytics.metrics({})],
  [
    'metrics, custom range with edges',
    (c) => c.analytics.metrics({ from: odd('2026-04-03'), to: odd('2026-06-11') }),
  ],
  ['metrics for one agent', (c) => c.analytics.metrics({ agentId: 'agent-07' })],
  ['leadVolume 24h', (c) => c.analytics.leadVolume({ period: '24h' })],
  ['leadVolume 30d hourly', (c) => c.analytics.leadVolume({ period: '30d', interval: 'hour' })],
  [
    'leadVolume by week, custom',
    (c) =>
      c.analytics.leadVolume({ from: odd('2026-03-01'), to: odd('2026-06-01'), interval: 'week' }),
  ],
  ['funnel month', (c) => c.analytics.funnel({ period: 'month' })],
  ['funnel quarter, one team', (c) => c.analytics.funnel({ period: 'quarter', teamId: 't1' })],
  ['heatmap week', (c) => c.analytics.heatmap({ period: 'week' })],
  ['heatmap month', (c) => c.analytics.heatmap({ period: 'month' })],
  ['leaderboard today', (c) => c.analytics.leaderboard({ period: 'today' })],
  ['leaderboard month', (c) => c.analytics.leaderboard({ period: 'month' })],
  ['leaderboard all-time', (c) => c.analytics.leaderboard({ period: 'all-time' })],
  [
    'events export of a week',
    (c) => drain(c.analytics.eventsExport({ from: odd('2026-06-01'), to: odd('2026-06-08') })),
  ],
  ['events export after a cursor', (c) => drain(c.analytics.eventsExport({ after: '50000' }))],
]

/**
 * Reads in cursor order: they cannot prune partitions by time, and may scan the empty months
 * ahead as they like (a sequential scan of nothing); every other read scans no partition so.
 */
const CURSOR_ORDER = new Set(['events export after a cursor'])

/** Reads every page of an export, so each page's query runs. */
async function drain(answer: Promise<{ pages: AsyncIterable<unknown> }>): Promise<void> {
  for await (const _ of (await answer).pages);
}

/** Records every query a caller runs (raw `sql` too), to EXPLAIN it afterwards. */
function recorder(captured: RootOperationNode[]): KyselyPlugin {
  return {
    transformQuery: ({ node }) => {
      captured.push(node)
      return node
    },
    transformResult: async ({ result }) => result,
  }
}

async function explain(db: Kysely<Database>, node: RootOperationNode): Promise<string> {
  const q = db.getExecutor().compileQuery(node, createQueryId())
  const { rows } = await db.executeQuery<Record<string, string>>(
    CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
  )
  return rows.map((r) => r['QUERY PLAN']).join('\n')
}

/**
 * The plans of recorded queries, each under the settings it ran with: keyset pages run right
 * after `set local enable_bitmapscan = off` in their own transaction (see `alongIndex`).
 */
async function plansOf(db: Kysely<Database>, nodes: RootOperationNode[]): Promise<string[]> {
  const plans: string[] = []
  let settings: RootOperationNode[] = []
  for (const node of nodes) {
    const { sql: text } = db.getExecutor().compileQuery(node, createQueryId())
    if (/^\s*set local /i.test(text)) {
      settings.push(node)
      continue
    }
    const applied = settings
    settings = []
    plans.push(
      await db.transaction().execute(async (trx) => {
        for (const set of applied)
          await trx.executeQuery(trx.getExecutor().compileQuery(set, createQueryId()))
        return explain(trx, node)
      }),
    )
  }
  return plans
}

describe.each(testDatabases())('query plans on $kind', ({ open }) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  /** The partitions holding events. */
  let filled: Set<string>
  beforeAll(async () => {
    const client = await open()
    close = client.close
    db = client.db
    // bulkLoad ends with ANALYZE, so the plans below are made with real statistics.
    await bulkLoad(client, { now: new Date(NOW), ...HISTORY })
    const { rows } = await sql<{ partition: string }>`
      select distinct tableoid::regclass::text as partition from lead_events`.execute(db)
    filled = new Set(rows.map((r) => r.partition))
  }, 120_000)
  afterAll(async () => {
    await close?.()
  })

  it('sees a sequential scan where there is one, and index scans where the reads use them', async () => {
    const captured: RootOperationNode[] = []
    const recording = db.withPlugin(recorder(captured))
    await recording
      .selectFrom('lead_events')
      .select('type')
      .where('type', '=', 'agent.action')
      .execute()
    const plan = await explain(db, captured[0]!)
    const [, partition] = /Seq Scan on (lead_events_p2026\d\d)/.exec(plan) ?? []
    // Named as `filled` names it, so the check below sees such a scan.
    expect(filled.has(partition!), plan).toBe(true)
  })

  it.each(READS)('%s never scans lead_events sequentially', async (name, read) => {
    const captured: RootOperationNode[] = []
    const caller = createCaller(
      createInnerContext({
        db: db.withPlugin(recorder(captured)),
        clock: { now: () => NOW },
        orgTimezone: 'UTC',
      }),
    )
    await read(caller)
    expect(captured.length).toBeGreaterThan(0)
    for (const plan of await plansOf(db, captured)) {
      if (process.env.SHOW_PLANS) console.log(plan)
      // A partition shows as lead_events_pYYYYMM; an index scan on it is what we want.
      const scanned = [...plan.matchAll(/Seq Scan on (lead_events\w*)/g)].map((m) => m[1]!)
      const allowed = CURSOR_ORDER.has(name) ? (p: string) => !filled.has(p) : () => false
      expect(
        scanned.filter((p) => !allowed(p)),
        plan,
      ).toEqual([])
    }
  })
})
