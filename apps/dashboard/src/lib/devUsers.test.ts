import { describe, expect, it } from 'vitest'
import { choiceKey, claimsOf, DEV_ADMIN, demoUsers } from './devUsers'

const row = (agentId: string, agentName: string, teamId: string | null) => ({
  agentId,
  agentName,
  teamId,
})

describe('demoUsers', () => {
  it("offers admin, the manager of the first agent's team, and that agent", () => {
    const users = demoUsers([
      row('agent-07', 'Grace Rossi', 't3'),
      row('agent-02', 'Ben Lindqvist', 't2'),
      row('agent-01', 'Ada Okafor', null),
    ])
    expect(users).toEqual([
      { key: 'admin', label: 'Admin', claims: DEV_ADMIN },
      {
        key: 'manager:t2',
        label: 'Manager · team t2',
        claims: { role: 'manager', sub: 'dev-manager', teamIds: ['t2'] },
      },
      {
        key: 'agent:agent-02',
        label: 'Agent · Ben Lindqvist',
        claims: { role: 'agent', sub: 'agent-02' },
      },
    ])
  })

  it('offers no manager when no agent has a team, and only admin without agents', () => {
    expect(demoUsers([row('b', 'Bo', null), row('a', 'Al', null)]).map((u) => u.key)).toEqual([
      'admin',
      'agent:a',
    ])
    expect(demoUsers([]).map((u) => u.key)).toEqual(['admin'])
  })
})

describe('choiceKey', () => {
  it('matches a viewer to the entry the picker would have made for them', () => {
    const users = demoUsers([row('agent-01', 'Ada Okafor', 't1')])
    for (const user of users) expect(choiceKey(user.claims)).toBe(user.key)
  })

  it('has no entry for a manager of several teams, an ingest client or nobody', () => {
    expect(choiceKey({ role: 'manager', sub: 'm', teamIds: ['t1', 't2'] })).toBeNull()
    expect(choiceKey({ role: 'ingest', sub: 'crm' })).toBeNull()
    expect(choiceKey(null)).toBeNull()
  })
})

describe('claimsOf', () => {
  it("asks again for a viewer's role and subject, and a manager's teams only", () => {
    expect(claimsOf({ role: 'manager', sub: 'm', teamIds: ['t1'] })).toEqual({
      role: 'manager',
      sub: 'm',
      teamIds: ['t1'],
    })
    expect(claimsOf({ role: 'agent', sub: 'a', teamIds: ['t1'] })).toEqual({
      role: 'agent',
      sub: 'a',
    })
  })
})
