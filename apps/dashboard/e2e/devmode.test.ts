/**
 * The dashboard as `pnpm dev` serves it: Vite's dev server with React in development mode, where
 * StrictMode runs every effect, cleans it up and runs it again. The other browser tests load the
 * production build, where it does not; a component whose cleanup undoes its effect (a dialog
 * closed as it opens) only breaks here.
 */
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browser, launchChromium } from './browser'
import { keepEvidenceAndCleanUp } from './lifecycle'
import { knownScenario, orgCalendar, postEvents } from './scenario'
import { freePort, type RunningServer, startServer } from './server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const DASHBOARD_DIR = fileURLToPath(new URL('..', import.meta.url))

let browser: Browser | undefined
let server: RunningServer | undefined
let vite: ViteDevServer | undefined
let page: Page
let dataDir: string
let devUrl: string

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'leads-e2e-dev-'))
  const now = Date.now()
  const calendar = orgCalendar(now)
  server = await startServer({ port: await freePort(), dataDir, orgTimezone: calendar.zone })
  const scenario = knownScenario(now, calendar)
  expect((await postEvents(server.url, scenario.events)).rejected).toEqual([])

  // vite.config.ts proxies /api to API_PORT.
  process.env.API_PORT = new URL(server.url).port
  vite = await createServer({
    root: DASHBOARD_DIR,
    configFile: join(DASHBOARD_DIR, 'vite.config.ts'),
    mode: 'development',
    logLevel: 'warn',
    server: { port: await freePort(), strictPort: true, host: '127.0.0.1' },
  })
  await vite.listen()
  devUrl = vite.resolvedUrls?.local[0] ?? ''
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
})

afterAll(async () => {
  await vite?.close()
  delete process.env.API_PORT
})

keepEvidenceAndCleanUp(ARTIFACTS, () => ({ page, server, browser, dataDir }))

describe('dashboard under the Vite dev server (React development mode)', () => {
  it('opens a drill-down from a KPI and keeps it open', async () => {
    await page.goto(devUrl)
    const kpi = page.locator('[data-kpi="totalLeads"] button').first()
    await kpi.waitFor({ timeout: 30_000 })
    await kpi.click()
    const dialog = page.getByTestId('drill')
    await expect.poll(() => dialog.count(), { timeout: 5_000 }).toBe(1)
    // StrictMode's second run of the effect is over well within this.
    await page.waitForTimeout(500)
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(true)
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBeGreaterThan(0)
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), { timeout: 5_000 }).toBe(0)
  })
})
