import { type IngestRejection, type LeadEvent, MAX_BATCH_EVENTS } from '@leads/contract'
import type { Kysely } from 'kysely'
import { ingestEvents } from '../ingest/ingest.js'
import type { Database } from '../schema.js'
import { type GenerateOptions, generateEvents, planGeneration } from './generate.js'

export interface SeedProgress {
  /** Events generated and ingested so far. */
  done: number
  /** Estimate of the total (the real total is known only at the end). */
  expected: number
  elapsedMs: number
}

export interface SeedResult {
  events: number
  accepted: number
  duplicates: number
  rejected: number
  /** The first few rejections, to explain a non-zero `rejected`. */
  rejections: IngestRejection[]
  leads: number
  agents: number
  elapsedMs: number
}

/** True when no event was ever ingested. */
export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('lead_event_ids').select('event_id').limit(1).executeTakeFirst()
  return row === undefined
}

/**
 * Streams generated history through the normal ingest path in batches of `MAX_BATCH_EVENTS`
 * (multi-row inserts, one transaction per batch), so seeded data is derived exactly like live
 * data and passes `reconcile`.
 */
export async function seedDatabase(
  db: Kysely<Database>,
  opts: GenerateOptions,
  onProgress?: (p: SeedProgress) => void,
): Promise<SeedResult> {
  const { expectedEvents, agents } = planGeneration(opts)
  const started = performance.now()
  const result: SeedResult = {
    events: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejections: [],
    leads: 0,
    agents: agents.length,
    elapsedMs: 0,
  }
  const flush = async (batch: LeadEvent[]) => {
    const r = await ingestEvents(db, batch, opts.now)
    // PGlite never yields to the event loop on its own; let signal handlers run between batches.
    await new Promise((resolve) => setImmediate(resolve))
    result.events += batch.length
    result.accepted += r.accepted
    result.duplicates += r.duplicates
    result.rejected += r.rejected.length
    result.rejections.push(...r.rejected.slice(0, Math.max(0, 5 - result.rejections.length)))
    onProgress?.({
      done: result.events,
      expected: expectedEvents,
      elapsedMs: performance.now() - started,
    })
  }

  let batch: LeadEvent[] = []
  for (const event of generateEvents(opts)) {
    if (event.type === 'lead.created') result.leads++
    batch.push(event)
    if (batch.length === MAX_BATCH_EVENTS) {
      await flush(batch)
      batch = []
    }
  }
  if (batch.length > 0) await flush(batch)
  result.elapsedMs = performance.now() - started
  // Now the real total is known: a bar ends at 100 %.
  onProgress?.({ done: result.events, expected: result.events, elapsedMs: result.elapsedMs })
  return result
}
