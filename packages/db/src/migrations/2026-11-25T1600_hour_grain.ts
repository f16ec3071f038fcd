import { type Kysely, sql } from 'kysely'

// Frozen in time: this file must not import application code.

const COLUMNS = [
  'leads_created',
  'assignments',
  'status_changes',
  'moved_new',
  'moved_contacted',
  'moved_qualified',
  'moved_retained',
  'moved_completed',
  'moved_lost',
  'actions',
  'activity',
  'conversions',
  'first_responses',
  'cohort_contacted',
  'cohort_qualified',
  'cohort_retained',
  'cohort_completed',
  'response_ms',
]

/**
 * An hour grain beside quarter-hour, day and month. Series and heatmaps grouped by local time in
 * a whole-hour zone read a quarter of the rows (docs/data-model.md); the new rows are the sums of
 * the quarter-hours already stored, so nothing is re-derived.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const cols = sql.join(COLUMNS.map((c) => sql.ref(c)))
  const sums = sql.join(COLUMNS.map((c) => sql`sum(${sql.ref(c)})`))
  // The three-argument date_trunc truncates in UTC whatever the session's TimeZone.
  await sql`
    insert into agent_performance (grain, bucket_start, agent_id, ${cols})
    select 'hour', date_trunc('hour', bucket_start, 'UTC'), agent_id, ${sums}
    from agent_performance where grain = 'quarter_hour' group by 2, 3`.execute(db)
  await sql`
    insert into org_performance (grain, bucket_start, ${cols})
    select 'hour', date_trunc('hour', bucket_start, 'UTC'), ${sums}
    from org_performance where grain = 'quarter_hour' group by 2`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from agent_performance where grain = 'hour'`.execute(db)
  await sql`delete from org_performance where grain = 'hour'`.execute(db)
}
