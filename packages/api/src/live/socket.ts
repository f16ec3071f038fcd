import { WebSocket } from 'ws'
import { AuthError } from '../auth/tokens.js'
import { SlowConsumerError } from './hub.js'
import { type FeedSource, formattedOnce, type StreamConnection, type StreamEnd } from './stream.js'
import { sendPerTick } from './writes.js'

/** One JSON text frame per message, shared by every socket sending it. */
const toFrame = formattedOnce((event) => JSON.stringify(event.message))

/** Close code and reason for a client that fell behind; it reconnects with its last id. */
export const SLOW_CONSUMER_CODE = 4008
export const SLOW_CONSUMER_REASON = 'slow consumer: resume with lastEventId'
/** Close code once the caller's token expires (4000 + 401, as for a refused credential). */
export const TOKEN_EXPIRED_CODE = 4401

export interface SocketOptions {
  /** Past this many bytes queued on the socket the client counts as slow and is closed. */
  maxBufferedBytes: number
  pingMs: number
  pongWaitMs: number
  /** How long a peer has to complete the close handshake before the socket is cut. */
  closeGraceMs: number
  /** Told once, as soon as the stream's end is decided (before the socket has closed). */
  onEnd?: (end: StreamEnd) => void
}

/**
 * Streams activity to a plain WebSocket as JSON text frames, one message each. Pings every
 * `pingMs` and cuts a peer that does not answer within `pongWaitMs`; closes with 4008 when the
 * client falls behind (the hub's queue overflowed or more than `maxBufferedBytes` wait on the
 * socket), so memory per connection stays bounded and the client resumes by cursor.
 */
export function streamToSocket(
  ws: WebSocket,
  events: FeedSource,
  opts: SocketOptions,
): StreamConnection {
  const aborter = new AbortController()
  let end: StreamEnd | null = null
  let error: unknown
  let graceTimer: NodeJS.Timeout | undefined
  let pongTimer: NodeJS.Timeout | undefined

  const settle = (why: StreamEnd): boolean => {
    if (end) return false
    end = why
    aborter.abort()
    opts.onEnd?.(why)
    return true
  }
  const finish = (why: StreamEnd, code: number, reason: string) => {
    if (!settle(why)) return
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason)
    // A peer that stopped reading never answers the close frame; do not hold its buffer for long.
    graceTimer = setTimeout(() => ws.terminate(), opts.closeGraceMs)
  }

  const pingTimer = setInterval(() => {
    if (pongTimer) return
    pongTimer = setTimeout(() => {
      settle('dead')
      ws.terminate()
    }, opts.pongWaitMs)
    ws.ping()
  }, opts.pingMs)
  ws.on('pong', () => {
    clearTimeout(pongTimer)
    pongTimer = undefined
  })
  // The server expects nothing from the client; whatever it sends is ignored.
  ws.on('message', () => {})
  // A socket error is followed by 'close', which ends the stream.
  ws.on('error', () => {})
  const closed = new Promise<void>((resolve) =>
    ws.once('close', () => {
      settle('client')
      clearInterval(pingTimer)
      clearTimeout(pongTimer)
      clearTimeout(graceTimer)
      resolve()
    }),
  )

  sendPerTick(ws)
  const pumped = (async () => {
    try {
      for await (const event of events(aborter.signal)) {
        // Closing (the client asked to): its 'close' event will end the stream.
        if (aborter.signal.aborted || ws.readyState !== WebSocket.OPEN) break
        ws.send(toFrame(event))
        if (ws.bufferedAmount > opts.maxBufferedBytes) {
          finish('slow', SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON)
          break
        }
      }
      // The feed ends on its own only when the hub stops, i.e. the server is going away.
      if (ws.readyState === WebSocket.OPEN) finish('shutdown', 1001, 'server shutting down')
    } catch (err) {
      if (err instanceof SlowConsumerError) {
        finish('slow', SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON)
      } else if (err instanceof AuthError) {
        finish('expired', TOKEN_EXPIRED_CODE, 'token expired')
      } else {
        error = err
        finish('error', 1011, 'internal error')
      }
    }
  })()

  return {
    shutdown: () => finish('shutdown', 1001, 'server shutting down'),
    buffered: () => ws.bufferedAmount,
    done: Promise.all([closed, pumped]).then(() => ({
      end: end ?? 'client',
      ...(error !== undefined && { error }),
    })),
  }
}
