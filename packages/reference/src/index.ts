export type { LeadFacts, Model } from './model.js'
export { buildModel, orderEvents } from './model.js'
export {
  previousDayWindow,
  refFunnel,
  refHeatmap,
  refLeaderboard,
  refLeadVolume,
  refMetrics,
} from './reads.js'
export {
  startOfLocalDay,
  startOfLocalDayPlus,
  startOfLocalHour,
  startOfLocalISOWeek,
  startOfLocalMonth,
  startOfLocalQuarter,
} from './time.js'
