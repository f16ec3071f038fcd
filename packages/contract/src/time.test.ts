import { describe, expect, it } from 'vitest'
import { isValidTimeZone, timeZone } from './time.js'

describe('time zones', () => {
  it('accepts what Intl knows, every time it is asked, and nothing else', () => {
    for (const tz of [...Intl.supportedValuesOf('timeZone'), 'UTC', 'asia/kolkata']) {
      expect(isValidTimeZone(tz)).toBe(true)
      expect(isValidTimeZone(tz)).toBe(true)
    }
    for (const tz of ['Mars/Olympus', 'America/New York', '', 'UTC+25']) {
      expect(isValidTimeZone(tz)).toBe(false)
      expect(isValidTimeZone(tz)).toBe(false)
    }
    expect(timeZone.safeParse('Europe/Kyiv').success).toBe(true)
    expect(timeZone.safeParse('Europe/Nowhere').success).toBe(false)
  })

  it('still answers past the number of names it keeps', () => {
    // Zone names are case-insensitive: more spellings than the memo holds.
    const name = 'america/argentina/buenos_aires'
    const letters = [...name].flatMap((c, j) => (/[a-z]/.test(c) ? [j] : []))
    const spellings = Array.from({ length: 2_100 }, (_, i) =>
      [...name].map((c, j) => ((i >> letters.indexOf(j)) & 1 ? c.toUpperCase() : c)).join(''),
    )
    expect(new Set(spellings).size).toBe(spellings.length)
    for (const tz of spellings) expect(isValidTimeZone(tz)).toBe(true)
    expect(isValidTimeZone('America/Nowhere')).toBe(false)
  })
})
