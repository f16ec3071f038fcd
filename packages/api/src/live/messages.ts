import type { ActivityMessage } from '@leads/contract'
import type { Database } from '@leads/db'
import { type Kysely, sql } from 'kysely'
import { formatInstant } from '../time/local.js'

/** A feed message as the hub keeps it: the public message plus what filters need. */
export interface FeedItem {
  seq: number
  occurredAtMs: number
  message: ActivityMessage
  /** Current owner of the lead, the acting agent's team and the owner's, for per-subscriber filters. */
  ownerAgentId: string | null
  teamId: string | null
  ownerTeamId: string | null
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
  owner_team_id: string | null
  converted_seq: number | null
}

function kindOf(r: EventRow): ActivityMessage['kind'] {
  switch (r.type) {
    case 'lead.created':
      return 'new_lead'
    case 'lead.assigned':
      return 'assignment'
    case 'lead.status_changed':
      return r.converted_seq === r.seq ? 'conversion' : 'status_change'
    default:
      return 'agent_action'
  }
}

/**
 * The feed's one-line summary of a message, naming the acting agent as `who` (a real name, or a
 * pseudonym for a viewer who may not see it).
 */
export function summaryOf(
  m: Pick<ActivityMessage, 'kind' | 'leadId' | 'agentId' | 'status' | 'action'>,
  who: string,
): string {
  const lead = m.leadId ?? 'a lead'
  switch (m.kind) {
    case 'new_lead':
      return m.agentId ? `New lead ${lead} for ${who}` : `New lead ${lead}`
    case 'assignment':
      return `${lead} assigned to ${who}`
    case 'conversion':
      return `${who} converted ${lead}`
    case 'status_change':
      return `${who} moved ${lead} to ${m.status}`
    default:
      return `${who} logged ${m.action === 'email' || m.action === 'sms' ? 'an' : 'a'} ${m.action} on ${lead}`
  }
}

/**
 * Activity after cursor `after`, oldest first, at most `limit` (every event but agent.upserted).
 * A status change is a `conversion` when it is the lead's first completion: in event order
 * (time, then id), so of two completions at one instant only the lesser id converts.
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
    .leftJoin('agents as o', 'o.agent_id', 'l.owner_agent_id')
    .leftJoin('conversion_tracking as c', (j) =>
      j
        .onRef('c.lead_id', '=', 'e.lead_id')
        .onRef('c.completed_at', '=', 'e.occurred_at')
        .on('e.status', '=', 'completed')
        .on(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('lead_events as tie')
                .select('tie.seq')
                .whereRef('tie.lead_id', '=', 'e.lead_id')
                .whereRef('tie.occurred_at', '=', 'e.occurred_at')
                .where('tie.status', '=', 'completed')
                // Code-unit order, as ingest's (not the database's collation).
                .where(
                  sql<string>`tie.event_id collate "C"`,
                  '<',
                  sql<string>`e.event_id collate "C"`,
                ),
            ),
          ),
        ),
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
      'o.team_id as owner_team_id',
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
  const status = (r.status ?? undefined) as ActivityMessage['status']
  const action = (r.action ?? undefined) as ActivityMessage['action']
  const kind = kindOf(r)
  return {
    seq: r.seq,
    occurredAtMs: r.occurred_at.getTime(),
    ownerAgentId: r.owner_agent_id,
    teamId: r.team_id,
    ownerTeamId: r.owner_team_id,
    message: {
      id: String(r.seq),
      kind,
      summary: summaryOf({ kind, leadId: r.lead_id, agentId: r.agent_id, status, action }, who),
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

const RECENT_PAGE = 500

/** Activity items with cursors in (`after`, `upTo`], a page at a time from the newest. */
async function* backwards(
  db: Kysely<Database>,
  upTo: number,
  after = 0,
): AsyncGenerator<{ items: FeedItem[]; scanned: number }> {
  let before = upTo
  for (;;) {
    const { rows } = await sql<{ seq: number }>`
      select seq from lead_events
      where seq <= ${before} and seq > ${after} and type <> 'agent.upserted'
      order by seq desc limit ${RECENT_PAGE}`.execute(db)
    const oldest = rows.at(-1)?.seq
    if (oldest === undefined) return
    yield { items: await readFeed(db, oldest - 1, RECENT_PAGE, before), scanned: rows.length }
    if (rows.length < RECENT_PAGE) return
    before = oldest - 1
  }
}

/**
 * The latest `limit` activity items with cursor ≤ `upTo` that `visible` admits, oldest first.
 * Reads backwards a page at a time, so a subscriber who sees a small share of the feed (an agent)
 * still gets their own latest items; gives up after `maxScanned` events.
 */
export async function readRecent(
  db: Kysely<Database>,
  upTo: number,
  limit: number,
  visible: (item: FeedItem) => boolean = () => true,
  maxScanned = 10_000,
): Promise<FeedItem[]> {
  if (limit === 0) return []
  const found: FeedItem[][] = []
  let count = 0
  let scanned = 0
  for await (const page of backwards(db, upTo)) {
    const shown = page.items.filter(visible)
    found.unshift(shown)
    count += shown.length
    scanned += page.scanned
    if (count >= limit || scanned >= maxScanned) break
  }
  return found.flat().slice(-limit)
}

/**
 * Whether `visible` admits an activity item with a cursor in (`after`, `upTo`]: true, false, or
 * null when `maxScanned` events were read back from `upTo` without finding one or reaching
 * `after`.
 */
export async function anyVisible(
  db: Kysely<Database>,
  after: number,
  upTo: number,
  visible: (item: FeedItem) => boolean,
  maxScanned = 10_000,
): Promise<boolean | null> {
  let scanned = 0
  for await (const page of backwards(db, upTo, after)) {
    if (page.items.some(visible)) return true
    scanned += page.scanned
    if (scanned >= maxScanned) return null
  }
  return false
}
