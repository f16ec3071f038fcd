import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url))

describe('pnpm dev', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leads-dev-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('ends, watcher and all, when the server cannot start, instead of waiting for an edit', async () => {
    // The demo database is held by another live process (this one): start-up must fail.
    const dataDir = join(dir, 'pglite')
    await writeFile(`${dataDir}.lock`, `${process.pid}\n`)
    // The server's own `dev` script: `tsx watch src/dev.ts`.
    const dev = spawn('pnpm', ['run', 'dev'], {
      cwd: SERVER_DIR,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so a watcher left waiting can be killed with everything under it.
      detached: true,
    })
    let output = ''
    dev.stdout.on('data', (chunk: Buffer) => (output += chunk))
    dev.stderr.on('data', (chunk: Buffer) => (output += chunk))
    const code = await new Promise<number | null>((resolve) => {
      // A watcher still waiting after 30 s never ends by itself; the test then fails.
      const timer = setTimeout(() => {
        process.kill(-dev.pid!, 'SIGKILL')
        resolve(null)
      }, 30_000)
      dev.once('exit', (exitCode) => {
        clearTimeout(timer)
        resolve(exitCode)
      })
    })
    expect(output).toContain('start-up failed')
    expect(output).toContain('is open in another process')
    expect(code, output).not.toBe(null)
    expect(code).not.toBe(0)
  }, 40_000)
})
