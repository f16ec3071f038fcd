import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { formatCount } from '../lib/format'
import { type HeatmapPeriod, trpc } from '../lib/trpc'
import { readInput, type View } from '../lib/view'
import { Chart } from './Chart'
import { useDrill } from './DrillDown'
import { ExportButtons } from './ExportButtons'
import { Empty, Failed, Loading, Panel } from './Panel'
import { Tabs } from './Tabs'

const PERIODS: readonly { value: HeatmapPeriod; label: string }[] = [
  { value: 'week', label: '7 days' },
  { value: 'month', label: '30 days' },
]
/** dayOfWeek 0 = Monday, as the API sends it. */
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))

/**
 * Activity by weekday and local hour: 7 × 24 cells, Monday on top, over the last 7 or 30 days
 * (live view) or the chosen range. A cell opens to its events.
 */
export function Heatmap({ view }: { view: View }) {
  const [period, setPeriod] = useState<HeatmapPeriod>('week')
  const input = readInput(view, { period })
  const q = trpc.analytics.heatmap.useQuery(input, {
    placeholderData: (prev) => prev,
    enabled: view.ready,
  })
  const data = q.data
  const drill = useDrill()
  const openCell = (value: unknown) => {
    const [hour, dayOfWeek, count] = (Array.isArray(value) ? value : []) as number[]
    if (hour === undefined || dayOfWeek === undefined || count === undefined) return
    drill({
      title: `Activity · ${DAYS[dayOfWeek]} ${HOURS[hour]}:00`,
      count,
      input: { ...input, report: 'heatmap', measure: 'activity', dayOfWeek, hour },
    })
  }
  const span = view.label ?? `last ${period === 'week' ? '7' : '30'} days`

  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    return {
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
      note={view.label}
      className="heatmap"
      tabPanel={!view.window}
      busy={q.isPlaceholderData}
      actions={
        <>
          {!view.window && (
            <Tabs
              label="Heatmap period"
              options={PERIODS}
              value={period}
              onChange={setPeriod}
              controls="heatmap-body"
            />
          )}
          <ExportButtons report="heatmap" params={input} what="the activity heatmap" />
        </>
      }
    >
      {!option || !data ? (
        q.isError ? (
          <Failed what="activity" />
        ) : (
          <Loading label="activity heatmap" className="chart-skeleton" />
        )
      ) : data.max === 0 ? (
        <Empty>No activity {view.label ? `in ${span}` : `in the ${span}`}</Empty>
      ) : (
        <Chart
          option={option}
          label={`Activity by weekday and hour, ${span}; busiest cell ${formatCount(data.max)} events`}
          onItemClick={(item) => openCell(item.value)}
          itemGrid={{ columns: HOURS.length }}
        />
      )}
    </Panel>
  )
}
