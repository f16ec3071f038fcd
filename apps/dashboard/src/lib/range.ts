/**
 * The dashboard's date range: a preset or two local dates, kept in the URL so a view can be
 * shared, and turned into the [from, to) instants every read accepts. Days are local days of the
 * zone the figures are shown in, so "yesterday" in Asia/Kolkata is Kolkata's yesterday.
 */

/** Longest range the API accepts (MAX_RANGE_DAYS in @leads/contract; a value, not a type). */
export const MAX_RANGE_DAYS = 400

export const PRESETS = [
  { value: 'today', label: 'Today' },
  { value: 'yesterday', label: 'Yesterday' },
  { value: 'last7', label: 'Last 7 days' },
  { value: 'last30', label: 'Last 30 days' },
  { value: 'last90', label: 'Last 90 days' },
  { value: 'thisMonth', label: 'This month' },
  { value: 'lastMonth', label: 'Last month' },
  { value: 'thisQuarter', label: 'This quarter' },
  { value: 'custom', label: 'Custom…' },
] as const

export type Preset = (typeof PRESETS)[number]['value']

/**
 * `today` is the live view (each panel's own periods); every other choice is a fixed window.
 * Custom dates are local `YYYY-MM-DD`, both days included.
 */
export type RangeChoice =
  | { preset: Exclude<Preset, 'custom'> }
  | { preset: 'custom'; from: string; to: string }

export const LIVE: RangeChoice = { preset: 'today' }

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000

/** Days since the epoch of a `YYYY-MM-DD` date (calendar arithmetic, no zone involved). */
function dayNumber(date: string): number | null {
  const m = DATE.exec(date)
  if (!m) return null
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  // Rejects 2026-02-30 and the like, which Date.UTC would roll over.
  return new Date(t).toISOString().slice(0, 10) === date ? t / DAY_MS : null
}

const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)

export function addDays(date: string, days: number): string {
  const n = dayNumber(date)
  if (n === null) throw new Error(`not a date: ${date}`)
  return dateOf(n + days)
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return (dayNumber(b) ?? 0) - (dayNumber(a) ?? 0)
}

/** Why a custom range is refused, or null when the API will take it. */
export function customRangeError(from: string, to: string): string | null {
  if (dayNumber(from) === null || dayNumber(to) === null) return 'Pick both dates'
  if (to < from) return 'The end date is before the start date'
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) return `At most ${MAX_RANGE_DAYS} days`
  return null
}

/** The range a URL asks for: `?range=<preset>`, or `?from=YYYY-MM-DD&to=YYYY-MM-DD`; else live. */
export function parseRange(search: URLSearchParams): RangeChoice {
  const from = search.get('from')
  const to = search.get('to')
  if (from && to && customRangeError(from, to) === null) return { preset: 'custom', from, to }
  const preset = search.get('range')
  const known = PRESETS.find((p) => p.value === preset && p.value !== 'custom')
  return known ? { preset: known.value as Exclude<Preset, 'custom'> } : LIVE
}

/** Writes `choice` into `url`'s query, leaving every other parameter (tz) as it is. */
export function writeRange(url: URL, choice: RangeChoice): void {
  for (const key of ['range', 'from', 'to']) url.searchParams.delete(key)
  if (choice.preset === 'custom') {
    url.searchParams.set('from', choice.from)
    url.searchParams.set('to', choice.to)
  } else if (choice.preset !== 'today') url.searchParams.set('range', choice.preset)
}

/** The local date of an instant in `tz`. */
export function localDate(at: number, tz: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at)
}

/** Offset of `tz` from UTC at an instant, in ms (positive east of Greenwich). */
function offsetMs(at: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  )
  return wall - Math.floor(at / 1000) * 1000
}

/**
 * The instant a local day begins in `tz`. Where a zone skips midnight (a DST change at 00:00),
 * the day begins at the first wall-clock time that exists, as the API's own day boundaries do.
 */
export function startOfLocalDay(date: string, tz: string): number {
  const n = dayNumber(date)
  if (n === null) throw new Error(`not a date: ${date}`)
  const wall = n * DAY_MS
  let t = wall - offsetMs(wall, tz)
  // A second pass settles instants whose offset differs from the first guess's (DST).
  t = wall - offsetMs(t, tz)
  if (localDate(t, tz) !== date) t += DAY_MS - ((t + offsetMs(t, tz)) % DAY_MS)
  return t
}

/** First day of the month (or quarter) holding `date`, moved by `months`. */
function monthStart(date: string, months: number, quarter = false): string {
  const [y, m] = date.split('-').map(Number) as [number, number]
  const first = quarter ? m - ((m - 1) % 3) : m
  const d = new Date(Date.UTC(y, first - 1 + months, 1))
  return d.toISOString().slice(0, 10)
}

/** A window as local dates: `from` included, `to` excluded. */
export interface DayWindow {
  from: string
  to: string
}

/**
 * The local days a choice covers at `now`; null for the live view. Ranges that include today end
 * at the end of today, so events arriving now fall inside them and the page stays live.
 */
export function dayWindow(choice: RangeChoice, now: number, tz: string): DayWindow | null {
  const today = localDate(now, tz)
  const tomorrow = addDays(today, 1)
  switch (choice.preset) {
    case 'today':
      return null
    case 'yesterday':
      return { from: addDays(today, -1), to: today }
    case 'last7':
      return { from: addDays(today, -6), to: tomorrow }
    case 'last30':
      return { from: addDays(today, -29), to: tomorrow }
    case 'last90':
      return { from: addDays(today, -89), to: tomorrow }
    case 'thisMonth':
      return { from: monthStart(today, 0), to: tomorrow }
    case 'lastMonth':
      return { from: monthStart(today, -1), to: monthStart(today, 0) }
    case 'thisQuarter':
      return { from: monthStart(today, 0, true), to: tomorrow }
    case 'custom':
      return { from: choice.from, to: addDays(choice.to, 1) }
  }
}

/** ISO 8601 with the zone's offset, as the API writes instants: 2026-11-25T00:00:00.000+05:30. */
export function isoInZone(at: number, tz: string): string {
  const off = offsetMs(at, tz)
  const local = new Date(at + off).toISOString().slice(0, 23)
  const sign = off < 0 ? '-' : '+'
  const abs = Math.abs(off) / 60_000
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  return `${local}${sign}${hh}:${mm}`
}

/** The `from`/`to` instants the reads take for a day window. */
export function instantWindow(days: DayWindow, tz: string): { from: string; to: string } {
  return {
    from: isoInZone(startOfLocalDay(days.from, tz), tz),
    to: isoInZone(startOfLocalDay(days.to, tz), tz),
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Wall-clock parts of an ISO instant as written, in the zone of its own offset. */
function wall(iso: string) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso)
  if (!m) return null
  return {
    date: `${m[1]}-${m[2]}-${m[3]}`,
    year: Number(m[1]),
    month: MONTHS[Number(m[2]) - 1] ?? '',
    day: Number(m[3]),
    time: `${m[4]}:${m[5]}`,
  }
}

/**
 * A window the API sent ({ from, to } with offsets, `to` excluded) as people say it: "Nov 17–23"
 * for whole days, "Nov 24, 00:00–14:20" within a day, years only when they differ from `year`.
 */
export function formatSpan(span: { from: string | null; to: string }, year?: number): string {
  const a = span.from ? wall(span.from) : null
  const b = wall(span.to)
  if (!b) return span.to
  if (!a) return `until ${b.month} ${b.day}, ${b.time}`
  const y = (p: { year: number }) => (p.year !== (year ?? b.year) ? `, ${p.year}` : '')
  if (a.time === '00:00' && b.time === '00:00') {
    const last = wall(`${addDays(b.date, -1)}T00:00`)!
    if (last.date === a.date) return `${a.month} ${a.day}${y(a)}`
    if (a.year === last.year && a.month === last.month)
      return `${a.month} ${a.day}–${last.day}${y(a)}`
    return `${a.month} ${a.day}${a.year !== last.year ? y(a) : ''} – ${last.month} ${last.day}${y(last)}`
  }
  if (a.date === b.date) return `${a.month} ${a.day}${y(a)}, ${a.time}–${b.time}`
  return `${a.month} ${a.day}${y(a)} ${a.time} – ${b.month} ${b.day}${y(b)} ${b.time}`
}
