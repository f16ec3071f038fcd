import { type ChildProcess, fork } from 'node:child_process'

/** What a child process answers: one async function per command, taking at most one argument. */
// biome-ignore lint/suspicious/noExplicitAny: the argument type is recovered per command below
export type Api = Record<string, (arg: any) => Promise<unknown>>

interface Request {
  id: number
  cmd: string
  arg: unknown
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

/**
 * Serves `api` to the parent over the IPC channel, then says hello: the parent only sends once
 * the listener is installed, so no command can arrive before there is someone to answer it.
 */
export function serve(api: Api): void {
  process.on('message', (req: Request) => {
    const handler = api[req.cmd]
    const reply = (r: Reply) => process.send?.(r)
    if (!handler) {
      reply({ id: req.id, ok: false, error: `unknown command ${req.cmd}` })
      return
    }
    handler(req.arg).then(
      (value) => reply({ id: req.id, ok: true, value }),
      (err: unknown) =>
        reply({
          id: req.id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        }),
    )
  })
  // Orphaned (the parent died or was killed): nothing left to measure for.
  process.on('disconnect', () => process.exit(0))
  process.send?.({ hello: true })
}

/** A forked child serving `T`. */
export interface Child<T extends Api> {
  pid: number
  process: ChildProcess
  call<K extends keyof T & string>(cmd: K, arg?: Parameters<T[K]>[0]): ReturnType<T[K]>
  /** Resolves when the child has exited. */
  exited: Promise<number | null>
}

/**
 * Forks `module` (e.g. `new URL('./server.ts', import.meta.url)`) under the same loader as this
 * process (tsx), or as plain JavaScript with `loader: false` (a bundle), with its stdout sent to
 * our stderr so the final report on stdout stays clean.
 */
export async function spawnChild<T extends Api>(
  module: URL,
  opts: { env?: NodeJS.ProcessEnv; execArgv?: string[]; loader?: boolean } = {},
): Promise<Child<T>> {
  const child = fork(module, [], {
    env: opts.env ?? process.env,
    execArgv: [...(opts.loader === false ? [] : process.execArgv), ...(opts.execArgv ?? [])],
    stdio: ['ignore', 2, 2, 'ipc'],
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 0
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error(`${module} exited with ${code}`))
      pending.clear()
      resolve(code)
    })
  })
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`${module} exited with ${code} before starting`)))
  })
  child.on('message', (msg: Reply) => {
    const p = pending.get(msg.id)
    if (!p) return
    pending.delete(msg.id)
    if (msg.ok) p.resolve(msg.value)
    else p.reject(new Error(`${module}: ${msg.error}`))
  })
  return {
    pid: child.pid!,
    process: child,
    exited,
    call: ((cmd: string, arg?: unknown) =>
      new Promise((resolve, reject) => {
        const id = next++
        pending.set(id, { resolve, reject })
        child.send({ id, cmd, arg } satisfies Request)
      })) as Child<T>['call'],
  }
}
