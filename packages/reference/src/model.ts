/**
 * Per-lead and per-agent facts derived from the raw event list, by a straight walk over the
 * events in event order. No pre-aggregation, no buckets: the definitions of docs/metrics.md.
 */
import { type LeadEvent, PIPELINE } from '@leads/contract'
import { parseInstant } from './time.js'

export interface TimedEvent {
  event: LeadEvent
  /** occurredAt as epoch ms. */
  t: number
}

/** An event of a lead at a time, attributed to an agent (when the event names one). */
export interface Mark {
  t: number
  agentId: string | undefined
}

export interface LeadFacts {
  leadId: string
  /** The earliest `lead.created`; its agentId is the first assignee. */
  creation: Mark | undefined
  /** The earliest `lead.status_changed` to `completed`; credited to its agentId. */
  firstCompletion: Mark | undefined
  /** The earliest `agent.action` or `lead.status_changed` to a status other than `new`. */
  firstResponse: Mark | undefined
  /** Highest pipeline rank among the lead's status changes (`lost` ignored); 0 = `new`. */
  furthestRank: number
}

export interface AgentInfo {
  name: string
  teamId: string | null
}

export interface Assignment {
  t: number
  leadId: string
  agentId: string
}

export interface Model {
  /** Deduplicated by id (first occurrence wins), sorted by occurredAt then id. */
  events: TimedEvent[]
  leads: Map<string, LeadFacts>
  /** From the latest `agent.upserted` of each agent, in event order. */
  agents: Map<string, AgentInfo>
  /** Lead creations that name an agent, and `lead.assigned` events, in event order. */
  assignments: Assignment[]
}

/** Event order: occurredAt, then id in code-unit order. */
function compareEvents(a: TimedEvent, b: TimedEvent): number {
  if (a.t !== b.t) return a.t - b.t
  if (a.event.id < b.event.id) return -1
  if (a.event.id > b.event.id) return 1
  return 0
}

export function orderEvents(events: readonly LeadEvent[]): TimedEvent[] {
  const seen = new Set<string>()
  const out: TimedEvent[] = []
  for (const event of events) {
    if (seen.has(event.id)) continue
    seen.add(event.id)
    out.push({ event, t: parseInstant(event.occurredAt) })
  }
  return out.sort(compareEvents)
}

const RANK = new Map<string, number>(PIPELINE.map((stage, i) => [stage, i]))

export function buildModel(raw: readonly LeadEvent[]): Model {
  const events = orderEvents(raw)
  const leads = new Map<string, LeadFacts>()
  const agents = new Map<string, AgentInfo>()
  const assignments: Assignment[] = []

  const lead = (leadId: string): LeadFacts => {
    let facts = leads.get(leadId)
    if (!facts) {
      facts = {
        leadId,
        creation: undefined,
        firstCompletion: undefined,
        firstResponse: undefined,
        furthestRank: 0,
      }
      leads.set(leadId, facts)
    }
    return facts
  }

  // Events are in event order, so "first seen" is "earliest" and "last seen" is "latest".
  for (const { event: e, t } of events) {
    switch (e.type) {
      case 'agent.upserted':
        // docs/metrics.md: a name counts without its surrounding spaces.
        agents.set(e.agentId, { name: e.name.trim(), teamId: e.teamId ?? null })
        break
      case 'lead.created': {
        const facts = lead(e.leadId)
        if (facts.creation) break // a later lead.created for the same lead counts only as activity
        facts.creation = { t, agentId: e.agentId }
        if (e.agentId !== undefined) assignments.push({ t, leadId: e.leadId, agentId: e.agentId })
        break
      }
      case 'lead.assigned':
        lead(e.leadId)
        assignments.push({ t, leadId: e.leadId, agentId: e.agentId })
        break
      case 'lead.status_changed': {
        const facts = lead(e.leadId)
        const rank = RANK.get(e.status)
        if (rank !== undefined && rank > facts.furthestRank) facts.furthestRank = rank
        if (e.status !== 'new' && !facts.firstResponse)
          facts.firstResponse = { t, agentId: e.agentId }
        if (e.status === 'completed' && !facts.firstCompletion)
          facts.firstCompletion = { t, agentId: e.agentId }
        break
      }
      case 'agent.action': {
        const facts = lead(e.leadId)
        if (!facts.firstResponse) facts.firstResponse = { t, agentId: e.agentId }
        break
      }
    }
  }
  return { events, leads, agents, assignments }
}

/** Response time in ms (never negative); undefined when the lead has no creation or response. */
export function responseTimeMs(facts: LeadFacts): number | undefined {
  if (!facts.creation || !facts.firstResponse) return undefined
  return Math.max(0, facts.firstResponse.t - facts.creation.t)
}

// ---- scopes --------------------------------------------------------------------------------

/**
 * Which agents an `agentId` / `teamId` filter admits; `undefined` = no filter (everything counts,
 * including lead creations without an agent). Both given: the agent must match both.
 */
export type AgentScope = ((agentId: string | undefined) => boolean) | undefined

export function agentScope(
  model: Model,
  filter: { agentId?: string | undefined; teamId?: string | undefined },
): AgentScope {
  const { agentId, teamId } = filter
  if (agentId === undefined && teamId === undefined) return undefined
  return (a) =>
    a !== undefined &&
    (agentId === undefined || a === agentId) &&
    (teamId === undefined || model.agents.get(a)?.teamId === teamId)
}

export function inScope(scope: AgentScope, agentId: string | undefined): boolean {
  return scope === undefined || scope(agentId)
}

// ---- windows -------------------------------------------------------------------------------

/** Half-open [from, to); from = -Infinity for all-time. */
export interface Window {
  from: number
  to: number
}

export function contains(w: Window, t: number): boolean {
  return w.from <= t && t < w.to
}

export function inWindow(w: Window, mark: Mark | undefined): mark is Mark {
  return mark !== undefined && contains(w, mark.t)
}
