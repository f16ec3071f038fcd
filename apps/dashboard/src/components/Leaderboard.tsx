import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount, formatDuration, formatPercent, rankMovement } from '../lib/format'
import { visibleRows } from '../lib/rows'
import { type LeaderboardData, type LeaderboardPeriod, trpc } from '../lib/trpc'
import { readInput, type View } from '../lib/view'
import { Chart } from './Chart'
import { useDrill } from './DrillDown'
import { ExportButtons } from './ExportButtons'
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
/**
 * An agent's own row may rank below the top ones and is still shown, so an agent's page asks
 * for the API's largest page to find it.
 */
const AGENT_LIMIT = 500

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

interface RowProps {
  row: Row
  /** The period has a previous one to compare ranks with. */
  compared: boolean
  /** This is the viewer's own row. */
  own: boolean
  /** Opens the leads assigned to this agent in the period; null when the viewer may not list them. */
  onOpen: ((row: Row) => void) | null
}

function LeaderboardRow({ row, compared, own, onOpen }: RowProps) {
  const move = rankMovement(row.rank, row.trend.previousRank, compared)
  return (
    <tr
      className={[own && 'own', onOpen && 'clickable'].filter(Boolean).join(' ') || undefined}
      aria-current={own ? 'true' : undefined}
      onClick={(e) => {
        // The name's own button already handled its click.
        if (onOpen && !(e.target instanceof HTMLButtonElement)) onOpen(row)
      }}
    >
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
        {onOpen ? (
          <button
            type="button"
            className="link"
            onClick={() => onOpen(row)}
            title={`List the ${row.totalLeads} leads assigned to ${row.agentName}`}
          >
            {row.agentName}
          </button>
        ) : (
          row.agentName
        )}
        {own && <span className="you">you</span>}
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
}

interface LeaderboardProps {
  view: View
  /** The viewer's agent id when the viewer is an agent: their row is highlighted. */
  self: string | null
}

/**
 * Agents ranked by conversions, with rank movement against the previous period. An agent sees
 * the others under the pseudonyms the API gives them (SPEC §6) and their own row highlighted.
 */
export function Leaderboard({ view, self }: LeaderboardProps) {
  const [period, setPeriod] = useState<LeaderboardPeriod>('today')
  const input = { ...readInput(view, { period }), limit: self === null ? LIMIT : AGENT_LIMIT }
  const q = trpc.analytics.leaderboard.useQuery(input, {
    placeholderData: (prev) => prev,
    enabled: view.ready,
  })
  const data = q.data
  const shown = data ? visibleRows(data.rows, self, LIMIT) : null
  const drill = useDrill()
  const { limit: _limit, ...window } = input
  // An agent's drill-downs hold only their own rows (docs/metrics.md), so only their row opens.
  const canOpen = (row: Row) => (self === null || row.agentId === self ? open : null)
  const open = (row: Row) =>
    drill({
      title: `Leads assigned to ${row.agentName}`,
      count: row.totalLeads,
      input: { ...window, report: 'leaderboard', measure: 'assigned', agentId: row.agentId },
    })

  return (
    <Panel
      id="leaderboard"
      title="Leaderboard"
      note={view.label}
      className="leaderboard"
      tabPanel={!view.window}
      busy={q.isPlaceholderData}
      actions={
        <>
          {!view.window && (
            <Tabs
              label="Leaderboard period"
              options={PERIODS}
              value={period}
              onChange={setPeriod}
              controls="leaderboard-body"
            />
          )}
          <ExportButtons report="leaderboard" params={input} what="the leaderboard" />
        </>
      }
    >
      {!data || !shown ? (
        q.isError ? (
          <Failed what="the leaderboard" />
        ) : (
          <Loading label="leaderboard" className="table-skeleton" />
        )
      ) : data.rows.length === 0 ? (
        <Empty>{view.label ? `No agent activity in ${view.label}` : EMPTY_TEXT[period]}</Empty>
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
                <th
                  scope="col"
                  className="num"
                  title="Distinct leads assigned to the agent in the period"
                >
                  Leads
                </th>
                <th
                  scope="col"
                  className="num"
                  title="Leads the agent moved to completed for the first time in the period"
                >
                  Won
                </th>
                <th
                  scope="col"
                  className="num"
                  title="Won ÷ Leads; above 100% when leads assigned before the period convert in it"
                >
                  Rate
                </th>
                <th
                  scope="col"
                  className="num"
                  title="Mean time to first response, over leads the agent first answered in the period"
                >
                  Response
                </th>
                <th scope="col" title="Conversions per day, the last 7 days">
                  7 days
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.top.map((row) => (
                <LeaderboardRow
                  key={row.agentId}
                  row={row}
                  compared={data.previousRange !== null}
                  own={row.agentId === self}
                  onOpen={canOpen(row)}
                />
              ))}
              {shown.own && (
                <>
                  <tr className="gap">
                    <td colSpan={8}>
                      <span aria-hidden="true">…</span>
                      <span className="visually-hidden">Lower ranks not shown</span>
                    </td>
                  </tr>
                  <LeaderboardRow
                    row={shown.own}
                    compared={data.previousRange !== null}
                    own
                    onOpen={open}
                  />
                </>
              )}
            </tbody>
          </table>
          {data.total > shown.top.length && (
            <p className="table-note">
              Top {shown.top.length} of {formatCount(data.total)} agents
              {shown.own && `; you are #${shown.own.rank}`}
            </p>
          )}
        </div>
      )}
    </Panel>
  )
}
