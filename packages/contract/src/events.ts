import { z } from 'zod'
import { isoDateTimeBetween } from './time.js'

/** Pipeline stages in order; `lost` is terminal and not a stage. */
export const PIPELINE = ['new', 'contacted', 'qualified', 'retained', 'completed'] as const
export const STATUSES = [...PIPELINE, 'lost'] as const
export const ACTIONS = ['call', 'email', 'sms', 'meeting', 'note'] as const

export const pipelineStage = z.enum(PIPELINE)
export const leadStatus = z.enum(STATUSES)
export const agentAction = z.enum(ACTIONS)
export type PipelineStage = z.infer<typeof pipelineStage>
export type LeadStatus = z.infer<typeof leadStatus>
export type AgentAction = z.infer<typeof agentAction>

/** Batch limits, documented in the README and the OpenAPI document. */
export const MAX_BATCH_EVENTS = 5_000
export const MAX_BATCH_BYTES = 5 * 1024 * 1024

/** Event times outside this range are almost certainly producer bugs (epoch zero, year 20255). */
export const EARLIEST_EVENT_TIME = '2000-01-01T00:00:00Z'
export const LATEST_EVENT_TIME = '2100-01-01T00:00:00Z'

/**
 * Text that Postgres can store and a log line can show: well-formed Unicode (no lone
 * surrogates) and no control characters (NUL is rejected by Postgres outright).
 */
const hasControlChar = (s: string) => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

export const safeText = z
  .string()
  .refine(
    (s) => s.isWellFormed() && !hasControlChar(s),
    'must be printable text without control characters',
  )

export const entityId = safeText.pipe(z.string().min(1).max(128))

/** ISO 8601 instant with an explicit offset (see `isoDateTime`), within the accepted range. */
export const isoInstant = isoDateTimeBetween(
  EARLIEST_EVENT_TIME,
  LATEST_EVENT_TIME,
  `must be between ${EARLIEST_EVENT_TIME} and ${LATEST_EVENT_TIME}`,
)

const base = { id: entityId, occurredAt: isoInstant }

export const agentUpsertedEvent = z.strictObject({
  ...base,
  type: z.literal('agent.upserted'),
  agentId: entityId,
  name: safeText.pipe(z.string().trim().min(1).max(200)),
  teamId: entityId.optional(),
  active: z.boolean().optional(),
})

export const leadCreatedEvent = z.strictObject({
  ...base,
  type: z.literal('lead.created'),
  leadId: entityId,
  agentId: entityId.optional(),
  source: safeText.pipe(z.string().min(1).max(100)).optional(),
})

export const leadAssignedEvent = z.strictObject({
  ...base,
  type: z.literal('lead.assigned'),
  leadId: entityId,
  agentId: entityId,
})

export const leadStatusChangedEvent = z.strictObject({
  ...base,
  type: z.literal('lead.status_changed'),
  leadId: entityId,
  agentId: entityId,
  status: leadStatus,
})

export const agentActionEvent = z.strictObject({
  ...base,
  type: z.literal('agent.action'),
  leadId: entityId,
  agentId: entityId,
  action: agentAction,
})

export const leadEvent = z.discriminatedUnion('type', [
  agentUpsertedEvent,
  leadCreatedEvent,
  leadAssignedEvent,
  leadStatusChangedEvent,
  agentActionEvent,
])
export type LeadEvent = z.infer<typeof leadEvent>
export type EventType = LeadEvent['type']
export const EVENT_TYPES = [
  'agent.upserted',
  'lead.created',
  'lead.assigned',
  'lead.status_changed',
  'agent.action',
] as const satisfies readonly EventType[]

/**
 * The batch is validated element by element in ingest (so one bad event does not reject the
 * rest); this schema only checks it is an array within the limit.
 */
export const ingestBatch = z.array(z.unknown()).max(MAX_BATCH_EVENTS)

export const ingestRejection = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().optional(),
  error: z.string(),
  code: z.enum(['invalid', 'conflict', 'future']),
})
export type IngestRejection = z.infer<typeof ingestRejection>

export const ingestResult = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.array(ingestRejection),
})
export type IngestResult = z.infer<typeof ingestResult>
