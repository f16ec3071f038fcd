import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bucketFloor, bucketNext, decompose } from './buckets.js'
import { GRAINS, type Grain } from './schema.js'

const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })

describe('decompose', () => {
  it('covers [from, to) exactly with whole buckets of the allowed grains and short edges', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 0, max: 400 * 86_400_000 }),
        fc.subarray([...GRAINS], { minLength: 1 }),
        (from, span, grains: Grain[]) => {
          const to = from + span
          const segments = decompose(from, to, grains)
          let at = from
          for (const s of segments) {
            expect(s.from).toBe(at)
            expect(s.to).toBeGreaterThan(s.from)
            if (s.grain === null) {
              // An edge is shorter than the finest allowed grain's bucket.
              const finest = GRAINS.find((g) => grains.includes(g))!
              expect(
                bucketFloor(finest, s.from) === s.from && bucketNext(finest, s.from) <= s.to,
              ).toBe(false)
            } else {
              expect(grains).toContain(s.grain)
              expect(bucketFloor(s.grain, s.from)).toBe(s.from)
              expect(bucketFloor(s.grain, s.to)).toBe(s.to)
            }
            at = s.to
          }
          expect(at).toBe(span === 0 ? from : to)
          expect(segments.filter((s) => s.grain === null).length).toBeLessThanOrEqual(2)
        },
      ),
    )
  })

  it('uses hours between days and quarter-hours', () => {
    const from = Date.UTC(2026, 10, 24, 22, 15)
    const to = Date.UTC(2026, 10, 26, 2, 45)
    expect(decompose(from, to).map((s) => [s.grain, new Date(s.from).toISOString()])).toEqual([
      ['quarter_hour', '2026-11-24T22:15:00.000Z'],
      ['hour', '2026-11-24T23:00:00.000Z'],
      ['day', '2026-11-25T00:00:00.000Z'],
      ['hour', '2026-11-26T00:00:00.000Z'],
      ['quarter_hour', '2026-11-26T02:00:00.000Z'],
    ])
  })
})
