import { resolvedTimeZone } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { type Scope, timeline } from './timeline.js'

/** Activity counts by local ISO weekday (0 = Monday) and hour, all 168 cells. */
export async function heatmapCells(
  db: Kysely<Database>,
  w: { from: number; to: number },
  tz: string,
  scope: Scope,
): Promise<{ dayOfWeek: number; hour: number; count: number }[]> {
  const zone = resolvedTimeZone(tz)
  const { rows } = await sql<{ dow: number; hour: number; n: number }>`
    select extract(isodow from t at time zone ${zone})::int - 1 as dow,
           extract(hour from t at time zone ${zone})::int as hour, sum(activity)::float8 as n
    from ${timeline({ ...w, scope, counters: ['activity'], grains: ['quarter_hour'] })} as tl
    group by 1, 2`.execute(db)
  const counts = new Map(rows.map((r) => [r.dow * 24 + r.hour, r.n]))
  return Array.from({ length: 168 }, (_, i) => ({
    dayOfWeek: Math.floor(i / 24),
    hour: i % 24,
    count: counts.get(i) ?? 0,
  }))
}
