import { describe, expect, it } from 'vitest'
import { adoptToken } from './auth'

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
