/**
 * The dashboard in a real browser against the production server (`pnpm start`'s command, the
 * built dashboard, a fresh PGlite database) fed with known events, with authentication off. The
 * agent view is in `agent-view.test.ts`, the demo-user picker of `pnpm dev` in `demo.test.ts`.
 */
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LeaderboardOutput, LeadVolumeOutput, MetricsOutput } from '@leads/contract'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  formatBucket,
  formatChange,
  formatCount,
  formatDuration,
  formatPercent,
  formatPointsChange,
  rankMovement,
} from '../src/lib/format'
import { type Browser, launchChromium } from './browser'
import { keepEvidenceAndCleanUp } from './lifecycle'
import { settled } from './page'
import {
  AGENTS,
  knownScenario,
  type OrgCalendar,
  orgCalendar,
  postEvents,
  type Scenario,
} from './scenario'
import { freePort, type RunningServer, startServer } from './server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const LIVE_WITHIN_MS = 2_000
const HOUR_MS = 3_600_000

let browser: Browser | undefined
let server: RunningServer | undefined
let page: Page
let dataDir: string
let port: number
let calendar: OrgCalendar
let scenario: Scenario
/** Page loads after the first: an update that needed a reload would show up here. */
let reloads = 0
const pageErrors: string[] = []

function api<T>(path: string): Promise<T> {
  if (!server) throw new Error('server not running')
  return fetch(`${server.url}${path}`).then(async (res) => {
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  })
}

async function restartServer(feedReplayEvents?: number): Promise<RunningServer> {
  server = await startServer({ port, dataDir, orgTimezone: calendar.zone, feedReplayEvents })
  return server
}

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

const kpiText = (key: string) => page.getByTestId(`kpi-${key}`).textContent()
const connection = () => page.getByTestId('connection').getAttribute('data-status')
const feedSummaries = () => page.locator('.feed-item .feed-summary').allTextContents()
const feedIds = () =>
  page.locator('.feed-item').evaluateAll((items) => items.map((li) => li.getAttribute('data-id')))

/** What the lead-volume chart draws, in ECharts' own accessible description of its option. */
const volumeChartLabel = () => page.locator('#volume-body [role="img"]').getAttribute('aria-label')

/** The first `count` x-axis categories the description lists (it names up to ten per series). */
function drawnCategories(label: string | null, count: number): string[] {
  const names = [...(label ?? '').matchAll(/the data for (.+?) is /g)].map((m) => m[1] ?? '')
  return names.slice(0, count)
}

/** Each leaderboard row as shown: rank, movement, agent, leads, won, rate, response. */
const leaderboardRows = () =>
  page.locator('#leaderboard-body tbody tr').evaluateAll((rows) =>
    rows.map((row) =>
      [...row.children].slice(0, 7).map((cell) => {
        // The movement cell also holds a visually hidden sentence; the glyph is what is drawn.
        const drawn = cell.querySelector('[aria-hidden="true"]') ?? cell
        return (drawn.textContent ?? '').trim()
      }),
    ),
  )

function expectedRows(data: LeaderboardOutput): string[][] {
  return data.rows.map((row) => [
    String(row.rank),
    rankMovement(row.rank, row.trend.previousRank, data.previousRange !== null)?.text ?? '',
    row.agentName,
    formatCount(row.totalLeads),
    formatCount(row.convertedLeads),
    formatPercent(row.conversionRate),
    formatDuration(row.avgResponseTimeSeconds),
  ])
}

async function expectSelected(tablist: string, selected: string): Promise<void> {
  const tabs = page.getByRole('tablist', { name: tablist }).getByRole('tab')
  const states = await tabs.evaluateAll((els) =>
    els.map((el) => [el.textContent, el.getAttribute('aria-selected')] as const),
  )
  expect(states).toEqual(states.map(([name]) => [name, String(name === selected)]))
}

/**
 * The 24h chart's buckets are whole hours, and the page reads them a few seconds before the test
 * asks the API for the same: start clear of the end of an hour so both see the same buckets.
 */
async function clearOfHourEnd(marginMs: number): Promise<void> {
  const left = HOUR_MS - (Date.now() % HOUR_MS)
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000))
}

beforeAll(async () => {
  // First, so a machine without Chromium fails with the install hint rather than later.
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'leads-e2e-data-'))
  port = await freePort()
  const now = Date.now()
  calendar = orgCalendar(now)
  scenario = knownScenario(now, calendar)
  await restartServer()
  const ingested = await postEvents(server!.url, scenario.events)
  expect(ingested).toEqual({ accepted: scenario.events.length, duplicates: 0, rejected: [] })

  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await clearOfHourEnd(30_000)
  await page.goto(server!.url)
  page.on('load', () => reloads++)
  await settled(page)
})

keepEvidenceAndCleanUp(ARTIFACTS, () => ({ page, server, browser, dataDir }))

describe('dashboard in Chromium against the production server', () => {
  it("shows the API's KPIs, formatted as the dashboard formats them", async () => {
    const metrics = await api<MetricsOutput>('/api/analytics/metrics')
    expect(metrics.tz).toBe(calendar.zone)
    expect(metrics.totalLeads).toBe(scenario.leadsToday)

    const cards = [
      ['totalLeads', formatCount(metrics.totalLeads)],
      ['conversionRate', formatPercent(metrics.conversionRate)],
      ['avgResponseTimeSeconds', formatDuration(metrics.avgResponseTimeSeconds)],
      ['activeAgents', formatCount(metrics.activeAgents)],
    ] as const
    for (const [key, text] of cards) {
      expect(await kpiText(key), key).toBe(text)
      // A rate's change is in points (its delta); the others' relative.
      const change =
        key === 'conversionRate'
          ? formatPointsChange(metrics.deltas[key])
          : formatChange(metrics.changes[key])
      const shown = page.locator(`[data-kpi="${key}"] .change [aria-hidden="true"]`)
      if (change) expect(await shown.textContent(), `${key} change`).toBe(change.text)
    }
    // Every known event is in the feed (a fresh page gets the latest 50), newest first.
    const times = await page
      .locator('.feed-item time')
      .evaluateAll((els) => els.map((el) => Date.parse(el.getAttribute('datetime') ?? '')))
    expect(times).toHaveLength(scenario.feedEvents)
    expect(times).toEqual([...times].sort((a, b) => b - a))

    await shot('kpis')
  })

  it('redraws the lead-volume chart for each period tab', async () => {
    let before = await volumeChartLabel()
    for (const period of ['7d', '30d', '24h'] as const) {
      await page
        .getByRole('tablist', { name: 'Lead volume period' })
        .getByRole('tab', { name: period })
        .click()
      await expectSelected('Lead volume period', period)

      const data = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?period=${period}`)
      const categories = data.buckets.slice(0, 10).map((b) => formatBucket(b.start, data.interval))
      await expect
        .poll(async () => drawnCategories(await volumeChartLabel(), categories.length), {
          timeout: 5_000,
        })
        .toEqual(categories)
      const after = await volumeChartLabel()
      expect(after, `${period} draws something else than the previous tab`).not.toBe(before)
      before = after
      await page
        .locator('section.volume')
        .screenshot({ path: join(ARTIFACTS, `lead-volume-${period}.png`) })
    }
  })

  it('redraws the leaderboard rows for each period tab', async () => {
    const today = await api<LeaderboardOutput>('/api/analytics/leaderboard?period=today')
    await expectSelected('Leaderboard period', 'Today')
    let before = await leaderboardRows()
    expect(before).toEqual(expectedRows(today))

    const tabs = [
      ['week', 'Week'],
      ['month', 'Month'],
      ['all-time', 'All time'],
      ['today', 'Today'],
    ] as const
    const agentsShown = new Map<string, string[]>([['today', before.map((row) => row[2] ?? '')]])
    for (const [period, name] of tabs) {
      await page
        .getByRole('tablist', { name: 'Leaderboard period' })
        .getByRole('tab', { name })
        .click()
      await expectSelected('Leaderboard period', name)

      const data = await api<LeaderboardOutput>(`/api/analytics/leaderboard?period=${period}`)
      await expect.poll(leaderboardRows, { timeout: 5_000 }).toEqual(expectedRows(data))
      const after = await leaderboardRows()
      expect(after, `${period} shows other rows than the previous tab`).not.toEqual(before)
      before = after
      agentsShown.set(
        period,
        after.map((row) => row[2] ?? ''),
      )
      await page
        .locator('section.leaderboard')
        .screenshot({ path: join(ARTIFACTS, `leaderboard-${period}.png`) })
    }
    // The scenario's shape: Chen worked this week before today, Eli a hundred days ago.
    expect(agentsShown.get('today')).not.toContain(AGENTS.chen)
    expect(agentsShown.get('week')).toContain(AGENTS.chen)
    expect(agentsShown.get('month')).not.toContain(AGENTS.eli)
    expect(agentsShown.get('all-time')).toContain(AGENTS.eli)
  })

  it('shows a posted event in the feed and the KPI within 2 s, without reloading', async () => {
    const metrics = await api<MetricsOutput>('/api/analytics/metrics')
    expect(await kpiText('totalLeads')).toBe(formatCount(metrics.totalLeads))
    const feedBefore = await feedIds()

    const started = Date.now()
    await postEvents(server!.url, [
      {
        id: 'e2e-live-1',
        type: 'lead.created',
        occurredAt: new Date(started - 1_000).toISOString(),
        leadId: 'L-live-1',
        agentId: 'ben',
        source: 'web',
      },
    ])
    const left = () => Math.max(0, LIVE_WITHIN_MS - (Date.now() - started))
    await expect
      .poll(async () => (await feedSummaries())[0], { timeout: left(), interval: 50 })
      .toBe(`New lead L-live-1 for ${AGENTS.ben}`)
    await expect
      .poll(() => kpiText('totalLeads'), { timeout: left(), interval: 50 })
      .toBe(formatCount(metrics.totalLeads + 1))
    expect(Date.now() - started).toBeLessThanOrEqual(LIVE_WITHIN_MS)

    expect(reloads).toBe(0)
    expect((await feedIds()).slice(1)).toEqual(feedBefore)
    const after = await api<MetricsOutput>('/api/analytics/metrics')
    expect(await kpiText('totalLeads')).toBe(formatCount(after.totalLeads))
    await shot('live-update')
  })

  it('goes reconnecting, then offline with a banner when the server dies, and resumes the feed without doubling', async () => {
    const feedBefore = await feedIds()
    await server!.stop('SIGKILL')

    await expect.poll(connection, { timeout: 5_000, interval: 100 }).toBe('reconnecting')
    await expect(page.getByTestId('connection').textContent()).resolves.toBe('Reconnecting')
    await shot('reconnecting')
    // The page says "offline" once reconnecting has failed for 10 s; the banner comes with it.
    await expect.poll(connection, { timeout: 15_000, interval: 250 }).toBe('offline')
    await expect(page.getByTestId('error-banner').textContent()).resolves.toMatch(
      /Cannot reach the analytics API/,
    )
    await shot('offline')

    // An event lands while the page is cut off (through the same database on a port the page
    // does not know), so it can only reach the feed by resuming from the page's last cursor.
    const side = await startServer({ port: await freePort(), dataDir, orgTimezone: calendar.zone })
    await postEvents(side.url, [
      {
        id: 'e2e-gap-1',
        type: 'lead.created',
        occurredAt: new Date().toISOString(),
        leadId: 'L-gap-1',
        agentId: 'ava',
      },
    ])
    await side.stop('SIGTERM')

    await restartServer()
    await expect.poll(connection, { timeout: 15_000, interval: 100 }).toBe('live')
    await expect.poll(() => page.getByTestId('error-banner').count(), { timeout: 10_000 }).toBe(0)
    await expect
      .poll(async () => (await feedSummaries())[0], { timeout: 5_000 })
      .toBe(`New lead L-gap-1 for ${AGENTS.ava}`)

    const started = Date.now()
    await postEvents(server!.url, [
      {
        id: 'e2e-after-1',
        type: 'lead.created',
        occurredAt: new Date().toISOString(),
        leadId: 'L-after-1',
        agentId: 'ben',
      },
    ])
    await expect
      .poll(async () => (await feedSummaries())[0], { timeout: LIVE_WITHIN_MS, interval: 50 })
      .toBe(`New lead L-after-1 for ${AGENTS.ben}`)
    expect(Date.now() - started).toBeLessThanOrEqual(LIVE_WITHIN_MS)

    // Nothing lost, nothing doubled: exactly the two new entries on top of what was there.
    const feedAfter = await feedIds()
    expect(feedAfter.slice(2)).toEqual(feedBefore)
    expect(new Set(feedAfter).size).toBe(feedAfter.length)
    const metrics = await api<MetricsOutput>('/api/analytics/metrics')
    await expect
      .poll(() => kpiText('totalLeads'), { timeout: 5_000 })
      .toBe(formatCount(metrics.totalLeads))
    expect(reloads).toBe(0)
    expect(pageErrors).toEqual([])
    await shot('recovered')
  })

  it('away for longer than the replay window: the feed starts again from the replay, nothing from before the gap', async () => {
    const feedBefore = await feedIds()
    await server!.stop('SIGKILL')
    await expect.poll(connection, { timeout: 5_000, interval: 100 }).toBe('reconnecting')

    // Eight events land while the page is away; the server comes back replaying only five.
    const side = await startServer({ port: await freePort(), dataDir, orgTimezone: calendar.zone })
    const missed = Array.from({ length: 8 }, (_, i) => `L-window-${i + 1}`)
    await postEvents(
      side.url,
      missed.map((leadId) => ({
        id: `e2e-${leadId}`,
        type: 'lead.created' as const,
        occurredAt: new Date().toISOString(),
        leadId,
        agentId: 'chen',
      })),
    )
    await side.stop('SIGTERM')
    await restartServer(5)

    await expect.poll(connection, { timeout: 15_000, interval: 100 }).toBe('live')
    const replayed = missed
      .slice(-5)
      .reverse()
      .map((leadId) => `New lead ${leadId} for ${AGENTS.chen}`)
    await expect.poll(feedSummaries, { timeout: 5_000, interval: 100 }).toEqual(replayed)
    // The list began again: none of what it showed before the gap is left beside the hole.
    const feedAfter = await feedIds()
    expect(feedAfter.filter((id) => feedBefore.includes(id))).toEqual([])
    expect(reloads).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
