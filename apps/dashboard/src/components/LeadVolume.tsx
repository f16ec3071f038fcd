import { useMemo, useState } from 'react'
import { type ChartOption, palette } from '../lib/echarts'
import { forecastOverlay } from '../lib/forecastSeries'
import { formatBucket, formatCount } from '../lib/format'
import { trpc, type VolumePeriod } from '../lib/trpc'
import { readInput, type View } from '../lib/view'
import { Chart } from './Chart'
import { useDrill } from './DrillDown'
import { ExportButtons } from './ExportButtons'
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

/** Days of forecast drawn after today's bar (today included). */
export const FORECAST_HORIZON = 7

/**
 * New leads (bars) and conversions (line) per bucket; the current, partial bucket is paler. A
 * daily series that ends today also shows the new-leads forecast from today on: a dashed line
 * inside its shaded 80% interval. In
 * the live view the tabs choose the period; with a chosen range the API picks the bucket size
 * for its span (hours up to two days, days up to 90, else weeks). A click on a column opens its
 * new leads.
 */
export function LeadVolume({ view }: { view: View }) {
  const [period, setPeriod] = useState<VolumePeriod>('24h')
  const input = readInput(view, { period })
  const q = trpc.analytics.leadVolume.useQuery(input, {
    placeholderData: (prev) => prev,
    enabled: view.ready,
  })
  const data = q.data
  const forecast = trpc.analytics.forecast.useQuery(
    { ...(view.tz ? { tz: view.tz } : {}), metric: 'newLeads', horizon: FORECAST_HORIZON },
    { enabled: view.ready && data?.interval === 'day' },
  )
  const overlay = useMemo(
    () =>
      data && forecast.data && !q.isPlaceholderData
        ? forecastOverlay(data.buckets, data.interval, forecast.data.points)
        : null,
    [data, forecast.data, q.isPlaceholderData],
  )
  const drill = useDrill()
  const openBucket = (index: number) => {
    const bucket = data?.buckets[index]
    if (!data || !bucket) return
    drill({
      title: `New leads · ${formatBucket(bucket.start, data.interval)}`,
      count: bucket.newLeads,
      input: { ...input, report: 'leadVolume', measure: 'newLeads', bucketStart: bucket.start },
    })
  }

  const label = `New leads and conversions, ${view.label ?? period}: ${formatCount(data?.buckets.reduce((s, b) => s + b.newLeads, 0))} leads`
  const option = useMemo<ChartOption | null>(() => {
    if (!data) return null
    const last = data.buckets.length - 1
    const labels = [
      ...data.buckets.map((b) => formatBucket(b.start, data.interval)),
      ...(overlay?.futureDays.map((d) => formatBucket(d, 'day')) ?? []),
    ]
    const band = { type: 'line', stack: 'interval', symbol: 'none', silent: true } as const
    return {
      // ECharts writes its own description into the chart's aria-label; it opens with ours, then
      // lists what each series holds.
      aria: { enabled: true, label: { general: { withoutTitle: `${label}. ` } } },
      animationDuration: 300,
      grid: {
        left: 8,
        right: 16,
        top: 36,
        bottom: 8,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      legend: {
        top: 0,
        right: 0,
        textStyle: { color: palette.text, fontSize: 13 },
        itemGap: 16,
        // The interval's lower edge is a drawing aid, not a series to toggle.
        data: ['New leads', 'Conversions', ...(overlay ? ['Forecast', '80% interval'] : [])],
      },
      tooltip: {
        trigger: 'axis',
        formatter: (params) => {
          const list = Array.isArray(params) ? params : [params]
          const index = list[0]?.dataIndex ?? 0
          const lines = [labels[index] ?? '']
          for (const p of list) {
            if (p.seriesName === 'Interval low' || p.seriesName === '80% interval') continue
            if (p.value === null || p.value === undefined || p.value === '-') continue
            const value =
              typeof p.value === 'object' ? (p.value as { value?: unknown }).value : p.value
            lines.push(`${p.marker} ${p.seriesName}: ${formatCount(Number(value))}`)
          }
          const point = overlay?.points[index - last]
          if (point)
            lines.push(`80% interval: ${formatCount(point.lower)}–${formatCount(point.upper)}`)
          return lines.join('<br/>')
        },
      },
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
        ...(overlay
          ? [
              { ...band, name: 'Interval low', lineStyle: { opacity: 0 }, data: overlay.lower },
              {
                ...band,
                name: '80% interval',
                lineStyle: { opacity: 0 },
                itemStyle: { color: palette.leads, opacity: 0.35 },
                areaStyle: { color: palette.leads, opacity: 0.18 },
                data: overlay.band,
              },
              {
                name: 'Forecast',
                type: 'line',
                symbolSize: 5,
                lineStyle: { width: 2, type: 'dashed', color: palette.leads },
                itemStyle: { color: palette.leads },
                data: overlay.value,
              } as const,
            ]
          : []),
      ],
    }
  }, [data, overlay, label])

  const empty = data ? data.buckets.every((b) => b.newLeads === 0 && b.conversions === 0) : false
  return (
    <Panel
      id="volume"
      title="Lead volume"
      note={view.label}
      className="volume"
      tabPanel={!view.window}
      busy={q.isPlaceholderData}
      actions={
        <>
          {!view.window && (
            <Tabs
              label="Lead volume period"
              options={PERIODS}
              value={period}
              onChange={setPeriod}
              controls="volume-body"
            />
          )}
          <ExportButtons report="lead-volume" params={input} what="lead volume" />
        </>
      }
    >
      {!option ? (
        q.isError ? (
          <Failed what="lead volume" />
        ) : (
          <Loading label="lead volume" className="chart-skeleton" />
        )
      ) : empty ? (
        <Empty>{view.label ? `No leads in ${view.label}` : EMPTY_TEXT[period]}</Empty>
      ) : (
        <Chart option={option} label={label} onCategoryClick={openBucket} />
      )}
    </Panel>
  )
}
