import { describe, expect, it } from 'vitest'
import { visibleRows } from './rows'

const rows = ['a', 'b', 'c', 'd', 'e'].map((agentId, i) => ({ agentId, rank: i + 1 }))

describe('visibleRows', () => {
  it('shows the top rows only to a viewer who is not an agent', () => {
    expect(visibleRows(rows, null, 3)).toEqual({ top: rows.slice(0, 3), own: null })
  })

  it('adds nothing when the agent is among the top rows', () => {
    expect(visibleRows(rows, 'b', 3)).toEqual({ top: rows.slice(0, 3), own: null })
  })

  it("adds the agent's own row when it ranks below the top", () => {
    expect(visibleRows(rows, 'e', 3)).toEqual({ top: rows.slice(0, 3), own: rows[4] })
  })

  it('adds nothing when the agent has no row in the period', () => {
    expect(visibleRows(rows, 'z', 3)).toEqual({ top: rows.slice(0, 3), own: null })
  })
})
