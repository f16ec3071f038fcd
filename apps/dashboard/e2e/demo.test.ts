/**
 * What `pnpm dev` shows: a week of the seed generator's demo history (30 agents in 4 teams), a
 * server with a secret and NODE_ENV development, so it hands out tokens at `POST /api/dev/token`
 * and the dashboard offers its demo-user picker. Also where the README's screenshot comes from.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DevTokenRequest, LeaderboardOutput } from '@leads/contract'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Browser, launchChromium } from './browser'
import { keepEvidenceAndCleanUp } from './lifecycle'
import { leaderboardNames, ownRowNames, pageText, settled } from './page'
import { postEvents } from './scenario'
import { freePort, type RunningServer, seedDemo, startServer } from './server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
/** The README's screenshot; rewritten only on request or when missing, so a run leaves the tree clean. */
const README_SCREENSHOT = fileURLToPath(new URL('../../../docs/screenshot.png', import.meta.url))
const SECRET = 'e2e-development-secret-of-at-least-32-bytes'
const WRITE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' || !existsSync(README_SCREENSHOT)
/**
 * `pnpm dev`'s daily volume. A week (about 20 s to seed on PGlite) is enough for the picker; the
 * screenshot gets `pnpm dev`'s whole 30 days (about a minute), because a lead takes days to
 * convert and a shorter history shows an unripe funnel and too few conversions.
 */
const DEMO = WRITE_SCREENSHOT ? { days: 30, events: 240_000 } : { days: 7, events: 56_000 }
const LIVE_WITHIN_MS = 2_000
const PSEUDONYM = /^Agent [0-9a-f]{6}$/
/** The first agent of the seed roster (`makeAgents` in packages/db), in team t1. */
const FIRST_AGENT = { id: 'agent-01', name: 'Ada Okafor', team: 't1' }

/**
 * Zones a sales floor might be in; the organisation's is the one where it is closest to 3 pm
 * now, so the screenshot shows a working day well under way whenever the tests run.
 */
const ZONES = [
  'Pacific/Honolulu',
  'America/Los_Angeles',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Istanbul',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Bangkok',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
]

function afternoonZone(now: number): string {
  const hourIn = (zone: string) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    }).formatToParts(now)
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
    return get('hour') + get('minute') / 60
  }
  const distance = (zone: string) => Math.abs(hourIn(zone) - 15)
  return ZONES.reduce((best, zone) => (distance(zone) < distance(best) ? zone : best))
}

let browser: Browser | undefined
let server: RunningServer | undefined
let dataDir: string
let page: Page
let roster: LeaderboardOutput['rows']
/** Page loads after the first: switching users must not need one. */
let reloads = 0
const pageErrors: string[] = []

async function devToken(claims: DevTokenRequest): Promise<string> {
  const res = await fetch(`${server!.url}/api/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(claims),
  })
  if (!res.ok) throw new Error(`POST /api/dev/token: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

async function api<T>(path: string, claims: DevTokenRequest): Promise<T> {
  const res = await fetch(`${server!.url}${path}`, {
    headers: { authorization: `Bearer ${await devToken(claims)}` },
  })
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** The claims of the token the page keeps in session storage. */
async function storedClaims(): Promise<Record<string, unknown>> {
  const token = await page.evaluate(() => sessionStorage.getItem('leads.token'))
  const payload = token?.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
}

const picker = () => page.getByTestId('view-as')
const pickerOptions = () =>
  picker()
    .locator('option')
    .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).text))
const connection = () => page.getByTestId('connection').getAttribute('data-status')

async function pick(label: string, key: string): Promise<void> {
  await picker().selectOption({ label })
  await expect.poll(() => picker().inputValue(), { timeout: 10_000 }).toBe(key)
  await expect.poll(connection, { timeout: 10_000 }).toBe('live')
  await settled(page)
}

async function showAllTime(): Promise<void> {
  await page
    .getByRole('tablist', { name: 'Leaderboard period' })
    .getByRole('tab', { name: 'All time' })
    .click()
  await settled(page)
}

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'leads-e2e-demo-'))
  const zone = afternoonZone(Date.now())
  await seedDemo(dataDir, { ...DEMO, tz: zone })
  server = await startServer({
    port: await freePort(),
    dataDir,
    orgTimezone: zone,
    jwtSecret: SECRET,
    nodeEnv: 'development',
  })
  const board = await api<LeaderboardOutput>(
    '/api/analytics/leaderboard?period=all-time&limit=500',
    { role: 'admin', sub: 'e2e-admin' },
  )
  roster = board.rows
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(server.url)
  page.on('load', () => reloads++)
  await settled(page)
}, 240_000)

keepEvidenceAndCleanUp(ARTIFACTS, () => ({ page, server, browser, dataDir }))

describe('pnpm dev: demo data, authentication on, the demo-user picker', () => {
  it('opens as admin without a token and offers admin, a manager and an agent of the roster', async () => {
    expect(roster).toHaveLength(30)
    expect(roster.find((r) => r.agentId === FIRST_AGENT.id)).toMatchObject({
      agentName: FIRST_AGENT.name,
      teamId: FIRST_AGENT.team,
    })
    await expect.poll(() => picker().inputValue(), { timeout: 10_000 }).toBe('admin')
    expect(await pickerOptions()).toEqual([
      'Admin',
      `Manager · team ${FIRST_AGENT.team}`,
      `Agent · ${FIRST_AGENT.name}`,
    ])
    expect(await storedClaims()).toMatchObject({ role: 'admin', sub: 'dev-admin' })
    expect(await connection()).toBe('live')
    expect(await page.getByTestId('error-banner').count()).toBe(0)

    // An admin sees everyone by name: today's top rows are roster names, nobody highlighted.
    const names = await leaderboardNames(page)
    expect(names.length).toBeGreaterThan(5)
    const rosterNames = new Set(roster.map((r) => r.agentName))
    for (const name of names) expect(rosterNames).toContain(name)
    expect(await ownRowNames(page)).toEqual([])

    await page.screenshot({ path: join(ARTIFACTS, 'demo-admin.png'), fullPage: true })
    if (WRITE_SCREENSHOT) await page.screenshot({ path: README_SCREENSHOT, fullPage: true })
  })

  it('switches to the agent without a reload: own row highlighted, everyone else a pseudonym', async () => {
    await pick(`Agent · ${FIRST_AGENT.name}`, `agent:${FIRST_AGENT.id}`)
    expect(await storedClaims()).toMatchObject({ role: 'agent', sub: FIRST_AGENT.id })
    await showAllTime()

    const names = await leaderboardNames(page)
    expect(await ownRowNames(page)).toEqual([FIRST_AGENT.name])
    expect(names.filter((n) => n !== FIRST_AGENT.name).every((n) => PSEUDONYM.test(n))).toBe(true)
    // The board shows the top 20 of 30, plus the agent's own row wherever it ranks.
    expect(names.length).toBeGreaterThanOrEqual(20)
    const board = await page.locator('#leaderboard-body').textContent()
    for (const other of roster.filter((r) => r.agentId !== FIRST_AGENT.id)) {
      expect(board).not.toContain(other.agentName)
      expect(board).not.toContain(other.agentId)
    }

    // The new socket speaks for the agent: their new lead arrives, nobody else's does.
    const admin = await devToken({ role: 'admin', sub: 'e2e-admin' })
    const other = roster.find((r) => r.agentId !== FIRST_AGENT.id)!
    const now = Date.now()
    await postEvents(
      server!.url,
      [
        {
          id: 'e2e-demo-other',
          type: 'lead.created',
          occurredAt: new Date(now - 1_000).toISOString(),
          leadId: 'L-demo-other',
          agentId: other.agentId,
        },
        {
          id: 'e2e-demo-mine',
          type: 'lead.created',
          occurredAt: new Date(now - 500).toISOString(),
          leadId: 'L-demo-mine',
          agentId: FIRST_AGENT.id,
        },
      ],
      admin,
    )
    await expect
      .poll(async () => (await page.locator('.feed-item .feed-summary').allTextContents())[0], {
        timeout: LIVE_WITHIN_MS,
        interval: 50,
      })
      .toBe(`New lead L-demo-mine for ${FIRST_AGENT.name}`)
    expect(await pageText(page)).not.toContain('L-demo-other')
    expect(reloads).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'demo-agent.png'), fullPage: true })
  })

  it("switches to the manager: their team's agents by name, nobody else", async () => {
    await pick(`Manager · team ${FIRST_AGENT.team}`, `manager:${FIRST_AGENT.team}`)
    expect(await storedClaims()).toMatchObject({
      role: 'manager',
      teamIds: [FIRST_AGENT.team],
    })
    await showAllTime()
    const team = roster.filter((r) => r.teamId === FIRST_AGENT.team).map((r) => r.agentName)
    expect(team.length).toBeGreaterThan(1)
    expect((await leaderboardNames(page)).sort()).toEqual([...team].sort())
    expect(await ownRowNames(page)).toEqual([])
    expect(reloads).toBe(0)
  })

  it('keeps the chosen user across a reload, then goes back to admin', async () => {
    await page.reload()
    await settled(page)
    await expect
      .poll(() => picker().inputValue(), { timeout: 10_000 })
      .toBe(`manager:${FIRST_AGENT.team}`)
    await pick('Admin', 'admin')
    await showAllTime()
    expect(await leaderboardNames(page)).toHaveLength(20)
    expect(pageErrors).toEqual([])
  })

  it('opened on a long zone name: marks the organisation zone, and fits a phone without scrolling sideways', async () => {
    // One of the longest zone names: the zone selector is as wide as its longest option.
    await page.goto(`${server!.url}/?tz=America/North_Dakota/New_Salem`)
    await settled(page)
    await picker().waitFor()
    // Opened on another zone, the selector still marks the organisation's.
    await expect
      .poll(
        () => page.getByLabel('Time zone').locator('option', { hasText: '· organisation' }).count(),
        {
          timeout: 5_000,
        },
      )
      .toBe(1)
    const size = page.viewportSize()
    await page.setViewportSize({ width: 390, height: 844 })
    try {
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5_000 })
        .toBeLessThanOrEqual(390)
      await page.screenshot({ path: join(ARTIFACTS, 'demo-phone.png') })
    } finally {
      if (size) await page.setViewportSize(size)
    }
  })
})
