import { type LeaderboardInput, leaderboardInput, leaderboardOutput } from '@leads/contract'
import type { Database } from '@leads/db'
import type { Kysely } from 'kysely'
import { TTL_MS, withCache } from '../cache/middleware.js'
import {
  agentProfiles,
  agentStats,
  compareStats,
  conversionSeries,
} from '../queries/leaderboard.js'
import { agentsInScope } from '../queries/scope.js'
import { formatInstant } from '../time/local.js'
import {
  ALL_TIME_FROM,
  bucketStarts,
  calendarToDate,
  customWindow,
  lastDays,
  precedingWindow,
} from '../time/windows.js'
import { publicProcedure } from '../trpc.js'

type Range = { from: number; to: number }

function windows(
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

async function ranked(db: Kysely<Database>, w: Range, agentIds: string[] | null) {
  return (await agentStats(db, w, agentIds)).sort(compareStats)
}

export const leaderboard = publicProcedure
  .input(leaderboardInput)
  .output(leaderboardOutput)
  .query(({ ctx, input }) =>
    withCache(ctx, 'leaderboard', input, TTL_MS.leaderboard, async () => {
      const now = ctx.clock.now()
      const tz = input.tz ?? ctx.orgTimezone
      const { current, previous, allTime } = windows(input, now, tz)
      const agentIds = await agentsInScope(ctx.db, { teamId: input.teamId })
      const [rows, prevRows] = await Promise.all([
        ranked(ctx.db, current, agentIds),
        previous ? ranked(ctx.db, previous, agentIds) : Promise.resolve([]),
      ])
      const offset = input.offset ?? 0
      const page = rows.slice(offset, offset + (input.limit ?? 50))
      const ids = page.map((r) => r.agentId)
      const week = lastDays(now, 7, tz)
      const [profiles, series] = await Promise.all([
        agentProfiles(ctx.db, ids),
        conversionSeries(ctx.db, bucketStarts(week.from, week.to, 'day', tz, true), now, ids),
      ])
      const prevRank = new Map(prevRows.map((r, i) => [r.agentId, i + 1]))
      const fmt = (w: Range, open = false) => ({
        from: open ? null : formatInstant(w.from, tz),
        to: formatInstant(w.to, tz),
      })
      return {
        tz,
        period: customWindow(input) ? 'custom' : (input.period ?? 'today'),
        range: fmt(current, allTime),
        previousRange: previous ? fmt(previous) : null,
        total: rows.length,
        rows: page.map((r, i) => ({
          rank: offset + i + 1,
          ...r,
          agentName: profiles.get(r.agentId)?.name ?? r.agentId,
          teamId: profiles.get(r.agentId)?.teamId ?? null,
          trend: {
            previousRank: prevRank.get(r.agentId) ?? null,
            series: series.get(r.agentId) ?? [0, 0, 0, 0, 0, 0, 0],
          },
        })),
        asOf: formatInstant(now, tz),
      }
    }),
  )
