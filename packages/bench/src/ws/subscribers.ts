import type { AppRouter } from '@leads/api'
import type { FeedMessage } from '@leads/contract'
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client'
import superjson from 'superjson'
import { WebSocket } from 'ws'
import { Histogram } from '../common/histogram.js'
import { serve } from '../common/ipc.js'
import { nowMicros, parseProbe } from '../common/probe.js'

/**
 * `trpc`: the `analytics.activity` subscription through `@trpc/client`'s `wsLink`;
 * `plain`: the REST WebSocket at /api/analytics/activity-stream (JSON text frames);
 * `raw`: the baseline broadcast server's socket (same frames, no cursor).
 */
export type Transport = 'trpc' | 'plain' | 'raw'

export interface SubscribeArgs {
  transport: Transport
  /** ws:// URL of the socket to open, one per subscriber. */
  url: string
  count: number
  /** Only probes of this phase count. */
  tag: string
  /** Highest probe number that may be sent, plus one. */
  capacity: number
}

export interface SubscriberStats {
  unique: number
  duplicates: number
  latency: ReturnType<Histogram['toData']>
  /** When the last probe arrived (µs, same clock as the send times). */
  lastReceivedMicros: number
  /** Fewest probes any one subscriber received. */
  minPerSubscriber: number
  /** Sockets that closed without being asked to. */
  closes: number
  /** Subscriptions that ended with an error (e.g. closed as a slow consumer). */
  errors: number
  /** Resubscriptions from a cursor after an error or close. */
  resumes: number
}

const latency = new Histogram()
let lastReceivedMicros = 0
const counters = { closes: 0, errors: 0, resumes: 0 }

/** What one subscriber saw: a bit per probe number, to tell losses from duplicates exactly. */
class Tally {
  private readonly seen: Uint8Array
  unique = 0
  duplicates = 0
  warm = false
  lastId: string | null = null

  constructor(
    private readonly tag: string,
    capacity: number,
  ) {
    this.seen = new Uint8Array(Math.ceil(capacity / 8))
  }

  /** Any feed message; only events carry a probe (a gap notice moves the cursor only). */
  receive(message: Pick<FeedMessage, 'id'> & { leadId?: string | null }): void {
    const now = nowMicros()
    this.lastId = message.id
    const probe = parseProbe(message.leadId)
    if (!probe || probe.tag !== this.tag) return
    if (probe.n < 0) {
      this.warm = true
      return
    }
    const byte = probe.n >> 3
    const bit = 1 << (probe.n & 7)
    if (this.seen[byte]! & bit) {
      this.duplicates++
      return
    }
    this.seen[byte]! |= bit
    this.unique++
    latency.record(now - probe.sentMicros)
    lastReceivedMicros = now
  }
}

interface Subscriber {
  tally: Tally
  close(): void
}

function subscribeTrpc(args: SubscribeArgs, tally: Tally): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const wsClient = createWSClient({
      url: args.url,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    })
    const client = createTRPCClient<AppRouter>({
      links: [wsLink({ client: wsClient, transformer: superjson })],
    })
    let started = false
    let unsubscribe = () => {}
    // wsLink resumes by itself after a dropped socket (it sends the last tracked id); a
    // subscription that ended in an error (the server closed a slow consumer) is resumed here.
    const subscribe = (lastEventId: string | null) => {
      unsubscribe = client.analytics.activity.subscribe(
        { lastEventId },
        {
          onStarted: () => {
            if (started) return
            started = true
            resolve({
              tally,
              close: () => {
                unsubscribe()
                void wsClient.close()
              },
            })
          },
          onData: (tracked) => tally.receive(tracked.data),
          onError: (err) => {
            if (!started) {
              reject(err)
              return
            }
            counters.errors++
            counters.resumes++
            subscribe(tally.lastId)
          },
        },
      ).unsubscribe
    }
    subscribe(null)
  })
}

function subscribeSocket(args: SubscribeArgs, tally: Tally): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let closing = false
    let socket: WebSocket
    const open = (url: string, first: boolean) => {
      socket = new WebSocket(url)
      socket.on('message', (data, isBinary) => {
        if (isBinary) return
        const message = JSON.parse(String(data)) as { id?: unknown; leadId?: string | null }
        if (typeof message.id === 'string') tally.receive(message as { id: string })
      })
      socket.on('open', () => {
        if (first) resolve({ tally, close })
      })
      socket.on('error', (err) => {
        if (first && socket.readyState !== WebSocket.OPEN) reject(err)
      })
      socket.on('close', () => {
        if (closing) return
        counters.closes++
        // The REST stream resumes by cursor; the baseline has none and simply reconnects.
        const resumeUrl =
          args.transport === 'plain' && tally.lastId
            ? `${args.url}?lastEventId=${encodeURIComponent(tally.lastId)}`
            : args.url
        counters.resumes++
        setTimeout(() => open(resumeUrl, false), 100)
      })
    }
    const close = () => {
      closing = true
      socket.close()
    }
    open(args.url, true)
  })
}

let subscribers: Subscriber[] = []

export const api = {
  /** Opens `count` subscribers, 50 at a time; resolves once every one is subscribed. */
  start: async (args: SubscribeArgs) => {
    const connect = args.transport === 'trpc' ? subscribeTrpc : subscribeSocket
    for (let i = 0; i < args.count; i += 50) {
      const batch = Array.from({ length: Math.min(50, args.count - i) }, () =>
        connect(args, new Tally(args.tag, args.capacity)),
      )
      subscribers.push(...(await Promise.all(batch)))
    }
    return subscribers.length
  },
  /** How many subscribers have received a warm-up probe (so are surely live). */
  warm: async () => subscribers.filter((s) => s.tally.warm).length,
  /** Distinct probes received, summed over subscribers. */
  progress: async () => subscribers.reduce((n, s) => n + s.tally.unique, 0),
  collect: async (): Promise<SubscriberStats> => ({
    unique: subscribers.reduce((n, s) => n + s.tally.unique, 0),
    duplicates: subscribers.reduce((n, s) => n + s.tally.duplicates, 0),
    latency: latency.toData(),
    lastReceivedMicros,
    minPerSubscriber: Math.min(...subscribers.map((s) => s.tally.unique)),
    ...counters,
  }),
  stop: async () => {
    for (const s of subscribers) s.close()
    subscribers = []
    setTimeout(() => process.exit(0), 200)
  },
}
export type SubscribersApi = typeof api
serve(api)
