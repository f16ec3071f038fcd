import { describe, expect, it } from 'vitest'
import type { DrillRequest } from '../components/DrillDown'
import { drillFor } from './drill'

const kpi: DrillRequest = {
  title: 'Leads today',
  count: 284,
  input: { report: 'metrics', measure: 'newLeads' },
}
const ownRow: DrillRequest = {
  title: 'Ada Okafor',
  count: 12,
  input: { report: 'leaderboard', measure: 'assigned', agentId: 'agent-01' },
}

describe('drillFor', () => {
  it("leaves an admin's or a manager's request as it is", () => {
    expect(drillFor(kpi, null)).toBe(kpi)
  })

  it("opens an organisation-wide number as the agent's own leads, without its count", () => {
    expect(drillFor(kpi, 'agent-01')).toEqual({
      title: 'Leads today · yours',
      count: null,
      input: kpi.input,
    })
  })

  it("keeps the count of the agent's own leaderboard row, which their list holds", () => {
    expect(drillFor(ownRow, 'agent-01')).toBe(ownRow)
  })
})
