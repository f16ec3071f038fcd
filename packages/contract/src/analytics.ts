import { z } from 'zod'
import { entityId, PIPELINE } from './events.js'
import { checkRange, period, windowInput } from './time.js'

const scope = { agentId: entityId.optional(), teamId: entityId.optional() }
const nullableNumber = z.number().nullable()

/** `asOf`: every event ingested before this instant is included in the figures. */
const asOf = z.string()

// ---- metrics -------------------------------------------------------------------------------

export const metricsInput = windowInput.extend(scope).superRefine(checkRange)
export type MetricsInput = z.input<typeof metricsInput>

const kpis = {
  totalLeads: z.number().int(),
  conversionRate: nullableNumber,
  avgResponseTimeSeconds: nullableNumber,
  activeAgents: z.number().int(),
}
const kpiChanges = z.object({
  totalLeads: nullableNumber,
  conversionRate: nullableNumber,
  avgResponseTimeSeconds: nullableNumber,
  activeAgents: nullableNumber,
})

export const metricsOutput = z.object({
  tz: z.string(),
  period,
  previousPeriod: period,
  ...kpis,
  previous: z.object(kpis),
  /** Relative change in percent, (cur − prev) / prev × 100; null when prev is 0 or null. */
  changes: kpiChanges,
  /** Absolute difference cur − prev; null when either side is null. */
  deltas: kpiChanges,
  asOf,
})
export type MetricsOutput = z.infer<typeof metricsOutput>

// ---- lead volume ---------------------------------------------------------------------------

export const VOLUME_PERIODS = ['24h', '7d', '30d'] as const
export const INTERVALS = ['hour', 'day', 'week'] as const
export const interval = z.enum(INTERVALS)
export type Interval = z.infer<typeof interval>

export const leadVolumeInput = windowInput
  .extend({ ...scope, period: z.enum(VOLUME_PERIODS).optional(), interval: interval.optional() })
  .superRefine(checkRange)
export type LeadVolumeInput = z.input<typeof leadVolumeInput>

export const leadVolumeOutput = z.object({
  tz: z.string(),
  period: z.enum([...VOLUME_PERIODS, 'custom']),
  interval,
  range: period,
  buckets: z.array(
    z.object({ start: z.string(), newLeads: z.number().int(), conversions: z.number().int() }),
  ),
  asOf,
})
export type LeadVolumeOutput = z.infer<typeof leadVolumeOutput>

// ---- funnel --------------------------------------------------------------------------------

export const FUNNEL_PERIODS = ['week', 'month', 'quarter'] as const
export const funnelInput = windowInput
  .extend({ ...scope, period: z.enum(FUNNEL_PERIODS).optional() })
  .superRefine(checkRange)
export type FunnelInput = z.input<typeof funnelInput>

export const funnelOutput = z.object({
  tz: z.string(),
  period: z.enum([...FUNNEL_PERIODS, 'custom']),
  range: period,
  stages: z.array(
    z.object({
      stage: z.enum(PIPELINE),
      count: z.number().int(),
      /** count / previous stage's count; null for the first stage or when the previous is 0. */
      rateFromPrevious: nullableNumber,
      /** count / first stage's count; null when the cohort is empty. */
      rateFromStart: nullableNumber,
    }),
  ),
  asOf,
})
export type FunnelOutput = z.infer<typeof funnelOutput>

// ---- heatmap -------------------------------------------------------------------------------

export const HEATMAP_PERIODS = ['week', 'month'] as const
export const heatmapInput = windowInput
  .extend({ ...scope, period: z.enum(HEATMAP_PERIODS).optional() })
  .superRefine(checkRange)
export type HeatmapInput = z.input<typeof heatmapInput>

export const heatmapOutput = z.object({
  tz: z.string(),
  period: z.enum([...HEATMAP_PERIODS, 'custom']),
  range: period,
  max: z.number().int(),
  cells: z.array(
    z.object({
      /** 0 = Monday … 6 = Sunday, in tz. */
      dayOfWeek: z.number().int().min(0).max(6),
      hour: z.number().int().min(0).max(23),
      count: z.number().int(),
    }),
  ),
  asOf,
})
export type HeatmapOutput = z.infer<typeof heatmapOutput>

// ---- leaderboard ---------------------------------------------------------------------------

export const LEADERBOARD_PERIODS = ['today', 'week', 'month', 'all-time'] as const
export const MAX_LEADERBOARD_LIMIT = 500

export const leaderboardInput = windowInput
  .extend({
    teamId: entityId.optional(),
    period: z.enum(LEADERBOARD_PERIODS).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LEADERBOARD_LIMIT).optional(),
    offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  })
  .superRefine(checkRange)
export type LeaderboardInput = z.input<typeof leaderboardInput>

export const leaderboardRow = z.object({
  rank: z.number().int(),
  agentId: z.string(),
  agentName: z.string(),
  teamId: z.string().nullable(),
  totalLeads: z.number().int(),
  convertedLeads: z.number().int(),
  conversionRate: nullableNumber,
  avgResponseTimeSeconds: nullableNumber,
  trend: z.object({
    previousRank: z.number().int().nullable(),
    /** Conversions per local day for the 7 days ending today, oldest first. */
    series: z.array(z.number().int()).length(7),
  }),
})
export type LeaderboardRow = z.infer<typeof leaderboardRow>

export const leaderboardOutput = z.object({
  tz: z.string(),
  period: z.enum([...LEADERBOARD_PERIODS, 'custom']),
  range: period,
  previousRange: period.nullable(),
  total: z.number().int(),
  rows: z.array(leaderboardRow),
  asOf,
})
export type LeaderboardOutput = z.infer<typeof leaderboardOutput>
