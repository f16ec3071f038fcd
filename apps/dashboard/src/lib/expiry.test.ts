import { describe, expect, it } from 'vitest'
import { SessionExpiry, WS_UNAUTHORIZED } from './expiry'

function setup(hasToken = true) {
  let stops = 0
  const expiry = new SessionExpiry(hasToken, () => stops++)
  const seen: boolean[] = []
  expiry.subscribe(() => seen.push(expiry.getSnapshot().expired))
  return { expiry, seen, stops: () => stops }
}

describe('SessionExpiry', () => {
  it('ignores ordinary drops and refusals that are not about the session', () => {
    const { expiry, seen, stops } = setup()
    expiry.onSocketClose(1006) // server gone: reconnecting is right
    expiry.onSocketClose(1001) // server shutting down
    expiry.onSocketClose(undefined)
    expiry.onHttpStatus(403) // a role that may not: the session is fine
    expiry.onHttpStatus(429)
    expiry.onHttpStatus(undefined) // network error
    expect(expiry.expired).toBe(false)
    expect(expiry.getSnapshot()).toEqual({ expired: false, reason: null, message: null })
    expect(seen).toEqual([])
    expect(stops()).toBe(0)
  })

  it('expires on a 4401 close, stops the connections once and tells listeners once', () => {
    const { expiry, seen, stops } = setup()
    expiry.onSocketClose(WS_UNAUTHORIZED, 'token expired')
    expect(expiry.getSnapshot()).toEqual({
      expired: true,
      reason: 'expired',
      message: 'token expired',
    })
    // The reconnect attempts and failing reads that follow change nothing.
    expiry.onSocketClose(WS_UNAUTHORIZED)
    expiry.onHttpStatus(401, 'jwt expired')
    expect(stops()).toBe(1)
    expect(seen).toEqual([true])
    expect(expiry.getSnapshot().message).toBe('token expired')
  })

  it('expires on an HTTP 401, and says "missing" when the page never had a token', () => {
    const withToken = setup(true)
    withToken.expiry.onHttpStatus(401, 'invalid token')
    expect(withToken.expiry.getSnapshot().reason).toBe('expired')

    const without = setup(false)
    without.expiry.onHttpStatus(401, 'authentication required')
    expect(without.expiry.getSnapshot()).toEqual({
      expired: true,
      reason: 'missing',
      message: 'authentication required',
    })
    expect(without.stops()).toBe(1)
  })

  it('keeps one snapshot object between changes (useSyncExternalStore needs that)', () => {
    const { expiry } = setup()
    const before = expiry.getSnapshot()
    expect(expiry.getSnapshot()).toBe(before)
    expiry.onHttpStatus(401)
    const after = expiry.getSnapshot()
    expect(after).not.toBe(before)
    expect(expiry.getSnapshot()).toBe(after)
  })
})
