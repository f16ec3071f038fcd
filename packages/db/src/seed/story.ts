import type { AgentAction, LeadEvent, LeadStatus } from '@leads/contract'
import type { Agent } from './agents.js'
import { type LocalClock, WORK_END_HOUR } from './calendar.js'
import { chance, logNormal, type Rng, weighted } from './random.js'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
type EventBody = DistributiveOmit<LeadEvent, 'id' | 'occurredAt'>

export interface Scheduled {
  at: number
  event: LeadEvent
}

/** How fast a lead's story unfolds: 1 is real life; the live simulator compresses it to minutes. */
export interface Pace {
  /** Scales first responses and other same-session delays. */
  responseScale: number
  /** Scales the days between pipeline stages. */
  stageScale: number
  /** Working hours to respect; null means agents are always at their desks. */
  clock: LocalClock | null
}

export const historyPace = (clock: LocalClock): Pace => ({ responseScale: 1, stageScale: 1, clock })

/** A lead's whole life in about 15 minutes, so a live demo shows conversions soon. */
export const LIVE_PACE: Pace = { responseScale: 1 / 30, stageScale: 1 / 600, clock: null }

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const SOURCES = [
  ['web', 40],
  ['phone', 15],
  ['referral', 12],
  ['ads', 20],
  ['partner', 8],
  ['event', 5],
] as const

type Mix = readonly (readonly [AgentAction, number])[]
const CONTACT_MIX: Mix = [
  ['call', 60],
  ['email', 25],
  ['sms', 15],
]

/** After `contacted`: per stage, its base success rate, median delay and the actions leading to it. */
const STAGES = [
  {
    status: 'qualified',
    p: 0.62,
    medianMs: 20 * HOUR,
    mix: [
      ['call', 40],
      ['email', 30],
      ['note', 20],
      ['sms', 10],
    ] as Mix,
  },
  {
    status: 'retained',
    p: 0.6,
    medianMs: 2 * DAY,
    mix: [
      ['meeting', 35],
      ['call', 30],
      ['email', 20],
      ['note', 15],
    ] as Mix,
  },
  {
    status: 'completed',
    p: 0.72,
    medianMs: 3 * DAY,
    mix: [
      ['meeting', 30],
      ['email', 30],
      ['call', 25],
      ['note', 15],
    ] as Mix,
  },
] as const

/** Picks agents in proportion to their load. */
export class Roster {
  private readonly cumulative: number[] = []

  constructor(readonly agents: readonly Agent[]) {
    let sum = 0
    for (const a of agents) {
      sum += a.load
      this.cumulative.push(sum)
    }
  }

  pick(rng: Rng): Agent {
    const r = rng() * this.cumulative[this.cumulative.length - 1]!
    const i = this.cumulative.findIndex((c) => r < c)
    return this.agents[i === -1 ? this.agents.length - 1 : i]!
  }

  /** Someone else, usually from the same team. */
  other(rng: Rng, current: Agent): Agent {
    if (this.agents.length === 1) return current
    const team = this.agents.filter((a) => a.teamId === current.teamId && a.id !== current.id)
    if (team.length > 0 && chance(rng, 0.7)) return team[Math.floor(rng() * team.length)]!
    for (;;) {
      const a = this.pick(rng)
      if (a.id !== current.id) return a
    }
  }
}

export interface StoryContext {
  rng: Rng
  roster: Roster
  pace: Pace
}

/**
 * One lead from arrival to its end: first response after the owner's log-normal delay, contact
 * attempts, stage by stage through the funnel with actions in between (success scaled by the
 * owner's skill), drop-off that is sometimes marked `lost`, and the odd reassignment. Events are
 * returned in strictly increasing time.
 */
export function leadStory(ctx: StoryContext, leadId: string, createdAt: number): Scheduled[] {
  const { rng, roster, pace } = ctx
  const out: Scheduled[] = []
  let last = createdAt - 1
  const emit = (at: number, body: EventBody) => {
    last = Math.max(Math.round(at), last + 1_000)
    const id = `${leadId}-${out.length + 1}`
    out.push({
      at: last,
      event: { id, occurredAt: new Date(last).toISOString(), ...body } as LeadEvent,
    })
  }
  const work = (ms: number) => toWorkingTime(ctx, ms)
  const action = (at: number, agent: Agent, mix: Mix) =>
    emit(at, { type: 'agent.action', leadId, agentId: agent.id, action: weighted(rng, mix) })
  const status = (at: number, agent: Agent, s: LeadStatus) =>
    emit(at, { type: 'lead.status_changed', leadId, agentId: agent.id, status: s })
  const stage = (median: number, sigma = 0.9) => logNormal(rng, median, sigma) * pace.stageScale
  const maybeLost = (agent: Agent, p: number) => {
    if (chance(rng, p)) status(work(last + stage(2 * DAY)), agent, 'lost')
  }

  let owner = roster.pick(rng)
  const source = weighted(rng, SOURCES)
  if (chance(rng, 0.88)) {
    emit(createdAt, { type: 'lead.created', leadId, agentId: owner.id, source })
  } else {
    // Unrouted on arrival; a dispatcher assigns it a few minutes later.
    emit(createdAt, { type: 'lead.created', leadId, source })
    emit(work(createdAt + logNormal(rng, 4 * MINUTE, 0.7) * pace.responseScale), {
      type: 'lead.assigned',
      leadId,
      agentId: owner.id,
    })
  }

  if (chance(rng, 0.03)) {
    maybeLost(owner, 0.5)
    return out
  }
  if (chance(rng, 0.04)) {
    // The owner is out: the lead is escalated to a colleague before anyone answers it.
    owner = roster.other(rng, owner)
    emit(work(last + logNormal(rng, 2 * HOUR, 0.6) * pace.responseScale), {
      type: 'lead.assigned',
      leadId,
      agentId: owner.id,
    })
  }

  let contacted = false
  for (let attempt = 0; attempt < 4 && !contacted; attempt++) {
    const delay =
      attempt === 0
        ? logNormal(rng, owner.responseMedianMs, 0.9) * pace.responseScale
        : stage(4 * HOUR, 0.8)
    action(work(last + delay), owner, CONTACT_MIX)
    contacted = chance(rng, 0.5)
  }
  if (!contacted) {
    maybeLost(owner, 0.6)
    return out
  }
  status(last + logNormal(rng, 3 * MINUTE, 0.6) * pace.responseScale, owner, 'contacted')

  if (chance(rng, 0.06)) {
    owner = roster.other(rng, owner)
    emit(work(last + stage(DAY, 0.8)), { type: 'lead.assigned', leadId, agentId: owner.id })
  }

  for (const s of STAGES) {
    const start = last
    const total = stage(s.medianMs)
    const touches = [...Array(1 + Math.floor(rng() * 3))]
      .map(() => rng() * total)
      .sort((a, b) => a - b)
    for (const offset of touches) action(work(start + offset), owner, s.mix)
    if (!chance(rng, Math.min(0.95, s.p * owner.skill))) {
      maybeLost(owner, 0.55)
      return out
    }
    status(work(start + total), owner, s.status)
  }
  return out
}

/** Outside working hours most work waits for the next working day; a few agents answer anyway. */
function toWorkingTime({ rng, pace: { clock } }: StoryContext, ms: number): number {
  if (clock === null || clock.isWorking(ms)) return ms
  const { weekday, hour } = clock.at(ms)
  const evening = weekday <= 5 && hour >= WORK_END_HOUR && hour < 22
  if (chance(rng, evening ? 0.15 : 0.04)) return ms
  // Spread over the working day, busiest in the morning: a backlog is worked off, not all at 09:00.
  return clock.nextWorkStart(ms) + rng() ** 2 * 8 * 60 * MINUTE
}
