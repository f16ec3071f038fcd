import { type LeadEvent, leadEvent, PIPELINE } from '@leads/contract'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { makeAgents } from './agents.js'
import { type GenerateOptions, generateEvents, planGeneration } from './generate.js'

const NOW = new Date('2026-06-15T12:00:00Z')
const small: GenerateOptions = { now: NOW, days: 14, agents: 6, tz: 'Europe/Berlin', seed: 7 }

const cache = new Map<string, LeadEvent[]>()
function events(opts: GenerateOptions): LeadEvent[] {
  const key = JSON.stringify(opts)
  if (!cache.has(key)) cache.set(key, [...generateEvents(opts)])
  return cache.get(key)!
}

/** Lead arrivals per hour in office hours (Mon–Fri 09–18) and at night (00–06), in `tz`. */
function arrivalRates(list: LeadEvent[], tz: string) {
  let office = 0
  let night = 0
  const weeks = new Set<string>()
  for (const e of list) {
    if (e.type !== 'lead.created') continue
    const t = DateTime.fromISO(e.occurredAt, { zone: tz })
    weeks.add(`${t.weekYear}-${t.weekNumber}`)
    if (t.weekday <= 5 && t.hour >= 9 && t.hour < 18) office++
    if (t.hour < 6) night++
  }
  return { office: office / 45, night: night / 42 }
}

describe('generateEvents', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = events(small)
    expect([...generateEvents(small)]).toEqual(a)
    const b = [...generateEvents({ ...small, seed: 8 })]
    expect(b.map((e) => e.id)).not.toEqual(a.map((e) => e.id))
  })

  it('yields valid events with unique ids, in time order, all before now', () => {
    const list = events(small)
    expect(list.length).toBeGreaterThan(1_000)
    const ids = new Set<string>()
    let prev = 0
    for (const e of list) {
      expect(leadEvent.safeParse(e).success, JSON.stringify(e)).toBe(true)
      ids.add(e.id)
      const t = Date.parse(e.occurredAt)
      expect(t).toBeGreaterThanOrEqual(prev)
      expect(t).toBeLessThan(NOW.getTime())
      expect(t).toBeGreaterThanOrEqual(NOW.getTime() - 14 * 86_400_000)
      prev = t
    }
    expect(ids.size).toBe(list.length)
  })

  it('starts with the agent profiles the simulator also uses', () => {
    const list = events(small)
    const profiles = list.slice(0, 6)
    expect(profiles.every((e) => e.type === 'agent.upserted')).toBe(true)
    expect(
      profiles.map((e) => (e.type === 'agent.upserted' ? [e.agentId, e.name, e.teamId] : null)),
    ).toEqual(makeAgents(6, 7).map((a) => [a.id, a.name, a.teamId]))
    expect(profiles.map((e) => (e.type === 'agent.upserted' ? e.agentId : ''))).toContain(
      'agent-01',
    )
  })

  it.each(['Asia/Kolkata', 'America/New_York'])('has office-hour seasonality in %s', (tz) => {
    const list = events({ now: NOW, days: 42, agents: 20, tz, seed: 3 })
    const local = arrivalRates(list, tz)
    expect(local.office).toBeGreaterThan(5 * local.night)
    // Measured in a zone about half a day away, the pattern is inverted: the zone matters.
    const away = arrivalRates(list, tz === 'Asia/Kolkata' ? 'America/Chicago' : 'Asia/Tokyo')
    expect(away.office).toBeLessThan(away.night)
  })

  it('has a funnel that narrows stage by stage, lost leads and reassignments', () => {
    const list = events({ now: NOW, days: 30, agents: 10, tz: 'UTC', seed: 5 })
    const reached = new Map<string, Set<string>>(PIPELINE.map((s) => [s, new Set()]))
    const lost = new Set<string>()
    const firstOwner = new Map<string, string | undefined>()
    const reassigned = new Set<string>()
    for (const e of list) {
      if (e.type === 'lead.created') {
        reached.get('new')!.add(e.leadId)
        firstOwner.set(e.leadId, e.agentId)
      }
      if (e.type === 'lead.status_changed') {
        if (e.status === 'lost') lost.add(e.leadId)
        else reached.get(e.status)!.add(e.leadId)
      }
      if (e.type === 'lead.assigned' && firstOwner.get(e.leadId) !== undefined)
        reassigned.add(e.leadId)
    }
    const counts = PIPELINE.map((s) => reached.get(s)!.size)
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThan(counts[i - 1]!)
    const conversion = counts[4]! / counts[0]!
    expect(conversion).toBeGreaterThan(0.08)
    expect(conversion).toBeLessThan(0.4)
    expect(lost.size).toBeGreaterThan(counts[0]! * 0.1)
    expect(reassigned.size).toBeGreaterThan(counts[0]! * 0.03)
  })

  it('gives fast and slow agents log-normal first responses of different medians', () => {
    const agents = makeAgents(10, 5)
    const fastest = agents.reduce((a, b) => (a.responseMedianMs < b.responseMedianMs ? a : b))
    const slowest = agents.reduce((a, b) => (a.responseMedianMs > b.responseMedianMs ? a : b))
    const created = new Map<string, { at: number; agentId: string | undefined }>()
    const responses = new Map<string, number[]>()
    for (const e of events({ now: NOW, days: 30, agents: 10, tz: 'UTC', seed: 5 })) {
      if (e.type === 'lead.created')
        created.set(e.leadId, { at: Date.parse(e.occurredAt), agentId: e.agentId })
      if (e.type !== 'agent.action') continue
      const c = created.get(e.leadId)
      if (!c || c.agentId !== e.agentId) continue
      created.delete(e.leadId)
      const list = responses.get(e.agentId) ?? []
      list.push(Date.parse(e.occurredAt) - c.at)
      responses.set(e.agentId, list)
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    expect(slowest.responseMedianMs / fastest.responseMedianMs).toBeGreaterThan(4)
    expect(median(responses.get(slowest.id)!)).toBeGreaterThan(
      2 * median(responses.get(fastest.id)!),
    )
  })

  it('scales the lead rate to an approximate event target', () => {
    const opts = { now: NOW, days: 30, agents: 8, events: 20_000, tz: 'UTC', seed: 2 }
    const n = events(opts).length
    expect(n).toBeGreaterThan(16_000)
    expect(n).toBeLessThan(24_000)
    expect(Math.abs(planGeneration(opts).expectedEvents - 20_000)).toBeLessThan(100)
  })

  it('defaults to a realistic size for 90 days × 30 agents', () => {
    const { expectedEvents } = planGeneration({ now: NOW, days: 90, agents: 30, tz: 'UTC' })
    expect(expectedEvents).toBeGreaterThan(80_000)
    expect(expectedEvents).toBeLessThan(150_000)
  })

  it('rejects an unknown time zone', () => {
    expect(() => planGeneration({ ...small, tz: 'Mars/Olympus' })).toThrow(/time zone/)
  })
})
