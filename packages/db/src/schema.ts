import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** Timestamps are written as Date (or ISO strings) and always read back as Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>

/** Append-only raw events; partitioned by month on `occurred_at`. */
export interface LeadEventsTable {
  seq: number
  event_id: string
  type: string
  occurred_at: Timestamp
  received_at: Generated<Timestamp>
  lead_id: string | null
  agent_id: string | null
  status: string | null
  action: string | null
  source: string | null
  payload: ColumnType<Record<string, unknown>, string, string>
}

/** Idempotency index: one row per producer event id (a partitioned table cannot be unique on it). */
export interface LeadEventIdsTable {
  event_id: string
  seq: number
  occurred_at: Timestamp
  fingerprint: string
}

export interface AgentsTable {
  agent_id: string
  name: string | null
  team_id: string | null
  active: Generated<boolean>
  /** Event time and id of the `agent.upserted` that set the profile (latest wins). */
  profile_at: Timestamp | null
  profile_event_id: string | null
  first_seen_at: Generated<Timestamp>
}

export interface LeadsTable {
  lead_id: string
  created_at: Timestamp | null
  first_agent_id: string | null
  source: string | null
  owner_agent_id: string | null
  status: string
  status_at: Timestamp | null
  /** The earliest event of the lead: ingest reads the lead's events from this month on. */
  first_event_at: Timestamp | null
}

/** One row per lead: when it first reached each stage (or a later one), lost, converted. */
export interface ConversionTrackingTable {
  lead_id: string
  created_at: Timestamp | null
  first_agent_id: string | null
  contacted_at: Timestamp | null
  qualified_at: Timestamp | null
  retained_at: Timestamp | null
  completed_at: Timestamp | null
  lost_at: Timestamp | null
  furthest_stage: string
  converted_by: string | null
}

export interface ResponseTimesTable {
  lead_id: string
  created_at: Timestamp | null
  first_response_at: Timestamp | null
  responder_agent_id: string | null
  /** Clamped at 0; null until both the creation and the first response are known. */
  response_ms: number | null
}

/** Every assignment of a lead to an agent, with the previous assignment of the same pair. */
export interface LeadAssignmentsTable {
  lead_id: string
  agent_id: string
  event_id: string
  assigned_at: Timestamp
  prev_assigned_at: Timestamp | null
}

export const GRAINS = ['quarter_hour', 'hour', 'day', 'month'] as const
export type Grain = (typeof GRAINS)[number]

/** The additive counters kept per time bucket (see docs/data-model.md). */
export interface Counters {
  leads_created: number
  assignments: number
  status_changes: number
  moved_new: number
  moved_contacted: number
  moved_qualified: number
  moved_retained: number
  moved_completed: number
  moved_lost: number
  actions: number
  activity: number
  conversions: number
  first_responses: number
  response_ms: number
  cohort_contacted: number
  cohort_qualified: number
  cohort_retained: number
  cohort_completed: number
}
export type Counter = keyof Counters

export const COUNTERS = [
  'leads_created',
  'assignments',
  'status_changes',
  'moved_new',
  'moved_contacted',
  'moved_qualified',
  'moved_retained',
  'moved_completed',
  'moved_lost',
  'actions',
  'activity',
  'conversions',
  'first_responses',
  'response_ms',
  'cohort_contacted',
  'cohort_qualified',
  'cohort_retained',
  'cohort_completed',
] as const satisfies readonly Counter[]

export interface AgentPerformanceTable extends Counters {
  grain: Grain
  bucket_start: Timestamp
  agent_id: string
}

export interface OrgPerformanceTable extends Counters {
  grain: Grain
  bucket_start: Timestamp
}

export interface Database {
  lead_events: LeadEventsTable
  lead_event_ids: LeadEventIdsTable
  agents: AgentsTable
  leads: LeadsTable
  conversion_tracking: ConversionTrackingTable
  response_times: ResponseTimesTable
  lead_assignments: LeadAssignmentsTable
  agent_performance: AgentPerformanceTable
  org_performance: OrgPerformanceTable
  deployment: DeploymentTable
}

/** One row: the database's random id (see `deploymentId`). */
export interface DeploymentTable {
  one: Generated<boolean>
  id: Generated<string>
}

export type LeadEventRow = Selectable<LeadEventsTable>
export type NewLeadEvent = Insertable<LeadEventsTable>
