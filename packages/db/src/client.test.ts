import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDbClient } from './client.js'

/** A process of its own that opens `dataDir` and holds it until killed. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const script = join(dirname(dataDir), `${basename(dataDir)}-holder.mts`)
  await writeFile(
    script,
    `import { createDbClient } from ${JSON.stringify(new URL('./client.ts', import.meta.url).href)}
     await createDbClient({ dataDir: ${JSON.stringify(dataDir)} })
     console.log('open')
     setInterval(() => {}, 1000)`,
  )
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const opened = once(child.stdout!, 'data') as Promise<[Buffer]>
  const [line] = await Promise.race([
    opened,
    once(child, 'exit').then(([code]) => {
      throw new Error(`the holder exited with code ${code}`)
    }),
  ])
  expect(line.toString()).toContain('open')
  return child
}

describe('a PGlite data directory', () => {
  let dir: string
  const children: ChildProcess[] = []
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leads-lock-'))
  })
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL')
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('is refused, with the reason, to a second process while one has it open', async () => {
    // Two processes on one PGlite directory corrupt it (`reconcile` beside `pnpm dev` did).
    const dataDir = join(dir, 'shared')
    children.push(await holder(dataDir))
    await expect(createDbClient({ dataDir })).rejects.toThrow(
      `the PGlite database at ${dataDir} is open in another process`,
    )
  }, 30_000)

  it('opens again once its holder closed it, with the data kept', async () => {
    const dataDir = join(dir, 'reopened')
    const first = await createDbClient({ dataDir })
    await first.pglite!.exec(`create table kept (v int); insert into kept values (7)`)
    await first.close()
    const second = await createDbClient({ dataDir })
    try {
      expect((await second.pglite!.query('select v from kept')).rows).toEqual([{ v: 7 }])
    } finally {
      await second.close()
    }
  })

  it('is taken over from a process killed while holding it', async () => {
    const dataDir = join(dir, 'orphaned')
    const child = await holder(dataDir)
    child.kill('SIGKILL')
    await once(child, 'exit')
    const client = await createDbClient({ dataDir })
    await client.close()
  }, 30_000)
})
