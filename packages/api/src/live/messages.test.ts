import type { LeadEvent } from '@leads/contract'
import { ingestEvents } from '@leads/db'
import { testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFeed } from './messages.js'

const at = (hhmm: string) => `2026-06-15T${hhmm}:00.000Z`
const created = (lead: string): LeadEvent => ({
  id: `${lead}-created`,
  type: 'lead.created',
  occurredAt: at('09:00'),
  leadId: lead,
  agentId: 'a',
})
const moved = (
  id: string,
  lead: string,
  time: string,
  status: 'completed' | 'qualified',
  agentId = 'a',
): LeadEvent => ({
  id,
  type: 'lead.status_changed',
  occurredAt: at(time),
  leadId: lead,
  agentId,
  status,
})

describe.each(testDatabases())('feed messages on $kind', ({ open }) => {
  let client: Awaited<ReturnType<typeof open>>
  beforeAll(async () => {
    client = await open()
  })
  afterAll(async () => {
    await client?.close()
  })

  it('calls only the first completion of a lead a conversion, in event order (time, then id)', async () => {
    // Two completions at one instant, the greater id ingested first: the lesser id converts,
    // in code-unit order ('B' < 'a'), not the database's collation.
    await ingestEvents(client.db, [created('f1'), moved('f1-a', 'f1', '09:10', 'completed', 'b')])
    await ingestEvents(client.db, [moved('f1-B', 'f1', '09:10', 'completed', 'c')])
    // Completed, moved back, completed again: the second is a status change.
    await ingestEvents(client.db, [
      created('f2'),
      moved('f2-1', 'f2', '10:00', 'completed'),
      moved('f2-2', 'f2', '10:05', 'qualified'),
      moved('f2-3', 'f2', '10:10', 'completed'),
    ])
    // A late completion earlier than the stored one takes the conversion from it.
    await ingestEvents(client.db, [created('f3'), moved('f3-late', 'f3', '11:10', 'completed')])
    await ingestEvents(client.db, [moved('f3-early', 'f3', '11:05', 'completed', 'b')])

    const items = await readFeed(client.db, 0, 1_000)
    const kinds = items
      .filter((i) => i.message.type === 'lead.status_changed')
      .map((i) => [
        i.message.leadId,
        i.message.agentId,
        new Date(i.occurredAtMs).toISOString(),
        i.message.kind,
      ])
    expect(kinds).toEqual([
      ['f1', 'b', at('09:10'), 'status_change'],
      ['f1', 'c', at('09:10'), 'conversion'],
      ['f2', 'a', at('10:00'), 'conversion'],
      ['f2', 'a', at('10:05'), 'status_change'],
      ['f2', 'a', at('10:10'), 'status_change'],
      ['f3', 'a', at('11:10'), 'status_change'],
      ['f3', 'b', at('11:05'), 'conversion'],
    ])
    const conversion = items.find((i) => i.message.kind === 'conversion')
    expect(conversion?.message.summary).toBe('c converted f1')
  })
})
