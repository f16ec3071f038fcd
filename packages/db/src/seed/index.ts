export { makeAgents } from './agents.js'
export {
  type BulkProgress,
  type BulkResult,
  bulkLoad,
  copyCsv,
  EVENT_COLUMNS,
  eventCsvLine,
} from './bulk.js'
export { DEFAULT_AGENTS, DEFAULT_DAYS, generateEvents, planGeneration } from './generate.js'
export { isEmpty, type SeedProgress, type SeedResult, seedDatabase } from './seed.js'
export { runSimulator, type SimulatorOptions, type SimulatorStats } from './simulator.js'
