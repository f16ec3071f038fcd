import { parseArgs } from 'node:util'
import { DEFAULT_AGENTS } from '../seed/generate.js'
import { runSimulator } from '../seed/simulator.js'
import { loadEnv, scriptArgs, timeZoneFlag } from './env.js'

const env = loadEnv()
const USAGE =
  'usage: pnpm simulate [--url URL] [--rate EVENTS_PER_S] [--agents N] [--seed N] [--tz ZONE] [--seasonal] [--cold] [--token JWT]'

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    url: { type: 'string', default: `http://127.0.0.1:${env.PORT}` },
    rate: { type: 'string', default: '5' },
    agents: { type: 'string', default: String(DEFAULT_AGENTS) },
    seed: { type: 'string', default: '1' },
    tz: { type: 'string', default: env.ORG_TIMEZONE },
    seasonal: { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
    token: { type: 'string', default: env.INGEST_TOKEN },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const rate = Number(values.rate)
const agents = Number(values.agents)
const seed = Number(values.seed)
if (!(rate > 0) || !Number.isInteger(agents) || agents < 1 || !Number.isInteger(seed)) {
  console.error(`--rate must be > 0, --agents and --seed integers\n${USAGE}`)
  process.exit(2)
}

const controller = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort())

const stats = await runSimulator({
  url: values.url,
  ratePerSecond: rate,
  tz: timeZoneFlag(values.tz),
  signal: controller.signal,
  token: values.token,
  agents,
  seed,
  seasonal: values.seasonal,
  cold: values.cold,
})
console.log(
  `stopped: sent ${stats.sent} events, ${stats.accepted} accepted, ${stats.duplicates} duplicates, ` +
    `${stats.rejected} rejected, ${stats.failedRequests} failed requests`,
)
