import { describe, expect, it } from 'vitest'
import { IngestBusy, IngestGate } from './ingestGate.js'

describe('IngestGate', () => {
  it('admits up to max at once, refuses the next with 503 + Retry-After, and frees on settle', async () => {
    const gate = new IngestGate(2)
    const release: (() => void)[] = []
    const held = () => gate.run(() => new Promise<void>((resolve) => release.push(resolve)))
    const a = held()
    const b = held()
    expect(gate.inFlight).toBe(2)
    const refused = await held().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(IngestBusy)
    expect((refused as IngestBusy).code).toBe('SERVICE_UNAVAILABLE')
    expect((refused as IngestBusy).headers()).toEqual({ 'retry-after': '1' })
    release.shift()!()
    await a
    expect(gate.inFlight).toBe(1)
    // A failed batch frees its place too.
    await expect(gate.run(() => Promise.reject(new Error('db down')))).rejects.toThrow('db down')
    expect(gate.inFlight).toBe(1)
    release.shift()!()
    await b
    expect(gate.inFlight).toBe(0)
  })
})
