import {
  type ApiDeps,
  FeedHub,
  InProcessBus,
  signToken,
  systemClock,
  type TokenClaims,
} from '@leads/api'
import type { DbClient } from '@leads/db'
import { type Logger, pino } from 'pino'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { WebSocket } from 'ws'
import { createServer, type LeadsServer, type ServerOptions } from './server.js'

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

export interface TestServers {
  /** The block's own database (open from its `beforeAll` on). */
  readonly client: DbClient
  /** The live feed over it, shared by the block's servers. */
  readonly hub: FeedHub
  /** A server over the block's database and hub, closed after the test that started it. */
  start(options?: Partial<ServerOptions>, deps?: Partial<ApiDeps>): Promise<StartedServer>
  /** The same, for a `beforeAll`: closed after the whole block. */
  startShared(options?: Partial<ServerOptions>, deps?: Partial<ApiDeps>): Promise<StartedServer>
}

export interface StartedServer {
  server: LeadsServer
  url: string
}

/**
 * The servers of one `describe` block. Registers its hooks: a database of the block's own and a
 * feed hub over it before the block, each test's servers closed after it, the rest after the
 * block. `defaults` are every server's options, with their `deps` merged under a call's.
 */
export function testServers(
  open: () => Promise<DbClient>,
  defaults: {
    options?: Omit<Partial<ServerOptions>, 'deps'>
    deps?: Partial<ApiDeps>
    hub?: { maxBuffer?: number }
  } = {},
): TestServers {
  let client: DbClient | undefined
  let hub: FeedHub | undefined
  const perTest: LeadsServer[] = []
  const shared: LeadsServer[] = []
  const opened = () => {
    if (!client || !hub) throw new Error('testServers: used before its beforeAll ran')
    return { client, hub }
  }

  beforeAll(async () => {
    client = await open()
    hub = new FeedHub(client.db, new InProcessBus(), defaults.hub)
    await hub.start()
  })
  afterEach(async () => {
    await Promise.all(perTest.splice(0).map((s) => s.close()))
  })
  afterAll(async () => {
    await Promise.all(shared.splice(0).map((s) => s.close()))
    await hub?.stop()
    await client?.close()
  })

  const startInto =
    (list: LeadsServer[]) =>
    async (options: Partial<ServerOptions> = {}, deps: Partial<ApiDeps> = {}) => {
      const { client, hub } = opened()
      const server = createServer({
        logger: silent,
        ...defaults.options,
        ...options,
        deps: {
          db: client.db,
          clock: systemClock,
          orgTimezone: 'UTC',
          live: hub,
          ...defaults.deps,
          ...deps,
        },
      })
      list.push(server)
      return { server, url: await server.listen() }
    }

  return {
    get client() {
      return opened().client
    },
    get hub() {
      return opened().hub
    },
    start: startInto(perTest),
    startShared: startInto(shared),
  }
}
