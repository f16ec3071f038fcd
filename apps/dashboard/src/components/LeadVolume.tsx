import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatBucket, formatCount } from '../lib/format'
import { type RouterInputs, trpc, type VolumePeriod } from '../lib/trpc'
import { Chart } from './Chart'
import { Empty, Failed, Loading, Panel } from './Panel'
import { Tabs } from './Tabs'

const PERIODS: readonly { value: VolumePeriod; label: string }[] = [
  { value: '24h', label: '24h' },
  { value: '7d', label: '7d' },
  { value: '30d', label: '30d' },
]
const EMPTY_TEXT: Record<VolumePeriod, string> = {
  '24h': 'No leads in the last 24 hours',
  '7d': 'No leads in the last 7 days',
  '30d': 'No leads in the last 30 days',
}

type Scope = Omit<RouterInputs['analytics']['leadVolume'], 'period'>

/** New leads (bars) and conversions (line) per bucket; the current, partial bucket is paler. */
export function LeadVolume({ scope }: { scope: Scope }) {
  const [period, setPeriod] = useState<VolumePeriod>('24h')
  const q = trpc.analytics.leadVolume.useQuery(
    { ...scope, period },
    { placeholderData: (prev) => prev },
  )
  const data = q.data

  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    const last = data.buckets.length - 1
    const labels = data.buckets.map((b) => formatBucket(b.start, data.interval))
    return {
      aria: { enabled: true },
      animationDuration: 300,
      grid: {
        left: 8,
        right: 16,
        top: 36,
        bottom: 8,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      legend: { top: 0, right: 0, textStyle: { color: palette.text, fontSize: 13 }, itemGap: 16 },
      tooltip: { trigger: 'axis', valueFormatter: (v) => formatCount(Number(v)) },
      xAxis: {
        type: 'category',
        data: labels,
        axisLabel: { color: palette.muted, fontSize: 12, hideOverlap: true },
        axisLine: { lineStyle: { color: palette.grid } },
        axisTick: { show: false },
      },
      yAxis: {
        type: 'value',
        minInterval: 1,
        axisLabel: { color: palette.muted, fontSize: 12, formatter: (v: number) => formatCount(v) },
        splitLine: { lineStyle: { color: palette.grid } },
      },
      series: [
        {
          name: 'New leads',
          type: 'bar',
          barMaxWidth: 28,
          itemStyle: { color: palette.leads, borderRadius: [3, 3, 0, 0] },
          data: data.buckets.map((b, i) =>
            i === last ? { value: b.newLeads, itemStyle: { opacity: 0.55 } } : b.newLeads,
          ),
        },
        {
          name: 'Conversions',
          type: 'line',
          smooth: 0.25,
          symbolSize: 6,
          lineStyle: { width: 3, color: palette.conversions },
          itemStyle: { color: palette.conversions },
          data: data.buckets.map((b) => b.conversions),
        },
      ],
    }
  }, [data])

  const empty = data ? data.buckets.every((b) => b.newLeads === 0 && b.conversions === 0) : false
  return (
    <Panel
      id="volume"
      title="Lead volume"
      className="volume"
      tabPanel
      busy={q.isPlaceholderData}
      actions={
        <Tabs
          label="Lead volume period"
          options={PERIODS}
          value={period}
          onChange={setPeriod}
          controls="volume-body"
        />
      }
    >
      {!option ? (
        q.isError ? (
          <Failed what="lead volume" />
        ) : (
          <Loading label="lead volume" className="chart-skeleton" />
        )
      ) : empty ? (
        <Empty>{EMPTY_TEXT[period]}</Empty>
      ) : (
        <Chart
          option={option}
          label={`New leads and conversions, ${period}: ${formatCount(data?.buckets.reduce((s, b) => s + b.newLeads, 0))} leads`}
        />
      )}
    </Panel>
  )
}
