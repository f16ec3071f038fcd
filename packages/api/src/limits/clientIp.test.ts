import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { clientIpOf } from './rateLimits.js'

const request = (peer: string | undefined, forwardedFor?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage

describe('clientIpOf', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientIpOf(request('10.0.0.2', '203.0.113.5'), undefined)).toBe('10.0.0.2')
    expect(clientIpOf(request('10.0.0.2', '203.0.113.5'), 0)).toBe('10.0.0.2')
  })

  it('reads the address the outermost trusted proxy saw, from the right', () => {
    // client → proxy (10.0.0.2) → server
    expect(clientIpOf(request('10.0.0.2', '203.0.113.5'), 1)).toBe('203.0.113.5')
    // A client that writes its own X-Forwarded-For only adds entries on the left.
    expect(clientIpOf(request('10.0.0.2', '198.51.100.7, 203.0.113.5'), 1)).toBe('203.0.113.5')
    // client → edge (10.0.0.1) → ingress (10.0.0.2) → server
    expect(clientIpOf(request('10.0.0.2', '198.51.100.7, 203.0.113.5, 10.0.0.1'), 2)).toBe(
      '203.0.113.5',
    )
    // Repeated headers are one list.
    expect(clientIpOf(request('10.0.0.2', ['198.51.100.7', '2001:db8::1']), 1)).toBe('2001:db8::1')
  })

  it('falls back to the peer without a forwarded address, or when it is not an IP address', () => {
    expect(clientIpOf(request('10.0.0.2'), 1)).toBe('10.0.0.2')
    expect(clientIpOf(request('10.0.0.2', 'unknown'), 1)).toBe('10.0.0.2')
    expect(clientIpOf(request('10.0.0.2', `${'x'.repeat(5000)}`), 1)).toBe('10.0.0.2')
    expect(clientIpOf(request(undefined), 1)).toBeNull()
  })
})
