import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount, formatPercent } from '../lib/format'
import { type FunnelData, type FunnelPeriod, trpc } from '../lib/trpc'
import { readInput, type View } from '../lib/view'
import { Chart } from './Chart'
import { type DrillRequest, useDrill } from './DrillDown'
import { ExportButtons } from './ExportButtons'
import { Empty, Failed, Loading, Panel } from './Panel'
import { Tabs } from './Tabs'

const PERIODS: readonly { value: FunnelPeriod; label: string }[] = [
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
  { value: 'quarter', label: 'Quarter' },
]
const STAGE_LABEL: Record<FunnelData['stages'][number]['stage'], string> = {
  new: 'New',
  contacted: 'Contacted',
  qualified: 'Qualified',
  retained: 'Retained',
  completed: 'Completed',
}

/**
 * Leads created in the period (the live view's tabs) or in the chosen range, by the furthest
 * stage they reached, with stage-to-stage rates. A stage opens to its leads.
 */
export function Funnel({ view }: { view: View }) {
  const [period, setPeriod] = useState<FunnelPeriod>('month')
  const input = readInput(view, { period })
  const q = trpc.analytics.funnel.useQuery(input, {
    placeholderData: (prev) => prev,
    enabled: view.ready,
  })
  const data = q.data
  const drill = useDrill()
  const stageRequest = (index: number): DrillRequest | null => {
    const s = data?.stages[index]
    if (!s) return null
    return {
      title: `Reached ${STAGE_LABEL[s.stage]}`,
      count: s.count,
      input: { ...input, report: 'funnel', measure: 'newLeads', stage: s.stage },
    }
  }
  const openStage = (index: number) => {
    const request = stageRequest(index)
    if (request) drill(request)
  }
  const cohort = view.label ?? `this ${period}`

  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    const top = data.stages[0]?.count ?? 0
    return {
      animationDuration: 300,
      tooltip: {
        trigger: 'item',
        formatter: (p) => {
          const s = data.stages[(Array.isArray(p) ? p[0] : p)?.dataIndex ?? -1]
          return s
            ? `${STAGE_LABEL[s.stage]}: ${formatCount(s.count)} (${formatPercent(s.rateFromStart)} of cohort)`
            : ''
        },
      },
      series: [
        {
          type: 'funnel',
          sort: 'none',
          left: 0,
          top: 6,
          bottom: 6,
          width: '52%',
          min: 0,
          max: Math.max(top, 1),
          minSize: '12%',
          gap: 3,
          label: {
            show: true,
            position: 'right',
            formatter: (p) => {
              const s = data.stages[p.dataIndex]
              if (!s) return ''
              const rate =
                s.rateFromPrevious === null
                  ? ''
                  : `\n{rate|→ ${formatPercent(s.rateFromPrevious)} of previous}`
              return `{name|${STAGE_LABEL[s.stage]}}  {count|${formatCount(s.count)}}${rate}`
            },
            rich: {
              name: { color: palette.text, fontSize: 13, fontWeight: 600 },
              count: { color: palette.text, fontSize: 13 },
              rate: { color: palette.muted, fontSize: 12, lineHeight: 18 },
            },
          },
          labelLine: { show: true, length: 8, lineStyle: { color: palette.grid } },
          itemStyle: { borderWidth: 0 },
          data: data.stages.map((s, i) => ({
            name: STAGE_LABEL[s.stage],
            value: s.count,
            itemStyle: { color: palette.funnel[i] },
          })),
        },
      ],
    }
  }, [data])

  const empty = data ? (data.stages[0]?.count ?? 0) === 0 : false
  return (
    <Panel
      id="funnel"
      title="Conversion funnel"
      note={view.label}
      className="funnel"
      tabPanel={!view.window}
      busy={q.isPlaceholderData}
      actions={
        <>
          {!view.window && (
            <Tabs
              label="Funnel cohort period"
              options={PERIODS}
              value={period}
              onChange={setPeriod}
              controls="funnel-body"
            />
          )}
          <ExportButtons report="funnel" params={input} what="the funnel" />
        </>
      }
    >
      {!option || !data ? (
        q.isError ? (
          <Failed what="the funnel" />
        ) : (
          <Loading label="funnel" className="chart-skeleton" />
        )
      ) : empty ? (
        <Empty>No leads created {view.label ? `in ${view.label}` : `this ${period}`}</Empty>
      ) : (
        <>
          <Chart
            option={option}
            label={`Conversion funnel for leads created ${view.label ? `in ${cohort}` : cohort}`}
            onItemClick={(item) => openStage(item.dataIndex)}
          />
          {/* The stages for keyboards and screen readers: each opens its leads like a click. */}
          <ol className="sr-until-focus" aria-label="Stage-to-stage conversion">
            {data.stages.map((s, i) => (
              <li key={s.stage}>
                <button type="button" className="link" onClick={() => openStage(i)}>
                  {STAGE_LABEL[s.stage]}: {formatCount(s.count)}
                  {s.rateFromPrevious === null
                    ? ''
                    : `, ${formatPercent(s.rateFromPrevious)} of the previous stage`}
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </Panel>
  )
}
