export type { LeadFacts, Model } from './model.js'
export { buildModel, orderEvents } from './model.js'
export { refFunnel, refHeatmap, refLeaderboard, refLeadVolume, refMetrics } from './reads.js'
