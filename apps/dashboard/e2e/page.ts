/** What several browser tests read off the page. */
import type { Page } from 'playwright-core'

/** Every first load done and no tab change pending; then time for ECharts' 300 ms animations. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelectorAll('.skeleton, [aria-busy="true"]').length === 0,
    undefined,
    { timeout: 10_000 },
  )
  await page.waitForTimeout(600)
}

/**
 * Everything the page shows or tells assistive technology: all text in the body (hidden text
 * too), every option of every select, and every attribute value (chart descriptions, titles,
 * data ids).
 */
export function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.textContent ?? '']
    for (const el of document.body.querySelectorAll('*')) {
      if (el instanceof HTMLOptionElement) parts.push(el.text)
      for (const attr of el.attributes) parts.push(attr.value)
    }
    return parts.join('\n')
  })
}

/** The agent names of the leaderboard rows, in order, without the "you" badge. */
export function leaderboardNames(page: Page): Promise<string[]> {
  return page.locator('#leaderboard-body tbody th.agent').evaluateAll((cells) =>
    cells.map((cell) => {
      const copy = cell.cloneNode(true) as HTMLElement
      for (const badge of copy.querySelectorAll('.you')) badge.remove()
      return (copy.textContent ?? '').trim()
    }),
  )
}

/** The agent name of the highlighted (own) rows. */
export function ownRowNames(page: Page): Promise<string[]> {
  return page
    .locator('#leaderboard-body tbody tr.own th.agent')
    .evaluateAll((cells) => cells.map((cell) => cell.firstChild?.textContent?.trim() ?? ''))
}
