import type { LeadEvent } from '@leads/contract'
import { type Agent, makeAgents } from './agents.js'
import { assertTimeZone, LocalClock, leadWeight, MEAN_LEAD_WEIGHT, SLOT_MS } from './calendar.js'
import { mulberry32, poisson, TimeQueue } from './random.js'
import { historyPace, leadStory, type Pace, Roster, type Scheduled } from './story.js'

export interface GenerateOptions {
  /** The history ends just before this instant. */
  now: Date
  days: number
  agents: number
  /** Approximate total number of events wanted; scales the lead arrival rate. */
  events?: number | undefined
  /** IANA zone whose weekdays and office hours shape the history. */
  tz: string
  seed?: number | undefined
}

export interface GenerationPlan {
  agents: Agent[]
  leadsPerDay: number
  /** Estimated number of events the generator will yield. */
  expectedEvents: number
}

const DAY = 86_400_000
export const DEFAULT_DAYS = 90
export const DEFAULT_AGENTS = 30
/** Leads per agent per day, averaged over the week: about 110k events for 90 days × 30 agents. */
const LEADS_PER_AGENT_DAY = 4.5

/** Average story length for a roster and pace, measured on a fixed sample (deterministic). */
export function eventsPerLead(agents: readonly Agent[], pace: Pace, sample = 2_000): number {
  const ctx = { rng: mulberry32(0x0b5e55ed), roster: new Roster(agents), pace }
  let n = 0
  for (let i = 0; i < sample; i++) n += leadStory(ctx, 'pilot', 0).length
  return n / sample
}

export function planGeneration(opts: GenerateOptions): GenerationPlan {
  const { days, events } = opts
  if (!(days > 0) || days > 3_660) throw new RangeError('days must be > 0 and at most 3660')
  if (events !== undefined && !(events >= 1))
    throw new RangeError('events must be a positive number')
  const agents = makeAgents(opts.agents, opts.seed ?? 1)
  assertTimeZone(opts.tz)
  // Truncation at `now` cuts the tails of recent stories; the estimate ignores it (a few %).
  const perLead = eventsPerLead(agents, { responseScale: 1, stageScale: 1, clock: null })
  const leadsPerDay =
    events === undefined
      ? agents.length * LEADS_PER_AGENT_DAY
      : Math.max(0, events - agents.length) / (days * perLead)
  return {
    agents,
    leadsPerDay,
    expectedEvents: Math.round(agents.length + leadsPerDay * days * perLead),
  }
}

/** Prefix that keeps ids of different seeds (and seeding runs at different times) apart. */
function runTag(seed: number, now: Date): string {
  return `${(seed >>> 0).toString(36)}${Math.floor(now.getTime() / 60_000).toString(36)}`
}

/**
 * Yields a realistic, deterministic history in time order: agent profiles first, then leads
 * arriving with weekday and office-hour seasonality in `tz`, each playing out its story. Only
 * stories in flight are held in memory, so any size streams in bounded space. Every event is
 * strictly before `now`; later steps of recent leads are simply not there yet.
 */
export function* generateEvents(opts: GenerateOptions): Generator<LeadEvent> {
  const plan = planGeneration(opts)
  const seed = opts.seed ?? 1
  const end = opts.now.getTime()
  const start = end - Math.round(opts.days * DAY)
  const clock = new LocalClock(opts.tz)
  const ctx = { rng: mulberry32(seed), roster: new Roster(plan.agents), pace: historyPace(clock) }
  const tag = runTag(seed, opts.now)
  const queue = new TimeQueue<LeadEvent>()

  plan.agents.forEach((a, i) => {
    const at = start + i
    queue.push(at, {
      id: `profile-${tag}-${a.id}`,
      occurredAt: new Date(at).toISOString(),
      type: 'agent.upserted',
      agentId: a.id,
      name: a.name,
      teamId: a.teamId,
      active: true,
    })
  })
  const enqueue = (story: Scheduled[]) => {
    for (const s of story) if (s.at < end) queue.push(s.at, s.event)
  }

  const perSlot = (plan.leadsPerDay * SLOT_MS) / DAY / MEAN_LEAD_WEIGHT
  // Leads begin a second after the profiles, which all sit in the first second.
  const first = start + 1_000
  let leads = 0
  for (let slot = Math.floor(first / SLOT_MS) * SLOT_MS; slot < end; slot += SLOT_MS) {
    const { weekday, hour } = clock.at(slot)
    const from = Math.max(slot, first)
    const to = Math.min(slot + SLOT_MS, end)
    const n = poisson(ctx.rng, (perSlot * leadWeight(weekday, hour) * (to - from)) / SLOT_MS)
    const arrivals = Array.from({ length: n }, () =>
      Math.floor(from + ctx.rng() * (to - from)),
    ).sort((a, b) => a - b)
    for (const at of arrivals) {
      yield* queue.drain(at)
      enqueue(leadStory(ctx, `lead-${tag}-${++leads}`, at))
    }
  }
  yield* queue.drain(end - 1)
}
