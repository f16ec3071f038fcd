import {
  type Change,
  formatChange,
  formatCount,
  formatDuration,
  formatPercent,
  formatPointsChange,
} from '../lib/format'
import { formatSpan } from '../lib/range'
import type { MetricsData, RouterInputs } from '../lib/trpc'
import { type DrillRequest, useDrill } from './DrillDown'
import { Skeleton } from './Panel'

type Key = 'totalLeads' | 'conversionRate' | 'avgResponseTimeSeconds' | 'activeAgents'

const CARDS: {
  key: Key
  title: string
  format: (v: number | null) => string
  lowerIsBetter?: boolean
  /** A rate: its change is shown in percentage points, not relative %. */
  rate?: boolean
}[] = [
  { key: 'totalLeads', title: 'Leads today', format: formatCount },
  { key: 'conversionRate', title: 'Conversion rate', format: formatPercent, rate: true },
  {
    key: 'avgResponseTimeSeconds',
    title: 'Avg response time',
    format: formatDuration,
    lowerIsBetter: true,
  },
  { key: 'activeAgents', title: 'Active agents', format: formatCount },
]

/**
 * The list behind a card: the leads created, the conversions, the first responses of its window.
 * Conversions are counted exactly as rate × leads (the rate is conversions / leads); a response
 * time shows no count. Active agents are agents, not leads: no list.
 */
function drillOf(
  key: Key,
  title: string,
  data: MetricsData,
  input: RouterInputs['analytics']['metrics'],
): DrillRequest | null {
  const base = { ...input, report: 'metrics' } as const
  switch (key) {
    case 'totalLeads':
      return { title, count: data.totalLeads, input: { ...base, measure: 'newLeads' } }
    case 'conversionRate':
      return {
        title: 'Conversions',
        count:
          data.conversionRate === null ? null : Math.round(data.conversionRate * data.totalLeads),
        input: { ...base, measure: 'conversions' },
      }
    case 'avgResponseTimeSeconds':
      return { title: 'First responses', count: null, input: { ...base, measure: 'responses' } }
    default:
      return null
  }
}

function tone(change: Change | null, lowerIsBetter: boolean | undefined): string {
  if (!change || change.direction === 'flat') return 'neutral'
  return (change.direction === 'up') !== Boolean(lowerIsBetter) ? 'good' : 'bad'
}

/**
 * The four headline numbers with their change against the same time yesterday (live view), or
 * for a chosen range against the window of the same length just before it.
 */
export function KpiCards({
  data,
  loading,
  failed,
  rangeLabel,
  onPace,
  input,
}: {
  data: MetricsData | undefined
  /** The metrics read's input: a card's list covers the same window. */
  input: RouterInputs['analytics']['metrics']
  loading: boolean
  failed: boolean
  /** The chosen range ("Nov 19–25"); null in the live view (today so far). */
  rangeLabel: string | null
  /** Expected new leads by the end of today (the forecast's "on pace"); live view only. */
  onPace?: number | undefined
}) {
  const drill = useDrill()
  const live = rangeLabel === null
  const compared = data ? (live ? 'yesterday' : `in ${formatSpan(data.previousPeriod)}`) : ''
  return (
    <section
      className="kpis"
      aria-label={live ? "Today's key figures" : `Key figures, ${rangeLabel}`}
    >
      {CARDS.map((card) => {
        const title = card.key === 'totalLeads' && !live ? 'New leads' : card.title
        if (!data) {
          return (
            <article key={card.key} className="kpi" aria-busy={loading}>
              <h2>{title}</h2>
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
        const change = card.rate
          ? formatPointsChange(data.deltas[card.key])
          : formatChange(data.changes[card.key])
        const previous = card.format(data.previous[card.key])
        const empty = card.key === 'totalLeads' && data.totalLeads === 0
        const request = drillOf(card.key, title, data, input)
        return (
          <article key={card.key} className="kpi" data-kpi={card.key}>
            <h2>{title}</h2>
            <p className="kpi-value" data-testid={`kpi-${card.key}`}>
              {request ? (
                <button
                  type="button"
                  className="kpi-open"
                  onClick={() => drill(request)}
                  title={`List the ${request.title.toLowerCase()} behind this number`}
                >
                  {card.format(value)}
                </button>
              ) : (
                card.format(value)
              )}
            </p>
            <p className="kpi-sub">
              {empty ? (
                <span className="kpi-empty">
                  {live ? 'No leads yet today' : `No leads in ${rangeLabel}`}
                </span>
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
              <span
                className="kpi-prev"
                title={
                  live
                    ? 'at the same time yesterday'
                    : 'in the window of the same length just before'
                }
              >
                {' '}
                vs {previous} {compared}
              </span>
            </p>
            {card.key === 'totalLeads' && live && onPace !== undefined && (
              <p
                className="kpi-pace"
                data-testid="kpi-on-pace"
                title="Expected by the end of today from today's count so far and the usual intraday curve"
              >
                On pace for {formatCount(onPace)} today
              </p>
            )}
          </article>
        )
      })}
    </section>
  )
}
