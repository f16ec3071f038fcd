/**
 * Where an arrow key moves a chart's keyboard focus: between `count` columns of a category axis,
 * or between the cells of a grid `columns` wide (row-major). `current` -1: nothing focused yet,
 * so the first press lands on the first cell (or the last, going backwards). At an edge the focus
 * stays where it is, as in the ARIA grid pattern. null: not an arrow this chart uses.
 */
export function arrowTarget(
  key: string,
  current: number,
  count: number,
  columns: number | null,
): number | null {
  const horizontal: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1 }
  const vertical: Record<string, number> = columns ? { ArrowDown: 1, ArrowUp: -1 } : {}
  const h = horizontal[key]
  const v = vertical[key]
  if (h === undefined && v === undefined) return null
  if (count <= 0) return null
  if (current < 0) return (h ?? v)! > 0 ? 0 : count - 1
  if (h !== undefined) {
    const to = current + h
    // In a grid, left and right stay within the row.
    const sameRow = columns ? Math.floor(to / columns) === Math.floor(current / columns) : true
    return to >= 0 && to < count && sameRow ? to : current
  }
  const to = current + v! * columns!
  return to >= 0 && to < count ? to : current
}
