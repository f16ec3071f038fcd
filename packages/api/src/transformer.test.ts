import fc from 'fast-check'
import superjson from 'superjson'
import { describe, expect, it } from 'vitest'
import { isPlainJson, transformer } from './transformer.js'

const sent = (value: unknown) => JSON.stringify(transformer.serialize(value))

describe('transformer', () => {
  it('refuses input nested past the stack with a message that says so', () => {
    let values: unknown = ['undefined']
    let json: unknown = null
    for (let i = 0; i < 20_000; i++) {
      values = { a: values }
      json = { a: json }
    }
    expect(() => transformer.deserialize({ json, meta: { values } })).toThrow(
      'input nested too deeply',
    )
  })

  it('sends any value in the same bytes as superjson, and it reads back the same', () => {
    const value = fc.oneof(fc.jsonValue(), fc.anything({ withDate: true, withMap: true }))
    fc.assert(
      fc.property(value, fc.boolean(), (v, share) => {
        // Some values hold one object twice, which superjson records as a shared reference.
        if (share && typeof v === 'object' && v !== null) v = [v, { again: v }]
        let expected: string
        try {
          expected = JSON.stringify(superjson.serialize(v))
        } catch (refused) {
          // superjson refuses some keys (prototype pollution): so must the transformer.
          expect(() => transformer.serialize(v)).toThrow((refused as Error).message)
          return
        }
        const bytes = sent(v)
        expect(bytes).toBe(expected)
        expect(transformer.deserialize(JSON.parse(bytes))).toEqual(
          superjson.deserialize(JSON.parse(bytes)),
        )
      }),
      { numRuns: 2000 },
    )
  })

  it('takes the shortcut only for plain JSON', () => {
    expect(isPlainJson({ a: [1, 'x', null, true, { b: 2.5 }] })).toBe(true)
    expect(isPlainJson(Object.assign(Object.create(null), { a: 1 }))).toBe(true)
    for (const v of [
      { at: new Date(0) },
      { gone: undefined },
      new Array(3).fill(1, 0, 1),
      { n: Number.NaN },
      { n: -0 },
      { n: Number.POSITIVE_INFINITY },
      { big: 1n },
      new Map([['a', 1]]),
      new Set([1]),
      { re: /x/ },
      { f: () => 1 },
    ]) {
      expect(isPlainJson(v)).toBe(false)
      expect(sent(v)).toBe(JSON.stringify(superjson.serialize(v)))
    }
  })

  it('leaves shared references and refused keys to superjson', () => {
    const shared = { a: 1 }
    expect(isPlainJson([shared, shared])).toBe(false)
    expect(sent([shared, shared])).toBe(JSON.stringify(superjson.serialize([shared, shared])))
    expect(isPlainJson(JSON.parse('{"__proto__": 1}'))).toBe(false)
    expect(() => transformer.serialize({ constructor: 1 })).toThrow(/prototype pollution/)
  })
})
