import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount, formatDuration, formatPercent, rankMovement } from '../lib/format'
import { type LeaderboardData, type LeaderboardPeriod, type RouterInputs, trpc } from '../lib/trpc'
import { Chart } from './Chart'
import { Empty, Failed, Loading, Panel } from './Panel'
import { Tabs } from './Tabs'

const PERIODS: readonly { value: LeaderboardPeriod; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
  { value: 'all-time', label: 'All time' },
]
const EMPTY_TEXT: Record<LeaderboardPeriod, string> = {
  today: 'No agent activity yet today',
  week: 'No agent activity this week',
  month: 'No agent activity this month',
  'all-time': 'No agent activity yet',
}
/** Rows shown; a wall screen has room for about this many. */
const LIMIT = 20

type Scope = Omit<RouterInputs['analytics']['leaderboard'], 'period' | 'limit' | 'offset'>
type Row = LeaderboardData['rows'][number]

function Sparkline({ series, name }: { series: Row['trend']['series']; name: string }) {
  const option = useMemo<ChartOption>(
    () => ({
      animation: false,
      grid: { left: 2, right: 2, top: 3, bottom: 3 },
      xAxis: { type: 'category', show: false, data: series.map((_, i) => i) },
      yAxis: { type: 'value', show: false, min: 0, max: Math.max(1, ...series) },
      series: [
        {
          type: 'line',
          data: [...series],
          symbol: 'none',
          lineStyle: { width: 2, color: palette.conversions },
          areaStyle: { color: 'rgba(61, 220, 151, 0.18)' },
        },
      ],
    }),
    [series],
  )
  return (
    <Chart
      option={option}
      renderer="svg"
      className="sparkline"
      label={`${name}: conversions per day over the last 7 days, oldest first: ${series.join(', ')}`}
    />
  )
}

/** Agents ranked by conversions, with rank movement against the previous period. */
export function Leaderboard({ scope }: { scope: Scope }) {
  const [period, setPeriod] = useState<LeaderboardPeriod>('today')
  const q = trpc.analytics.leaderboard.useQuery(
    { ...scope, period, limit: LIMIT },
    { placeholderData: (prev) => prev },
  )
  const data = q.data

  return (
    <Panel
      id="leaderboard"
      title="Leaderboard"
      className="leaderboard"
      tabPanel
      busy={q.isPlaceholderData}
      actions={
        <Tabs
          label="Leaderboard period"
          options={PERIODS}
          value={period}
          onChange={setPeriod}
          controls="leaderboard-body"
        />
      }
    >
      {!data ? (
        q.isError ? (
          <Failed what="the leaderboard" />
        ) : (
          <Loading label="leaderboard" className="table-skeleton" />
        )
      ) : data.rows.length === 0 ? (
        <Empty>{EMPTY_TEXT[period]}</Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">
                  <span className="visually-hidden">Rank change</span>
                </th>
                <th scope="col">Agent</th>
                <th scope="col" className="num">
                  Leads
                </th>
                <th scope="col" className="num">
                  Won
                </th>
                <th scope="col" className="num">
                  Rate
                </th>
                <th scope="col" className="num">
                  Response
                </th>
                <th scope="col">7 days</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => {
                const move = rankMovement(
                  row.rank,
                  row.trend.previousRank,
                  data.previousRange !== null,
                )
                return (
                  <tr key={row.agentId}>
                    <td className="num rank">{row.rank}</td>
                    <td className={`move ${move?.direction ?? ''}`}>
                      {move && (
                        <>
                          <span aria-hidden="true">{move.text}</span>
                          <span className="visually-hidden">{move.label}</span>
                        </>
                      )}
                    </td>
                    <th scope="row" className="agent">
                      {row.agentName}
                    </th>
                    <td className="num">{formatCount(row.totalLeads)}</td>
                    <td className="num strong">{formatCount(row.convertedLeads)}</td>
                    <td className="num">{formatPercent(row.conversionRate)}</td>
                    <td className="num">{formatDuration(row.avgResponseTimeSeconds)}</td>
                    <td className="spark-cell">
                      <Sparkline series={row.trend.series} name={row.agentName} />
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
          {data.total > data.rows.length && (
            <p className="table-note">
              Top {data.rows.length} of {formatCount(data.total)} agents
            </p>
          )}
        </div>
      )}
    </Panel>
  )
}
