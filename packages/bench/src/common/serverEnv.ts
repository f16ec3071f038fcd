import { resolve } from 'node:path'
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
