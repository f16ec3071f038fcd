import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isFrozenObject, jsonOf } from '../cache/json.js'
import type { RestError } from './errors.js'

/**
 * Reads are fresh for about a second (SPEC §5), so a client must revalidate every time; the
 * ETag makes that revalidation cheap. `private`: answers may depend on who is asking.
 */
export const READ_CACHE_CONTROL = 'private, max-age=0, must-revalidate'

export const JSON_TYPE = 'application/json; charset=utf-8'

/** A strong validator: the SHA-256 of the exact bytes sent. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`
}

/** `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2), so `W/"x"` matches `"x"`. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return (t.startsWith('W/') ? t.slice(2) : t) === etag
  })
}

/** A body to send, and its ETag. */
export interface Encoded {
  body: string
  etag: string
}

export function encode(body: string): Encoded {
  return { body, etag: strongEtag(body) }
}

const encodings = new WeakMap<object, Encoded>()

/**
 * The JSON of an answer. A frozen answer is one the read cache holds and hands to every hit, so
 * its encoding is remembered for as long as the answer lives: a hit skips the stringify and the
 * hash.
 */
export function encodeJson(value: unknown): Encoded {
  const frozen = isFrozenObject(value)
  const known = frozen ? encodings.get(value) : undefined
  if (known) return known
  const encoded = encode(jsonOf(value))
  if (frozen) encodings.set(value, encoded)
  return encoded
}

/** Answers a GET with `ETag` and `Cache-Control`, or a bodiless 304 when the client's copy is current. */
export function sendCacheable(
  req: IncomingMessage,
  res: ServerResponse,
  contentType: string,
  { body, etag }: Encoded,
  extra: Record<string, string> = {},
): void {
  const validators = { etag, 'cache-control': READ_CACHE_CONTROL }
  if (matchesIfNoneMatch(req.headers['if-none-match'], etag)) {
    res.writeHead(304, validators)
    res.end()
    return
  }
  res.writeHead(200, {
    ...extra,
    ...validators,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    'x-content-type-options': 'nosniff',
  })
  res.end(body)
}

/** A JSON answer that no cache may keep (ingest results, errors). */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    ...extra,
    'content-type': JSON_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(body)
}

export function sendError(res: ServerResponse, err: RestError): void {
  // Nothing is streamed, so this only happens if the socket died mid-answer.
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, err.status, err.body(), err.headers)
}
