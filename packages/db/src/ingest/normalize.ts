import { createHash } from 'node:crypto'
import { type IngestRejection, type LeadEvent, leadEvent } from '@leads/contract'

/** An accepted event reduced to the columns every derivation reads. */
export interface NormalizedEvent {
  id: string
  type: LeadEvent['type']
  occurredAt: Date
  leadId: string | null
  agentId: string | null
  status: string | null
  action: string | null
  source: string | null
  /** The event as stored: validated fields, `occurredAt` as a UTC instant at ms precision. */
  payload: LeadEvent
  /** Hash of the canonical payload: equal content ⇔ equal fingerprint. */
  fingerprint: string
}

/** Producers' clocks drift; an event further ahead than this is rejected as `future`. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ')
}

export type Normalized =
  | { ok: true; event: NormalizedEvent }
  | { ok: false; rejection: IngestRejection }

/** Validates one element of a batch; never throws. */
export function normalizeEvent(raw: unknown, index: number, now: Date): Normalized {
  const rawId =
    raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
      ? ((raw as { id: string }).id as string).slice(0, 128)
      : undefined
  const parsed = leadEvent.safeParse(raw)
  if (!parsed.success) {
    return {
      ok: false,
      rejection: {
        index,
        ...(rawId !== undefined && { id: rawId }),
        code: 'invalid',
        error: describeIssues(parsed.error.issues),
      },
    }
  }
  const occurredAt = new Date(parsed.data.occurredAt)
  if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return {
      ok: false,
      rejection: {
        index,
        id: parsed.data.id,
        code: 'future',
        error: `occurredAt is in the future (server time ${now.toISOString()})`,
      },
    }
  }
  const payload = { ...parsed.data, occurredAt: occurredAt.toISOString() } as LeadEvent
  const e = payload as Partial<
    Record<'leadId' | 'agentId' | 'status' | 'action' | 'source', string>
  >
  return {
    ok: true,
    event: {
      id: payload.id,
      type: payload.type,
      occurredAt,
      leadId: e.leadId ?? null,
      agentId: e.agentId ?? null,
      status: e.status ?? null,
      action: e.action ?? null,
      source: e.source ?? null,
      payload,
      fingerprint: createHash('sha256').update(canonical(payload)).digest('base64url'),
    },
  }
}
