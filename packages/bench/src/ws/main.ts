import { cpus, totalmem } from 'node:os'
import { resolve } from 'node:path'
import { WebSocket } from 'ws'
import { createBenchDatabase } from '../common/database.js'
import { IngestDriver } from '../common/ingest.js'
import { spawnChild } from '../common/ipc.js'
import { sampleProc } from '../common/proc.js'
import { measuredServerEnv, measuredServerModule } from '../common/serverEnv.js'
import type { LeadsServerApi } from './leads-server.js'
import { parseOptions } from './options.js'
import { type PhaseResult, type PhaseSpec, runPhase } from './phase.js'
import type { RawServerApi } from './raw-server.js'
import { renderTable, renderTargets } from './report.js'

const opts = parseOptions(process.argv.slice(2), process.env)
const log = (line: string) => process.stderr.write(`${line}\n`)
const runId = Date.now().toString(36)
const results: PhaseResult[] = []
const started = performance.now()
/** Run on Ctrl-C too: a stopped benchmark must not leave a database or a data directory behind. */
const cleanups = new Set<() => Promise<void>>()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`)
    void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(130))
  })
}

log(
  `bench:ws — ${opts.subscribers} subscribers, ${opts.rate} events/s, ${opts.duration} s per phase, ` +
    `phases ${opts.phases.join(',')}; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
)

if (opts.phases.includes('raw')) {
  const raw = await spawnChild<RawServerApi>(new URL('./raw-server.ts', import.meta.url), {
    execArgv: ['--expose-gc'],
  })
  try {
    const url = await raw.call('url')
    await warmUpServer(url)
    results.push(
      await runPhase(
        {
          label: 'raw `ws` broadcast',
          transport: 'raw',
          httpUrl: url,
          wsUrl: `${url.replace('http', 'ws')}/ws`,
          serverPid: raw.pid,
          loopDelay: () => raw.call('loopDelay'),
          memory: () => raw.call('memory'),
          withReads: false,
        },
        opts,
        `${runId}raw`,
      ),
    )
  } finally {
    await raw.call('stop')
    await raw.exited
  }
}

const readLoad = `${opts.readConnections} conns${opts.readRate ? `, ${opts.readRate} req/s` : ''}`
const oursPhases = opts.phases.filter((p) => p !== 'raw')
let database = ''
let idleRssMb = Number.NaN
if (oursPhases.length > 0) {
  const db = await createBenchDatabase(opts.databaseUrl)
  cleanups.add(db.drop)
  database = db.describe
  const server = await spawnChild<LeadsServerApi>(await measuredServerModule(), {
    env: measuredServerEnv(db.env, opts.redisUrl),
    execArgv: [
      '--expose-gc',
      ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.cpuProf)}`] : []),
    ],
    loader: false,
  })
  try {
    const url = await server.call('url')
    idleRssMb = Math.round(((await sampleProc(server.pid))?.rssBytes ?? Number.NaN) / 2 ** 20)
    log(`server under test at ${url} on ${database}; idle RSS ${idleRssMb} MB`)
    await warmUpServer(url)
    const ws = url.replace('http', 'ws')
    /** A run with ingest and reads on `server`, the subscribers on `on` (the same by default). */
    const ours = (
      label: string,
      transport: 'trpc' | 'plain',
      wsPath: string,
      withReads = false,
      on = { child: server, ws },
    ) =>
      ({
        label,
        transport,
        httpUrl: url,
        wsUrl: `${on.ws}${wsPath}`,
        serverPid: on.child.pid,
        ...(on.child !== server && { apiPid: server.pid }),
        loopDelay: () => on.child.call('loopDelay'),
        memory: () => on.child.call('memory'),
        withReads,
      }) satisfies PhaseSpec
    if (opts.phases.includes('trpc')) {
      results.push(
        await runPhase(ours('ours: tRPC `wsLink`', 'trpc', '/api/trpc'), opts, `${runId}trpc`),
      )
    }
    if (opts.phases.includes('plain')) {
      if (await acceptsWebSocket(`${ws}/api/analytics/activity-stream`)) {
        results.push(
          await runPhase(
            ours(
              'ours: plain WS /api/analytics/activity-stream',
              'plain',
              '/api/analytics/activity-stream',
            ),
            opts,
            `${runId}plain`,
          ),
        )
      } else log('no WebSocket at /api/analytics/activity-stream yet; plain phase skipped')
    }
    if (opts.phases.includes('reads')) {
      results.push(
        await runPhase(
          ours(`ours: tRPC \`wsLink\` + read load (${readLoad})`, 'trpc', '/api/trpc', true),
          opts,
          `${runId}reads`,
        ),
      )
    }
    const feedPhases = (['feed', 'feed-reads'] as const).filter((p) => opts.phases.includes(p))
    if (feedPhases.length > 0 && !opts.databaseUrl) {
      log('a feed instance needs a database two processes can share; feed phases skipped on PGlite')
    } else if (feedPhases.length > 0) {
      // The layout a load balancer makes by routing the stream paths to instances of their own:
      // ingest and reads on the first server, the subscribers on a second one that learns of
      // each batch through the bus (NOTIFY, or Redis).
      const feed = await spawnChild<LeadsServerApi>(await measuredServerModule(), {
        env: measuredServerEnv(db.env, opts.redisUrl),
        execArgv: ['--expose-gc'],
        loader: false,
      })
      try {
        const feedWs = (await feed.call('url')).replace('http', 'ws')
        for (const phase of feedPhases) {
          const withReads = phase === 'feed-reads'
          const label = withReads
            ? `ours: tRPC \`wsLink\` on a feed instance + read load (${readLoad}) on the other`
            : 'ours: tRPC `wsLink` on a feed instance, ingest on the other'
          results.push(
            await runPhase(
              ours(label, 'trpc', '/api/trpc', withReads, { child: feed, ws: feedWs }),
              opts,
              `${runId}${phase.replace('-', '')}`,
            ),
          )
        }
      } finally {
        await feed.call('stop')
        await feed.exited
      }
    }
  } finally {
    await server.call('stop')
    await server.exited
    cleanups.delete(db.drop)
    await db.drop()
  }
}

const minutes = (performance.now() - started) / 60_000
process.stdout.write(
  [
    `## bench:ws — ${opts.subscribers} subscribers × ${opts.rate} events/s × ${opts.duration} s per run`,
    '',
    `Database: ${database || 'none (raw only)'}${opts.redisUrl ? ', Redis bus and cache' : ''}; ` +
      `server idle RSS ${idleRssMb} MB; whole benchmark took ${minutes.toFixed(1)} min.`,
    '',
    renderTable(results),
    '',
    renderTargets(results),
    '',
  ].join('\n'),
)

/**
 * A few seconds of unmeasured ingest with nobody listening, so the first phase does not pay for
 * the JIT, the database's first plans and the first partitions.
 */
async function warmUpServer(url: string): Promise<void> {
  log('warming the server up: 3 s of ingest without subscribers')
  const ingest = new IngestDriver(url, `${runId}warm${Math.random().toString(36).slice(2, 6)}`)
  await ingest.run(opts.rate, 3_000, opts.batchMs)
  await ingest.close(60_000)
}

/** Whether the server upgrades a WebSocket at `url` (the plain stream may not exist yet). */
function acceptsWebSocket(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url)
    socket.on('open', () => {
      socket.close()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
    socket.on('unexpected-response', (_req, res) => {
      res.resume()
      socket.terminate()
      resolve(false)
    })
  })
}
