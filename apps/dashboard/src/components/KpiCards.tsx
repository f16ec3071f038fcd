import {
  type Change,
  formatChange,
  formatCount,
  formatDuration,
  formatPercent,
} from '../lib/format'
import type { MetricsData } from '../lib/trpc'
import { Skeleton } from './Panel'

type Key = 'totalLeads' | 'conversionRate' | 'avgResponseTimeSeconds' | 'activeAgents'

const CARDS: {
  key: Key
  title: string
  format: (v: number | null) => string
  lowerIsBetter?: boolean
}[] = [
  { key: 'totalLeads', title: 'Leads today', format: formatCount },
  { key: 'conversionRate', title: 'Conversion rate', format: formatPercent },
  {
    key: 'avgResponseTimeSeconds',
    title: 'Avg response time',
    format: formatDuration,
    lowerIsBetter: true,
  },
  { key: 'activeAgents', title: 'Active agents', format: formatCount },
]

function tone(change: Change | null, lowerIsBetter: boolean | undefined): string {
  if (!change || change.direction === 'flat') return 'neutral'
  return (change.direction === 'up') !== Boolean(lowerIsBetter) ? 'good' : 'bad'
}

/** The four headline numbers with their change against the same time yesterday. */
export function KpiCards({
  data,
  loading,
  failed,
}: {
  data: MetricsData | undefined
  loading: boolean
  failed: boolean
}) {
  return (
    <section className="kpis" aria-label="Today's key figures">
      {CARDS.map((card) => {
        if (!data) {
          return (
            <article key={card.key} className="kpi" aria-busy={loading}>
              <h2>{card.title}</h2>
              {failed ? (
                <>
                  <p className="kpi-value">—</p>
                  <p className="kpi-sub">Could not load. Retrying…</p>
                </>
              ) : (
                <>
                  <Skeleton className="kpi-value-skeleton" />
                  <Skeleton className="kpi-sub-skeleton" />
                </>
              )}
            </article>
          )
        }
        const value = data[card.key]
        const change = formatChange(data.changes[card.key])
        const previous = card.format(data.previous[card.key])
        const empty = card.key === 'totalLeads' && data.totalLeads === 0
        return (
          <article key={card.key} className="kpi" data-kpi={card.key}>
            <h2>{card.title}</h2>
            <p className="kpi-value" data-testid={`kpi-${card.key}`}>
              {card.format(value)}
            </p>
            <p className="kpi-sub">
              {empty ? (
                <span className="kpi-empty">No leads yet today</span>
              ) : change ? (
                <span className={`change ${tone(change, card.lowerIsBetter)}`}>
                  <span className="visually-hidden">
                    {change.direction === 'up'
                      ? 'up'
                      : change.direction === 'down'
                        ? 'down'
                        : 'unchanged'}{' '}
                  </span>
                  <span aria-hidden="true">{change.text}</span>
                  <span className="visually-hidden">{change.text.replace(/[▲▼]\s*/, '')}</span>
                </span>
              ) : (
                <span className="change neutral">no comparison</span>
              )}
              <span className="kpi-prev" title="at the same time yesterday">
                {' '}
                vs {previous} yesterday
              </span>
            </p>
          </article>
        )
      })}
    </section>
  )
}
