/**
 * Reference implementation of the five analytics reads, computed from the raw event list.
 * Used by property tests as the oracle for the production (SQL, pre-aggregated) queries.
 * The definitions are written out in docs/metrics.md.
 */
import {
  type FunnelInput,
  type FunnelOutput,
  funnelInput,
  type HeatmapInput,
  type HeatmapOutput,
  heatmapInput,
  type LeadEvent,
  type LeaderboardInput,
  type LeaderboardOutput,
  type LeaderboardRow,
  type LeadVolumeInput,
  type LeadVolumeOutput,
  leaderboardInput,
  leadVolumeInput,
  MAX_BUCKETS,
  type MetricsInput,
  type MetricsOutput,
  metricsInput,
  PIPELINE,
} from '@leads/contract'
import {
  type AgentScope,
  agentScope,
  buildModel,
  contains,
  inScope,
  inWindow,
  type Model,
  responseTimeMs,
  type Window,
} from './model.js'
import {
  floorTo,
  formatInstant,
  type Interval,
  instantOfWallTime,
  local,
  nextBoundary,
  parseInstant,
  startOfLocalDay,
  startOfLocalDayPlus,
  startOfLocalHour,
  startOfLocalISOWeek,
  startOfLocalMonth,
  startOfLocalQuarter,
  wallTimeOf,
} from './time.js'

const HOUR = 3_600_000
const DAY = 86_400_000
const DEFAULT_LEADERBOARD_LIMIT = 50

type Period = { from: string | null; to: string }

function period(w: Window, zone: string): { from: string; to: string } {
  return { from: formatInstant(w.from, zone), to: formatInstant(w.to, zone) }
}

function customWindow(input: { from?: string | undefined; to?: string | undefined }) {
  if (input.from === undefined || input.to === undefined) return undefined
  return { from: parseInstant(input.from), to: parseInstant(input.to) }
}

/** The window of the same length immediately before w. */
function precedingWindow(w: Window): Window {
  return { from: w.from - (w.to - w.from), to: w.from }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator
}

// ---- metrics -------------------------------------------------------------------------------

interface Kpis {
  totalLeads: number
  conversionRate: number | null
  avgResponseTimeSeconds: number | null
  activeAgents: number
}

function kpis(model: Model, w: Window, scope: AgentScope): Kpis {
  let newLeads = 0
  let conversions = 0
  let responseMsSum = 0
  let responses = 0
  for (const lead of model.leads.values()) {
    if (inWindow(w, lead.creation) && inScope(scope, lead.creation.agentId)) newLeads++
    if (inWindow(w, lead.firstCompletion) && inScope(scope, lead.firstCompletion.agentId))
      conversions++
    const ms = responseTimeMs(lead)
    if (
      ms !== undefined &&
      inWindow(w, lead.firstResponse) &&
      inScope(scope, lead.firstResponse.agentId)
    ) {
      responseMsSum += ms
      responses++
    }
  }
  const active = new Set<string>()
  for (const { event: e, t } of model.events) {
    if (e.type !== 'lead.status_changed' && e.type !== 'agent.action') continue
    if (contains(w, t) && inScope(scope, e.agentId)) active.add(e.agentId)
  }
  return {
    totalLeads: newLeads,
    conversionRate: ratio(conversions, newLeads),
    avgResponseTimeSeconds: responses === 0 ? null : responseMsSum / (responses * 1000),
    activeAgents: active.size,
  }
}

function relativeChange(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || prev === 0) return null
  return ((cur - prev) / prev) * 100
}

function delta(cur: number | null, prev: number | null): number | null {
  return cur === null || prev === null ? null : cur - prev
}

/**
 * The default previous window: from the start of yesterday (local) to yesterday's date at now's
 * local wall-clock time (a time skipped by DST moves forward by the gap, a repeated one takes the
 * earlier instant), capped at the start of today.
 */
export function previousDayWindow(now: number, zone: string): Window {
  const today = startOfLocalDay(now, zone)
  const yesterday = startOfLocalDayPlus(today, -1, zone)
  const date = wallTimeOf(yesterday, zone)
  const clock = wallTimeOf(now, zone)
  const to = instantOfWallTime(
    { ...clock, year: date.year, month: date.month, day: date.day },
    zone,
  )
  return { from: yesterday, to: Math.min(to, today) }
}

export function refMetrics(
  events: readonly LeadEvent[],
  rawInput: MetricsInput,
  now: Date,
  defaultTz: string,
): MetricsOutput {
  const input = metricsInput.parse(rawInput)
  const zone = input.tz ?? defaultTz
  const t = now.getTime()
  const model = buildModel(events)
  const scope = agentScope(model, input)

  const custom = customWindow(input)
  const w: Window = custom ?? { from: startOfLocalDay(t, zone), to: t }
  const prevW = custom ? precedingWindow(custom) : previousDayWindow(t, zone)

  const cur = kpis(model, w, scope)
  const prev = kpis(model, prevW, scope)
  const keys = ['totalLeads', 'conversionRate', 'avgResponseTimeSeconds', 'activeAgents'] as const
  const changes = Object.fromEntries(keys.map((k) => [k, relativeChange(cur[k], prev[k])]))
  const deltas = Object.fromEntries(keys.map((k) => [k, delta(cur[k], prev[k])]))
  return {
    tz: zone,
    period: period(w, zone),
    previousPeriod: period(prevW, zone),
    ...cur,
    previous: prev,
    changes: changes as MetricsOutput['changes'],
    deltas: deltas as MetricsOutput['deltas'],
    asOf: formatInstant(t, zone),
  }
}

// ---- lead volume ---------------------------------------------------------------------------

function tooManyBuckets(): Error {
  return new Error(`more than ${MAX_BUCKETS} buckets`)
}

/** Bucket starts of a named period ending at now (the last bucket contains now). */
function periodBucketStarts(
  name: '24h' | '7d' | '30d',
  explicit: Interval | undefined,
  now: number,
  zone: string,
): { interval: Interval; starts: number[] } {
  let natural: number[]
  if (name === '24h') {
    natural = [startOfLocalHour(now, zone)]
    while (natural.length < 24) natural.unshift(startOfLocalHour(natural[0]! - 1, zone))
  } else {
    const days = name === '7d' ? 7 : 30
    const today = startOfLocalDay(now, zone)
    natural = Array.from({ length: days }, (_, i) =>
      startOfLocalDayPlus(today, i - (days - 1), zone),
    )
  }
  const naturalInterval: Interval = name === '24h' ? 'hour' : 'day'
  if (explicit === undefined) return { interval: naturalInterval, starts: natural }

  const starts: number[] = []
  for (
    let b = floorTo(explicit, natural[0]!, zone);
    b <= now;
    b = nextBoundary(explicit, b, zone)
  ) {
    if (starts.length >= MAX_BUCKETS) throw tooManyBuckets()
    starts.push(b)
  }
  return { interval: explicit, starts }
}

function defaultCustomInterval(w: Window): Interval {
  const span = w.to - w.from
  if (span <= 48 * HOUR) return 'hour'
  if (span <= 90 * DAY) return 'day'
  return 'week'
}

/** Buckets of a custom range: `from`, then every local interval boundary strictly inside. */
function customBucketStarts(w: Window, interval: Interval, zone: string): number[] {
  const starts = [w.from]
  for (
    let b = nextBoundary(interval, floorTo(interval, w.from, zone), zone);
    b < w.to;
    b = nextBoundary(interval, b, zone)
  ) {
    if (b <= w.from) continue
    if (starts.length >= MAX_BUCKETS) throw tooManyBuckets()
    starts.push(b)
  }
  return starts
}

/** Index of the bucket containing t (the last start ≤ t), or -1. */
function bucketIndex(starts: readonly number[], t: number): number {
  let lo = 0
  let hi = starts.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (starts[mid]! <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

export function refLeadVolume(
  events: readonly LeadEvent[],
  rawInput: LeadVolumeInput,
  now: Date,
  defaultTz: string,
): LeadVolumeOutput {
  const input = leadVolumeInput.parse(rawInput)
  const zone = input.tz ?? defaultTz
  const t = now.getTime()
  const model = buildModel(events)
  const scope = agentScope(model, input)

  const custom = customWindow(input)
  let name: LeadVolumeOutput['period']
  let interval: Interval
  let starts: number[]
  let to: number
  if (custom) {
    name = 'custom'
    interval = input.interval ?? defaultCustomInterval(custom)
    starts = customBucketStarts(custom, interval, zone)
    to = custom.to
  } else {
    name = input.period ?? '24h'
    ;({ interval, starts } = periodBucketStarts(name, input.interval, t, zone))
    to = t
  }
  if (starts.length > MAX_BUCKETS) throw tooManyBuckets()

  const range: Window = { from: starts[0]!, to }
  const buckets = starts.map((start) => ({ start, newLeads: 0, conversions: 0 }))
  for (const lead of model.leads.values()) {
    if (inWindow(range, lead.creation) && inScope(scope, lead.creation.agentId))
      buckets[bucketIndex(starts, lead.creation.t)]!.newLeads++
    if (inWindow(range, lead.firstCompletion) && inScope(scope, lead.firstCompletion.agentId))
      buckets[bucketIndex(starts, lead.firstCompletion.t)]!.conversions++
  }
  return {
    tz: zone,
    period: name,
    interval,
    range: period(range, zone),
    buckets: buckets.map((b) => ({ ...b, start: formatInstant(b.start, zone) })),
    asOf: formatInstant(t, zone),
  }
}

// ---- funnel --------------------------------------------------------------------------------

export function refFunnel(
  events: readonly LeadEvent[],
  rawInput: FunnelInput,
  now: Date,
  defaultTz: string,
): FunnelOutput {
  const input = funnelInput.parse(rawInput)
  const zone = input.tz ?? defaultTz
  const t = now.getTime()
  const model = buildModel(events)
  const scope = agentScope(model, input)

  const custom = customWindow(input)
  const name: FunnelOutput['period'] = custom ? 'custom' : (input.period ?? 'month')
  let w: Window
  if (custom) w = custom
  else if (name === 'week') w = { from: startOfLocalISOWeek(t, zone), to: t }
  else if (name === 'quarter') w = { from: startOfLocalQuarter(t, zone), to: t }
  else w = { from: startOfLocalMonth(t, zone), to: t }

  const counts = PIPELINE.map(() => 0)
  for (const lead of model.leads.values()) {
    if (!inWindow(w, lead.creation) || !inScope(scope, lead.creation.agentId)) continue
    for (let rank = 0; rank <= lead.furthestRank; rank++) counts[rank]!++
  }
  const first = counts[0]!
  return {
    tz: zone,
    period: name,
    range: period(w, zone),
    stages: PIPELINE.map((stage, i) => ({
      stage,
      count: counts[i]!,
      rateFromPrevious: i === 0 ? null : ratio(counts[i]!, counts[i - 1]!),
      rateFromStart: ratio(counts[i]!, first),
    })),
    asOf: formatInstant(t, zone),
  }
}

// ---- heatmap -------------------------------------------------------------------------------

export function refHeatmap(
  events: readonly LeadEvent[],
  rawInput: HeatmapInput,
  now: Date,
  defaultTz: string,
): HeatmapOutput {
  const input = heatmapInput.parse(rawInput)
  const zone = input.tz ?? defaultTz
  const t = now.getTime()
  const model = buildModel(events)
  const scope = agentScope(model, input)

  const custom = customWindow(input)
  const name: HeatmapOutput['period'] = custom ? 'custom' : (input.period ?? 'week')
  const w: Window = custom ?? {
    from: startOfLocalDayPlus(t, name === 'month' ? -29 : -6, zone),
    to: t,
  }

  const counts = Array.from({ length: 7 * 24 }, () => 0)
  for (const { event: e, t: at } of model.events) {
    if (e.type === 'agent.upserted' || !contains(w, at) || !inScope(scope, e.agentId)) continue
    const { dayOfWeek, hour } = localDayAndHour(at, zone)
    counts[dayOfWeek * 24 + hour]!++
  }
  return {
    tz: zone,
    period: name,
    range: period(w, zone),
    max: Math.max(0, ...counts),
    cells: counts.map((count, i) => ({ dayOfWeek: Math.floor(i / 24), hour: i % 24, count })),
    asOf: formatInstant(t, zone),
  }
}

function localDayAndHour(t: number, zone: string): { dayOfWeek: number; hour: number } {
  const d = local(t, zone)
  // TZDate#getDay is the local weekday with 0 = Sunday; the heatmap wants 0 = Monday.
  return { dayOfWeek: (d.getDay() + 6) % 7, hour: d.getHours() }
}

// ---- leaderboard ---------------------------------------------------------------------------

interface AgentStats {
  agentId: string
  leads: Set<string>
  converted: number
  responseMsSum: number
  responses: number
}

/** Exact comparison of a/b with c/d for non-negative integers and positive denominators. */
function compareFractions(a: number, b: number, c: number, d: number): number {
  const left = BigInt(a) * BigInt(d)
  const right = BigInt(c) * BigInt(b)
  return left < right ? -1 : left > right ? 1 : 0
}

function compareStats(x: AgentStats, y: AgentStats): number {
  // convertedLeads desc
  if (x.converted !== y.converted) return y.converted - x.converted
  // conversionRate desc, nulls (no leads) last
  const xn = x.leads.size === 0
  const yn = y.leads.size === 0
  if (xn !== yn) return xn ? 1 : -1
  if (!xn) {
    const c = compareFractions(y.converted, y.leads.size, x.converted, x.leads.size)
    if (c !== 0) return c
  }
  // avgResponseTimeSeconds asc, nulls (no responses) last
  const xr = x.responses === 0
  const yr = y.responses === 0
  if (xr !== yr) return xr ? 1 : -1
  if (!xr) {
    const c = compareFractions(x.responseMsSum, x.responses, y.responseMsSum, y.responses)
    if (c !== 0) return c
  }
  // agentId asc, code-unit order
  return x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0
}

/** Every agent with a row in w, in leaderboard order (index + 1 = rank). */
function rankAgents(model: Model, w: Window, scope: AgentScope): AgentStats[] {
  const stats = new Map<string, AgentStats>()
  const get = (agentId: string): AgentStats => {
    let s = stats.get(agentId)
    if (!s) {
      s = { agentId, leads: new Set(), converted: 0, responseMsSum: 0, responses: 0 }
      stats.set(agentId, s)
    }
    return s
  }
  for (const a of model.assignments)
    if (contains(w, a.t) && inScope(scope, a.agentId)) get(a.agentId).leads.add(a.leadId)
  for (const { event: e, t } of model.events) {
    if (e.type !== 'lead.status_changed' && e.type !== 'agent.action') continue
    if (contains(w, t) && inScope(scope, e.agentId)) get(e.agentId)
  }
  for (const lead of model.leads.values()) {
    const done = lead.firstCompletion
    if (inWindow(w, done) && done.agentId !== undefined && inScope(scope, done.agentId))
      get(done.agentId).converted++
    const ms = responseTimeMs(lead)
    const resp = lead.firstResponse
    if (
      ms !== undefined &&
      inWindow(w, resp) &&
      resp.agentId !== undefined &&
      inScope(scope, resp.agentId)
    ) {
      const s = get(resp.agentId)
      s.responseMsSum += ms
      s.responses++
    }
  }
  return [...stats.values()].sort(compareStats)
}

function leaderboardWindows(
  name: LeaderboardOutput['period'],
  custom: Window | undefined,
  now: number,
  zone: string,
): { w: Window; prev: Window | null } {
  if (custom) return { w: custom, prev: precedingWindow(custom) }
  switch (name) {
    case 'week': {
      const from = startOfLocalISOWeek(now, zone)
      return { w: { from, to: now }, prev: { from: startOfLocalISOWeek(from - 1, zone), to: from } }
    }
    case 'month': {
      const from = startOfLocalMonth(now, zone)
      return { w: { from, to: now }, prev: { from: startOfLocalMonth(from - 1, zone), to: from } }
    }
    case 'all-time':
      return { w: { from: Number.NEGATIVE_INFINITY, to: now }, prev: null }
    default: {
      const from = startOfLocalDay(now, zone)
      return { w: { from, to: now }, prev: { from: startOfLocalDay(from - 1, zone), to: from } }
    }
  }
}

export function refLeaderboard(
  events: readonly LeadEvent[],
  rawInput: LeaderboardInput,
  now: Date,
  defaultTz: string,
): LeaderboardOutput {
  const input = leaderboardInput.parse(rawInput)
  const zone = input.tz ?? defaultTz
  const t = now.getTime()
  const model = buildModel(events)
  const scope = agentScope(model, { teamId: input.teamId })

  const custom = customWindow(input)
  const name: LeaderboardOutput['period'] = custom ? 'custom' : (input.period ?? 'today')
  const { w, prev } = leaderboardWindows(name, custom, t, zone)

  const ranked = rankAgents(model, w, scope)
  const previousRank = new Map<string, number>()
  if (prev)
    for (const [i, s] of rankAgents(model, prev, scope).entries())
      previousRank.set(s.agentId, i + 1)

  // The 7 local days ending today (today only up to now), for trend.series.
  const today = startOfLocalDay(t, zone)
  const days: Window[] = Array.from({ length: 7 }, (_, i) => {
    const from = startOfLocalDayPlus(today, i - 6, zone)
    return { from, to: i === 6 ? t : startOfLocalDayPlus(today, i - 5, zone) }
  })

  const completionsBy = new Map<string, number[]>()
  for (const lead of model.leads.values()) {
    const done = lead.firstCompletion
    if (done?.agentId === undefined) continue
    const list = completionsBy.get(done.agentId) ?? []
    list.push(done.t)
    completionsBy.set(done.agentId, list)
  }

  const offset = input.offset ?? 0
  const limit = input.limit ?? DEFAULT_LEADERBOARD_LIMIT
  const rows: LeaderboardRow[] = ranked.slice(offset, offset + limit).map((s, i) => {
    const agent = model.agents.get(s.agentId)
    const completions = completionsBy.get(s.agentId) ?? []
    const series = days.map((day) => completions.filter((at) => contains(day, at)).length)
    return {
      rank: offset + i + 1,
      agentId: s.agentId,
      agentName: agent?.name ?? s.agentId,
      teamId: agent?.teamId ?? null,
      totalLeads: s.leads.size,
      convertedLeads: s.converted,
      conversionRate: ratio(s.converted, s.leads.size),
      avgResponseTimeSeconds: s.responses === 0 ? null : s.responseMsSum / (s.responses * 1000),
      trend: { previousRank: previousRank.get(s.agentId) ?? null, series },
    }
  })

  const range: Period = {
    from: Number.isFinite(w.from) ? formatInstant(w.from, zone) : null,
    to: formatInstant(w.to, zone),
  }
  return {
    tz: zone,
    period: name,
    range,
    previousRange: prev ? period(prev, zone) : null,
    total: ranked.length,
    rows,
    asOf: formatInstant(t, zone),
  }
}
