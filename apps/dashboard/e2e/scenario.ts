/**
 * The known events the browser tests start from, placed relative to the real clock and to the
 * organisation's calendar, so that every period tab has different data to draw.
 */
import type { AgentAction, IngestResult, LeadEvent, LeadStatus } from '@leads/contract'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export interface OrgCalendar {
  /** IANA name of a fixed-offset zone: `UTC`, or `Etc/GMT-3` for UTC+3 (the sign is inverted). */
  zone: string
  /** Local midnight today, and the starts of this ISO week and month, as epoch ms. */
  dayStart: number
  weekStart: number
  monthStart: number
}

/**
 * An organisation zone in which `now` is neither a Monday nor within an hour of midnight. On a
 * Monday "today" and "this week" are the same window, and near midnight the events placed "a few
 * minutes ago" (or the test itself) would straddle two days. Fixed-offset zones keep the local
 * calendar plain arithmetic; UTC is used whenever it qualifies, and one always does.
 */
export function orgCalendar(now: number): OrgCalendar {
  const offsets = [0]
  for (let h = 1; h <= 14; h++) offsets.push(...(h <= 12 ? [-h, h] : [h]))
  for (const offset of offsets) {
    const local = new Date(now + offset * HOUR)
    const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes()
    if (local.getUTCDay() === 1 || minuteOfDay < 60 || minuteOfDay > 23 * 60) continue
    const y = local.getUTCFullYear()
    const m = local.getUTCMonth()
    const dayStart = Date.UTC(y, m, local.getUTCDate()) - offset * HOUR
    return {
      zone: offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`,
      dayStart,
      weekStart: dayStart - ((local.getUTCDay() + 6) % 7) * DAY,
      monthStart: Date.UTC(y, m, 1) - offset * HOUR,
    }
  }
  throw new Error(`no fixed-offset zone fits ${new Date(now).toISOString()}`)
}

export const AGENTS = {
  ava: 'Ava Stone',
  ben: 'Ben Okafor',
  chen: 'Chen Wu',
  dana: 'Dana Reyes',
  eli: 'Eli Novak',
} as const
export type AgentKey = keyof typeof AGENTS
/** Ava and Ben work in one team, so a manager of t1 sees them and nobody else. */
export const TEAMS: Record<AgentKey, string> = {
  ava: 't1',
  ben: 't1',
  chen: 't2',
  dana: 't2',
  eli: 't3',
}

/** Collects events with readable, unique ids. */
class EventLog {
  readonly events: LeadEvent[] = []

  private id(kind: string): string {
    return `e2e-${this.events.length + 1}-${kind}`
  }

  agent(agentId: AgentKey, at: number): void {
    const name = AGENTS[agentId]
    this.events.push({
      id: this.id('agent'),
      type: 'agent.upserted',
      occurredAt: iso(at),
      agentId,
      name,
      teamId: TEAMS[agentId],
    })
  }

  lead(leadId: string, agentId: AgentKey | null, at: number): void {
    const event: LeadEvent = {
      id: this.id('lead'),
      type: 'lead.created',
      occurredAt: iso(at),
      leadId,
      source: 'web',
    }
    if (agentId) event.agentId = agentId
    this.events.push(event)
  }

  action(leadId: string, agentId: AgentKey, action: AgentAction, at: number): void {
    this.events.push({
      id: this.id('action'),
      type: 'agent.action',
      occurredAt: iso(at),
      leadId,
      agentId,
      action,
    })
  }

  status(leadId: string, agentId: AgentKey, status: LeadStatus, at: number): void {
    this.events.push({
      id: this.id('status'),
      type: 'lead.status_changed',
      occurredAt: iso(at),
      leadId,
      agentId,
      status,
    })
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

export interface Scenario {
  events: LeadEvent[]
  /** Leads created today, local to the organisation. */
  leadsToday: number
  /** Events the activity feed shows (all but agent.upserted). */
  feedEvents: number
}

/**
 * Today: Ava and Ben with leads, first responses and conversions. Yesterday, shortly before this
 * time of day: a few leads, so the KPIs have something to compare with. This week before today: Chen;
 * this month: Dana; last month (not last week): Ava again, so even when the week and the month
 * start on the same Monday their rank movements differ; a hundred days ago: Eli. Two unassigned
 * leads 3 and 20 days ago make the 7d and 30d volumes differ from 24h and 7d.
 */
export function knownScenario(now: number, cal: OrgCalendar): Scenario {
  const log = new EventLog()
  for (const agent of Object.keys(AGENTS) as AgentKey[]) log.agent(agent, now - 150 * DAY)

  log.lead('L-101', 'ava', now - 50 * MINUTE)
  log.action('L-101', 'ava', 'call', now - 48 * MINUTE)
  log.status('L-101', 'ava', 'completed', now - 20 * MINUTE)
  log.lead('L-102', 'ava', now - 45 * MINUTE)
  log.action('L-102', 'ava', 'email', now - 45 * MINUTE + 200_000)
  log.status('L-102', 'ava', 'contacted', now - 30 * MINUTE)

  log.lead('L-201', 'ben', now - 40 * MINUTE)
  log.action('L-201', 'ben', 'call', now - 35 * MINUTE)
  log.status('L-201', 'ben', 'qualified', now - 25 * MINUTE)
  log.status('L-201', 'ben', 'completed', now - 12 * MINUTE)
  log.lead('L-202', 'ben', now - 38 * MINUTE)
  log.action('L-202', 'ben', 'sms', now - 37 * MINUTE)
  log.status('L-202', 'ben', 'completed', now - 8 * MINUTE)
  log.lead('L-203', 'ben', now - 36 * MINUTE)

  log.lead('L-901', 'ben', now - DAY - 40 * MINUTE)
  log.action('L-901', 'ben', 'call', now - DAY - 30 * MINUTE)
  log.lead('L-902', 'ava', now - DAY - 35 * MINUTE)
  log.status('L-902', 'ava', 'completed', now - DAY - 10 * MINUTE)

  log.lead('L-301', 'chen', cal.weekStart + 30 * MINUTE)
  log.action('L-301', 'chen', 'call', cal.weekStart + 35 * MINUTE)
  log.status('L-301', 'chen', 'completed', cal.weekStart + 45 * MINUTE)
  log.lead('L-302', 'chen', cal.weekStart + 32 * MINUTE)
  log.action('L-302', 'chen', 'meeting', cal.weekStart + 40 * MINUTE)

  log.lead('L-401', 'dana', cal.monthStart + 30 * MINUTE)
  log.action('L-401', 'dana', 'email', cal.monthStart + 33 * MINUTE)
  log.status('L-401', 'dana', 'completed', cal.monthStart + 44 * MINUTE)

  log.lead('L-103', 'ava', cal.monthStart - 20 * DAY)
  log.action('L-103', 'ava', 'call', cal.monthStart - 20 * DAY + 5 * MINUTE)
  log.status('L-103', 'ava', 'completed', cal.monthStart - 20 * DAY + HOUR)

  log.lead('L-501', 'eli', now - 100 * DAY)
  log.action('L-501', 'eli', 'call', now - 100 * DAY + 10 * MINUTE)
  log.status('L-501', 'eli', 'completed', now - 100 * DAY + 2 * HOUR)

  log.lead('L-601', null, now - 3 * DAY)
  log.lead('L-602', null, now - 20 * DAY)

  // In time order, as producers would send them: the feed lists by arrival, newest on top.
  const events = log.events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt))
  return {
    events,
    leadsToday: events.filter(
      (e) => e.type === 'lead.created' && Date.parse(e.occurredAt) >= cal.dayStart,
    ).length,
    feedEvents: events.filter((e) => e.type !== 'agent.upserted').length,
  }
}

/** POSTs a batch to `/api/events` (with `token` when the server wants one) and returns the answer. */
export async function postEvents(
  baseUrl: string,
  events: readonly LeadEvent[],
  token?: string,
): Promise<IngestResult> {
  const res = await fetch(`${baseUrl}/api/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(events),
  })
  if (!res.ok) throw new Error(`POST /api/events: ${res.status} ${await res.text()}`)
  return (await res.json()) as IngestResult
}
