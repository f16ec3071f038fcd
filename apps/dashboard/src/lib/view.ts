/**
 * What every panel reads with: the zone, and outside the live view the chosen window. Each panel
 * builds its read's input with `readInput`, so the chart, its export and its drill-down always
 * ask for the same window.
 */

export interface Window {
  from: string
  to: string
}

export interface View {
  /** The zone picked on the page; undefined follows the organisation's zone. */
  tz: string | undefined
  /** The chosen range as instants; null in the live view, where panels keep their own periods. */
  window: Window | null
  /** The window as people say it ("Nov 19–25"); null in the live view. */
  label: string | null
  /** False while the window cannot be worked out yet (the organisation's zone is not known). */
  ready: boolean
}

/**
 * A read's input for `view`: the window when one is chosen, else the panel's own period
 * (`live`). Both are valid inputs of every read; the API prefers from/to when given.
 */
export function readInput<P extends object>(
  view: Pick<View, 'tz' | 'window'>,
  live: P,
): (P | Window) & { tz?: string } {
  const tz = view.tz ? { tz: view.tz } : {}
  return view.window ? { ...tz, ...view.window } : { ...tz, ...live }
}
