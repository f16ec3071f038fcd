/**
 * Server half of export.test.ts's large export (run with --expose-gc): loads 200,000 raw events
 * into an in-memory PGlite, serves the REST adapter and prints its address; when stdin closes it
 * prints the largest heap growth over the pre-export baseline, each sample taken right after a
 * full collection. The client is the test process, so the two never share an event loop.
 */
import { createDbClient, ensureUpcomingPartitions, migrateToLatest } from '@leads/db'
import { sql } from 'kysely'
import { createRestHandler } from './index.js'
import { serve } from './testing.js'

const EVENTS = 200_000
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

const client = await createDbClient({})
await migrateToLatest(client.db)
await ensureUpcomingPartitions(client.db, new Date('2026-06-15T00:00:00Z'))
// Straight into the event log: the export reads nothing else (leads only for scoped callers).
await sql`
  insert into lead_events (seq, event_id, type, occurred_at, lead_id, agent_id, status, action, source, payload)
  select i, 'evt-' || i, 'agent.action', '2026-06-01T00:00:00Z'::timestamptz + i * interval '10 seconds',
         'lead-' || (i / 5), 'agent-' || (i % 30), null, 'call', null,
         jsonb_build_object('id', 'evt-' || i, 'type', 'agent.action', 'leadId', 'lead-' || (i / 5),
                            'agentId', 'agent-' || (i % 30), 'action', 'call', 'note', 'a, "quoted" note')
  from generate_series(1, ${EVENTS}) i`.execute(client.db)
await sql`
  insert into lead_event_ids (event_id, seq, occurred_at, fingerprint)
  select 'evt-' || i, i, '2026-06-01T00:00:00Z'::timestamptz + i * interval '10 seconds', ''
  from generate_series(1, ${EVENTS}) i`.execute(client.db)

const now = Date.parse('2026-06-30T12:00:00Z')
const server = await serve(
  createRestHandler({ deps: { db: client.db, clock: { now: () => now }, orgTimezone: 'UTC' } }),
)

gc()
const baseline = process.memoryUsage().heapUsed
let maxHeap = baseline
const sampler = setInterval(() => {
  gc()
  maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed)
}, 100)

// The parent is the client, in its own process: it reads the port, streams the export, then
// closes our stdin to collect the figures.
console.log(JSON.stringify({ base: server.base, events: EVENTS }))
process.stdin.resume()
await new Promise((resolve) => process.stdin.once('end', resolve))
clearInterval(sampler)
await server.close()
await client.close()
console.log(
  JSON.stringify({
    heapGrowthMb: Math.round(((maxHeap - baseline) / 1024 / 1024) * 10) / 10,
    rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  }),
)
