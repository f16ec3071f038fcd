import { bucketFloor } from '../buckets.js'
import { COUNTERS, type Counter, GRAINS, type Grain } from '../schema.js'
import { FUNNEL_STAGES_AFTER_NEW, type LeadFacts } from './derive.js'
import type { NormalizedEvent } from './normalize.js'

interface DeltaRow {
  grain: Grain
  bucketStart: number
  /** null: the organisation-wide row. */
  agentId: string | null
  /** Indexed like COUNTERS. */
  values: number[]
}

const COUNTER_INDEX = new Map<Counter, number>(COUNTERS.map((c, i) => [c, i]))

/** A table's rows as one array per column, for an `unnest` upsert. */
export interface CounterColumns {
  grain: Grain[]
  bucketStart: string[]
  /** Empty for the organisation table. */
  agentId: string[]
  /** Indexed like COUNTERS. */
  values: number[][]
}

/** Accumulates counter changes per bucket of every grain, for one multi-row upsert per table. */
export class Deltas {
  private readonly rows = new Map<string, DeltaRow>()
  // A lead or event adds several counters at the same instant for the same agent: their rows
  // are looked up once.
  private lastAt = Number.NaN
  private lastAgent: string | null = null
  private lastRows: DeltaRow[] = []

  add(at: Date, agentId: string | null, counter: Counter, amount: number): void {
    if (amount === 0) return
    const index = COUNTER_INDEX.get(counter)!
    for (const row of this.rowsAt(at.getTime(), agentId)) row.values[index]! += amount
  }

  /** The rows an instant counts in: each grain's bucket, for the organisation and the agent. */
  private rowsAt(ms: number, agentId: string | null): DeltaRow[] {
    if (ms === this.lastAt && agentId === this.lastAgent) return this.lastRows
    const rows: DeltaRow[] = []
    for (const grain of GRAINS) {
      const bucketStart = bucketFloor(grain, ms)
      rows.push(this.row(grain, bucketStart, null))
      if (agentId !== null) rows.push(this.row(grain, bucketStart, agentId))
    }
    this.lastAt = ms
    this.lastAgent = agentId
    this.lastRows = rows
    return rows
  }

  private row(grain: Grain, bucketStart: number, agentId: string | null): DeltaRow {
    const key = agentId === null ? `${grain}|${bucketStart}` : `${grain}|${bucketStart}|${agentId}`
    let row = this.rows.get(key)
    if (!row) {
      row = { grain, bucketStart, agentId, values: COUNTERS.map(() => 0) }
      this.rows.set(key, row)
    }
    return row
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

  /** Non-zero rows split by table, as column arrays. */
  columns(): { agent: CounterColumns; org: CounterColumns } {
    const empty = (): CounterColumns => ({
      grain: [],
      bucketStart: [],
      agentId: [],
      values: COUNTERS.map(() => []),
    })
    const agent = empty()
    const org = empty()
    for (const r of this.rows.values()) {
      if (r.values.every((v) => v === 0)) continue
      const table = r.agentId === null ? org : agent
      table.grain.push(r.grain)
      table.bucketStart.push(new Date(r.bucketStart).toISOString())
      if (r.agentId !== null) table.agentId.push(r.agentId)
      for (let i = 0; i < r.values.length; i++) table.values[i]!.push(r.values[i]!)
    }
    return { agent, org }
  }
}
