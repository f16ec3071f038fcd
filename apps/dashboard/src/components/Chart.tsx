import { type EChartsType, init } from 'echarts/core'
import { type KeyboardEvent, useEffect, useId, useRef } from 'react'
import type { ChartOption } from '../lib/echarts'

/** What ECharts says about a clicked series item. */
export interface ItemClick {
  seriesIndex: number
  dataIndex: number
  value: unknown
}

interface ChartProps {
  option: ChartOption
  /** Read by screen readers in place of the canvas. */
  label: string
  className?: string
  renderer?: 'canvas' | 'svg'
  /** A series item (bar, funnel stage, heatmap cell) was clicked. */
  onItemClick?: (item: ItemClick) => void
  /**
   * A category of the x axis was clicked anywhere in its column, so a short bar is as easy to
   * hit as a tall one. Index into the axis' data.
   */
  onCategoryClick?: (index: number) => void
}

/** A thin ECharts host: one instance per element, resized with its box, disposed on unmount. */
export function Chart({
  option,
  label,
  className,
  renderer = 'canvas',
  onItemClick,
  onCategoryClick,
}: ChartProps) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | null>(null)
  // Handlers change with every render; the listeners registered once read the latest.
  const handlers = useRef({ onItemClick, onCategoryClick })
  handlers.current = { onItemClick, onCategoryClick }
  const clickable = Boolean(onItemClick || onCategoryClick)

  useEffect(() => {
    const node = el.current
    if (!node) return
    const instance = init(node, undefined, { renderer })
    chart.current = instance
    instance.on('click', (p) => {
      if (handlers.current.onCategoryClick) return
      const { seriesIndex, dataIndex, value } = p as unknown as ItemClick
      handlers.current.onItemClick?.({ seriesIndex, dataIndex, value })
    })
    instance.getZr().on('click', (e) => {
      const onCategory = handlers.current.onCategoryClick
      if (!onCategory) return
      const point = [e.offsetX, e.offsetY]
      if (!instance.containPixel('grid', point)) return
      // The grid's coordinates of the point: on a category x axis, the category's index first.
      const at: unknown = instance.convertFromPixel({ gridIndex: 0 }, point)
      const index = Array.isArray(at) ? at[0] : null
      if (typeof index === 'number' && index >= 0) onCategory(Math.round(index))
    })
    // Resize on the element's own box, so grid and panel changes count, not only the window.
    let frame = 0
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => instance.resize())
    })
    observer.observe(node)
    return () => {
      cancelAnimationFrame(frame)
      observer.disconnect()
      instance.dispose()
      chart.current = null
    }
  }, [renderer])

  // Keyboard access to category clicks: arrows move the tooltip from column to column, Enter or
  // Space opens the column it is on.
  const focused = useRef(-1)
  const hintId = useId()
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const instance = chart.current
    const xAxis = (Array.isArray(option.xAxis) ? option.xAxis[0] : option.xAxis) as
      | { data?: unknown[] }
      | undefined
    const count = xAxis?.data?.length ?? 0
    if (!instance || !onCategoryClick || count === 0) return
    const keys: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 }
    if (e.key in keys) {
      e.preventDefault()
      const from = focused.current < 0 ? (e.key === 'ArrowLeft' ? count : -1) : focused.current
      focused.current = Math.min(count - 1, Math.max(0, from + (keys[e.key] ?? 0)))
      instance.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: focused.current })
    } else if ((e.key === 'Enter' || e.key === ' ') && focused.current >= 0) {
      e.preventDefault()
      onCategoryClick(focused.current)
    }
  }

  useEffect(() => {
    // notMerge: a redraw with fewer series (the forecast gone) must not keep the old ones.
    chart.current?.setOption(option, { lazyUpdate: true, notMerge: true })
  }, [option])

  return (
    <>
      <div
        ref={el}
        className={`${className ?? 'chart'}${clickable ? ' clickable' : ''}`}
        role="img"
        aria-label={label}
        tabIndex={onCategoryClick ? 0 : undefined}
        aria-describedby={onCategoryClick ? hintId : undefined}
        onKeyDown={onCategoryClick ? onKeyDown : undefined}
        onBlur={() => {
          focused.current = -1
          chart.current?.dispatchAction({ type: 'hideTip' })
        }}
      />
      {onCategoryClick && (
        <span id={hintId} className="visually-hidden">
          Left and right arrow keys move between columns; Enter lists what a column counts.
        </span>
      )}
    </>
  )
}
