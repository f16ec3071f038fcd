import { z } from 'zod'

/**
 * Zones already accepted, by the name given, with the runtime's own name for each. Asking `Intl`
 * builds a formatter (about 90 µs here), and every read the dashboard sends names its zone.
 * Bounded, since zone names are case-insensitive and a client can spell one many ways; unknown
 * names are never kept.
 */
const knownZones = new Map<string, string>()
const MAX_KNOWN_ZONES = 2_000

function resolve(tz: string): string | null {
  const known = knownZones.get(tz)
  if (known !== undefined) return known
  let resolved: string
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone
  } catch {
    return null
  }
  if (knownZones.size < MAX_KNOWN_ZONES) knownZones.set(tz, resolved)
  return resolved
}

/** True when the runtime's time-zone database knows `tz` (IANA names such as Asia/Kolkata). */
export function isValidTimeZone(tz: string): boolean {
  return resolve(tz) !== null
}

/**
 * The zone `tz` names, spelled as the runtime resolves it (`CET` → `Europe/Brussels`, `IST` →
 * `Asia/Calcutta`): the name to hand Postgres. Postgres reads a short name as a fixed-offset
 * abbreviation before it looks for a zone (`CET` +01:00 all year, `IST` Israel), so SQL given
 * the name as sent would bucket by another offset than every figure computed here.
 */
export function resolvedTimeZone(tz: string): string {
  const resolved = resolve(tz)
  if (resolved === null) throw new RangeError(`unknown time zone ${JSON.stringify(tz)}`)
  return resolved
}

export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: 'unknown IANA time zone' })

/**
 * The date-time forms producers write, beyond RFC 3339's: seconds left out (Java's
 * `OffsetDateTime` prints `10:00+05:30` whenever they are zero) and offsets of hours only (`+05`,
 * as Postgres prints them) or without a colon (`+0530`, strftime's `%z`).
 */
const LENIENT_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)$/

/** Rewrites those forms as RFC 3339 (`…T10:00:00+05:30`); anything else is left for the check. */
function asRfc3339(s: string): string {
  const m = LENIENT_DATE_TIME.exec(s)
  if (!m) return s
  const [, minutes, seconds = ':00', offset = 'Z'] = m
  const zone =
    offset === 'Z' || offset.length === 6
      ? offset
      : `${offset.slice(0, 3)}:${offset.length === 3 ? '00' : offset.slice(3)}`
  return `${minutes}${seconds}${zone}`
}

/**
 * An ISO 8601 date-time with an offset, answered in RFC 3339 form (seconds and a `±hh:mm` or
 * `Z` offset always present), so every later step reads one shape.
 */
export const isoDateTime = z
  .string()
  .transform(asRfc3339)
  .pipe(
    z.iso.datetime({
      offset: true,
      error:
        'must be an ISO 8601 date-time with an offset, such as 2026-12-03T09:30:00Z or 2026-12-03T10:30+01:00',
    }),
  )

/** An `isoDateTime` in [earliest, latest), refused with `message` outside it. */
export function isoDateTimeBetween(earliest: string, latest: string, message: string) {
  const from = Date.parse(earliest)
  const to = Date.parse(latest)
  return isoDateTime.refine((s) => {
    const t = Date.parse(s)
    // Not a date-time at all (NaN): the format check has said so already.
    return Number.isNaN(t) || (t >= from && t < to)
  }, message)
}

/** An ISO 8601 instant with an offset, as accepted for custom ranges. */
export const rangeInstant = isoDateTimeBetween(
  '1970-01-01T00:00:00Z',
  '2200-01-01T00:00:00Z',
  'must be between 1970 and 2200',
)

/** Longest custom range any read accepts, and the most buckets a series may return. */
export const MAX_RANGE_DAYS = 400
export const MAX_BUCKETS = 1_000

/** Shared by every read: time zone and an optional custom [from, to) range. */
export const windowInput = z.object({
  tz: timeZone.optional(),
  from: rangeInstant.optional(),
  to: rangeInstant.optional(),
})

/** Cross-field checks for a custom range; applied with `.superRefine` by each read's input. */
export function checkRange(
  v: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((v.from === undefined) !== (v.to === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [v.from === undefined ? 'from' : 'to'],
      message: 'from and to must be given together',
    })
    return
  }
  if (v.from === undefined || v.to === undefined) return
  const from = Date.parse(v.from)
  const to = Date.parse(v.to)
  if (!(from < to))
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'from must be before to' })
  else if (to - from > MAX_RANGE_DAYS * 86_400_000)
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `range longer than ${MAX_RANGE_DAYS} days`,
    })
}

/** The window a response covers; `from` is null for all-time. Instants carry the tz offset. */
export const period = z.object({ from: z.string().nullable(), to: z.string() })
