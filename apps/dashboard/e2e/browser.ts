/** Debian's Chromium driven by playwright-core: no browser download, a fresh profile per run. */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** `CHROMIUM_PATH` overrides it for machines that keep Chromium elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** Launches Chromium with a 1920×1080 viewport (the wall screen) and a throw-away user-data-dir. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests drive the system Chromium ` +
        '(no browser downloads): install it with `apt-get update && apt-get install -y chromium`, ' +
        'or set CHROMIUM_PATH.',
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'leads-e2e-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: 1920, height: 1080 },
    timezoneId: 'UTC',
    locale: 'en-GB',
  })
  return {
    context,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
