import { forecastInput, forecastOutput } from '@leads/contract'
import { DateTime } from 'luxon'
import { cacheInput } from '../auth/scope.js'
import { cachedRead } from '../cache/middleware.js'
import { forecastDaily } from '../forecast/holtWinters.js'
import { expectedTotal, shareBefore } from '../forecast/onPace.js'
import { intradayCounts } from '../queries/intraday.js'
import { volumeSeries } from '../queries/leadVolume.js'
import { scopeOf } from '../queries/scope.js'
import { formatInstant, nextBoundary, startOf, startOfUnitsBefore } from '../time/local.js'
import { bucketStarts } from '../time/windows.js'
import { readProcedure } from '../trpc.js'

/** Complete local days the model learns from: twelve weeks. */
export const HISTORY_DAYS = 84
/** Days whose intraday curve "usual" means: the last four weeks. */
export const CURVE_DAYS = 28

const localDate = (ms: number, tz: string) => formatInstant(ms, tz).slice(0, 10)

/**
 * Daily forecast (additive Holt-Winters, weekly cycle, over the last 12 complete local days'
 * totals) with an 80% interval and its back-test, plus "on pace" for today. See
 * docs/metrics.md "Forecast" for every definition.
 */
// The same for every caller with the same scope (nobody's own rows in it).
const cached = cachedRead('forecast', forecastOutput, { perCaller: false })

export const forecast = readProcedure(forecastInput).query(({ ctx, input }) =>
  cached(ctx, cacheInput(input, ctx.scope), async (db) => {
    const now = ctx.clock.now()
    const tz = input.tz ?? ctx.orgTimezone
    const metric = input.metric ?? 'newLeads'
    const horizon = input.horizon ?? 14
    const scope = scopeOf(ctx.scope.agentIds)
    const today = startOf(now, 'day', tz)
    const days = bucketStarts(startOfUnitsBefore(now, 'day', HISTORY_DAYS, tz), today, 'day', tz)
    const [history, [soFar]] = await Promise.all([
      volumeSeries(db, days, today, scope),
      volumeSeries(db, [today], now, scope),
    ])
    // The first day with data may have begun mid-day (a new organisation, a seeded demo): as
    // part of the usual curve it would say that weekday starts in the afternoon, and a morning's
    // count would then look like a few percent of the day. The curve starts the day after it,
    // unless it is the first day of the history, which then runs on from before.
    const firstData = history.findIndex((d) => d.newLeads > 0 || d.conversions > 0)
    const curveFrom = Math.max(
      startOfUnitsBefore(now, 'day', CURVE_DAYS, tz),
      firstData > 0 ? (days[firstData + 1] ?? today) : 0,
    )
    const curveRows = await intradayCounts(db, { from: curveFrom, to: today }, tz, scope)

    // Days before the first one with any data are not history yet (a new organisation, or a
    // database seeded with less than twelve weeks).
    const fit = (m: 'newLeads' | 'conversions', days: number) => {
      const series = history.map((d) => d[m])
      const first = series.findIndex((v) => v > 0)
      return forecastDaily(first < 0 ? [] : series.slice(first), days)
    }
    const f = fit(metric, horizon)
    const dates: string[] = []
    for (let t = today; dates.length < horizon; t = nextBoundary(t, 'day', tz))
      dates.push(localDate(t, tz))

    const local = DateTime.fromMillis(now, { zone: tz })
    const nowMinute = local.hour * 60 + local.minute + local.second / 60
    const sameWeekday = curveRows.filter((r) => r.isoDow === local.weekday)
    const pace = (m: 'newLeads' | 'conversions') => {
      // The same weekday's curve when those four days had any; else every day's.
      const rows = sameWeekday.some((r) => r[m] > 0) ? sameWeekday : curveRows
      const curve = rows.map((r) => ({ minute: r.minute, count: r[m] }))
      const today = (m === metric ? f : fit(m, 1)).points[0]!.value
      return Math.round(expectedTotal(soFar![m], shareBefore(curve, nowMinute), today))
    }
    const asOf = formatInstant(now, tz)
    return {
      metric,
      model: f.model,
      horizon,
      tz,
      points: f.points.map((p, i) => ({ date: dates[i]!, ...p })),
      backtest: f.backtest,
      onPace: {
        newLeads: pace('newLeads'),
        conversions: pace('conversions'),
        soFar: soFar!,
        asOf,
      },
      asOf,
    }
  }),
)
