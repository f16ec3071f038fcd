import {
  type LeaderboardInput,
  type LeaderboardRow,
  leaderboardInput,
  leaderboardOutput,
} from '@leads/contract'
import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import { cacheInput } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import {
  type AgentStats,
  agentProfiles,
  agentStats,
  conversionSeries,
  rankOrder,
} from '../queries/leaderboard.js'
import { formatInstant, formatRange } from '../time/local.js'
import {
  ALL_TIME_FROM,
  bucketStarts,
  calendarToDate,
  customWindow,
  lastDays,
  precedingWindow,
} from '../time/windows.js'
import { readProcedure } from '../trpc.js'

type Range = { from: number; to: number }

/** The leaderboard's window and the previous one it ranks against (docs/metrics.md table). */
export function leaderboardWindows(
  input: LeaderboardInput,
  now: number,
  tz: string,
): { current: Range; previous: Range | null; allTime: boolean } {
  const custom = customWindow(input)
  if (custom) return { current: custom, previous: precedingWindow(custom), allTime: false }
  switch (input.period ?? 'today') {
    case 'today':
      return { ...calendarToDate(now, 'day', tz), allTime: false }
    case 'week':
      return { ...calendarToDate(now, 'week', tz), allTime: false }
    case 'month':
      return { ...calendarToDate(now, 'month', tz), allTime: false }
    case 'all-time':
      return { current: { from: ALL_TIME_FROM, to: now }, previous: null, allTime: true }
  }
}

async function ranked(
  db: Kysely<Database>,
  w: Range,
  agentIds: string[] | null,
  shownId: ((agentId: string) => string) | undefined,
) {
  return (await agentStats(db, w, agentIds)).sort(rankOrder(shownId))
}

/**
 * Other agents are hidden from an agent (and from everyone with LEADERBOARD_ANONYMIZE): a hidden
 * row keeps its figures, rank and trend but shows a pseudonym for `agentId` and `agentName` and
 * a null `teamId`; ties are ordered by the id as shown, so the order within a tie does not
 * follow real ids either. The viewer's own row is shown as it is.
 */
const cached = cachedRead('leaderboard', leaderboardOutput)

export const leaderboard = readProcedure(leaderboardInput).query(({ ctx, input }) =>
  cached(ctx, cacheInput(input, ctx.scope), async (db) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const { current, previous, allTime } = leaderboardWindows(input, now, tz)
    const { agentIds, pseudonyms: hidden } = ctx.scope
    const [rows, prevRows] = await Promise.all([
      ranked(db, current, agentIds, hidden?.idOf),
      previous ? ranked(db, previous, agentIds, hidden?.idOf) : Promise.resolve([]),
    ])
    const offset = input.offset ?? 0
    const page = rows.slice(offset, offset + (input.limit ?? 50))
    const ids = page.map((r) => r.agentId)
    const week = lastDays(now, 7, tz)
    const [profiles, series] = await Promise.all([
      // Names and teams are not even loaded for hidden rows.
      agentProfiles(db, hidden ? ids.filter((id) => !hidden.hides(id)) : ids),
      conversionSeries(db, bucketStarts(week.from, week.to, 'day', tz, true), now, ids),
    ])
    const prevRank = new Map(prevRows.map((r, i) => [r.agentId, i + 1]))
    return {
      tz,
      period: customWindow(input) ? 'custom' : (input.period ?? 'today'),
      range: { ...formatRange(current, tz), ...(allTime && { from: null }) },
      previousRange: previous ? formatRange(previous, tz) : null,
      total: rows.length,
      rows: page.map(
        (r: AgentStats, i): LeaderboardRow => ({
          rank: offset + i + 1,
          ...r,
          ...(hidden?.hides(r.agentId)
            ? {
                agentId: hidden.idOf(r.agentId),
                agentName: hidden.nameOf(r.agentId),
                teamId: null,
              }
            : {
                agentName: profiles.get(r.agentId)?.name ?? r.agentId,
                teamId: profiles.get(r.agentId)?.teamId ?? null,
              }),
          trend: {
            previousRank: prevRank.get(r.agentId) ?? null,
            series: series.get(r.agentId) ?? [0, 0, 0, 0, 0, 0, 0],
          },
        }),
      ),
      asOf: formatInstant(now, tz),
    }
  }),
)
