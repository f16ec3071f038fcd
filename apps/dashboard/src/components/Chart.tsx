import { type EChartsType, init } from 'echarts/core'
import { type KeyboardEvent, useEffect, useId, useRef } from 'react'
import type { ChartOption } from '../lib/echarts'
import { arrowTarget } from '../lib/keys'

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
  /**
   * The items of the first series form a grid of this many columns (the heatmap): arrow keys
   * walk it and Enter opens the item, as a click would.
   */
  itemGrid?: { columns: number }
}

/** A thin ECharts host: one instance per element, resized with its box, disposed on unmount. */
export function Chart({
  option,
  label,
  className,
  renderer = 'canvas',
  onItemClick,
  onCategoryClick,
  itemGrid,
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

  // Keyboard access: arrows move the tooltip from column to column (or, in an item grid, from
  // cell to cell), Enter or Space opens what it is on.
  const focused = useRef(-1)
  const hintId = useId()
  const grid = onItemClick && itemGrid ? itemGrid : null
  const keyboard = Boolean(onCategoryClick || grid)
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const instance = chart.current
    const first = <T,>(v: T | T[] | undefined) => (Array.isArray(v) ? v[0] : v)
    const items = (first(option.series) as { data?: unknown[] } | undefined)?.data ?? []
    const xAxis = first(option.xAxis) as { data?: unknown[] } | undefined
    const count = grid ? items.length : (xAxis?.data?.length ?? 0)
    if (!instance || count === 0) return
    const to = arrowTarget(e.key, focused.current, count, grid?.columns ?? null)
    if (to !== null) {
      e.preventDefault()
      focused.current = to
      instance.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: to })
    } else if ((e.key === 'Enter' || e.key === ' ') && focused.current >= 0) {
      e.preventDefault()
      const index = focused.current
      if (grid) onItemClick?.({ seriesIndex: 0, dataIndex: index, value: items[index] })
      else onCategoryClick?.(index)
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
        tabIndex={keyboard ? 0 : undefined}
        aria-describedby={keyboard ? hintId : undefined}
        onKeyDown={keyboard ? onKeyDown : undefined}
        onBlur={() => {
          focused.current = -1
          chart.current?.dispatchAction({ type: 'hideTip' })
        }}
      />
      {keyboard && (
        <span id={hintId} className="visually-hidden">
          {grid
            ? 'Arrow keys move between cells; Enter lists what a cell counts.'
            : 'Left and right arrow keys move between columns; Enter lists what a column counts.'}
        </span>
      )}
    </>
  )
}
