/** Human formatting for the dashboard: compact counts, percentages, durations, relative times. */

const DASH = '—'

function trimmed(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.0+$/, '')
}

/** 950 → "950", 1_234 → "1.2k", 12_345 → "12k", 1_250_000 → "1.3M". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ]
  if (Math.round(abs) < 1000) return sign + String(Math.round(abs))
  for (let i = units.length - 1; i >= 0; i--) {
    const [size, suffix] = units[i]!
    // Round on integers (abs / (size / 10)), not with toFixed, which rounds 9.95 down to 9.9.
    const tenths = Math.round(abs / (size / 10)) / 10
    const value = tenths < 10 ? tenths : Math.round(abs / size)
    // 999_950 rounds to "1000k"; let the next unit take it.
    if (value >= 1000 && i > 0) continue
    return sign + String(value) + suffix
  }
  return sign + String(Math.round(abs))
}

/** A fraction as a percentage: 0.4321 → "43%", 0.045 → "4.5%", null → "—". */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH
  return `${formatPercentValue(fraction * 100)}%`
}

function formatPercentValue(pct: number): string {
  const abs = Math.abs(pct)
  if (abs !== 0 && abs < 10) return trimmed(pct, 1)
  return String(Math.round(pct))
}

export interface Change {
  direction: 'up' | 'down' | 'flat'
  /** "▲ 12%", "▼ 3.5%", "0%" (or "▼ 2 pts" for a rate). */
  text: string
}

/** A signed amount in percent units as a change: its arrow, magnitude and `unit`; null → null. */
function directedChange(amount: number | null | undefined, unit: string): Change | null {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return null
  const value = formatPercentValue(Math.abs(amount))
  if (value === '0') return { direction: 'flat', text: `0${unit}` }
  return amount > 0
    ? { direction: 'up', text: `▲ ${value}${unit}` }
    : { direction: 'down', text: `▼ ${value}${unit}` }
}

/** A relative change already in percent (the API's `changes`): 12.4 → ▲ 12%; null → null. */
export function formatChange(pct: number | null | undefined): Change | null {
  return directedChange(pct, '%')
}

/**
 * A change of a rate in percentage points (the API's `deltas` of a fraction): −0.02 → ▼ 2 pts.
 * For a rate, "▼ 7.8%" beside "22% vs 24%" reads as points; the points say what moved.
 */
export function formatPointsChange(delta: number | null | undefined): Change | null {
  return directedChange(delta == null ? delta : delta * 100, ' pts')
}

/** Seconds as "45s", "3m 20s", "2h 5m", "1d 3h"; null → "—". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  const pair = (a: number, ua: string, b: number, ub: string) =>
    b ? `${a}${ua} ${b}${ub}` : `${a}${ua}`
  if (s < 3600) return pair(Math.floor(s / 60), 'm', s % 60, 's')
  if (s < 86_400) return pair(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'm')
  return pair(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h')
}

/** "just now", "45s ago", "2m ago", "3h ago", "2d ago". Instants in the future read "just now". */
export function formatRelative(instant: string | number, now: number): string {
  const t = typeof instant === 'number' ? instant : Date.parse(instant)
  if (!Number.isFinite(t)) return ''
  const s = Math.floor((now - t) / 1000)
  if (s < 5) return 'just now'
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86_400)}d ago`
}

export interface RankMovement {
  direction: 'up' | 'down' | 'same' | 'new'
  text: string
  label: string
}

/** ▲2 when an agent climbed two places since the previous period, "new" when unranked before. */
export function rankMovement(
  rank: number,
  previousRank: number | null,
  comparable = true,
): RankMovement | null {
  if (!comparable) return null
  if (previousRank === null) return { direction: 'new', text: 'new', label: 'new in the ranking' }
  const d = previousRank - rank
  if (d > 0) return { direction: 'up', text: `▲${d}`, label: `up ${d} from #${previousRank}` }
  if (d < 0) return { direction: 'down', text: `▼${-d}`, label: `down ${-d} from #${previousRank}` }
  return { direction: 'same', text: '–', label: 'same rank as before' }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const

export interface LocalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** 0 = Sunday, as `Date#getUTCDay`. */
  weekday: number
}

/**
 * Wall-clock parts of an ISO instant as written (with its offset), so a bucket that the API
 * labelled in the chosen zone is shown in that zone, whatever the browser's own zone is.
 */
export function localParts(iso: string): LocalParts | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(iso)
  if (!m) return null
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay()
  return {
    year,
    month,
    day,
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    weekday,
  }
}

/** Axis label of a series bucket: "14:00" for hours, "Mon 6" for days, "6 May" for weeks. */
export function formatBucket(start: string, interval: 'hour' | 'day' | 'week'): string {
  const p = localParts(start)
  if (!p) return start
  if (interval === 'hour')
    return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`
  if (interval === 'day') return `${WEEKDAYS[p.weekday]} ${p.day}`
  return `${p.day} ${MONTHS[p.month - 1]}`
}

/** "14:05" (or "14:05:09") from an ISO instant's own offset. */
export function formatClock(iso: string, seconds = false): string {
  const p = localParts(iso)
  if (!p) return ''
  const hm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`
  return seconds ? `${hm}:${String(p.second).padStart(2, '0')}` : hm
}

/** "UTC+05:45" for a zone at a given instant. */
export function zoneOffset(tz: string, at: number = Date.now()): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value
    if (!part || part === 'GMT' || part === 'GMT+00:00') return 'UTC'
    return part.replace('GMT', 'UTC')
  } catch {
    return ''
  }
}
