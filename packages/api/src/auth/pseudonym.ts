import { createHmac, randomBytes } from 'node:crypto'

/** How a pseudonym id begins (`anon-7f3a9c`). */
export const PSEUDONYM_ID_PREFIX = 'anon-'

/** Hex digits of a pseudonym: 16.7 million values, so even 500 agents rarely share one. */
export const PSEUDONYM_HEX = 6

/** How the leaderboard shows agents to a viewer who may not see other agents' identities. */
export interface Pseudonyms {
  /** The viewer's own agent id (its row keeps its real id and name), or null. */
  readonly self: string | null
  /** True when `agentId`'s row is shown under a pseudonym. */
  hides(agentId: string): boolean
  /** The id shown for `agentId`: its pseudonym id, or the real id for the viewer's own row. */
  idOf(agentId: string): string
  /** The name shown for a hidden agent, e.g. "Agent 7f3a9c". */
  nameOf(agentId: string): string
}

let processKey: Buffer | null = null
function randomProcessKey(): Buffer {
  processKey ??= randomBytes(32)
  return processKey
}

/**
 * Pseudonyms keyed by an HMAC of the agent id: stable for one key, and without the key nobody
 * can tell which agent is behind one (agent ids are guessable, so a plain hash would not do).
 * Without a configured key a random one is drawn once per process.
 */
export function createPseudonyms(key: string | undefined, self: string | null): Pseudonyms {
  const secret = key ?? randomProcessKey()
  const memo = new Map<string, string>()
  const hex = (agentId: string) => {
    let h = memo.get(agentId)
    if (h === undefined) {
      h = createHmac('sha256', secret)
        .update(`leaderboard-pseudonym\0${agentId}`)
        .digest('hex')
        .slice(0, PSEUDONYM_HEX)
      memo.set(agentId, h)
    }
    return h
  }
  const hides = (agentId: string) => agentId !== self
  return {
    self,
    hides,
    idOf: (agentId) => (hides(agentId) ? `${PSEUDONYM_ID_PREFIX}${hex(agentId)}` : agentId),
    nameOf: (agentId) => `Agent ${hex(agentId)}`,
  }
}
