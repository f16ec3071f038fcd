import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleServer } from '@leads/server/src/bundle.js'
import type { BenchDatabase } from './database.js'

/**
 * The environment of a measured server process (`ws/leads-server.ts`): the bench database, no
 * dashboard, and open and unthrottled — authentication, rate budgets and stream caps are per
 * request or connection, and a thousand benchmark clients from one address would otherwise share
 * one anonymous budget.
 */
export function measuredServerEnv(
  dbEnv: BenchDatabase['env'],
  redisUrl: string | undefined,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...dbEnv,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl ?? '',
    AUTH_JWT_SECRET: '',
    AUTH_JWKS_URL: '',
    RATE_LIMIT_PER_MINUTE: '0',
    INGEST_RATE_LIMIT_PER_MINUTE: '0',
    STREAM_LIMIT_PER_CALLER: '0',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ORG_TIMEZONE: 'UTC',
    // Nothing to serve at `/`: the benchmarks need only the API.
    DASHBOARD_DIR: resolve(dbEnv.DATA_DIR, 'no-dashboard'),
  }
}

let bundled: Promise<URL> | undefined

/**
 * The measured server as production runs it: `ws/leads-server.ts` bundled the way `pnpm build`
 * bundles the server, so it runs as plain JavaScript (spawn it with `loader: false`), without
 * the tsx loader's thread and caches. Built once per run.
 */
export function measuredServerModule(): Promise<URL> {
  bundled ??= (async () => {
    const out = new URL('../../dist/leads-server.js', import.meta.url)
    await bundleServer(
      fileURLToPath(new URL('../ws/leads-server.ts', import.meta.url)),
      fileURLToPath(out),
    )
    return out
  })()
  return bundled
}
