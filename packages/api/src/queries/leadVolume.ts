import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { groupingGrains, type Scope, timeline } from './timeline.js'

/** New leads and conversions per bucket; `starts` ascending, the last bucket ends at `to`. */
export async function volumeSeries(
  db: Kysely<Database>,
  starts: number[],
  to: number,
  scope: Scope,
): Promise<{ newLeads: number; conversions: number }[]> {
  const thresholds = starts.map((s) => s / 1000)
  const { rows } = await sql<{ b: number; created: number; conversions: number }>`
    select width_bucket(extract(epoch from t)::float8, ${thresholds}::float8[]) as b,
           sum(leads_created)::float8 as created, sum(conversions)::float8 as conversions
    from ${timeline({ from: starts[0]!, to, scope, counters: ['leads_created', 'conversions'], grains: groupingGrains(starts) })} as tl
    group by 1`.execute(db)
  const out = starts.map(() => ({ newLeads: 0, conversions: 0 }))
  for (const r of rows) {
    const bucket = out[r.b - 1]
    if (bucket) {
      bucket.newLeads = r.created
      bucket.conversions = r.conversions
    }
  }
  return out
}
