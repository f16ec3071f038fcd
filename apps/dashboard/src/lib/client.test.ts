import { describe, expect, it } from 'vitest'
import { wsUrl } from './client'

describe('wsUrl', () => {
  it('follows the page origin and scheme', () => {
    expect(wsUrl({ protocol: 'http:', host: 'localhost:5173' })).toBe(
      'ws://localhost:5173/api/trpc',
    )
    expect(wsUrl({ protocol: 'https:', host: 'leads.example.com' })).toBe(
      'wss://leads.example.com/api/trpc',
    )
  })
})
