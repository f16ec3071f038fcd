import type { IncomingMessage } from 'node:http'
import { RestError } from './errors.js'

// The body is left unread, so the connection cannot be reused for a next request.
const tooLarge = (limit: number) =>
  new RestError('PAYLOAD_TOO_LARGE', `request body larger than ${limit} bytes`, undefined, {
    connection: 'close',
  })

/**
 * Reads at most `limit` bytes of a request body and stops reading past them (413), so an
 * oversized upload costs the server `limit` bytes of memory at most.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit))

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
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit)
  try {
    return JSON.parse(raw.toString('utf8'))
  } catch (cause) {
    throw new RestError('BAD_REQUEST', 'request body is not valid JSON', undefined, {}, { cause })
  }
}
