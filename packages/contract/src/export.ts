import { z } from 'zod'
import { entityId } from './events.js'
import { cursor } from './live.js'
import { checkRange, windowInput } from './time.js'

/** Reports `GET /api/analytics/export` writes; `events` is the raw event log of a window. */
export const EXPORT_REPORTS = [
  'metrics',
  'lead-volume',
  'funnel',
  'heatmap',
  'leaderboard',
  'events',
] as const
export type ExportReport = (typeof EXPORT_REPORTS)[number]
export const EXPORT_FORMATS = ['csv', 'json'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]
/** CSV text that would run as a spreadsheet formula: neutralized (default) or kept exactly. */
export const CSV_FORMULAS = ['escape', 'keep'] as const
export type CsvFormulas = (typeof CSV_FORMULAS)[number]

/** The export's own parameters; the rest of the query string is the report's input. */
export const exportSelector = z.object({
  report: z.enum(EXPORT_REPORTS),
  format: z.enum(EXPORT_FORMATS).optional(),
  /**
   * CSV only: `escape` (default) prefixes a text field that a spreadsheet would run as a formula
   * (it starts with `=`, `+`, `-`, `@`, tab or CR) with `'`; `keep` writes every field exactly.
   */
  formulas: z.enum(CSV_FORMULAS).optional(),
})

/**
 * Raw events of a window (default: today so far), streamed oldest first. With `after` (a live
 * feed cursor): the events ingested after it, in cursor order, from any time unless `from`/`to`
 * are given too — how a feed client fetches what a replay gap left out.
 */
export const eventsExportInput = windowInput
  .extend({ agentId: entityId.optional(), teamId: entityId.optional(), after: cursor.optional() })
  .superRefine(checkRange)
export type EventsExportInput = z.input<typeof eventsExportInput>

/** One raw event as exported; `seq` is the server cursor (the live feed's `id`). */
export const exportedEvent = z.object({
  seq: z.string(),
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  leadId: z.string().nullable(),
  agentId: z.string().nullable(),
  status: z.string().nullable(),
  action: z.string().nullable(),
  source: z.string().nullable(),
  /** agent.upserted only: the agent's name and team. */
  name: z.string().nullable(),
  teamId: z.string().nullable(),
})
export type ExportedEvent = z.infer<typeof exportedEvent>
