import { parseArgs } from 'node:util'
import { z } from 'zod'

export const PHASES = ['raw', 'trpc', 'plain', 'reads', 'feed', 'feed-reads'] as const
export type Phase = (typeof PHASES)[number]

export const USAGE = `pnpm bench:ws [flags]

Fan-out benchmark: N WebSocket subscribers, M events/s through POST /api/events, ingest-to-receive
latency, lost events and server RSS, next to a raw \`ws\` broadcast server in the same run.

  --subscribers N        subscribers, each on its own socket            (default 1000)
  --rate M               events ingested per second                     (default 500)
  --duration S           seconds of ingest per phase                    (default 15)
  --batch-ms MS          the producer flushes a batch every MS          (default 20)
  --phases LIST          any of raw,trpc,plain,reads,feed,feed-reads    (default all)
                         raw: the baseline; trpc: analytics.activity over wsLink;
                         plain: /api/analytics/activity-stream (skipped if the server lacks it);
                         reads: trpc again while autocannon loads the read endpoints;
                         feed, feed-reads: trpc and reads again with the subscribers on a
                         second instance of their own (Postgres only; skipped on PGlite)
  --read-connections C   autocannon connections for the reads phase     (default 10)
  --read-rate R          at most R read requests/s in all; autocannon  (default: as fast
                         sends each second's quota as fast as answered  as answered)
                         from the start of the second, so reads come in
                         bursts, as when dashboards refetch on a hint
  --subscriber-procs P   processes the subscribers are spread over      (default 2)
  --drain S              after ingest, wait up to S s for stragglers    (default 10)
  --cpu-prof DIR         write a V8 CPU profile of the measured server to DIR

Environment: DATABASE_URL (Postgres; the benchmark creates and drops a fresh database on that
server), REDIS_URL (live bus and cache through Redis). Without them: PGlite in a temporary dir.

The issue's full run (5 minutes of ingest per phase):  pnpm bench:ws --duration 300
`

const count = (min: number) => z.coerce.number().int().min(min)

const optionsSchema = z.object({
  subscribers: count(1).default(1_000),
  rate: z.coerce.number().positive().default(500),
  duration: z.coerce.number().positive().default(15),
  batchMs: count(1).default(20),
  phases: z
    .string()
    .default(PHASES.join(','))
    .transform((s) => s.split(',').map((p) => p.trim()))
    .pipe(z.array(z.enum(PHASES)).min(1)),
  readConnections: count(1).default(10),
  readRate: z.coerce.number().positive().optional(),
  subscriberProcs: count(1).default(2),
  drain: z.coerce.number().min(0).default(10),
  cpuProf: z.string().min(1).optional(),
  /** From the environment, validated here once for the whole benchmark. */
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
})
export type Options = z.infer<typeof optionsSchema>

/** Flags and environment, checked; prints usage and exits on `--help` or a bad value. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let values: ReturnType<typeof parseFlags>
  try {
    values = parseFlags(argv)
  } catch (err) {
    fail([`  ${err instanceof Error ? err.message : String(err)}`])
  }
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const result = optionsSchema.safeParse({
    subscribers: values.subscribers,
    rate: values.rate,
    duration: values.duration,
    batchMs: values['batch-ms'],
    phases: values.phases,
    readConnections: values['read-connections'],
    readRate: values['read-rate'],
    subscriberProcs: values['subscriber-procs'],
    drain: values.drain,
    cpuProf: values['cpu-prof'],
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
  })
  if (result.success) return result.data
  fail(result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`))
}

function fail(problems: string[]): never {
  process.stderr.write(`bench:ws: bad arguments\n${problems.join('\n')}\n\n${USAGE}`)
  process.exit(2)
}

function parseFlags(argv: string[]) {
  return parseArgs({
    // `pnpm bench:ws -- --flag` passes the `--` through.
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      subscribers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'batch-ms': { type: 'string' },
      phases: { type: 'string' },
      'read-connections': { type: 'string' },
      'read-rate': { type: 'string' },
      'subscriber-procs': { type: 'string' },
      drain: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
}
