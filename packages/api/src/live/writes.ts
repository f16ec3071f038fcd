import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

interface Corkable {
  cork(): void
  uncork(): void
}

/** What a tick holds back at most before writing anyway (characters, about bytes). */
const MAX_HELD_BYTES = 16 * 1024

/**
 * Gathers a stream's writes for the rest of the current tick: call it with each write's size
 * before the write. The hub hands every subscriber its events in batches, which the transports
 * write one message at a time; corked, a batch leaves in one system call instead of one per
 * message (a fan-out's largest single cost, profiled in BENCHMARKS.md). The writes go out in the
 * same tick, so no message waits for a timer; past `maxHeldBytes` they go out at once, so what a
 * slow-consumer check counts as buffered is never more than that beyond what the network has
 * not taken.
 */
export function writesPerTick(
  stream: Corkable,
  maxHeldBytes = MAX_HELD_BYTES,
): (bytes: number) => void {
  let corked = false
  let held = 0
  const flush = () => {
    if (!corked) return
    corked = false
    held = 0
    stream.uncork()
  }
  return (bytes) => {
    if (held + bytes > maxHeldBytes) flush()
    if (!corked) {
      corked = true
      stream.cork()
      process.nextTick(flush)
    }
    held += bytes
  }
}

/**
 * Makes every `send` on a server-side WebSocket go through {@link writesPerTick}. For sockets
 * whose sender is not our code (tRPC's WebSocket adapter sends each subscription message
 * itself). `_socket` is the TCP socket `ws` writes its frames to.
 */
export function sendPerTick(ws: WebSocket): void {
  const socket = (ws as unknown as { _socket?: Socket })._socket
  if (!socket) return
  const hold = writesPerTick(socket)
  const send = ws.send.bind(ws)
  ws.send = ((...args: Parameters<WebSocket['send']>) => {
    const data = args[0]
    hold(
      typeof data === 'string' ? data.length : ((data as { byteLength?: number }).byteLength ?? 0),
    )
    send(...args)
  }) as WebSocket['send']
}
