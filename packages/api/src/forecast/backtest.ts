/**
 * Prints the forecast's back-test and "on pace" accuracy on the demo history (`pnpm db:seed`'s
 * defaults: 90 days, 30 agents, seed 1) in a fresh in-memory PGlite, for BENCHMARKS.md:
 *
 *   pnpm --filter @leads/api forecast:backtest [--tz Europe/London --days 90]
 */
import { parseArgs } from 'node:util'
import { createDbClient, migrateToLatest } from '@leads/db'
import { DEFAULT_AGENTS, DEFAULT_DAYS, seedDatabase } from '@leads/db/seed'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'
import { startOfUnitsBefore } from '../time/local.js'

const { values } = parseArgs({
  options: {
    tz: { type: 'string', default: 'UTC' },
    days: { type: 'string', default: String(DEFAULT_DAYS) },
    now: { type: 'string', default: '2026-11-25T16:00:00Z' },
  },
})
const tz = values.tz
const now = Date.parse(values.now)
const client = await createDbClient({})
await migrateToLatest(client.db)
const seeded = await seedDatabase(client.db, {
  now: new Date(now),
  days: Number(values.days),
  agents: DEFAULT_AGENTS,
  tz,
  seed: 1,
})
console.log(`seeded ${seeded.accepted} events, ${seeded.leads} leads, ${values.days} days, ${tz}`)
const at = (ms: number) =>
  createCaller(createInnerContext({ db: client.db, clock: { now: () => ms }, orgTimezone: tz }))

for (const metric of ['newLeads', 'conversions'] as const) {
  const { backtest } = await at(now).analytics.forecast({ tz, metric, horizon: 7 })
  console.log(
    `${metric}: MAPE ${backtest.mape?.toFixed(1)}% vs seasonal-naive ${backtest.baselineMape?.toFixed(1)}% over ${backtest.days} days`,
  )
}

const errors: Record<string, number[]> = {}
for (let back = 1; back <= 28; back++) {
  const from = startOfUnitsBefore(now, 'day', back, tz)
  const to = startOfUnitsBefore(now, 'day', back - 1, tz)
  const day = await at(now).analytics.leadVolume({
    tz,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval: 'day',
  })
  const actual = day.buckets[0]!
  for (const hour of [11, 14, 17]) {
    const { onPace } = await at(from + hour * 3_600_000).analytics.forecast({ tz })
    for (const m of ['newLeads', 'conversions'] as const) {
      if (actual[m] === 0) continue
      const key = `${m} at ${hour}:00`
      errors[key] = [...(errors[key] ?? []), Math.abs(onPace[m] - actual[m]) / actual[m]]
    }
  }
}
for (const [key, e] of Object.entries(errors)) {
  const s = [...e].sort((a, b) => a - b)
  console.log(
    `on pace ${key}: median abs error ${(s[Math.floor(s.length / 2)]! * 100).toFixed(1)}% over ${s.length} days`,
  )
}
await client.close()
