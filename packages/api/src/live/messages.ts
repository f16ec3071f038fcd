import type { ActivityMessage } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { formatInstant } from '../time/local.js'

/** A feed message as the hub keeps it: the public message plus what filters need. */
export interface FeedItem {
  seq: number
  occurredAtMs: number
  message: ActivityMessage
  /** Current owner of the lead and the acting agent's team, for per-subscriber filters. */
  ownerAgentId: string | null
  teamId: string | null
}

interface EventRow {
  seq: number
  type: string
  occurred_at: Date
  lead_id: string | null
  agent_id: string | null
  status: string | null
  action: string | null
  agent_name: string | null
  team_id: string | null
  owner_agent_id: string | null
  converted_seq: number | null
}

function describe(r: EventRow, who: string): Pick<ActivityMessage, 'kind' | 'summary'> {
  const lead = r.lead_id ?? 'a lead'
  switch (r.type) {
    case 'lead.created':
      return {
        kind: 'new_lead',
        summary: r.agent_id ? `New lead ${lead} for ${who}` : `New lead ${lead}`,
      }
    case 'lead.assigned':
      return { kind: 'assignment', summary: `${lead} assigned to ${who}` }
    case 'lead.status_changed':
      return r.converted_seq === r.seq
        ? { kind: 'conversion', summary: `${who} converted ${lead}` }
        : { kind: 'status_change', summary: `${who} moved ${lead} to ${r.status}` }
    default:
      return {
        kind: 'agent_action',
        summary: `${who} logged ${r.action === 'email' || r.action === 'sms' ? 'an' : 'a'} ${r.action} on ${lead}`,
      }
  }
}

/**
 * Activity after cursor `after`, oldest first, at most `limit` (every event but agent.upserted).
 * A status change is a `conversion` when it is the lead's first completion.
 */
export async function readFeed(
  db: Kysely<Database>,
  after: number,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
  tz = 'UTC',
): Promise<FeedItem[]> {
  const rows = (await db
    .selectFrom('lead_events as e')
    .leftJoin('agents as a', 'a.agent_id', 'e.agent_id')
    .leftJoin('leads as l', 'l.lead_id', 'e.lead_id')
    .leftJoin('conversion_tracking as c', (j) =>
      j
        .onRef('c.lead_id', '=', 'e.lead_id')
        .onRef('c.completed_at', '=', 'e.occurred_at')
        .on('e.status', '=', 'completed'),
    )
    .select([
      'e.seq',
      'e.type',
      'e.occurred_at',
      'e.lead_id',
      'e.agent_id',
      'e.status',
      'e.action',
      'a.name as agent_name',
      'a.team_id',
      'l.owner_agent_id',
    ])
    .select((eb) =>
      eb
        .case()
        .when('c.converted_by', 'is not', null)
        .then(eb.ref('e.seq'))
        .else(null)
        .end()
        .as('converted_seq'),
    )
    .where('e.seq', '>', after)
    .where('e.seq', '<=', upTo)
    .where('e.type', '<>', 'agent.upserted')
    .orderBy('e.seq')
    .limit(limit)
    .execute()) as EventRow[]
  return rows.map((r) => toItem(r, tz))
}

function toItem(r: EventRow, tz: string): FeedItem {
  const who = r.agent_name ?? r.agent_id ?? 'someone'
  return {
    seq: r.seq,
    occurredAtMs: r.occurred_at.getTime(),
    ownerAgentId: r.owner_agent_id,
    teamId: r.team_id,
    message: {
      id: String(r.seq),
      ...describe(r, who),
      type: r.type,
      occurredAt: formatInstant(r.occurred_at.getTime(), tz),
      leadId: r.lead_id,
      agentId: r.agent_id,
      agentName: r.agent_name,
      ...(r.status !== null && { status: r.status as ActivityMessage['status'] }),
      ...(r.action !== null && { action: r.action as ActivityMessage['action'] }),
    },
  }
}

/** The latest `limit` activity items with cursor ≤ `upTo`, oldest first. */
export async function readRecent(
  db: Kysely<Database>,
  upTo: number,
  limit: number,
): Promise<FeedItem[]> {
  if (limit === 0) return []
  const { rows } = await sql<{ seq: number }>`
    select seq from lead_events where seq <= ${upTo} and type <> 'agent.upserted'
    order by seq desc limit ${limit}`.execute(db)
  const oldest = rows.at(-1)?.seq
  return oldest === undefined ? [] : readFeed(db, oldest - 1, limit, upTo)
}
