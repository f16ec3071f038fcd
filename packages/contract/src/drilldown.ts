import { z } from 'zod'
import {
  FUNNEL_PERIODS,
  HEATMAP_PERIODS,
  interval,
  LEADERBOARD_PERIODS,
  VOLUME_PERIODS,
} from './analytics.js'
import { entityId, leadStatus, pipelineStage } from './events.js'
import { READS } from './live.js'
import { checkRange, period, rangeInstant, windowInput } from './time.js'

/**
 * What a drill-down lists, one row per counted fact (docs/metrics.md "Drill-down"):
 * `newLeads` leads created, `conversions` first completions, `responses` first responses,
 * `assigned` distinct (lead, agent) assignments, `activity` events other than agent.upserted.
 */
export const DRILL_MEASURES = [
  'newLeads',
  'conversions',
  'responses',
  'assigned',
  'activity',
] as const
export type DrillMeasure = (typeof DRILL_MEASURES)[number]

/** Which measures open from which report; the first is the default. */
export const REPORT_MEASURES = {
  metrics: ['newLeads', 'conversions', 'responses'],
  leadVolume: ['newLeads', 'conversions'],
  funnel: ['newLeads'],
  heatmap: ['activity'],
  leaderboard: ['assigned', 'conversions', 'responses'],
} as const satisfies Record<(typeof READS)[number], readonly DrillMeasure[]>

const REPORT_PERIODS: Record<(typeof READS)[number], readonly string[]> = {
  metrics: [],
  leadVolume: VOLUME_PERIODS,
  funnel: FUNNEL_PERIODS,
  heatmap: HEATMAP_PERIODS,
  leaderboard: LEADERBOARD_PERIODS,
}
const ALL_PERIODS = [
  ...new Set([...VOLUME_PERIODS, ...FUNNEL_PERIODS, ...HEATMAP_PERIODS, ...LEADERBOARD_PERIODS]),
] as [string, ...string[]]

export const MAX_DRILL_LIMIT = 500

export const leadsInput = windowInput
  .extend({
    /** The report whose number is opened; its period rules give the window. */
    report: z.enum(READS),
    /** The report's own period (e.g. `week` means this ISO week for the funnel, 7 days for the heatmap). */
    period: z.enum(ALL_PERIODS).optional(),
    interval: interval.optional(),
    measure: z.enum(DRILL_MEASURES).optional(),
    agentId: entityId.optional(),
    teamId: entityId.optional(),
    /** Funnel: cohort leads whose furthest stage is at or beyond this one. */
    stage: pipelineStage.optional(),
    /** Lead volume: the `start` of one bucket, as the report gave it. */
    bucketStart: rangeInstant.optional(),
    /** Heatmap: one cell, local weekday (0 = Monday) and hour; give both. */
    dayOfWeek: z.coerce.number().int().min(0).max(6).optional(),
    hour: z.coerce.number().int().min(0).max(23).optional(),
    /** Opaque: the `nextCursor` of the previous page. */
    cursor: z.string().min(1).max(512).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_DRILL_LIMIT).optional(),
  })
  .superRefine((v, ctx) => {
    checkRange(v, ctx)
    const bad = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message })
    const measures: readonly string[] = REPORT_MEASURES[v.report]
    if (v.measure !== undefined && !measures.includes(v.measure))
      bad('measure', `${v.report} opens to ${measures.join(', ')}`)
    if (v.period !== undefined && !REPORT_PERIODS[v.report].includes(v.period))
      bad('period', `${v.report} has no period ${v.period}`)
    if (v.interval !== undefined && v.report !== 'leadVolume')
      bad('interval', 'only for report leadVolume')
    if (v.bucketStart !== undefined && v.report !== 'leadVolume')
      bad('bucketStart', 'only for report leadVolume')
    if (v.stage !== undefined && v.report !== 'funnel') bad('stage', 'only for report funnel')
    if ((v.dayOfWeek === undefined) !== (v.hour === undefined))
      bad(v.hour === undefined ? 'hour' : 'dayOfWeek', 'dayOfWeek and hour go together')
    else if (v.dayOfWeek !== undefined && v.report !== 'heatmap')
      bad('dayOfWeek', 'only for report heatmap')
  })
export type LeadsInput = z.input<typeof leadsInput>

export const leadRow = z.object({
  leadId: z.string(),
  /** When the counted fact happened (creation, completion, response, assignment or event), in tz. */
  at: z.string(),
  /** The agent the fact is credited to (first assignee, converter, responder, assignee, actor). */
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  /** For `activity`: the event's type; else null. */
  eventType: z.string().nullable(),
  createdAt: z.string().nullable(),
  status: leadStatus.nullable(),
  furthestStage: pipelineStage,
  /** The lead's response time (SPEC §3), null until it has one. */
  responseTimeSeconds: z.number().nullable(),
})
export type LeadRow = z.infer<typeof leadRow>

export const leadsOutput = z.object({
  tz: z.string(),
  report: z.enum(READS),
  measure: z.enum(DRILL_MEASURES),
  /** The window the rows come from (a bucket's own window for `bucketStart`). */
  range: period,
  rows: z.array(leadRow),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
  asOf: z.string(),
})
export type LeadsOutput = z.infer<typeof leadsOutput>
