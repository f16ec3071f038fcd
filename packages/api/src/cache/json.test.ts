import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeJson } from '../rest/respond.js'
import { MemoryCache } from './cache.js'
import { jsonOf } from './json.js'

describe('jsonOf', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('writes a cached (frozen) answer once for the cache and the REST body', async () => {
    const stringify = vi.spyOn(JSON, 'stringify')
    const answer = Object.freeze({ rows: Object.freeze([Object.freeze({ n: 1 })]) })
    await new MemoryCache().set('k', answer, 60_000)
    expect(encodeJson(answer).body).toBe('{"rows":[{"n":1}]}')
    expect(jsonOf(answer)).toBe('{"rows":[{"n":1}]}')
    expect(stringify.mock.calls.filter(([v]) => v === answer)).toHaveLength(1)
  })

  it('writes anything that can still change every time', () => {
    const open = { n: 1 }
    expect(jsonOf(open)).toBe('{"n":1}')
    open.n = 2
    expect(jsonOf(open)).toBe('{"n":2}')
    expect(jsonOf([1, 'x'])).toBe('[1,"x"]')
    expect(jsonOf(null)).toBe('null')
  })
})
