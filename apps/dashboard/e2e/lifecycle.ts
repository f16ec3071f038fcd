import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeEach } from 'vitest'
import type { Browser } from './browser'
import type { RunningServer } from './server'

/** What a browser test file holds open, read when a test fails and when the file ends. */
export interface Harness {
  page?: Page | undefined
  server?: RunningServer | undefined
  browser?: Browser | undefined
  dataDir?: string | undefined
}

/**
 * Registers the hooks every browser test file needs: a failed test leaves a screenshot in
 * `artifacts` and prints the server's output; the file's end closes the browser, stops the server
 * and removes its data. `state` is read at those moments, so it sees the file's current values.
 */
export function keepEvidenceAndCleanUp(artifacts: string, state: () => Harness): void {
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      const { page, server } = state()
      await page?.screenshot({
        path: join(artifacts, `failed-${task.name.replace(/\W+/g, '-')}.png`),
      })
      console.error(`--- server output (${task.name}) ---\n${server?.output() ?? '(not running)'}`)
    })
  })

  afterAll(async () => {
    const { browser, server, dataDir } = state()
    await browser?.close()
    await server?.stop('SIGTERM')
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })
}
