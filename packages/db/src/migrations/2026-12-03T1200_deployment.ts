import { type Kysely, sql } from 'kysely'

// Frozen in time: this file must not import application code.

/**
 * One random id per database (and schema): what every instance on it shares, and nothing else
 * does. Redis may serve several deployments at once (pub/sub ignores its database numbers), so
 * the live bus and the cache name their Redis keys and channels after this id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table deployment (
      one boolean primary key default true check (one),
      id uuid not null default gen_random_uuid()
    )`.execute(db)
  await sql`insert into deployment default values`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table deployment`.execute(db)
}
