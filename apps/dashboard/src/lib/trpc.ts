import type { AppRouter } from '@leads/api'
import { createTRPCReact } from '@trpc/react-query'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'

/** Typed hooks for every procedure of the API; types only come from `@leads/api`. */
export const trpc = createTRPCReact<AppRouter>()

export type RouterInputs = inferRouterInputs<AppRouter>
export type RouterOutputs = inferRouterOutputs<AppRouter>
export type Analytics = RouterOutputs['analytics']

export type MetricsData = Analytics['metrics']
export type LeadVolumeData = Analytics['leadVolume']
export type FunnelData = Analytics['funnel']
export type HeatmapData = Analytics['heatmap']
export type LeaderboardData = Analytics['leaderboard']

export type VolumePeriod = NonNullable<RouterInputs['analytics']['leadVolume']['period']>
export type FunnelPeriod = NonNullable<RouterInputs['analytics']['funnel']['period']>
export type HeatmapPeriod = NonNullable<RouterInputs['analytics']['heatmap']['period']>
export type LeaderboardPeriod = NonNullable<RouterInputs['analytics']['leaderboard']['period']>
