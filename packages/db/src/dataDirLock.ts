import { open, readFile, unlink } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/** How long a start waits for a holder that is still alive (a `pnpm dev` restart's old process). */
const WAIT_MS = 5_000
const POLL_MS = 250

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, it is someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Holds `<dataDir>.lock`, a file with this process's id, while PGlite has `dataDir` open: PGlite's
 * files can be open in one process only, and a second one (`reconcile` beside `pnpm dev`) corrupts
 * them without PGlite refusing. A lock whose process is gone is taken over. Staleness is by
 * process id, not by a refreshed time stamp: an in-process PGlite holds the event loop for as long
 * as a query or a bulk load runs, so a timer could not keep such a stamp fresh. Resolves with the
 * function that releases the lock.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = `${dataDir}.lock`
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      const file = await open(path, 'wx')
      await file.writeFile(`${process.pid}\n`)
      await file.close()
      let released = false
      return async () => {
        if (released) return
        released = true
        await unlink(path).catch(() => {})
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
    if (holder === process.pid)
      throw new Error(`the PGlite database at ${dataDir} is already open in this process`)
    // No id yet: its writer may be between creating the file and writing it; give it the wait.
    const gone = Number.isInteger(holder) ? !alive(holder) : Date.now() >= deadline
    if (gone) {
      // Left by a process that is gone: take it over.
      await unlink(path).catch(() => {})
      continue
    }
    if (Date.now() >= deadline)
      throw new Error(
        `the PGlite database at ${dataDir} is open in another process (pid ${holder}; \`pnpm dev\`?): ` +
          `stop that one first, or set DATABASE_URL to a Postgres both can share (lock: ${path})`,
      )
    await sleep(POLL_MS)
  }
}
