import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
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

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
}

/** Codings a request body may be sent in (`Content-Encoding`), besides none. */
export const BODY_ENCODINGS = Object.keys(DECODERS)

/** The decoder for the request's `Content-Encoding`, none for an unencoded body; else 415. */
function decoderFor(req: IncomingMessage): { coding: string; decoder: Transform } | undefined {
  const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase()
  if (coding === '' || coding === 'identity') return undefined
  const make = Object.hasOwn(DECODERS, coding) ? DECODERS[coding] : undefined
  if (!make) {
    throw new RestError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content-encoding ${JSON.stringify(coding)} is not supported; send the body as is or in ` +
        `one of ${BODY_ENCODINGS.join(', ')}`,
    )
  }
  return { coding, decoder: make() }
}

/**
 * Reads at most `limit` bytes of a request body and stops reading past them (413), so an
 * oversized upload costs the server `limit` bytes of memory at most. A body sent compressed
 * (`Content-Encoding: gzip`, `deflate` or `br`) is decoded as it arrives, and the limit holds for
 * both what is sent and what it decodes to, so a small bomb is stopped at `limit` bytes too.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit))
  let encoded: ReturnType<typeof decoderFor>
  try {
    encoded = decoderFor(req)
  } catch (err) {
    return Promise.reject(err)
  }
  if (awaitingContinue.delete(req)) res.writeContinue()

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let sent = 0
    let settled = false
    const detach = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onError)
    }
    const settle = (err?: RestError) => {
      if (settled) return
      settled = true
      detach()
      if (err) {
        req.pause()
        encoded?.decoder.destroy()
        reject(err)
      } else resolve(Buffer.concat(chunks, size))
    }
    const take = (chunk: Buffer) => {
      if (settled) return
      size += chunk.length
      if (size > limit) settle(tooLarge(limit))
      else chunks.push(chunk)
    }
    const onData = (chunk: Buffer) => {
      sent += chunk.length
      if (sent > limit) settle(tooLarge(limit))
      else if (encoded) encoded.decoder.write(chunk)
      else take(chunk)
    }
    // The request is over (its 'close' follows); an encoded body still has its tail to decode.
    const onEnd = () => {
      detach()
      if (encoded) encoded.decoder.end()
      else settle()
    }
    const onError = (cause?: unknown) =>
      settle(
        new RestError(
          'BAD_REQUEST',
          'request body could not be read',
          undefined,
          { connection: 'close' },
          { cause },
        ),
      )
    if (encoded) {
      const { coding, decoder } = encoded
      decoder.on('data', take)
      decoder.on('end', () => settle())
      const corrupt = `request body is not valid ${coding}`
      decoder.on('error', (cause) =>
        settle(new RestError('BAD_REQUEST', corrupt, undefined, {}, { cause })),
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
