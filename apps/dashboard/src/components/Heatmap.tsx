import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount } from '../lib/format'
import { type HeatmapPeriod, type RouterInputs, trpc } from '../lib/trpc'
import { Chart } from './Chart'
import { Empty, Failed, Loading, Panel } from './Panel'
import { Tabs } from './Tabs'

const PERIODS: readonly { value: HeatmapPeriod; label: string }[] = [
  { value: 'week', label: '7 days' },
  { value: 'month', label: '30 days' },
]
/** dayOfWeek 0 = Monday, as the API sends it. */
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))

type Scope = Omit<RouterInputs['analytics']['heatmap'], 'period'>

/** Activity by weekday and local hour: 7 × 24 cells, Monday on top. */
export function Heatmap({ scope }: { scope: Scope }) {
  const [period, setPeriod] = useState<HeatmapPeriod>('week')
  const q = trpc.analytics.heatmap.useQuery(
    { ...scope, period },
    { placeholderData: (prev) => prev },
  )
  const data = q.data

  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    return {
      aria: { enabled: true },
      animation: false,
      grid: {
        left: 8,
        right: 8,
        top: 8,
        bottom: 44,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      tooltip: {
        formatter: (p) => {
          const [h = 0, d = 0, c = 0] = ((Array.isArray(p) ? p[0] : p)?.value ?? []) as number[]
          return `${DAYS[d]} ${HOURS[h]}:00–${HOURS[(h + 1) % 24]}:00 · ${formatCount(c)} events`
        },
      },
      xAxis: {
        type: 'category',
        data: HOURS,
        splitArea: { show: false },
        axisLabel: { color: palette.muted, fontSize: 11, interval: 1 },
        axisLine: { show: false },
        axisTick: { show: false },
      },
      yAxis: {
        type: 'category',
        data: DAYS,
        inverse: true,
        axisLabel: { color: palette.muted, fontSize: 12 },
        axisLine: { show: false },
        axisTick: { show: false },
      },
      visualMap: {
        // Colour follows √count: one busy hour would otherwise wash every other cell out.
        dimension: 3,
        min: 0,
        max: Math.sqrt(Math.max(data.max, 1)),
        calculable: false,
        text: ['more', 'less'],
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        itemWidth: 10,
        textStyle: { color: palette.muted },
        inRange: { color: [palette.heatLow, '#2b5d8a', '#5aa9ff', palette.heatHigh] },
      },
      series: [
        {
          type: 'heatmap',
          data: data.cells.map((c) => [c.hour, c.dayOfWeek, c.count, Math.sqrt(c.count)]),
          itemStyle: { borderColor: '#0d141c', borderWidth: 2, borderRadius: 2 },
          emphasis: { itemStyle: { borderColor: palette.text, borderWidth: 1 } },
        },
      ],
    }
  }, [data])

  return (
    <Panel
      id="heatmap"
      title="Activity by hour"
      className="heatmap"
      tabPanel
      busy={q.isPlaceholderData}
      actions={
        <Tabs
          label="Heatmap period"
          options={PERIODS}
          value={period}
          onChange={setPeriod}
          controls="heatmap-body"
        />
      }
    >
      {!option || !data ? (
        q.isError ? (
          <Failed what="activity" />
        ) : (
          <Loading label="activity heatmap" className="chart-skeleton" />
        )
      ) : data.max === 0 ? (
        <Empty>No activity in the last {period === 'week' ? '7' : '30'} days</Empty>
      ) : (
        <Chart
          option={option}
          label={`Activity by weekday and hour, last ${period === 'week' ? '7' : '30'} days; busiest cell ${formatCount(data.max)} events`}
        />
      )}
    </Panel>
  )
}
