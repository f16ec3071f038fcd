import type { LeadEvent } from '@leads/contract'
import { type DbClient, ingestEvents } from '@leads/db'
import { generateEvents } from '@leads/db/seed'
import { testDatabases } from '@leads/db/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInnerContext } from '../context.js'
import { createCaller } from '../root.js'
import { fromNaive, startOfUnitsBefore } from '../time/local.js'

const NY = 'America/New_York'
const DAY = 86_400_000

async function ingestAll(client: DbClient, events: LeadEvent[], now: number) {
  for (let i = 0; i < events.length; i += 5_000) {
    const r = await ingestEvents(client.db, events.slice(i, i + 5_000), new Date(now))
    expect(r.rejected).toEqual([])
  }
}

const callerAt = (client: DbClient, now: number) =>
  createCaller(createInnerContext({ db: client.db, clock: { now: () => now }, orgTimezone: NY }))

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

describe.each(testDatabases())('forecast on $kind', ({ open }) => {
  /**
   * Exactly ten leads every local day, at wall times that straddle both New York DST changes
   * (00:10, 01:30 — twice a clock reading on the fall-back night, where the first is used —,
   * 02:30 — skipped on the spring-forward night, so it lands at 03:30 —, … 23:50). If any daily
   * total were cut by UTC or by 24-hour steps, a DST day would read 9 or 11 and show in MAPE.
   */
  describe('across DST changes', () => {
    let client: DbClient
    const WALL = [
      [0, 10],
      [1, 30],
      [2, 30],
      [5, 0],
      [8, 0],
      [11, 0],
      [14, 0],
      [17, 0],
      [20, 0],
      [23, 50],
    ] as const
    beforeAll(async () => {
      client = await open()
      const events: LeadEvent[] = []
      for (let d = Date.UTC(2025, 11, 1); d < Date.UTC(2026, 11, 1); d += DAY) {
        for (const [h, m] of WALL) {
          const at = fromNaive(d + h * 3_600_000 + m * 60_000, NY)
          const leadId = `c-${new Date(d).toISOString().slice(0, 10)}-${h}`
          events.push({
            id: leadId,
            type: 'lead.created',
            occurredAt: new Date(at).toISOString(),
            leadId,
          })
        }
      }
      await ingestAll(client, events, Date.UTC(2026, 11, 2))
    }, 120_000)
    afterAll(async () => {
      await client?.close()
    })

    it.each([
      ['fall-back in the history', '2026-11-20T12:00:00-05:00'],
      ['spring-forward in the history', '2026-03-25T12:00:00-04:00'],
      ['on the fall-back day itself', '2026-11-01T12:00:00-05:00'],
      ['on the spring-forward day itself', '2026-03-08T12:00:00-04:00'],
    ])('%s: every day is 10, forecast and on pace too', async (_name, at) => {
      const now = Date.parse(at)
      const f = await callerAt(client, now).analytics.forecast({ tz: NY, horizon: 30 })
      expect(f.backtest.days).toBe(28)
      expect(f.backtest.mape).toBeLessThan(1e-9)
      expect(f.backtest.baselineMape).toBe(0)
      for (const p of f.points) {
        expect(p.value).toBeCloseTo(10, 9)
        expect(p.upper - p.lower).toBeLessThan(1e-6)
      }
      // 30 consecutive local dates from today, whatever the day lengths.
      expect(f.points[0]!.date).toBe(at.slice(0, 10))
      for (let i = 1; i < f.points.length; i++) {
        const prev = Date.parse(`${f.points[i - 1]!.date}T00:00:00Z`)
        expect(Date.parse(`${f.points[i]!.date}T00:00:00Z`) - prev).toBe(DAY)
      }
      // Six of the ten leads come before noon every day, so six so far is on pace for ten.
      expect(f.onPace.soFar.newLeads).toBe(6)
      expect(f.onPace.newLeads).toBe(10)
      expect(f.onPace.asOf.startsWith(at.slice(0, 16))).toBe(true)
    })
  })

  /**
   * A week of history that began mid-afternoon, as a new organisation's or a seeded demo's does:
   * the first day, today's weekday, holds only its evening leads. Its curve alone would say a
   * Thursday starts at 15:00, and six leads by noon would look like a flood.
   */
  describe('with a history that begins mid-day', () => {
    let client: DbClient
    const NOON = Date.parse('2026-11-26T12:00:00-05:00') // a Thursday
    const HOURS = [1, 5, 8, 9, 10, 11, 14, 17, 20, 23]
    beforeAll(async () => {
      client = await open()
      const events: LeadEvent[] = []
      const firstDay = Date.parse('2026-11-19T00:00:00-05:00') // the Thursday before
      for (let d = firstDay; d <= NOON; d += DAY) {
        for (const h of HOURS) {
          const at = d + h * 3_600_000
          // The history starts at 15:00 on its first day; today runs up to noon.
          if ((d === firstDay && h < 15) || at > NOON) continue
          const leadId = `m-${new Date(d).toISOString().slice(0, 10)}-${h}`
          events.push({
            id: leadId,
            type: 'lead.created',
            occurredAt: new Date(at).toISOString(),
            leadId,
          })
        }
      }
      await ingestAll(client, events, NOON)
    })
    afterAll(async () => {
      await client?.close()
    })

    it('reads the usual curve from whole days only: six by noon is on pace for ten', async () => {
      const f = await callerAt(client, NOON).analytics.forecast({ tz: NY })
      expect(f.onPace.soFar.newLeads).toBe(6)
      expect(f.onPace.newLeads).toBe(10)
      // The day after the first: no whole day yet, so no curve; the count so far stands.
      const next = await callerAt(
        client,
        Date.parse('2026-11-20T12:00:00-05:00'),
      ).analytics.forecast({
        tz: NY,
      })
      expect(next.onPace.soFar.newLeads).toBe(6)
      expect(next.onPace.newLeads).toBeGreaterThanOrEqual(6)
      expect(next.onPace.newLeads).toBeLessThan(20)
    })
  })

  /**
   * Replays the last two weeks of generated history: at 11:00, 14:00 and 17:00 local on each
   * day, "on pace" is compared with the day's final total. Also records the back-test of the
   * demo data.
   */
  describe('on generated history', () => {
    let client: DbClient
    const NOW = Date.parse('2026-11-25T16:00:00Z')
    beforeAll(async () => {
      client = await open()
      const events = [
        ...generateEvents({ now: new Date(NOW), days: 70, agents: 20, tz: NY, seed: 11 }),
      ]
      await ingestAll(client, events, NOW)
    }, 240_000)
    afterAll(async () => {
      await client?.close()
    })

    it('is on pace for the day’s final total within the stated error', async () => {
      const errors: Record<string, number[]> = {}
      for (let back = 1; back <= 14; back++) {
        const dayStart = startOfUnitsBefore(NOW, 'day', back, NY)
        const dayEnd = startOfUnitsBefore(NOW, 'day', back - 1, NY)
        const full = await callerAt(client, NOW).analytics.metrics({
          tz: NY,
          from: new Date(dayStart).toISOString(),
          to: new Date(dayEnd).toISOString(),
        })
        const conversions = Math.round((full.conversionRate ?? 0) * full.totalLeads)
        for (const hour of [11, 14, 17]) {
          const now = dayStart + hour * 3_600_000 // no DST change in these two weeks
          const { onPace } = await callerAt(client, now).analytics.forecast({ tz: NY })
          for (const [key, actual, predicted] of [
            [`newLeads@${hour}`, full.totalLeads, onPace.newLeads],
            [`conversions@${hour}`, conversions, onPace.conversions],
          ] as const) {
            if (actual === 0) continue
            errors[key] = [...(errors[key] ?? []), Math.abs(predicted - actual) / actual]
          }
        }
      }
      const medians = Object.fromEntries(
        Object.entries(errors).map(([k, v]) => [k, Math.round(median(v) * 1000) / 10]),
      )
      console.log('on pace, median absolute % error over 14 replayed days:', medians)
      // Stated in docs/metrics.md: new leads within 15% at 11:00 and within 10% from 14:00;
      // conversions, a fifth as many, within 30% and 20%.
      expect(medians['newLeads@11']).toBeLessThanOrEqual(15)
      expect(medians['newLeads@14']).toBeLessThanOrEqual(10)
      expect(medians['newLeads@17']).toBeLessThanOrEqual(10)
      expect(medians['conversions@11']).toBeLessThanOrEqual(30)
      expect(medians['conversions@14']).toBeLessThanOrEqual(20)
      expect(medians['conversions@17']).toBeLessThanOrEqual(20)
    })

    it('back-tests the model against seasonal-naive on the demo data', async () => {
      for (const metric of ['newLeads', 'conversions'] as const) {
        const f = await callerAt(client, NOW).analytics.forecast({ tz: NY, metric, horizon: 7 })
        console.log(`back-test ${metric}:`, f.backtest, 'next 7 days:', f.points)
        expect(f.backtest.days).toBe(28)
        expect(f.backtest.mape).not.toBeNull()
        // Beating the baseline is asserted on synthetic series (holtWinters.test.ts); on demo
        // data the figures are recorded in BENCHMARKS.md, and here only kept from going wild.
        expect(f.backtest.mape!).toBeLessThan(1.5 * f.backtest.baselineMape!)
        for (const p of f.points) expect(p.lower).toBeLessThanOrEqual(p.value)
      }
    })
  })
})
