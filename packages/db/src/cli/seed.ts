import { parseArgs } from 'node:util'
import { ensureUpcomingPartitions, migrateToLatest } from '../migrate.js'
import { DEFAULT_AGENTS, DEFAULT_DAYS } from '../seed/generate.js'
import { isEmpty, type SeedProgress, seedDatabase } from '../seed/seed.js'
import { describeDatabase, loadEnv, openDatabase, scriptArgs, timeZoneFlag } from './env.js'

const USAGE = `usage: pnpm db:seed [--days N] [--agents N] [--events N] [--tz ZONE] [--seed N] [--if-empty]`

const { values } = parseArgs({
  args: scriptArgs(),
  options: {
    days: { type: 'string', default: String(DEFAULT_DAYS) },
    agents: { type: 'string', default: String(DEFAULT_AGENTS) },
    events: { type: 'string' },
    tz: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'if-empty': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const env = loadEnv()

function positive(name: string, raw: string | undefined, integer = true): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    console.error(
      `--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${raw}\n${USAGE}`,
    )
    process.exit(2)
  }
  return n
}

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const WIDTH = 28

/** A single-line bar on a terminal; a line every few seconds when stderr is a file or pipe. */
function progressBar(): (p: SeedProgress) => void {
  const tty = process.stderr.isTTY === true
  let printed = 0
  return ({ done, expected, elapsedMs }) => {
    if (!tty && elapsedMs - printed < 5_000) return
    printed = elapsedMs
    const rate = done / Math.max(elapsedMs / 1000, 0.001)
    const total = Math.max(expected, done)
    const ratio = Math.min(done / total, 1)
    const filled = Math.round(ratio * WIDTH)
    const eta = Math.max(0, (total - done) / rate)
    const line =
      `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%` +
      `  ${fmt.format(done)} / ~${fmt.format(total)} events  ${fmt.format(rate)} events/s  eta ${eta.toFixed(0)} s`
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  }
}

const opts = {
  now: new Date(),
  days: positive('days', values.days, false)!,
  agents: positive('agents', values.agents)!,
  events: positive('events', values.events),
  tz: timeZoneFlag(values.tz ?? env.ORG_TIMEZONE),
  seed: positive('seed', values.seed),
}

const client = await openDatabase(env)
try {
  console.log(`database: ${describeDatabase(env)}`)
  await migrateToLatest(client.db)
  await ensureUpcomingPartitions(client.db, opts.now)
  if (values['if-empty'] && !(await isEmpty(client.db))) {
    console.log('database already has events; not seeding (--if-empty)')
  } else {
    console.log(
      `seeding ${opts.days} days × ${opts.agents} agents in ${opts.tz}` +
        (opts.events ? `, about ${fmt.format(opts.events)} events` : ''),
    )
    const bar = progressBar()
    const r = await seedDatabase(client.db, opts, bar)
    if (process.stderr.isTTY) process.stderr.write('\n')
    const seconds = r.elapsedMs / 1000
    console.log(
      `seeded ${fmt.format(r.accepted)} events (${fmt.format(r.leads)} leads, ${r.agents} agents) in ` +
        `${seconds.toFixed(1)} s: ${fmt.format(r.events / seconds)} events/s`,
    )
    if (r.duplicates > 0) console.log(`${fmt.format(r.duplicates)} were already stored`)
    if (r.rejected > 0) {
      console.error(`${fmt.format(r.rejected)} rejected, e.g.:`)
      for (const x of r.rejections)
        console.error(`  ${x.id ?? `#${x.index}`}: ${x.code}: ${x.error}`)
      process.exitCode = 1
    }
  }
} finally {
  await client.close()
}
