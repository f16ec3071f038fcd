import { parseArgs } from 'node:util'
import { z } from 'zod'

export const USAGE = `pnpm bench [-- flags]

Reads and ingest at scale: loads N generated events into a fresh database, then measures every
read (REST and tRPC, uncached and cached, quiet and under live ingest) next to a floor
(SELECT 1) and a naive GROUP BY over raw events, ingest through the API next to a raw COPY, and
server RSS. Prints one markdown table.

  --events N           events to load                                   (default 1000000)
  --days D             history they span, ending now                    (default 365)
  --agents A           agents                                           (default 30)
  --pglite             PGlite in a temporary directory instead of Postgres
  --duration S         seconds of load per measured row                 (default 5)
  --connections C      concurrent autocannon connections per row        (default 4)
  --live-rate R        events/s of live ingest in the "under ingest" rows (default 50)
  --ingest-events N    events sent through POST /api/events for the ingest row (default 50000)
  --instances I        1, or 2: two API processes on one Postgres (+ Redis) with checks (default 1)

Environment: DATABASE_URL (required without --pglite: the benchmark creates a fresh database on
that server and drops it at the end), REDIS_URL (cache and live fan-out through Redis).

Examples:  pnpm bench -- --events 100000 --pglite
           DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm bench -- --events 10000000
`

const count = (min: number) => z.coerce.number().int().min(min)

const optionsSchema = z
  .object({
    events: count(1_000).default(1_000_000),
    days: count(1).max(3_660).default(365),
    agents: count(1).max(1_000).default(30),
    pglite: z.boolean().default(false),
    duration: z.coerce.number().positive().default(5),
    connections: count(1).default(4),
    liveRate: z.coerce.number().positive().default(50),
    ingestEvents: count(1_000).default(50_000),
    instances: z.coerce.number().int().min(1).max(2).default(1),
    databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
  })
  .superRefine((o, ctx) => {
    if (!o.pglite && !o.databaseUrl)
      ctx.addIssue({
        code: 'custom',
        path: ['databaseUrl'],
        message: 'set DATABASE_URL or pass --pglite',
      })
    // One PGlite directory can be open in one process only.
    if (o.pglite && o.instances > 1)
      ctx.addIssue({ code: 'custom', path: ['instances'], message: 'two instances need Postgres' })
  })
export type Options = z.infer<typeof optionsSchema>

export type ParseResult =
  | { ok: true; options: Options }
  | { ok: false; help: true }
  | { ok: false; help: false; problems: string[] }

/** Flags and environment, checked; never exits (main decides what to print). */
export function parseOptions(argv: string[], env: Record<string, string | undefined>): ParseResult {
  let values: ReturnType<typeof parseFlags>
  try {
    values = parseFlags(argv)
  } catch (err) {
    return { ok: false, help: false, problems: [err instanceof Error ? err.message : String(err)] }
  }
  if (values.help) return { ok: false, help: true }
  const result = optionsSchema.safeParse({
    events: values.events,
    days: values.days,
    agents: values.agents,
    pglite: values.pglite,
    duration: values.duration,
    connections: values.connections,
    liveRate: values['live-rate'],
    ingestEvents: values['ingest-events'],
    instances: values.instances,
    databaseUrl: values.pglite ? undefined : env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
  })
  if (result.success) return { ok: true, options: result.data }
  return {
    ok: false,
    help: false,
    problems: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
  }
}

function parseFlags(argv: string[]) {
  return parseArgs({
    // `pnpm bench -- --flag` passes the `--` through.
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      events: { type: 'string' },
      days: { type: 'string' },
      agents: { type: 'string' },
      pglite: { type: 'boolean' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'live-rate': { type: 'string' },
      'ingest-events': { type: 'string' },
      instances: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values
}
