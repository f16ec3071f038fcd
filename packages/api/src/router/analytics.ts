import type { TRPCRouterRecord } from '@trpc/server'
import { activity, metricsLive } from './activity.js'
import { eventsExport } from './eventsExport.js'
import { forecast } from './forecast.js'
import { funnel } from './funnel.js'
import { heatmap } from './heatmap.js'
import { leaderboard } from './leaderboard.js'
import { leads } from './leads.js'
import { leadVolume } from './leadVolume.js'
import { metrics } from './metrics.js'

export const analyticsRouter = {
  metrics,
  leadVolume,
  funnel,
  heatmap,
  leaderboard,
  leads,
  eventsExport,
  forecast,
  activity,
  metricsLive,
} satisfies TRPCRouterRecord
