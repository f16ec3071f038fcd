import { type EChartsType, init } from 'echarts/core'
import { useEffect, useRef } from 'react'
import type { ChartOption } from '../lib/echarts'

interface ChartProps {
  option: ChartOption
  /** Read by screen readers in place of the canvas. */
  label: string
  className?: string
  renderer?: 'canvas' | 'svg'
}

/** A thin ECharts host: one instance per element, resized with its box, disposed on unmount. */
export function Chart({ option, label, className, renderer = 'canvas' }: ChartProps) {
  const el = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | null>(null)

  useEffect(() => {
    const node = el.current
    if (!node) return
    const instance = init(node, undefined, { renderer })
    chart.current = instance
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

  useEffect(() => {
    chart.current?.setOption(option, { lazyUpdate: true })
  }, [option])

  return <div ref={el} className={className ?? 'chart'} role="img" aria-label={label} />
}
