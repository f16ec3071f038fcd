import { setTimeout as sleep } from 'node:timers/promises'
import { WebSocket } from 'ws'
import { nowMicros, parseProbe, probeEvent } from '../common/probe.js'

/** One check of a running deployment, printed under the table. */
export interface Check {
  name: string
  ok: boolean
  detail: string
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return res.json()
}

async function post(url: string, events: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  })
  if (res.status !== 200) throw new Error(`POST /api/events: HTTP ${res.status}`)
  await res.text()
}

/** Drops `asOf` everywhere: it says when an answer was computed, not what it says. */
export function withoutAsOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAsOf)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'asOf')
      .map(([k, v]) => [k, withoutAsOf(v)]),
  )
}

/** The five reads over a fixed past week (whole hours), so two instances must answer alike. */
export function fixedWindowPaths(now: number): string[] {
  const hour = 3_600_000
  const to = new Date(Math.floor(now / hour) * hour).toISOString()
  const from = new Date(Math.floor(now / hour) * hour - 7 * 24 * hour).toISOString()
  const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
  return [
    `/api/analytics/metrics?${range}`,
    `/api/analytics/lead-volume?${range}&interval=day`,
    `/api/analytics/conversion-funnel?${range}`,
    `/api/analytics/activity-heatmap?${range}`,
    `/api/analytics/leaderboard?${range}`,
  ]
}

/** Every read answered by each instance is the same answer (up to `asOf`). */
export async function readsAgree(urls: string[]): Promise<Check> {
  const differing: string[] = []
  const paths = fixedWindowPaths(Date.now())
  for (const path of paths) {
    const answers = await Promise.all(
      urls.map(async (u) => JSON.stringify(withoutAsOf(await getJson(u + path)))),
    )
    if (answers.some((a) => a !== answers[0])) differing.push(path.split('?')[0]!)
  }
  return {
    name: `the five reads agree across ${urls.length} instances`,
    ok: differing.length === 0,
    detail:
      differing.length === 0
        ? `${paths.length} reads, same answers`
        : `differ: ${differing.join(', ')}`,
  }
}

const todayLeads = async (url: string) =>
  ((await getJson(`${url}/api/analytics/metrics`)) as { totalLeads: number }).totalLeads

/**
 * A read right after an ingest sees it: one new lead posted to `writer`, then today's metrics
 * read at once from `reader` (the same instance, or another one).
 */
export async function readAfterWrite(
  writer: string,
  reader: string,
  label: string,
): Promise<Check> {
  const before = await todayLeads(reader)
  const tag = `raw${Date.now().toString(36)}`
  await post(writer, [probeEvent(tag, 0, nowMicros())])
  const after = await todayLeads(reader)
  return {
    name: `a read right after an ingest sees it (${label})`,
    ok: after === before + 1,
    detail: `today's new leads ${before} → ${after}`,
  }
}

/**
 * The live feed across instances: subscribers on `reader`'s plain WebSocket stream, `count`
 * events posted to `writer` in batches of 10; every one must arrive, within 1 s.
 */
export async function feedAcross(writer: string, reader: string, count = 200): Promise<Check> {
  const tag = `feed${Date.now().toString(36)}`
  const socket = new WebSocket(`${reader.replace('http', 'ws')}/api/analytics/activity-stream`)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const seen = new Set<number>()
  let worstMs = 0
  socket.on('message', (data) => {
    const probe = parseProbe((JSON.parse(String(data)) as { leadId?: string }).leadId)
    if (probe?.tag !== tag) return
    seen.add(probe.n)
    worstMs = Math.max(worstMs, (nowMicros() - probe.sentMicros) / 1_000)
  })
  try {
    for (let n = 0; n < count; n += 10) {
      await post(
        writer,
        Array.from({ length: Math.min(10, count - n) }, (_, i) =>
          probeEvent(tag, n + i, nowMicros()),
        ),
      )
      await sleep(20)
    }
    const deadline = performance.now() + 5_000
    while (seen.size < count && performance.now() < deadline) await sleep(50)
  } finally {
    socket.close()
  }
  return {
    name: 'the live feed delivers across instances',
    ok: seen.size === count && worstMs <= 1_000,
    detail: `${seen.size} / ${count} events posted to one instance reached a subscriber of the other; slowest ${worstMs.toFixed(0)} ms`,
  }
}
