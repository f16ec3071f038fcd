import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDbClient } from '../client.js'
import { migrations } from '../migrations/index.js'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))

describe('the database commands, as `pnpm <script> -- <flags>` runs them', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leads-cli-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  /** Runs `src/cli/<script>.ts` with pnpm's `--` before the flags, on PGlite in `dataDir`. */
  async function run(script: string, ...flags: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', `src/cli/${script}.ts`, '--', ...flags],
      {
        cwd: PACKAGE_DIR,
        env: { ...process.env, DATABASE_URL: '', DATA_DIR: join(dataDir, 'db') },
      },
    )
    return stdout
  }

  it('take their flags after the `--` (seed, simulate)', async () => {
    // node:util parseArgs refuses a stray `--days` after `--` as a positional argument.
    expect(await run('seed', '--help')).toContain('usage: pnpm db:seed')
    expect(await run('simulate', '--help')).toContain('usage: pnpm simulate')
  }, 60_000)

  it('migrate: --down rolls back the latest migration only, --down --all every one', async () => {
    const names = Object.keys(migrations).sort()
    expect(await run('migrate')).toContain(`applied ${names.at(-1)}`)
    const one = await run('migrate', '--down')
    expect(one.match(/rolled back \S+/g)).toEqual([`rolled back ${names.at(-1)}`])
    const all = await run('migrate', '--down', '--all')
    expect(all.match(/rolled back \S+/g)).toEqual(
      names
        .slice(0, -1)
        .reverse()
        .map((n) => `rolled back ${n}`),
    )
  }, 120_000)

  it('refuse a PGlite database another process has open, with the reason and no stack', async () => {
    const held = await createDbClient({ dataDir: join(dataDir, 'db') })
    try {
      const err = (await run('reconcile').catch((e: unknown) => e)) as {
        code: number
        stderr: string
      }
      expect(err.code).toBe(1)
      expect(err.stderr).toContain(`is open in another process (pid ${process.pid}`)
      expect(err.stderr).not.toMatch(/^\s+at /m)
    } finally {
      await held.close()
    }
  }, 60_000)
})
