import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount, formatPercent } from '../lib/format'
import { type FunnelData, type FunnelPeriod, type RouterInputs, trpc } from '../lib/trpc'
import { Chart } from './Chart'
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

type Scope = Omit<RouterInputs['analytics']['funnel'], 'period'>

/** Leads created in the period by the furthest stage they reached, with stage-to-stage rates. */
export function Funnel({ scope }: { scope: Scope }) {
  const [period, setPeriod] = useState<FunnelPeriod>('month')
  const q = trpc.analytics.funnel.useQuery(
    { ...scope, period },
    { placeholderData: (prev) => prev },
  )
  const data = q.data

  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    const top = data.stages[0]?.count ?? 0
    return {
      aria: { enabled: true },
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
      className="funnel"
      tabPanel
      busy={q.isPlaceholderData}
      actions={
        <Tabs
          label="Funnel cohort period"
          options={PERIODS}
          value={period}
          onChange={setPeriod}
          controls="funnel-body"
        />
      }
    >
      {!option || !data ? (
        q.isError ? (
          <Failed what="the funnel" />
        ) : (
          <Loading label="funnel" className="chart-skeleton" />
        )
      ) : empty ? (
        <Empty>No leads created this {period}</Empty>
      ) : (
        <>
          <Chart option={option} label={`Conversion funnel for leads created this ${period}`} />
          <ol className="visually-hidden" aria-label="Stage-to-stage conversion">
            {data.stages.map((s) => (
              <li key={s.stage}>
                {STAGE_LABEL[s.stage]}: {formatCount(s.count)}
                {s.rateFromPrevious === null
                  ? ''
                  : `, ${formatPercent(s.rateFromPrevious)} of the previous stage`}
              </li>
            ))}
          </ol>
        </>
      )}
    </Panel>
  )
}
