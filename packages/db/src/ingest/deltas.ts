import { bucketFloor } from '../buckets.js'
import { COUNTERS, type Counter, type Counters, GRAINS, type Grain } from '../schema.js'
import { FUNNEL_STAGES_AFTER_NEW, type LeadFacts } from './derive.js'
import type { NormalizedEvent } from './normalize.js'

interface DeltaRow {
  grain: Grain
  bucketStart: number
  /** null: the organisation-wide row. */
  agentId: string | null
  counters: Partial<Counters>
}

/** Accumulates counter changes per bucket of every grain, for one multi-row upsert per table. */
export class Deltas {
  readonly rows = new Map<string, DeltaRow>()

  add(at: Date, agentId: string | null, counter: Counter, amount: number): void {
    if (amount === 0) return
    for (const grain of GRAINS) {
      const bucketStart = bucketFloor(grain, at.getTime())
      this.bump(grain, bucketStart, null, counter, amount)
      if (agentId !== null) this.bump(grain, bucketStart, agentId, counter, amount)
    }
  }

  private bump(
    grain: Grain,
    bucketStart: number,
    agentId: string | null,
    counter: Counter,
    amount: number,
  ) {
    const key = `${grain}|${bucketStart}|${agentId ?? ''}|${agentId === null ? 'org' : 'agent'}`
    let row = this.rows.get(key)
    if (!row) {
      row = { grain, bucketStart, agentId, counters: {} }
      this.rows.set(key, row)
    }
    row.counters[counter] = (row.counters[counter] ?? 0) + amount
  }

  /** Per-event counters: each new event adds to them exactly once. */
  addEvent(e: NormalizedEvent): void {
    if (e.type === 'agent.upserted') return
    this.add(e.occurredAt, e.agentId, 'activity', 1)
    if (e.type === 'agent.action') this.add(e.occurredAt, e.agentId, 'actions', 1)
    if (e.type === 'lead.status_changed') {
      this.add(e.occurredAt, e.agentId, 'status_changes', 1)
      this.add(e.occurredAt, e.agentId, `moved_${e.status}` as Counter, 1)
    }
  }

  /** Per-lead counters: `sign` −1 removes a lead's old contribution, +1 adds its new one. */
  addLead(f: LeadFacts, sign: 1 | -1): void {
    for (const a of f.assignments) this.add(a.at, a.agentId, 'assignments', sign)
    if (f.createdAt !== null) {
      this.add(f.createdAt, f.firstAgentId, 'leads_created', sign)
      for (const stage of FUNNEL_STAGES_AFTER_NEW) {
        if (f.reached[stage] !== null)
          this.add(f.createdAt, f.firstAgentId, `cohort_${stage}`, sign)
      }
    }
    if (f.reached.completed !== null && f.convertedBy !== null) {
      this.add(f.reached.completed, f.convertedBy, 'conversions', sign)
    }
    if (f.firstResponse !== null && f.responseMs !== null) {
      this.add(f.firstResponse.at, f.firstResponse.agentId, 'first_responses', sign)
      this.add(f.firstResponse.at, f.firstResponse.agentId, 'response_ms', sign * f.responseMs)
    }
  }

  /** Non-zero rows split by table, every counter present (multi-row VALUES need one shape). */
  tableRows() {
    const agent: ({ grain: Grain; bucket_start: Date; agent_id: string } & Counters)[] = []
    const org: ({ grain: Grain; bucket_start: Date } & Counters)[] = []
    for (const r of this.rows.values()) {
      if (COUNTERS.every((c) => !r.counters[c])) continue
      const counters = Object.fromEntries(
        COUNTERS.map((c) => [c, r.counters[c] ?? 0]),
      ) as unknown as Counters
      const base = { grain: r.grain, bucket_start: new Date(r.bucketStart), ...counters }
      if (r.agentId === null) org.push(base)
      else agent.push({ ...base, agent_id: r.agentId })
    }
    return { agent, org }
  }
}
