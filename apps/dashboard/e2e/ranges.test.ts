/**
 * Issue 8 on the dashboard, in Chromium against the production server (authentication off): the
 * range picker and its URL, export downloads, drill-down lists and the forecast band, each
 * checked against what the API answers for the same parameters.
 */
import { mkdir, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type {
  ForecastOutput,
  FunnelOutput,
  HeatmapOutput,
  LeadEvent,
  LeaderboardOutput,
  LeadVolumeOutput,
  MetricsOutput,
} from '@leads/contract'
import { parse } from 'csv-parse/sync'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatBucket, formatCount } from '../src/lib/format'
import { formatSpan } from '../src/lib/range'
import { type Browser, launchChromium } from './browser'
import { keepEvidenceAndCleanUp } from './lifecycle'
import { settled } from './page'
import { knownScenario, type OrgCalendar, orgCalendar, postEvents } from './scenario'
import { freePort, type RunningServer, startServer } from './server'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const DAY = 86_400_000
/** More leads on one day than a drill-down page holds, so "load more" is needed to sum up. */
const BURST = 130

let browser: Browser | undefined
let server: RunningServer | undefined
let page: Page
let dataDir: string
let calendar: OrgCalendar
const pageErrors: string[] = []

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${server!.url}${path}`)
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** The last 7 local days including today, as the page should ask for them (UTC instants). */
function last7(): string {
  const from = new Date(calendar.dayStart - 6 * DAY).toISOString()
  const to = new Date(calendar.dayStart + DAY).toISOString()
  return `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
}

const volumeLabel = () => page.locator('#volume-body [role="img"]').getAttribute('aria-label')

/** The x-axis categories ECharts' description names (up to ten, the first series'). */
async function drawnCategories(): Promise<string[]> {
  const label = (await volumeLabel()) ?? ''
  const first = label.split(/The 1 series/)[0] ?? ''
  return [...first.matchAll(/the data for (.+?) is /g)].map((m) => m[1] ?? '')
}

const bucketLabels = (data: LeadVolumeOutput) =>
  data.buckets.slice(0, 10).map((b) => formatBucket(b.start, data.interval))

/** The text of a chart's tooltip (ECharts' own HTML tooltip), lines joined by \n. */
function tooltipText(panel = 'volume'): Promise<string> {
  return page.evaluate((panel) => {
    const tips = [...document.querySelectorAll<HTMLElement>(`#${panel}-body div`)].filter(
      (el) => el.style.zIndex === '9999999' && el.style.display !== 'none',
    )
    // innerText, not textContent: the tooltip's <br/> lines must come out as separate lines.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered line breaks are the point
    return tips.map((el) => el.innerText).find(Boolean) ?? ''
  }, panel)
}

async function tooltipAt(x: number): Promise<string> {
  const box = (await page.locator('#volume-body [role="img"]').boundingBox())!
  await page.mouse.move(x, box.y + box.height * 0.6)
  return tooltipText()
}

/**
 * The page x of the lead-volume column whose axis tooltip names `label`: the pointer sweeps the
 * chart and reads ECharts' own tooltip, so the test finds a bar as a person does.
 */
async function columnX(label: string): Promise<number> {
  const box = await page.locator('#volume-body [role="img"]').boundingBox()
  if (!box) throw new Error('no chart')
  const y = box.y + box.height * 0.6
  for (let x = box.x + 20; x < box.x + box.width; x += 8) {
    await page.mouse.move(x, y)
    if ((await tooltipText()).split('\n')[0] === label) return x
  }
  throw new Error(`no column labelled ${label}`)
}

beforeAll(async () => {
  browser = await launchChromium()
  await mkdir(ARTIFACTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'leads-e2e-ranges-'))
  const now = Date.now()
  calendar = orgCalendar(now)
  const burstDay = calendar.dayStart - 2 * DAY + 10 * 3_600_000
  const burst: LeadEvent[] = Array.from({ length: BURST }, (_, i) => ({
    id: `e2e-burst-${i}`,
    type: 'lead.created',
    occurredAt: new Date(burstDay + i * 60_000).toISOString(),
    leadId: `L-burst-${String(i).padStart(3, '0')}`,
    agentId: i % 2 ? 'ava' : 'ben',
    source: 'web',
  }))
  const events = [...knownScenario(now, calendar).events, ...burst]
  server = await startServer({ port: await freePort(), dataDir, orgTimezone: calendar.zone })
  const ingested = await postEvents(server.url, events)
  expect(ingested.accepted).toBe(events.length)

  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(server.url)
  await settled(page)
})

keepEvidenceAndCleanUp(ARTIFACTS, () => ({ page, server, browser, dataDir }))

describe('ranges, exports, drill-down and forecast in Chromium', () => {
  it("draws the forecast band on the 30-day view and 'on pace' on the KPI, as the API forecasts", async () => {
    const forecast = await api<ForecastOutput>('/api/analytics/forecast?metric=newLeads&horizon=7')
    expect(forecast.points).toHaveLength(7)
    await expect
      .poll(() => page.getByTestId('kpi-on-pace').textContent(), { timeout: 5_000 })
      .toBe(`On pace for ${formatCount(forecast.onPace.newLeads)} today`)

    expect(await volumeLabel()).not.toContain('Forecast')
    await page
      .getByRole('tablist', { name: 'Lead volume period' })
      .getByRole('tab', { name: '30d' })
      .click()
    await expect.poll(volumeLabel, { timeout: 5_000 }).toContain('Forecast')
    const label = (await volumeLabel()) ?? ''
    expect(label).toContain('80% interval')
    // Today's column and the next day's carry the API's forecast and its interval.
    const volume = await api<LeadVolumeOutput>('/api/analytics/lead-volume?period=30d')
    const today = volume.buckets.at(-1)!.start
    for (const [point, day] of [
      [forecast.points[0]!, formatBucket(today, 'day')],
      [forecast.points[1]!, formatBucket(forecast.points[1]!.date, 'day')],
    ] as const) {
      const tip = await tooltipAt(await columnX(day))
      expect(tip).toContain(`Forecast: ${formatCount(point.value)}`)
      expect(tip).toContain(`80% interval: ${formatCount(point.lower)}–${formatCount(point.upper)}`)
    }
    await page.locator('section.volume').screenshot({ path: join(ARTIFACTS, 'forecast.png') })

    await page
      .getByRole('tablist', { name: 'Lead volume period' })
      .getByRole('tab', { name: '24h' })
      .click()
    await expect.poll(volumeLabel, { timeout: 5_000 }).not.toContain('Forecast')
  })

  it("a preset goes into the URL and every panel draws the API's data for that range", async () => {
    await page.getByTestId('range-preset').selectOption('last7')
    expect(new URL(page.url()).search).toBe('?range=last7')
    await settled(page)

    const metrics = await api<MetricsOutput>(`/api/analytics/metrics?${last7()}`)
    expect(metrics.totalLeads).toBeGreaterThan(BURST)
    expect(await page.getByTestId('kpi-totalLeads').textContent()).toBe(
      formatCount(metrics.totalLeads),
    )
    // The comparison window is the API's: the 7 days before.
    expect(await page.getByTestId('range-compare').textContent()).toBe(
      `${formatSpan(metrics.period)} vs ${formatSpan(metrics.previousPeriod)}`,
    )
    expect(metrics.previousPeriod.to).toBe(metrics.period.from)

    const volume = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?${last7()}`)
    expect(volume.interval).toBe('day')
    expect(volume.buckets).toHaveLength(7)
    await expect.poll(drawnCategories, { timeout: 5_000 }).toEqual(bucketLabels(volume))

    const board = await api<LeaderboardOutput>(`/api/analytics/leaderboard?${last7()}&limit=20`)
    const names = await page.locator('#leaderboard-body tbody th.agent').allTextContents()
    expect(names).toEqual(board.rows.map((r) => r.agentName))
    // A fixed range replaces the panels' own period tabs.
    expect(await page.getByRole('tablist', { name: 'Lead volume period' }).count()).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'range-last7.png'), fullPage: true })
  })

  it('reloading the URL restores the range, and a custom from/to link opens that range', async () => {
    await page.reload()
    await settled(page)
    expect(await page.getByTestId('range-preset').inputValue()).toBe('last7')
    const volume = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?${last7()}`)
    await expect.poll(drawnCategories, { timeout: 5_000 }).toEqual(bucketLabels(volume))

    // Two local dates, both included: 20 days ago through 3 days ago.
    const date = (daysAgo: number) =>
      new Date(calendar.dayStart - daysAgo * DAY + 12 * 3_600_000).toISOString().slice(0, 10)
    await page.goto(`${server!.url}/?from=${date(20)}&to=${date(3)}`)
    await settled(page)
    expect(await page.getByTestId('range-preset').inputValue()).toBe('custom')
    const from = new Date(calendar.dayStart - 20 * DAY).toISOString()
    const to = new Date(calendar.dayStart - 2 * DAY).toISOString()
    const metrics = await api<MetricsOutput>(`/api/analytics/metrics?from=${from}&to=${to}`)
    expect(await page.getByTestId('kpi-totalLeads').textContent()).toBe(
      formatCount(metrics.totalLeads),
    )
    const custom = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?from=${from}&to=${to}`)
    expect(custom.buckets).toHaveLength(18)
    await expect.poll(drawnCategories, { timeout: 5_000 }).toEqual(bucketLabels(custom))

    await page.getByTestId('range-preset').selectOption('last7')
    await settled(page)
  })

  it("downloads CSV whose rows equal the API's report, and the raw events of the range", async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download lead volume as CSV' }).click(),
    ])
    expect(download.suggestedFilename()).toMatch(/^lead-volume-\d{4}-\d{2}-\d{2}\.csv$/)
    const rows = parse(await readFile((await download.path())!, 'utf8'), { columns: true })
    const volume = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?${last7()}`)
    expect(rows).toEqual(
      volume.buckets.map((b) => ({
        start: b.start,
        newLeads: String(b.newLeads),
        conversions: String(b.conversions),
      })),
    )

    const [events] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download the raw events of .* as CSV/ }).click(),
    ])
    const exported = parse(await readFile((await events.path())!, 'utf8'), {
      columns: true,
    }) as Record<string, string>[]
    const json = await api<{ id: string }[]>(
      `/api/analytics/export?report=events&format=json&${last7()}`,
    )
    expect(exported.map((e) => e.id ?? '')).toEqual(json.map((e) => e.id))
    expect(exported.filter((e) => e.id?.startsWith('e2e-burst-'))).toHaveLength(BURST)
  })

  it("clicking a bar lists the leads behind it, as many as the bar's value; Escape closes", async () => {
    const volume = await api<LeadVolumeOutput>(`/api/analytics/lead-volume?${last7()}`)
    const bucket = volume.buckets.reduce((a, b) => (b.newLeads > a.newLeads ? b : a))
    expect(bucket.newLeads).toBeGreaterThanOrEqual(BURST)
    const label = formatBucket(bucket.start, 'day')

    const x = await columnX(label)
    const box = (await page.locator('#volume-body [role="img"]').boundingBox())!
    await page.mouse.click(x, box.y + box.height * 0.6)
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.isVisible(), { timeout: 5_000 }).toBe(true)
    expect(await page.getByTestId('drill-count').textContent()).toBe(formatCount(bucket.newLeads))
    // Page by page until the list is complete.
    const more = dialog.getByRole('button', { name: /Load more/ })
    await expect.poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 }).toBe(100)
    const rows = page.getByTestId('drill-row')
    while (await more.isVisible()) {
      const before = await rows.count()
      await more.click()
      // The button stays (disabled) while the page loads; the new rows are the sign it is done.
      await expect.poll(() => rows.count(), { timeout: 5_000 }).toBeGreaterThan(before)
    }
    expect(await page.getByTestId('drill-row').count()).toBe(bucket.newLeads)
    expect(await page.getByTestId('drill-shown').textContent()).toBe(String(bucket.newLeads))
    await page.screenshot({ path: join(ARTIFACTS, 'drill-down.png') })

    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0)

    // The same column from the keyboard: focus the chart, arrow to it, Enter.
    await page.locator('#volume-body [role="img"]').focus()
    for (let i = 0; i <= volume.buckets.indexOf(bucket); i++)
      await page.keyboard.press('ArrowRight')
    // ECharts draws the tooltip on its next frame: wait for it rather than read it once.
    await expect
      .poll(async () => (await tooltipText()).split('\n')[0], { timeout: 2_000 })
      .toBe(label)
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.getByTestId('drill-count').textContent(), { timeout: 5_000 })
      .toBe(formatCount(bucket.newLeads))
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0)
  })

  it('a heatmap cell opens from the keyboard: arrows walk the grid, Enter lists its events', async () => {
    const heat = await api<HeatmapOutput>(`/api/analytics/activity-heatmap?${last7()}`)
    // The busiest cell below the first row, so the walk goes down as well as across.
    const cell = heat.cells
      .filter((c) => c.dayOfWeek > 0)
      .reduce((a, b) => (b.count > a.count ? b : a))
    expect(cell.count).toBeGreaterThan(0)
    await page.locator('#heatmap-body [role="img"]').focus()
    // The first arrow lands on Monday 00:00; then along the hours and down the days.
    await page.keyboard.press('ArrowRight')
    for (let i = 0; i < cell.hour; i++) await page.keyboard.press('ArrowRight')
    for (let i = 0; i < cell.dayOfWeek; i++) await page.keyboard.press('ArrowDown')
    const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][cell.dayOfWeek]
    const hour = String(cell.hour).padStart(2, '0')
    await expect
      .poll(() => tooltipText('heatmap'), { timeout: 2_000 })
      .toMatch(new RegExp(`^${day} ${hour}:00–.* · ${formatCount(cell.count)} events$`))
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.getByTestId('drill-count').textContent(), { timeout: 5_000 })
      .toBe(formatCount(cell.count))
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByRole('dialog').count(), { timeout: 2_000 }).toBe(0)
  })

  it('a leaderboard row and (from the keyboard) a funnel stage open lists that sum to their numbers', async () => {
    const dialog = page.getByRole('dialog')
    const board = await api<LeaderboardOutput>(`/api/analytics/leaderboard?${last7()}&limit=20`)
    const top = board.rows[0]!
    await page.locator('#leaderboard-body tbody th.agent button').first().click()
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBe(top.totalLeads)
    expect(await page.getByTestId('drill-count').textContent()).toBe(formatCount(top.totalLeads))
    expect(
      new Set(await page.locator('[data-testid="drill-row"] td:nth-child(3)').allTextContents()),
    ).toEqual(new Set([top.agentName]))
    await dialog.getByRole('button', { name: 'Close' }).click()
    await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0)

    const funnel = await api<FunnelOutput>(`/api/analytics/conversion-funnel?${last7()}`)
    const contacted = funnel.stages.find((s) => s.stage === 'contacted')!
    expect(contacted.count).toBeGreaterThan(0)
    const stage = page.getByRole('button', { name: /^Contacted: / })
    await stage.focus()
    expect(await stage.isVisible()).toBe(true)
    await page.keyboard.press('Enter')
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBe(contacted.count)
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('the KPI numbers open the leads, conversions and first responses behind them', async () => {
    const dialog = page.getByRole('dialog')
    const metrics = await api<MetricsOutput>(`/api/analytics/metrics?${last7()}`)
    const open = async (kpi: string) => {
      await page.getByTestId(`kpi-${kpi}`).getByRole('button').click()
      await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(1)
    }
    const close = async () => {
      await page.keyboard.press('Escape')
      await expect.poll(() => dialog.count(), { timeout: 2_000 }).toBe(0)
    }

    await open('totalLeads')
    expect(await page.getByTestId('drill-count').textContent()).toBe(
      formatCount(metrics.totalLeads),
    )
    // The first page of the list: more leads than a page, as the burst makes sure.
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBe(Math.min(100, metrics.totalLeads))
    await close()

    const conversions = Math.round(metrics.conversionRate! * metrics.totalLeads)
    expect(conversions).toBeGreaterThan(0)
    await open('conversionRate')
    expect(await page.getByTestId('drill-count').textContent()).toBe(formatCount(conversions))
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBe(Math.min(100, conversions))
    await close()

    // An average has no count to show: the list says how many it has loaded.
    await open('avgResponseTimeSeconds')
    await expect
      .poll(() => page.getByTestId('drill-row').count(), { timeout: 5_000 })
      .toBeGreaterThan(0)
    expect(await page.getByTestId('drill-count').count()).toBe(0)
    expect(await dialog.getByRole('heading').textContent()).toBe('First responses')
    await close()

    expect(await page.getByTestId('kpi-activeAgents').getByRole('button').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
