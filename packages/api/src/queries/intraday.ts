import { resolvedTimeZone } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { type Scope, timeline } from './timeline.js'

export interface IntradayRow {
  /** Local ISO weekday, 1 = Monday. */
  isoDow: number
  /** Local wall-clock minute of the day the quarter-hour starts at (0, 15, … 1425). */
  minute: number
  newLeads: number
  conversions: number
}

/**
 * New leads and conversions of [from, to) by local weekday and quarter-hour of the day: the
 * usual intraday curve. `from` and `to` are local midnights, so only whole quarter-hour buckets
 * are read.
 */
export async function intradayCounts(
  db: Kysely<Database>,
  w: { from: number; to: number },
  tz: string,
  scope: Scope,
): Promise<IntradayRow[]> {
  const zone = resolvedTimeZone(tz)
  const { rows } = await sql<IntradayRow>`
    select extract(isodow from t at time zone ${zone})::int as "isoDow",
           (extract(hour from t at time zone ${zone}) * 60 + extract(minute from t at time zone ${zone}))::int as minute,
           sum(leads_created)::float8 as "newLeads", sum(conversions)::float8 as conversions
    from ${timeline({ ...w, scope, counters: ['leads_created', 'conversions'], grains: ['quarter_hour'] })} as tl
    group by 1, 2`.execute(db)
  return rows
}
