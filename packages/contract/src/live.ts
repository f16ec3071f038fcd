import { z } from 'zod'
import { metricsInput, metricsOutput } from './analytics.js'
import { agentAction, entityId, leadStatus } from './events.js'
import { timeZone } from './time.js'

/**
 * `assignment` is an addition to SPEC §4.6's four kinds: reassignments are activity too and a
 * feed that hid them would disagree with the heatmap.
 */
export const ACTIVITY_KINDS = [
  'new_lead',
  'status_change',
  'agent_action',
  'conversion',
  'assignment',
] as const

/** One message of the live activity feed. `id` is the server cursor (strictly increasing). */
export const activityMessage = z.object({
  id: z.string(),
  kind: z.enum(ACTIVITY_KINDS),
  type: z.string(),
  occurredAt: z.string(),
  leadId: z.string().nullable(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  status: leadStatus.optional(),
  action: agentAction.optional(),
  summary: z.string(),
})
export type ActivityMessage = z.infer<typeof activityMessage>

/**
 * Sent first, in place of what could not be replayed, to a client resuming from a cursor older
 * than the replay window when events it would be shown are among those skipped: the events with
 * cursors after `after` up to `id` are left out, the replay goes on after `id`. A client that must have every event fetches those from the event
 * export (`after`: the events ingested after a cursor); the dashboard starts its list again.
 */
export const feedGap = z.object({
  /** The cursor the replay goes on after; resuming from it does not report the gap again. */
  id: z.string(),
  kind: z.literal('gap'),
  /** The cursor the client asked to resume after. */
  after: z.string(),
  summary: z.string(),
})
export type FeedGap = z.infer<typeof feedGap>

/**
 * Sent to a filtered feed (an agent's, a manager's, one with `agentId` or `teamId`) once it has
 * passed a tenth of the replay window's cursors without an event to show: nothing to show, but
 * resume from `id`. A quiet filtered client's cursor so stays inside the window, and its resume
 * after a long quiet spell is replayed rather than told of a gap it did not have.
 */
export const feedCursor = z.object({
  /** Every event up to this cursor that the subscriber would be shown has been sent. */
  id: z.string(),
  kind: z.literal('cursor'),
})
export type FeedCursor = z.infer<typeof feedCursor>

/**
 * What the activity feed sends: an event, the notice that some could not be replayed, or a
 * filtered feed's cursor moving on.
 */
export const feedMessage = z.discriminatedUnion('kind', [activityMessage, feedGap, feedCursor])
export type FeedMessage = z.infer<typeof feedMessage>

/** A live feed cursor (an event's `id`), as clients send it back. */
export const cursor = z.string().regex(/^\d{1,18}$/, 'must be a feed cursor (an event id: digits)')

export const activityInput = z.object({
  /** Resume after this cursor (tRPC sets it from the last `tracked()` id on reconnect). */
  lastEventId: cursor.nullish(),
  agentId: entityId.optional(),
  teamId: entityId.optional(),
  /** Without a cursor: start with up to this many of the latest events (a fresh screen is not blank). */
  backlog: z.number().int().min(0).max(200).optional(),
  /** Zone used to format `occurredAt`. */
  tz: timeZone.optional(),
})
export type ActivityInput = z.infer<typeof activityInput>

/** Reads a client should refetch after events arrived. */
export const READS = ['metrics', 'leadVolume', 'funnel', 'heatmap', 'leaderboard'] as const

export const metricsLiveInput = metricsInput
export const metricsLiveMessage = z.object({
  metrics: metricsOutput,
  /** Reads whose data changed since the previous message. */
  invalidate: z.array(z.enum(READS)),
})
export type MetricsLiveMessage = z.infer<typeof metricsLiveMessage>
