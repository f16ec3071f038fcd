import { funnelInput, funnelOutput, PIPELINE } from '@leads/contract'
import { TTL_MS, withCache } from '../cache/middleware.js'
import { funnelCounts } from '../queries/funnel.js'
import { agentsInScope, scopeOf } from '../queries/scope.js'
import { formatInstant } from '../time/local.js'
import { calendarToDate, customWindow } from '../time/windows.js'
import { publicProcedure } from '../trpc.js'

export const funnel = publicProcedure
  .input(funnelInput)
  .output(funnelOutput)
  .query(({ ctx, input }) =>
    withCache(ctx, 'funnel', input, TTL_MS.default, async () => {
      const now = ctx.clock.now()
      const tz = input.tz ?? ctx.orgTimezone
      const custom = customWindow(input)
      const w = custom ?? calendarToDate(now, input.period ?? 'month', tz).current
      const counts = await funnelCounts(ctx.db, w, scopeOf(await agentsInScope(ctx.db, input)))
      const first = counts[0] ?? 0
      return {
        tz,
        period: custom ? 'custom' : (input.period ?? 'month'),
        range: { from: formatInstant(w.from, tz), to: formatInstant(w.to, tz) },
        stages: PIPELINE.map((stage, i) => {
          const count = counts[i] ?? 0
          const prev = i === 0 ? 0 : (counts[i - 1] ?? 0)
          return {
            stage,
            count,
            rateFromPrevious: i === 0 || prev === 0 ? null : count / prev,
            rateFromStart: first === 0 ? null : count / first,
          }
        }),
        asOf: formatInstant(now, tz),
      }
    }),
  )
