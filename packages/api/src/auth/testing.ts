import type { LeadEvent } from '@leads/contract'
import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'

/**
 * A small organisation for the access tests: the viewing agent, a teammate, an agent of another
 * team and one without a team, each with leads, actions and conversions today, earlier this
 * month, last month and months ago, so every period of every read has rows. Ids and names are
 * long and distinctive so a search of a response for them cannot match by accident.
 */
export const NOW = Date.parse('2026-06-17T12:00:00Z')

export const TEAM = { mine: 'team-north-1201', other: 'team-south-3402' } as const

export const AGENT = {
  own: { id: 'agent-ann-4711', name: 'Ann Ownrow', teamId: TEAM.mine },
  teammate: { id: 'agent-bob-5822', name: 'Bob Teammatename', teamId: TEAM.mine },
  rival: { id: 'agent-cyd-6933', name: 'Cyd Rivalname', teamId: TEAM.other },
  loner: { id: 'agent-dee-7044', name: 'Dee Lonername', teamId: undefined },
} as const

const HOUR = 3_600_000
/** Hours before NOW: today, this week, this month, last month, this year. */
const AGES = [1, 30, 6 * 24, 35 * 24, 120 * 24]

export function accessFixture(): LeadEvent[] {
  const events: LeadEvent[] = []
  const at = (ms: number) => new Date(ms).toISOString()
  for (const [n, a] of Object.values(AGENT).entries()) {
    events.push({
      id: `up-${a.id}`,
      type: 'agent.upserted',
      occurredAt: at(NOW - 200 * 24 * HOUR),
      agentId: a.id,
      name: a.name,
      ...(a.teamId && { teamId: a.teamId }),
    })
    for (const [k, age] of AGES.entries()) {
      // Each agent gets a different number of leads per window, so ranks differ.
      for (let j = 0; j <= n; j++) {
        const leadId = `lead-${n}-${k}-${j}`
        const t = NOW - age * HOUR - j * 60_000
        events.push(
          { id: `${leadId}-c`, type: 'lead.created', occurredAt: at(t), leadId, agentId: a.id },
          {
            id: `${leadId}-a`,
            type: 'agent.action',
            occurredAt: at(t + 5 * 60_000),
            leadId,
            agentId: a.id,
            action: 'call',
          },
          {
            id: `${leadId}-s`,
            type: 'lead.status_changed',
            occurredAt: at(t + 10 * 60_000),
            leadId,
            agentId: a.id,
            status: j % 2 === 0 ? 'completed' : 'contacted',
          },
        )
      }
    }
  }
  // An unassigned lead: in organisation figures, in no agent's or team's.
  events.push({
    id: 'lead-x-c',
    type: 'lead.created',
    occurredAt: at(NOW - HOUR),
    leadId: 'lead-x',
  })
  return events
}

/** Ingests the fixture through the open (unauthenticated) caller. */
export async function seedAccessFixture(db: Kysely<Database>): Promise<void> {
  const caller = createCaller(
    createInnerContext({ db, clock: { now: () => NOW }, orgTimezone: 'UTC' }),
  )
  const result = await caller.events.ingest(accessFixture())
  if (result.rejected.length)
    throw new Error(`fixture rejected: ${JSON.stringify(result.rejected)}`)
}
