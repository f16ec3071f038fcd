import { describe, expect, it } from 'vitest'
import { arrowTarget } from './keys'

describe('arrowTarget', () => {
  it('walks a category axis and stays at its ends', () => {
    expect(arrowTarget('ArrowRight', -1, 5, null)).toBe(0)
    expect(arrowTarget('ArrowLeft', -1, 5, null)).toBe(4)
    expect(arrowTarget('ArrowRight', 2, 5, null)).toBe(3)
    expect(arrowTarget('ArrowRight', 4, 5, null)).toBe(4)
    expect(arrowTarget('ArrowLeft', 0, 5, null)).toBe(0)
    expect(arrowTarget('ArrowDown', 2, 5, null)).toBeNull()
    expect(arrowTarget('Enter', 2, 5, null)).toBeNull()
  })

  it('moves cell to cell in a 7 × 24 grid and stays put at every edge', () => {
    const cols = 24
    const count = 7 * cols
    expect(arrowTarget('ArrowDown', -1, count, cols)).toBe(0)
    expect(arrowTarget('ArrowUp', -1, count, cols)).toBe(count - 1)
    expect(arrowTarget('ArrowDown', 5, count, cols)).toBe(29)
    expect(arrowTarget('ArrowUp', 29, count, cols)).toBe(5)
    // Last row, down: stays (it used to jump to the last cell).
    expect(arrowTarget('ArrowDown', 6 * cols + 3, count, cols)).toBe(6 * cols + 3)
    // First row, up: stays.
    expect(arrowTarget('ArrowUp', 3, count, cols)).toBe(3)
    // End of a row, right: stays in the row rather than wrapping to the next.
    expect(arrowTarget('ArrowRight', cols - 1, count, cols)).toBe(cols - 1)
    expect(arrowTarget('ArrowLeft', cols, count, cols)).toBe(cols)
    expect(arrowTarget('ArrowRight', cols, count, cols)).toBe(cols + 1)
  })

  it('ignores arrows on an empty chart', () => {
    expect(arrowTarget('ArrowRight', -1, 0, null)).toBeNull()
  })
})
