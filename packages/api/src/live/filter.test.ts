import { describe, expect, it } from 'vitest'
import { feedFilter } from './filter.js'
import type { FeedItem } from './messages.js'

const item = (
  agentId: string | null,
  ownerAgentId: string | null,
  teamId: string | null,
  ownerTeamId: string | null = null,
): FeedItem => ({
  seq: 1,
  occurredAtMs: 0,
  ownerAgentId,
  teamId,
  ownerTeamId,
  message: {
    id: '1',
    kind: 'agent_action',
    type: 'agent.action',
    occurredAt: '',
    leadId: 'L',
    agentId,
    agentName: null,
    summary: '',
  },
})

describe('feed filter', () => {
  it('shows an agent only events they made or on leads they own', () => {
    const f = feedFilter({ sub: 'a1', role: 'agent' }, {})
    expect(f(item('a1', 'a2', 't1'))).toBe(true)
    expect(f(item('a2', 'a1', 't1'))).toBe(true)
    expect(f(item('a2', 'a3', 't1'))).toBe(false)
    expect(f(item(null, null, null))).toBe(false)
  })

  it('shows a manager only their teams', () => {
    const f = feedFilter({ sub: 'm', role: 'manager', teamIds: ['t1'] }, {})
    expect(f(item('a1', null, 't1'))).toBe(true)
    expect(f(item('a2', null, 't2'))).toBe(false)
    expect(f(item(null, null, null))).toBe(false)
    // Another team's agent working a lead one of theirs owns: theirs too, as in the export.
    expect(f(item('a2', 'a1', 't2', 't1'))).toBe(true)
    expect(f(item('a1', 'a2', 't1', 't2'))).toBe(true)
    expect(f(item('a2', 'a3', 't2', 't2'))).toBe(false)
  })

  it('applies the subscriber agent and team filters for admins', () => {
    const admin = { sub: 'x', role: 'admin' as const }
    expect(feedFilter(admin, {})(item(null, null, null))).toBe(true)
    expect(feedFilter(admin, { agentId: 'a1' })(item('a2', null, 't1'))).toBe(false)
    expect(feedFilter(admin, { teamId: 't2' })(item('a2', null, 't2'))).toBe(true)
    expect(feedFilter(admin, { teamId: 't2' })(item('a1', 'a2', 't1', 't2'))).toBe(true)
    expect(feedFilter(admin, { teamId: 't2' })(item('a1', 'a3', 't1', 't1'))).toBe(false)
  })
})
