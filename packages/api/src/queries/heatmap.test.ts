import { type DbClient, ingestEvents } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

// A summer Wednesday: Central European clocks read 14:00 at 12:00 UTC, Indian ones 17:30.
const NOW = Date.parse('2026-07-01T15:00:00Z')

describe.each(testDatabases())('heatmap cells on $kind', ({ open }) => {
  let client: DbClient
  const busyCells = async (tz: string) => {
    const caller = createCaller(
      createInnerContext({ db: client.db, clock: { now: () => NOW }, orgTimezone: 'UTC' }),
    )
    const { cells } = await caller.analytics.heatmap({ tz, period: 'week' })
    return cells.filter((c) => c.count > 0).map(({ dayOfWeek, hour }) => ({ dayOfWeek, hour }))
  }

  beforeAll(async () => {
    client = await open()
    await ingestEvents(client.db, [
      {
        id: 'call-1',
        type: 'agent.action',
        occurredAt: '2026-07-01T12:00:00Z',
        leadId: 'L1',
        agentId: 'a1',
        action: 'call',
      },
    ])
  })
  afterAll(() => client?.close())

  // Postgres reads these names as fixed-offset abbreviations (CET +01:00 all year, IST as
  // Israel's +02:00); every other figure reads them as the runtime's zones, and so must this.
  it.each([
    ['Europe/Brussels', 14],
    ['CET', 14],
    ['Asia/Kolkata', 17],
    ['IST', 17],
  ])('puts a 12:00 UTC call in %s at local hour %i', async (tz, hour) => {
    expect(await busyCells(tz)).toEqual([{ dayOfWeek: 2, hour }])
  })
})
