import { describe, expect, it } from 'vitest'
import { adoptToken, storeToken, viewerOf } from './auth'

function env(hash: string, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored))
  const urls: string[] = []
  return {
    urls,
    storage,
    env: {
      location: { hash, pathname: '/', search: '?tz=UTC' },
      history: {
        state: null,
        replaceState: (_s: unknown, _t: string, url?: string | URL | null) =>
          void urls.push(String(url)),
      },
      storage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => void storage.set(k, v),
      },
    },
  }
}

describe('adoptToken', () => {
  it('moves #token=… into session storage and strips it from the address bar', () => {
    const e = env('#token=abc.def.ghi')
    expect(adoptToken(e.env)).toBe('abc.def.ghi')
    expect(e.storage.get('leads.token')).toBe('abc.def.ghi')
    expect(e.urls).toEqual(['/?tz=UTC'])
  })

  it('keeps other fragment parameters', () => {
    const e = env('#view=wall&token=t1')
    adoptToken(e.env)
    expect(e.urls).toEqual(['/?tz=UTC#view=wall'])
  })

  it('uses the stored token on later loads and leaves the URL alone', () => {
    const e = env('', { 'leads.token': 'kept' })
    expect(adoptToken(e.env)).toBe('kept')
    expect(e.urls).toEqual([])
  })

  it('returns null when there is none', () => {
    expect(adoptToken(env('').env)).toBeNull()
  })
})

describe('storeToken', () => {
  it('keeps the token where the next load of the tab finds it', () => {
    const e = env('', { 'leads.token': 'old' })
    storeToken('new', e.env.storage)
    expect(adoptToken(e.env)).toBe('new')
  })
})

/** An unsigned JWT with these claims: the page never verifies, so the signature does not matter. */
function jwt(claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.signature`
}

describe('viewerOf', () => {
  it("reads an agent's role and id", () => {
    expect(viewerOf(jwt({ sub: 'agent-07', role: 'agent', exp: 2e9 }))).toEqual({
      role: 'agent',
      sub: 'agent-07',
    })
  })

  it("reads a manager's teams, in base64url with characters outside base64", () => {
    // "Zoë ÿ?" puts '-' or '_' into the base64url text, which atob alone would refuse.
    const token = jwt({ sub: 'Zoë ÿ?>', role: 'manager', teamIds: ['t1', 't2'] })
    expect(token.split('.')[1]).toMatch(/[-_]/)
    expect(viewerOf(token)).toEqual({ role: 'manager', sub: 'Zoë ÿ?>', teamIds: ['t1', 't2'] })
  })

  it('is null for what is not a JWT with a known role and a subject', () => {
    expect(viewerOf('opaque-token')).toBeNull()
    expect(viewerOf('a.!!!.c')).toBeNull()
    expect(viewerOf(jwt({ sub: 'x', role: 'root' }))).toBeNull()
    expect(viewerOf(jwt({ role: 'admin' }))).toBeNull()
  })
})
