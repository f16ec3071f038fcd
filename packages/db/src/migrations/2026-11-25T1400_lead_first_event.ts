import { type Kysely, sql } from 'kysely'

// Frozen in time: this file must not import application code.

/**
 * The time of each lead's earliest event. Ingest re-derives every lead a batch touches from all
 * of its events; with this lower bound it reads only the partitions from that month on, instead
 * of probing every month's index for every lead — which made ingest slower as history grew.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table leads add column first_event_at timestamptz`.execute(db)
  await sql`
    update leads set first_event_at = e.first
    from (select lead_id, min(occurred_at) as first from lead_events
          where lead_id is not null group by lead_id) e
    where e.lead_id = leads.lead_id`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table leads drop column first_event_at`.execute(db)
}
