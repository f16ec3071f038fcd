import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { sendPerTick, writesPerTick } from './writes.js'

describe('writesPerTick', () => {
  it('corks once per tick and uncorks after the tick', async () => {
    const calls: string[] = []
    const hold = writesPerTick({
      cork: () => calls.push('cork'),
      uncork: () => calls.push('uncork'),
    })
    hold(10)
    hold(10)
    hold(10)
    expect(calls).toEqual(['cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toEqual(['cork', 'uncork'])
    hold(10)
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
  })

  it('writes at once past the bytes a tick may hold', async () => {
    const calls: string[] = []
    const hold = writesPerTick(
      { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
      100,
    )
    hold(60)
    hold(30)
    expect(calls).toEqual(['cork'])
    // 60 + 30 + 20 > 100: what was held goes out before this write is held.
    hold(20)
    expect(calls).toEqual(['cork', 'uncork', 'cork'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork'])
  })
})

describe('sendPerTick on a real WebSocket', () => {
  let wss: WebSocketServer | undefined
  afterEach(() => wss?.close())

  /** Sends `count` frames in one tick from the server side; counts the TCP socket's writes. */
  async function burst(count: number, coalesce: boolean) {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise((resolve) => wss!.once('listening', resolve))
    const { port } = wss.address() as AddressInfo
    const serverSide = new Promise<WebSocket>((resolve) => wss!.once('connection', resolve))
    const client = new WebSocket(`ws://127.0.0.1:${port}`)
    const received: string[] = []
    const all = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        received.push(String(data))
        if (received.length === count) resolve()
      }),
    )
    const ws = await serverSide
    await new Promise((resolve) => client.once('open', resolve))
    const socket = (ws as unknown as { _socket: Socket })._socket
    let writes = 0
    const methods = socket as unknown as Record<string, (...args: unknown[]) => void>
    for (const method of ['_write', '_writev']) {
      const original = methods[method]!.bind(socket)
      methods[method] = (...args: unknown[]) => {
        writes++
        original(...args)
      }
    }
    if (coalesce) sendPerTick(ws)
    for (let i = 0; i < count; i++) ws.send(`message ${i}`)
    await all
    client.close()
    return { writes, received }
  }

  it('sends a burst in one write, every frame intact and in order', async () => {
    const expected = Array.from({ length: 20 }, (_, i) => `message ${i}`)
    const plain = await burst(20, false)
    wss?.close()
    const coalesced = await burst(20, true)
    expect(plain.received).toEqual(expected)
    expect(coalesced.received).toEqual(expected)
    expect(plain.writes).toBe(20)
    expect(coalesced.writes).toBe(1)
  })
})
