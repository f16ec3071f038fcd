import { PIPELINE, type PipelineStage } from '@leads/contract'

/** The fields of a stored lead event the per-lead derivation needs. */
export interface LeadEventFacts {
  id: string
  type: string
  occurredAt: Date
  agentId: string | null
  status: string | null
  source: string | null
}

export const FUNNEL_STAGES_AFTER_NEW = ['contacted', 'qualified', 'retained', 'completed'] as const
export type StageAfterNew = (typeof FUNNEL_STAGES_AFTER_NEW)[number]

export interface Assignment {
  agentId: string
  eventId: string
  at: Date
  /** The previous assignment of the same lead to the same agent, if any. */
  prevAt: Date | null
}

/** Everything derived from one lead's events; the single source of the per-lead tables. */
export interface LeadFacts {
  createdAt: Date | null
  firstAgentId: string | null
  source: string | null
  firstResponse: { at: Date; agentId: string } | null
  /** Clamped at 0; null until both creation and first response are known. */
  responseMs: number | null
  /** First time the lead's status reached this stage or a later one. */
  reached: Record<StageAfterNew, Date | null>
  lostAt: Date | null
  convertedBy: string | null
  furthestStage: PipelineStage
  status: string
  statusAt: Date | null
  ownerAgentId: string | null
  assignments: Assignment[]
  /** The earliest of the lead's events (whatever its type): no event of the lead is older. */
  firstEventAt: Date | null
}

const RANK = new Map<string, number>(PIPELINE.map((s, i) => [s, i]))

/** Event order used everywhere: event time, then producer id, so arrival order never matters. */
export function compareEvents(
  a: { occurredAt: Date; id: string },
  b: { occurredAt: Date; id: string },
): number {
  const d = a.occurredAt.getTime() - b.occurredAt.getTime()
  if (d !== 0) return d
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export function deriveLead(unsorted: readonly LeadEventFacts[]): LeadFacts {
  const events = [...unsorted].sort(compareEvents)
  const facts: LeadFacts = {
    createdAt: null,
    firstAgentId: null,
    source: null,
    firstResponse: null,
    responseMs: null,
    reached: { contacted: null, qualified: null, retained: null, completed: null },
    lostAt: null,
    convertedBy: null,
    furthestStage: 'new',
    status: 'new',
    statusAt: null,
    ownerAgentId: null,
    assignments: [],
    firstEventAt: events[0]?.occurredAt ?? null,
  }
  const lastByAgent = new Map<string, Date>()
  let furthest = 0

  for (const e of events) {
    // Only the lead's first lead.created counts; a repeated one is activity, not an assignment.
    const isCreation = e.type === 'lead.created' && facts.createdAt === null
    const assignedTo = e.type === 'lead.assigned' || isCreation ? e.agentId : null
    if (isCreation) {
      facts.createdAt = e.occurredAt
      facts.firstAgentId = e.agentId
      facts.source = e.source
    }
    if (assignedTo !== null) {
      facts.assignments.push({
        agentId: assignedTo,
        eventId: e.id,
        at: e.occurredAt,
        prevAt: lastByAgent.get(assignedTo) ?? null,
      })
      lastByAgent.set(assignedTo, e.occurredAt)
      facts.ownerAgentId = assignedTo
    }
    const isResponse =
      e.type === 'agent.action' || (e.type === 'lead.status_changed' && e.status !== 'new')
    if (isResponse && facts.firstResponse === null && e.agentId !== null) {
      facts.firstResponse = { at: e.occurredAt, agentId: e.agentId }
    }
    if (e.type === 'lead.status_changed' && e.status !== null) {
      facts.status = e.status
      facts.statusAt = e.occurredAt
      if (e.status === 'lost') {
        facts.lostAt ??= e.occurredAt
      } else {
        const rank = RANK.get(e.status) ?? 0
        for (let r = 1; r <= rank; r++) {
          const stage = PIPELINE[r] as StageAfterNew
          facts.reached[stage] ??= e.occurredAt
        }
        if (e.status === 'completed' && facts.convertedBy === null) facts.convertedBy = e.agentId
        furthest = Math.max(furthest, rank)
      }
    }
  }
  facts.furthestStage = PIPELINE[furthest] ?? 'new'
  if (facts.createdAt !== null && facts.firstResponse !== null) {
    facts.responseMs = Math.max(0, facts.firstResponse.at.getTime() - facts.createdAt.getTime())
  }
  return facts
}
