export * from './buckets.js'
export * from './client.js'
export { lastCursor } from './cursor.js'
export { deploymentId } from './deployment.js'
export { isDatabaseUnavailable } from './errors.js'
export { compareEvents, deriveLead, type LeadFacts } from './ingest/derive.js'
export {
  type IngestOptions,
  type IngestOutcome,
  ingestEvents,
  lockIngest,
  type StoredEvent,
} from './ingest/ingest.js'
export { MAX_CLOCK_SKEW_MS } from './ingest/normalize.js'
export { rebuildDerived, reconcile, snapshotDerived } from './ingest/rebuild.js'
export * from './migrate.js'
export * from './schema.js'
