import { Worker } from 'node:worker_threads'
import type { Results } from '@electric-sql/pglite'

type Reply = { id: number; result?: unknown; error?: Record<string, unknown> }
type Pending = { resolve(value: unknown): void; reject(err: Error): void }

/** SQLSTATE 08006, "connection failure": a thread that died is answered as 503, not 500. */
const LOST = '08006'

function revive(data: Record<string, unknown>): Error {
  const err = new Error(String(data.message))
  Object.assign(err, data)
  return err
}

/**
 * PGlite on a worker thread, with the slice of its interface this project uses. PGlite computes
 * every query synchronously on the thread that owns it; in-process that froze the server's event
 * loop (live feed, sockets, timers) for as long as each query ran, and kept the database off the
 * machine's second core. Calls are messages; their results come back by structured clone (rows
 * keep their `Date`s and numbers).
 */
export class PGliteThread {
  #worker: Worker
  #pending = new Map<number, Pending>()
  #listeners = new Map<number, (payload: string) => void>()
  #next = 1
  /** Why calls are refused: closed on purpose (shutdown), or the thread died. */
  #down: Error | null = null

  private constructor(worker: Worker) {
    this.#worker = worker
    worker.on('message', (msg: Reply & { notify?: number; payload?: string }) => {
      if (msg.notify !== undefined) {
        this.#listeners.get(msg.notify)?.(msg.payload ?? '')
        return
      }
      const call = this.#pending.get(msg.id)
      if (!call) return
      this.#pending.delete(msg.id)
      this.#hold()
      if (msg.error) call.reject(revive(msg.error))
      else call.resolve(msg.result)
    })
    worker.on('error', (err) => this.#fail(err))
    worker.on('exit', (code) => this.#fail(new Error(`the PGlite thread exited with code ${code}`)))
    // A thread waiting for work must not keep the process alive; one with calls in flight must.
    this.#hold()
  }

  /** Starts the thread and waits until the database is open (`dataDir` absent → in memory). */
  static async start(dataDir?: string): Promise<PGliteThread> {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { dataDir } })
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (msg: { ready: boolean; error?: Record<string, unknown> }) =>
        msg.ready ? resolve() : reject(revive(msg.error ?? { message: 'PGlite failed to start' })),
      )
      worker.once('error', reject)
    })
    return new PGliteThread(worker)
  }

  get closed(): boolean {
    return this.#down !== null
  }

  query<T = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    options?: { blob?: Blob },
  ): Promise<Results<T>> {
    return this.#call({ op: 'query', sql, params, blob: options?.blob }) as Promise<Results<T>>
  }

  exec(sql: string): Promise<Results[]> {
    return this.#call({ op: 'exec', sql }) as Promise<Results[]>
  }

  /** Calls `onPayload` for each NOTIFY on `channel`; resolves to the function that stops it. */
  async listen(
    channel: string,
    onPayload: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    const listener = this.#next++
    this.#listeners.set(listener, onPayload)
    await this.#call({ op: 'listen', channel, listener })
    return async () => {
      this.#listeners.delete(listener)
      await this.#call({ op: 'unlisten', listener })
    }
  }

  async close(): Promise<void> {
    if (this.#down) return
    try {
      await this.#call({ op: 'close' })
    } finally {
      // Closed on purpose is the caller's mistake when used again, as with an in-process PGlite.
      this.#down = new Error('PGlite is closed')
      await this.#worker.terminate()
    }
  }

  #call(msg: Record<string, unknown>): Promise<unknown> {
    if (this.#down) return Promise.reject(this.#down)
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#hold()
      this.#worker.postMessage({ ...msg, id })
    })
  }

  #hold() {
    if (this.#pending.size > 0) this.#worker.ref()
    else this.#worker.unref()
  }

  #fail(cause: Error) {
    this.#down ??= Object.assign(new Error(`PGlite is unavailable: ${cause.message}`), {
      code: LOST,
      cause,
    })
    for (const call of this.#pending.values()) call.reject(this.#down)
    this.#pending.clear()
  }
}
