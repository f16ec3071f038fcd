import { mulberry32 } from './random.js'

export interface Agent {
  id: string
  name: string
  teamId: string
  /** Multiplies each stage's success probability: 0.7 (weak) … 1.3 (strong). */
  skill: number
  /** Median first-response time: log-uniform between ~2 and ~40 minutes. */
  responseMedianMs: number
  /** Relative share of new leads routed to this agent. */
  load: number
}

export const TEAMS = ['t1', 't2', 't3', 't4'] as const
export const MAX_AGENTS = 999

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kira',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Yara',
  'Zoe',
  'Amir',
  'Bianca',
  'Carlos',
  'Dana',
  'Emil',
  'Fatima',
  'Gus',
]
const LAST = [
  'Okafor',
  'Lindqvist',
  'Moreau',
  'Patel',
  'Novak',
  'Haddad',
  'Kim',
  'Tanaka',
  'Silva',
  'Berg',
  'Ivanova',
  "O'Brien",
  'Mensah',
  'Rossi',
  'Kowalski',
  'Sharma',
  'Nguyen',
  'Garcia',
  'Fischer',
  'Adeyemi',
  'Costa',
  'Larsen',
  'Yilmaz',
  'Duarte',
  'Schmidt',
  'Chen',
  'Dubois',
  'Walsh',
  'Reyes',
]

export function agentId(index: number): string {
  return `agent-${String(index + 1).padStart(2, '0')}`
}

/**
 * The agent roster: a pure function of `count` and `seed`, so the seed and the live simulator
 * talk about the same people (`agent-01` … with the same names and traits).
 */
export function makeAgents(count: number, seed = 1): Agent[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_AGENTS) {
    throw new RangeError(`agents must be an integer from 1 to ${MAX_AGENTS}`)
  }
  const rng = mulberry32(seed ^ 0x5eed_a9e7)
  return Array.from({ length: count }, (_, i) => {
    // 32 and 29 are co-prime, so the first 32 × 29 agents all get distinct names.
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`
    return {
      id: agentId(i),
      name,
      teamId: TEAMS[i % TEAMS.length]!,
      skill: 0.7 + 0.6 * rng(),
      responseMedianMs: 60_000 * Math.exp(Math.log(2) + rng() * (Math.log(40) - Math.log(2))),
      load: 0.6 + 0.8 * rng(),
    }
  })
}
