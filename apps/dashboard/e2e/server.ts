/** The production server (`pnpm start`'s command) as a child process the browser tests can kill. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const SERVER_DIR = fileURLToPath(new URL('../../server/', import.meta.url))
const DB_DIR = fileURLToPath(new URL('../../../packages/db/', import.meta.url))
export const DASHBOARD_DIST = fileURLToPath(new URL('../dist/', import.meta.url))
/** The production bundle `pnpm start` runs, built for these tests by `bundle.setup.ts`. */
export const SERVER_BUNDLE = 'dist-e2e/main.js'

/** Bundles the server as `pnpm build` does (apps/server `src/build.ts`), into {@link SERVER_BUNDLE}. */
export async function bundleServer(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/build.ts', SERVER_BUNDLE], {
    cwd: SERVER_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`bundling the server failed (exit ${code}):\n${output}`)
}

/** A port nobody listens on now; the server is then started on it (and restarted on the same one). */
export async function freePort(): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  await once(probe, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port assigned')
  return address.port
}

export interface ServerOptions {
  port: number
  dataDir: string
  orgTimezone: string
  /** Set: authentication on, every API call needs a token signed with it. Default: open. */
  jwtSecret?: string
  /** Default `production`, as `pnpm start`; `development` also serves `POST /api/dev/token`. */
  nodeEnv?: 'production' | 'development'
  /** FEED_REPLAY_EVENTS: how far back a resuming feed is replayed. Default: the server's. */
  feedReplayEvents?: number
}

export interface RunningServer {
  url: string
  /** Ends the process with `signal` and waits until it has exited. */
  stop(signal: NodeJS.Signals): Promise<void>
  /** What the server printed, for failure messages. */
  output(): string
}

/**
 * Starts the production bundle in apps/server (`node dist-e2e/main.js`, as `pnpm start` runs
 * `dist/main.js` after building the dashboard) and resolves once `/readyz` answers 200.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  if (!existsSync(`${DASHBOARD_DIST}index.html`)) {
    throw new Error(
      `no dashboard build in ${DASHBOARD_DIST}: run \`pnpm --filter @leads/dashboard build\` first`,
    )
  }
  if (!existsSync(`${SERVER_DIR}${SERVER_BUNDLE}`)) {
    throw new Error(`no server bundle at ${SERVER_DIR}${SERVER_BUNDLE}: bundle.setup.ts makes it`)
  }
  const child = spawn(process.execPath, [SERVER_BUNDLE], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      PORT: String(opts.port),
      HOST: '127.0.0.1',
      DATA_DIR: opts.dataDir,
      DASHBOARD_DIR: DASHBOARD_DIST,
      ORG_TIMEZONE: opts.orgTimezone,
      NODE_ENV: opts.nodeEnv ?? 'production',
      LOG_LEVEL: 'warn',
      // Empty counts as unset: the tests always run on a fresh PGlite with the in-process bus,
      // and authentication is what the test asks for, whatever the shell exported.
      DATABASE_URL: '',
      REDIS_URL: '',
      AUTH_JWT_SECRET: opts.jwtSecret ?? '',
      AUTH_JWKS_URL: '',
      AUTH_JWT_ISSUER: '',
      AUTH_JWT_AUDIENCE: '',
      LEADERBOARD_ANONYMIZE: '',
      PSEUDONYM_KEY: '',
      FEED_REPLAY_EVENTS: opts.feedReplayEvents === undefined ? '' : String(opts.feedReplayEvents),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = once(child, 'exit')
  const url = `http://127.0.0.1:${opts.port}`

  const server: RunningServer = {
    url,
    output: () => output,
    async stop(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      await exited
    },
  }
  try {
    await waitUntilReady(url, child, 30_000)
  } catch (err) {
    await server.stop('SIGKILL')
    throw new Error(`${(err as Error).message}\n--- server output ---\n${output}`, { cause: err })
  }
  return server
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })
      if (res.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms`)
}

/**
 * Fills `dataDir` with demo history the way `pnpm db:seed` does (`packages/db`'s seed CLI: the
 * seed generator's 30-agent roster, office hours in `tz`, up to now).
 */
export async function seedDemo(
  dataDir: string,
  opts: { days: number; events: number; tz: string },
): Promise<void> {
  const args = ['--days', String(opts.days), '--events', String(opts.events), '--tz', opts.tz]
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', ...args], {
    cwd: DB_DIR,
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`seeding failed (exit ${code}):\n${output}`)
}
