import type { ServerResponse } from 'node:http'
import { AuthError } from '../auth/tokens.js'
import { SlowConsumerError } from './hub.js'
import {
  type ActivityEvent,
  type FeedSource,
  formattedOnce,
  type StreamConnection,
  type StreamEnd,
} from './stream.js'
import { writesPerTick } from './writes.js'

export interface SseOptions {
  /** Past this many bytes queued on the response the client counts as slow and is cut. */
  maxBufferedBytes: number
  /** A `: ping` comment this often keeps proxies from timing the stream out. */
  pingMs: number
  /** Reconnection delay the client is told to use (`retry:`). */
  retryMs: number
  /** How long an ended response may take to flush before the connection is cut. */
  closeGraceMs: number
  /** Told once, as soon as the stream's end is decided (before the connection has closed). */
  onEnd?: (end: StreamEnd) => void
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  // Once a stream ends its connection goes too: nothing reuses it, and a server shutting down
  // must not wait for the client to drop an idle keep-alive socket.
  connection: 'close',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
}

/**
 * One SSE event: `id:` is the cursor a client resumes from with `Last-Event-ID`. A gap notice
 * and a filtered feed's cursor are events of their own names (`gap`, `cursor`), so a client
 * listening for `activity` only never sees one, while its EventSource still takes the cursor.
 */
function formatEvent({ id, message }: ActivityEvent): string {
  const name = message.kind === 'gap' || message.kind === 'cursor' ? message.kind : 'activity'
  return `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(message)}\n\n`
}

/** The event's SSE frame, shared by every stream sending it. */
const toSse = formattedOnce(formatEvent)

/**
 * Answers a request with a Server-Sent Events stream that ends at once, telling the client to
 * come back after `retryMs`. Used while shutting down: an EventSource gives up for good on an
 * error status, but reconnects (to another instance, behind a balancer) after a clean end.
 */
export function sendRetryLater(res: ServerResponse, retryMs: number): void {
  res.writeHead(200, HEADERS)
  res.end(`retry: ${retryMs}\n\n`)
}

/**
 * Streams activity as Server-Sent Events (`event: activity`, `id:` = cursor, `data:` = the JSON
 * message), with a `: ping` comment every `pingMs`. A client that stops reading is cut once more
 * than `maxBufferedBytes` wait on its response; EventSource then reconnects with `Last-Event-ID`
 * and a partly sent event is discarded by its parser, so nothing is lost or doubled.
 */
export function streamToSse(
  res: ServerResponse,
  events: FeedSource,
  opts: SseOptions,
): StreamConnection {
  const aborter = new AbortController()
  let end: StreamEnd | null = null
  let error: unknown
  let graceTimer: NodeJS.Timeout | undefined
  let pingTimer: NodeJS.Timeout | undefined

  const settle = (why: StreamEnd): boolean => {
    if (end) return false
    end = why
    aborter.abort()
    clearInterval(pingTimer)
    opts.onEnd?.(why)
    return true
  }
  const finish = (why: StreamEnd, cut: boolean) => {
    if (!settle(why)) return
    if (cut) {
      res.destroy()
      return
    }
    res.end()
    graceTimer = setTimeout(() => res.destroy(), opts.closeGraceMs)
  }
  const hold = writesPerTick(res)
  const write = (chunk: string) => {
    if (end) return
    hold(chunk.length)
    if (!res.write(chunk) && res.writableLength > opts.maxBufferedBytes) finish('slow', true)
  }

  res.writeHead(200, HEADERS)
  res.socket?.setNoDelay(true)
  write(`retry: ${opts.retryMs}\n\n`)
  pingTimer = setInterval(() => write(': ping\n\n'), opts.pingMs)
  const closed = new Promise<void>((resolve) =>
    res.once('close', () => {
      settle('client')
      clearTimeout(graceTimer)
      resolve()
    }),
  )

  const pumped = (async () => {
    try {
      for await (const event of events(aborter.signal)) {
        if (end) break
        write(toSse(event))
      }
      // The feed ends on its own only when the hub stops, i.e. the server is going away.
      finish('shutdown', false)
    } catch (err) {
      if (err instanceof SlowConsumerError) {
        finish('slow', false)
      } else if (err instanceof AuthError) {
        // Told why before the end; the client's reconnect with the same token is then refused.
        write(
          `event: expired\ndata: ${JSON.stringify({ error: { code: err.code, message: err.message } })}\n\n`,
        )
        finish('expired', false)
      } else {
        error = err
        finish('error', false)
      }
    }
  })()

  return {
    shutdown: () => finish('shutdown', false),
    buffered: () => res.writableLength,
    done: Promise.all([closed, pumped]).then(() => ({
      end: end ?? 'client',
      ...(error !== undefined && { error }),
    })),
  }
}
