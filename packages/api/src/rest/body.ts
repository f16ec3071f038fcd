import type { IncomingMessage, ServerResponse } from 'node:http'
import { RestError } from './errors.js'

const tooLarge = (limit: number) =>
  new RestError('PAYLOAD_TOO_LARGE', `request body larger than ${limit} bytes`)

/** Requests sent with `Expect: 100-continue` whose `100 Continue` waits until the body is read. */
const awaitingContinue = new WeakSet<IncomingMessage>()

/**
 * Holds back the `100 Continue` of `req` until the handler reads its body: a request refused
 * before that (401, 403, 413 by its length) is answered at once, and the client never uploads.
 * The server calls it from its `checkContinue` listener for the paths whose handler reads the
 * body with {@link readBody}.
 */
export function deferContinue(req: IncomingMessage): void {
  awaitingContinue.add(req)
}

/** Past this much of a refused request's body, the connection is cut instead of drained. */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024
/** And past this long. */
export const DRAIN_MAX_MS = 10_000

/**
 * Before answering a request whose body was not (all) read: a client that is still uploading
 * only reads the answer once its upload is taken, so the rest of the body is read and dropped
 * (RFC 9112 §9.6's lingering close) and the connection stays usable — up to
 * {@link DRAIN_MAX_BYTES} or {@link DRAIN_MAX_MS}, past which it is cut. A client that was
 * never sent `100 Continue` does not upload: that connection closes after the answer.
 */
export function settleUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete || req.method === 'GET' || req.method === 'HEAD') return
  const declared = Number(req.headers['content-length'])
  if (awaitingContinue.delete(req) || (Number.isFinite(declared) && declared > DRAIN_MAX_BYTES)) {
    res.setHeader('connection', 'close')
    return
  }
  let seen = 0
  const cut = () => req.socket.destroy()
  const timer = setTimeout(cut, DRAIN_MAX_MS)
  timer.unref()
  const done = () => clearTimeout(timer)
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length
    if (seen > DRAIN_MAX_BYTES) {
      done()
      cut()
    }
  })
  req.once('end', done)
  req.once('close', done)
  // Reading starts before the answer goes out, so Node does not dump the body itself (which
  // would drop the listener above and read without a bound).
  req.resume()
}

/**
 * Reads at most `limit` bytes of a request body and stops reading past them (413), so an
 * oversized upload costs the server `limit` bytes of memory at most.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit))
  if (awaitingContinue.delete(req)) res.writeContinue()

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onError)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        req.pause()
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(Buffer.concat(chunks, size))
    }
    const onError = (cause?: unknown) => {
      cleanup()
      reject(
        new RestError(
          'BAD_REQUEST',
          'request body could not be read',
          undefined,
          { connection: 'close' },
          { cause },
        ),
      )
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onError)
  })
}

/** The body parsed as JSON; 400 when it is not JSON. */
export async function readJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<unknown> {
  const raw = await readBody(req, res, limit)
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch (cause) {
    throw new RestError('BAD_REQUEST', 'request body is not valid JSON', undefined, {}, { cause })
  }
}
