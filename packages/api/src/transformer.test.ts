import fc from 'fast-check'
import superjson from 'superjson'
import { describe, expect, it } from 'vitest'
import { markPlainJson, transformer } from './transformer.js'

// The shape of a live-feed message: strings and nulls, some keys present only sometimes.
const message = fc.record(
  {
    id: fc.string(),
    kind: fc.constantFrom('new_lead', 'assignment', 'conversion', 'status_change', 'agent_action'),
    summary: fc.string(),
    type: fc.string(),
    occurredAt: fc.string(),
    leadId: fc.option(fc.string(), { nil: null }),
    agentId: fc.option(fc.string(), { nil: null }),
    agentName: fc.option(fc.string(), { nil: null }),
    status: fc.string(),
    action: fc.string(),
    count: fc.integer(),
  },
  {
    requiredKeys: ['id', 'kind', 'summary', 'type', 'occurredAt', 'leadId', 'agentId', 'agentName'],
  },
)

describe('transformer', () => {
  it('sends a value marked as plain JSON exactly as superjson would', () => {
    fc.assert(
      fc.property(message, (m) => {
        const fast = JSON.stringify(transformer.serialize(markPlainJson({ ...m })))
        expect(fast).toBe(JSON.stringify(superjson.serialize(m)))
        expect(superjson.deserialize(JSON.parse(fast))).toEqual(m)
      }),
    )
  })

  it('leaves everything else to superjson (dates, undefined, maps)', () => {
    const value = { at: new Date(0), gone: undefined, map: new Map([['a', 1]]) }
    const sent = transformer.serialize(value)
    expect(sent).toEqual(superjson.serialize(value))
    expect(transformer.deserialize(JSON.parse(JSON.stringify(sent)))).toEqual(value)
  })
})
