import { type ExportedEvent, eventsExportInput } from '@leads/contract'
import { ownRowsOnly } from '../auth/scope.js'
import { latestSeq, type RawEventRow, rawEventsPage } from '../queries/rawEvents.js'
import { formatInstant, formatRange } from '../time/local.js'
import { readProcedure } from '../trpc.js'
import { metricsWindows } from './metrics.js'

/** Events per page read from the database: the export's memory is about one page. */
export const EXPORT_PAGE_SIZE = 1_000

/**
 * Raw events of a window (custom, or today so far), oldest first, for the streamed export; with
 * `after`, the events ingested after that feed cursor, in cursor order (any time, unless a custom
 * window is given too).
 * Authorised and budgeted once per export; the answer's `pages` is read lazily, one keyset
 * page at a time, as the consumer asks — so a consumer that waits for its socket to drain
 * keeps memory constant. Agents get the events of their own leads and their own events,
 * managers those of their teams' agents; other agents show as pseudonyms wherever the
 * leaderboard would hide them. Answered over REST (`/api/analytics/export?report=events`);
 * the async iterable does not travel over tRPC's batch link.
 */
export const eventsExport = readProcedure(eventsExportInput).query(async ({ ctx, input }) => {
  const now = ctx.clock.now()
  const tz = input.tz ?? ctx.orgTimezone
  const byCursor = input.after !== undefined
  const window =
    byCursor && input.from === undefined ? null : metricsWindows(input, now, tz).current
  const agentIds = ownRowsOnly(ctx.identity, ctx.scope.agentIds)
  const upTo = await latestSeq(ctx.db)
  const hidden = ctx.scope.pseudonyms
  const shown = (r: RawEventRow): ExportedEvent => {
    const hide = r.agent_id !== null && hidden?.hides(r.agent_id) === true
    return {
      seq: r.seq,
      id: r.event_id,
      type: r.type,
      occurredAt: formatInstant(r.occurred_at.getTime(), tz),
      leadId: r.lead_id,
      agentId: hide ? hidden!.idOf(r.agent_id!) : r.agent_id,
      status: r.status,
      action: r.action,
      source: r.source,
      name: hide && r.name !== null ? hidden!.nameOf(r.agent_id!) : r.name,
      teamId: hide ? null : r.team_id,
    }
  }
  async function* pages(): AsyncGenerator<ExportedEvent[]> {
    if (agentIds?.length === 0) return
    let after = byCursor ? { t: 0, seq: input.after! } : null
    for (;;) {
      const rows = await rawEventsPage(ctx.db, {
        window,
        upTo,
        order: byCursor ? 'cursor' : 'time',
        after,
        agentIds,
        limit: EXPORT_PAGE_SIZE,
      })
      if (rows.length > 0) yield rows.map(shown)
      const last = rows.at(-1)
      if (!last || rows.length < EXPORT_PAGE_SIZE) return
      after = { t: last.occurred_at.getTime(), seq: last.seq }
    }
  }
  const asOf = formatInstant(now, tz)
  const range = window ? formatRange(window, tz) : { from: null, to: asOf }
  return { tz, range, asOf, pages: pages() }
})
