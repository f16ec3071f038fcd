import { PIPELINE } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { type Scope, timeline, total } from './timeline.js'

/** Cohort counts by furthest stage ≥ stage, for leads created in [from, to). */
export async function funnelCounts(
  db: Kysely<Database>,
  w: { from: number; to: number },
  scope: Scope,
): Promise<number[]> {
  const { rows } = await sql<Record<string, number>>`
    select ${total('leads_created')} as new, ${total('cohort_contacted')} as contacted,
           ${total('cohort_qualified')} as qualified, ${total('cohort_retained')} as retained,
           ${total('cohort_completed')} as completed
    from ${timeline({ ...w, scope, counters: ['leads_created', 'cohort_contacted', 'cohort_qualified', 'cohort_retained', 'cohort_completed'] })} as tl`.execute(
    db,
  )
  const row = rows[0]!
  return PIPELINE.map((stage) => row[stage] ?? 0)
}
