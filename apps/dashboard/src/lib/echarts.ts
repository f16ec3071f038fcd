/** ECharts, trimmed to the series and components the dashboard draws. */

import type {
  BarSeriesOption,
  FunnelSeriesOption,
  HeatmapSeriesOption,
  LineSeriesOption,
} from 'echarts/charts'
import { BarChart, FunnelChart, HeatmapChart, LineChart } from 'echarts/charts'
import type {
  AriaComponentOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components'
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components'
import { type ComposeOption, use } from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'

use([
  BarChart,
  FunnelChart,
  HeatmapChart,
  LineChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
  SVGRenderer,
])

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | FunnelSeriesOption
  | HeatmapSeriesOption
  | LineSeriesOption
  | AriaComponentOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>

/** Colours shared by charts and CSS (see styles.css custom properties). */
export const palette = {
  text: '#e6edf3',
  muted: '#9fb0c3',
  grid: '#2a3646',
  leads: '#5aa9ff',
  conversions: '#3ddc97',
  heatLow: '#16202c',
  heatHigh: '#ffb454',
  funnel: ['#5aa9ff', '#6fb8ff', '#8b9dff', '#b38bff', '#3ddc97'],
}

export { init } from 'echarts/core'
