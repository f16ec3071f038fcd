import { testDatabases } from '@leads/db/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The heatmap and the forecast's intraday curve put instants into local hours in SQL (`at time
 * zone`, the database's tz data); every other read does it in JavaScript (`Intl`, the runtime's
 * ICU data). The two copies of the rules must agree, or a cell would disagree with the chart
 * beside it. Checked for every zone the runtime knows, weekly from 2025 to 2027.
 */
const WEEK_MS = 7 * 86_400_000
const instants = Array.from(
  { length: Math.ceil((Date.UTC(2028, 0, 1) - Date.UTC(2025, 0, 1)) / WEEK_MS) },
  (_, i) => Date.UTC(2025, 0, 1, 12, 7) + i * WEEK_MS,
)

function intlLocal(zone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
  return (ms) => {
    const part = Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]))
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`
  }
}

describe.each(testDatabases())('time-zone rules on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  beforeAll(async () => {
    client = await open()
  })
  afterAll(async () => {
    await client?.close()
  })

  it("agree with the runtime's for every zone it knows", async () => {
    const zones = Intl.supportedValuesOf('timeZone')
    const { rows } = await sql<{ zone: string; at: number; local: string }>`
      select z as zone, x as at,
             to_char(to_timestamp(x / 1000.0) at time zone z, 'YYYY-MM-DD HH24:MI') as local
      from unnest(${zones}::text[]) as z cross join unnest(${instants}::float8[]) as x
    `.execute(client.db)
    expect(rows).toHaveLength(zones.length * instants.length)
    const local = new Map(zones.map((zone) => [zone, intlLocal(zone)]))
    const disagreements = rows
      .filter((r) => r.local !== local.get(r.zone)?.(Number(r.at)))
      .map((r) => `${r.zone} at ${new Date(Number(r.at)).toISOString()}: database ${r.local}`)
    expect(disagreements).toEqual([])
  })
})
