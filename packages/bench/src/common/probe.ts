/**
 * Wall-clock time in microseconds. `performance.timeOrigin` agrees across processes on one
 * machine to within tens of microseconds, so a time taken by the ingest driver can be subtracted
 * from one taken in a subscriber process.
 */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1_000)
}

/**
 * Probe events are `lead.created` events whose `leadId` carries the phase tag, the event number
 * and the send time: the activity message repeats `leadId` but not the event id, so this is how
 * a subscriber learns when the event it holds was sent. Warm-up events have negative numbers.
 */
export function probeLeadId(tag: string, n: number, sentMicros: number): string {
  return `bench:${tag}:${n}:${sentMicros}`
}

export interface Probe {
  tag: string
  n: number
  sentMicros: number
}

export function parseProbe(leadId: string | null | undefined): Probe | null {
  if (!leadId?.startsWith('bench:')) return null
  const [, tag, n, sent] = leadId.split(':')
  if (tag === undefined || n === undefined || sent === undefined) return null
  return { tag, n: Number(n), sentMicros: Number(sent) }
}

/** The event sent through `POST /api/events` for probe `n`. */
export function probeEvent(tag: string, n: number, sentMicros: number) {
  return {
    id: `${tag}-${n}`,
    type: 'lead.created' as const,
    occurredAt: new Date(sentMicros / 1_000).toISOString(),
    leadId: probeLeadId(tag, n, sentMicros),
  }
}
