/**
 * The agent view (SPEC §6) in a real browser: the production server with authentication on, the
 * page opened once with `#token=<an agent's token>` as a wall-screen or laptop link would be.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { signToken } from '@leads/api'
import type { LeaderboardOutput, MetricsOutput } from '@leads/contract'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatCount } from '../src/lib/format'
import { type Browser, launchChromium } from './browser'
import { keepEvidenceAndCleanUp } from './lifecycle'
import { leaderboardNames, ownRowNames, pageText, settled } from './page'
import {
  AGENTS,
  type AgentKey,
  knownScenario,
  orgCalendar,
  postEvents,
  type Scenario,
} from './scenario'
import { freePort, type RunningServer, startServer } from './server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const SECRET = randomBytes(32).toString('hex')
const LIVE_WITHIN_MS = 2_000
/** The viewer; Ben leads today's board, so the others rank around him in every period. */
const ME: AgentKey = 'ben'
const PSEUDONYM = /^Agent [0-9a-f]{6}$/

let browser: Browser | undefined
let server: RunningServer | undefined
let dataDir: string
let scenario: Scenario
let ingestToken: string
let agentToken: string
let page: Page | undefined
const pageErrors: string[] = []

function api<T>(path: string, token: string): Promise<T> {
  if (!server) throw new Error('server not running')
  return fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(
    async (res) => {
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
      return (await res.json()) as T
    },
  )
}

async function openPage(path: string): Promise<Page> {
  const p = await browser!.context.newPage()
  p.on('pageerror', (err) => pageErrors.push(err.message))
  await p.goto(`${server!.url}${path}`)
  return p
}

/** Every other agent's full name, first name, last name and id, as whole words. */
function othersPattern(): RegExp {
  const words = (Object.keys(AGENTS) as AgentKey[])
    .filter((key) => key !== ME)
    .flatMap((key) => [AGENTS[key], ...AGENTS[key].split(' '), key])
  return new RegExp(`\\b(${words.join('|')})\\b`, 'i')
}

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'leads-e2e-agent-'))
  const now = Date.now()
  const calendar = orgCalendar(now)
  scenario = knownScenario(now, calendar)
  server = await startServer({
    port: await freePort(),
    dataDir,
    orgTimezone: calendar.zone,
    jwtSecret: SECRET,
  })
  // Tokens as `pnpm run token` makes them: signed with the server's secret.
  ingestToken = await signToken(SECRET, { sub: 'e2e-ingest', role: 'ingest' }, '1h')
  agentToken = await signToken(SECRET, { sub: ME, role: 'agent' }, '1h')
  const ingested = await postEvents(server.url, scenario.events, ingestToken)
  expect(ingested).toEqual({ accepted: scenario.events.length, duplicates: 0, rejected: [] })
})

keepEvidenceAndCleanUp(ARTIFACTS, () => ({ page, server, browser, dataDir }))

describe('agent view in Chromium against the production server with authentication', () => {
  it('without a token: the API refuses and the page asks for a sign-in link; no demo-user picker', async () => {
    page = await openPage('/')
    await expect
      .poll(() => page!.getByTestId('session-expired').textContent(), { timeout: 10_000 })
      .toMatch(/Sign-in required.*#token=/)
    expect(await page.getByTestId('view-as').count()).toBe(0)
    expect(await page.getByTestId('connection').textContent()).toBe('Signed out')
    await page.close()
    page = undefined
  })

  it('a token that expires while the page is open: "session expired", and no reconnect loop', async () => {
    // `exp` is in whole seconds, so a 3 s token could expire 2 s after signing, before a slow
    // page had even settled (a fresh-clone CI run saw that); 6 s leaves room.
    const shortLived = await signToken(SECRET, { sub: ME, role: 'agent' }, 6)
    page = await openPage(`/#token=${shortLived}`)
    await settled(page)
    expect(await page.getByTestId('connection').getAttribute('data-status')).toBe('live')
    expect(await page.getByTestId('session-expired').count()).toBe(0)

    // At expiry the server closes the tRPC socket with 4401.
    await expect
      .poll(() => page!.getByTestId('session-expired').textContent(), { timeout: 15_000 })
      .toMatch(/Session expired.*Open a fresh link\./)
    expect(await page.getByTestId('connection').textContent()).toBe('Signed out')
    // The retrying client would have opened new sockets after 0.25, 0.5, 1 and 2 s; none may come.
    let sockets = 0
    page.on('websocket', () => sockets++)
    await page.waitForTimeout(3_000)
    expect(sockets).toBe(0)
    expect(await page.getByTestId('view-as').count()).toBe(0)
    await page.close()
    page = undefined
  })

  it('a token that had already expired: refused over HTTP and WebSocket, one clear state', async () => {
    const expired = await signToken(SECRET, { sub: ME, role: 'agent' }, '1h', {
      now: Date.now() - 2 * 3_600_000,
    })
    page = await openPage(`/#token=${expired}`)
    await expect
      .poll(() => page!.getByTestId('session-expired').textContent(), { timeout: 10_000 })
      .toMatch(/Session expired/)
    expect(await page.getByTestId('error-banner').count()).toBe(0)
    let requests = 0
    page.on('request', (req) => {
      if (req.url().includes('/api/')) requests++
    })
    page.on('websocket', () => requests++)
    // Failed reads were retried every 5 s before; nothing is retried once the token is refused.
    await page.waitForTimeout(5_500)
    expect(requests).toBe(0)
    await page.close()
    page = undefined
  })

  it("highlights the agent's own row and shows no other agent's name or id on any tab", async () => {
    page = await openPage(`/#token=${agentToken}`)
    await settled(page)
    // The token left the address bar for session storage, and no picker in production.
    expect(page.url()).not.toContain('token')
    expect(await page.evaluate(() => sessionStorage.getItem('leads.token'))).toBe(agentToken)
    expect(await page.getByTestId('view-as').count()).toBe(0)
    expect(await page.getByTestId('connection').getAttribute('data-status')).toBe('live')

    // Organisation-wide aggregates, as the API gives them to this agent.
    const metrics = await api<MetricsOutput>('/api/analytics/metrics', agentToken)
    expect(metrics.totalLeads).toBe(scenario.leadsToday)
    expect(await page.getByTestId('kpi-totalLeads').textContent()).toBe(
      formatCount(metrics.totalLeads),
    )

    const others = othersPattern()
    const tabs = [
      ['today', 'Today'],
      ['week', 'Week'],
      ['month', 'Month'],
      ['all-time', 'All time'],
    ] as const
    for (const [period, label] of tabs) {
      await page
        .getByRole('tablist', { name: 'Leaderboard period' })
        .getByRole('tab', { name: label })
        .click()
      const data = await api<LeaderboardOutput>(
        `/api/analytics/leaderboard?period=${period}`,
        agentToken,
      )
      await expect
        .poll(() => leaderboardNames(page!), { timeout: 5_000 })
        .toEqual(data.rows.map((row) => row.agentName))
      await settled(page)
      const names = await leaderboardNames(page)
      expect(names, period).toContain(AGENTS[ME])
      expect(await ownRowNames(page), period).toEqual([AGENTS[ME]])
      expect(
        names.filter((name) => name !== AGENTS[ME]),
        period,
      ).toEqual(names.filter((name) => PSEUDONYM.test(name)))
      expect(await pageText(page), period).not.toMatch(others)
      if (period === 'all-time') {
        // Every scenario agent has a row of all time: four of them under pseudonyms.
        expect(names.filter((name) => PSEUDONYM.test(name))).toHaveLength(4)
        await page
          .locator('section.leaderboard')
          .screenshot({ path: join(ARTIFACTS, 'agent-view-leaderboard.png') })
      }
    }

    // Highlighted means drawn differently, not only marked up.
    const own = page.locator('#leaderboard-body tbody tr.own')
    expect(await own.getAttribute('aria-current')).toBe('true')
    const background = (sel: string) =>
      page!
        .locator(sel)
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor)
    expect(await background('#leaderboard-body tbody tr.own th.agent')).not.toBe(
      await background('#leaderboard-body tbody tr:not(.own) th.agent'),
    )

    // The feed holds the agent's own leads only: every one of their events, nobody else's.
    const mine = scenario.events.filter((e) => e.type !== 'agent.upserted' && e.agentId === ME)
    const summaries = await page.locator('.feed-item .feed-summary').allTextContents()
    expect(summaries).toHaveLength(mine.length)
    for (const summary of summaries) expect(summary).toContain(AGENTS[ME])

    // Live: another agent's new lead never reaches this page; the agent's own does, in time.
    const started = Date.now()
    await postEvents(
      server!.url,
      [
        {
          id: 'e2e-agent-other',
          type: 'lead.created',
          occurredAt: new Date(started - 1_000).toISOString(),
          leadId: 'L-other-1',
          agentId: 'ava',
        },
        {
          id: 'e2e-agent-mine',
          type: 'lead.created',
          occurredAt: new Date(started - 500).toISOString(),
          leadId: 'L-mine-1',
          agentId: ME,
        },
      ],
      ingestToken,
    )
    await expect
      .poll(async () => (await page!.locator('.feed-item .feed-summary').allTextContents())[0], {
        timeout: LIVE_WITHIN_MS,
        interval: 50,
      })
      .toBe(`New lead L-mine-1 for ${AGENTS[ME]}`)
    const after = await page.locator('.feed-item .feed-summary').allTextContents()
    expect(after).toHaveLength(mine.length + 1)
    expect(await pageText(page)).not.toContain('L-other-1')

    await page.screenshot({ path: join(ARTIFACTS, 'agent-view.png'), fullPage: true })
    expect(pageErrors).toEqual([])
  })
})
