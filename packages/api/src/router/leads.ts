import {
  type DrillMeasure,
  EARLIEST_EVENT_TIME,
  entityId,
  LATEST_EVENT_TIME,
  type LeadRow,
  leadsInput,
  leadsOutput,
  type PipelineStage,
  REPORT_MEASURES,
} from '@leads/contract'
import { TRPCError } from '@trpc/server'
import type { z } from 'zod'
import { ownRowsOnly } from '../auth/scope.js'
import { drillRows } from '../queries/leads.js'
import { scopeOf } from '../queries/scope.js'
import { localHourRanges } from '../time/cells.js'
import { formatInstant, formatRange } from '../time/local.js'
import { readProcedure } from '../trpc.js'
import { funnelWindow } from './funnel.js'
import { heatmapWindow } from './heatmap.js'
import { leaderboardWindows } from './leaderboard.js'
import { volumeBuckets } from './leadVolume.js'
import { metricsWindows } from './metrics.js'

type Input = z.output<typeof leadsInput>
type Range = { from: number; to: number }

const DEFAULT_LIMIT = 50

const badRequest = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message })

/** The window of the opened number: the report's window, narrowed to one bar when asked. */
function drillWindow(input: Input, now: number, tz: string): Range {
  // The contract checked that `period` is one of this report's own periods.
  const typed = input as never
  switch (input.report) {
    case 'metrics':
      return metricsWindows(input, now, tz).current
    case 'funnel':
      return funnelWindow(typed, now, tz)
    case 'heatmap':
      return heatmapWindow(typed, now, tz)
    case 'leaderboard':
      return leaderboardWindows(typed, now, tz).current
    case 'leadVolume': {
      const { starts, to } = volumeBuckets(typed, now, tz)
      if (input.bucketStart === undefined) return { from: starts[0]!, to }
      const at = Date.parse(input.bucketStart)
      const i = starts.indexOf(at)
      if (i < 0) throw badRequest('bucketStart is not the start of a bucket of this range')
      return { from: at, to: starts[i + 1] ?? to }
    }
  }
}

function encodeCursor(t: number, key: string): string {
  return Buffer.from(JSON.stringify([t, key])).toString('base64url')
}

/** Facts happen between these instants (events outside are rejected at ingest). */
const FACT_TIMES = { from: Date.parse(EARLIEST_EVENT_TIME), to: Date.parse(LATEST_EVENT_TIME) }

function decodeCursor(cursor: string, measure: DrillMeasure): { t: number; key: string } {
  try {
    const [t, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]
    if (
      Number.isInteger(t) &&
      (t as number) >= FACT_TIMES.from &&
      (t as number) <= FACT_TIMES.to &&
      typeof key === 'string' &&
      entityId.safeParse(key).success &&
      // Events are keyed by their numeric cursor; anything else would fail the cast in SQL.
      (measure !== 'activity' || /^\d{1,18}$/.test(key))
    )
      return { t: t as number, key }
  } catch {
    // Falls through to the client error below: the cursor was not one of ours.
  }
  throw badRequest('invalid cursor')
}

/**
 * Drill-down: the leads (or, for the heatmap, the events) behind one number of a report, newest
 * first, cursor-paginated. Same window rules, filters and role scope as the report, so the rows
 * of every page together are exactly what the number counted; agents see only their own rows.
 */
export const leads = readProcedure(leadsInput)
  .output(leadsOutput)
  .query(async ({ ctx, input }) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const measure: DrillMeasure = input.measure ?? REPORT_MEASURES[input.report][0]
    const window = drillWindow(input, now, tz)
    const ranges =
      input.dayOfWeek !== undefined && input.hour !== undefined
        ? localHourRanges(window, tz, input.dayOfWeek, input.hour)
        : [window]
    const agentIds = ownRowsOnly(ctx.identity, ctx.scope.agentIds)
    const limit = input.limit ?? DEFAULT_LIMIT
    const rows =
      ranges.length === 0 || agentIds?.length === 0
        ? []
        : await drillRows(ctx.db, {
            measure,
            ranges,
            scope: scopeOf(agentIds),
            stage: input.stage,
            after: input.cursor === undefined ? undefined : decodeCursor(input.cursor, measure),
            limit,
          })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    const hidden = ctx.scope.pseudonyms
    return {
      tz,
      report: input.report,
      measure,
      range: formatRange(window, tz),
      rows: page.map(
        (r): LeadRow => ({
          leadId: r.lead_id,
          at: formatInstant(r.t.getTime(), tz),
          ...(r.agent_id === null
            ? { agentId: null, agentName: null }
            : hidden?.hides(r.agent_id)
              ? { agentId: hidden.idOf(r.agent_id), agentName: hidden.nameOf(r.agent_id) }
              : { agentId: r.agent_id, agentName: r.agent_name ?? r.agent_id }),
          eventType: r.event_type,
          createdAt: r.created_at === null ? null : formatInstant(r.created_at.getTime(), tz),
          status: r.status as LeadRow['status'],
          furthestStage: (r.furthest_stage ?? 'new') as PipelineStage,
          responseTimeSeconds: r.response_ms === null ? null : r.response_ms / 1000,
        }),
      ),
      nextCursor: rows.length > limit && last ? encodeCursor(last.t.getTime(), last.key) : null,
      asOf: formatInstant(now, tz),
    }
  })
