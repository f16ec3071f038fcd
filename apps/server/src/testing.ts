import { signToken, type TokenClaims } from '@leads/api'
import { type Logger, pino } from 'pino'
import { WebSocket } from 'ws'

// Helpers shared by this package's tests (never imported by the server itself).

export const silent = pino({ level: 'silent' })
export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long'

/** A logger whose JSON lines land in an array, to check what was logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  return { logger, lines }
}

/** A token signed with {@link TEST_SECRET}. */
export const signTest = (claims: TokenClaims, ttl: string | number = '1h', now?: number) =>
  signToken(TEST_SECRET, claims, ttl, now === undefined ? {} : { now })
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
export const wsUrl = (url: string) => url.replace(/^http/, 'ws')

/** Status, headers and JSON body of a refused WebSocket upgrade; rejects if it is accepted. */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers })
  return new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>(
    (resolve, reject) => {
      ws.on('open', () => {
        ws.close()
        reject(new Error('upgrade was accepted'))
      })
      ws.on('error', () => {})
      ws.on('unexpected-response', (_req, res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? null : JSON.parse(text),
          }),
        )
      })
    },
  )
}

/** Opens a WebSocket and resolves once it is open (rejects on a refused upgrade). */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    )
  })
}

/** Resolves with the close code and reason of `ws`. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
}

/** A promise with its resolve function outside (Node 20 has no Promise.withResolvers). */
export function deferred<T = void>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
