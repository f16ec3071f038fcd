import { LimitRefusal } from './refusal.js'

/** Seconds a producer refused with {@link IngestBusy} should wait: about one batch's time. */
export const RETRY_AFTER_BUSY_S = 1

/**
 * Too many batches are already being stored on this instance: 503 (SERVICE_UNAVAILABLE), with
 * `Retry-After`. The refused batch was neither validated nor stored, so sending it again is safe.
 */
export class IngestBusy extends LimitRefusal {
  constructor(readonly max: number) {
    super({
      code: 'SERVICE_UNAVAILABLE',
      message: `ingest busy: ${max} batches are already being stored on this instance; retry in ${RETRY_AFTER_BUSY_S} s`,
    })
    this.name = 'IngestBusy'
  }

  headers(): Record<string, string> {
    return { 'retry-after': String(RETRY_AFTER_BUSY_S) }
  }
}

/**
 * Bounds the ingest batches one instance holds at once, running or waiting for the ingest lock.
 * Ingest is serialised, so past the database's pace batches would otherwise queue in memory
 * without end, each one later than the last; a producer told 503 + Retry-After slows down
 * instead (load shedding).
 */
export class IngestGate {
  private held = 0

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.held
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.held >= this.max) throw new IngestBusy(this.max)
    this.held++
    try {
      return await work()
    } finally {
      this.held--
    }
  }
}
