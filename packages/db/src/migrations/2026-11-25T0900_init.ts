import { type Kysely, sql } from 'kysely'

// Frozen in time: this file must not import application code.

const COUNTERS = [
  'leads_created',
  'assignments',
  'status_changes',
  'moved_new',
  'moved_contacted',
  'moved_qualified',
  'moved_retained',
  'moved_completed',
  'moved_lost',
  'actions',
  'activity',
  'conversions',
  'first_responses',
  'cohort_contacted',
  'cohort_qualified',
  'cohort_retained',
  'cohort_completed',
]

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence lead_event_seq`.execute(db)

  // Raw events, partitioned by month of event time. The primary key must contain the
  // partition key, so producer-id uniqueness lives in lead_event_ids.
  await sql`
    create table lead_events (
      seq bigint not null,
      event_id text not null,
      type text not null,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      lead_id text,
      agent_id text,
      status text,
      action text,
      source text,
      payload jsonb not null,
      primary key (occurred_at, seq)
    ) partition by range (occurred_at)`.execute(db)
  await sql`create index lead_events_lead_idx on lead_events (lead_id, occurred_at)`.execute(db)
  await sql`create index lead_events_seq_idx on lead_events (seq)`.execute(db)

  await db.schema
    .createTable('lead_event_ids')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().unique())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('agents')
    .addColumn('agent_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('team_id', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('profile_at', 'timestamptz')
    .addColumn('profile_event_id', 'text')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('agents_team_idx').on('agents').column('team_id').execute()

  await db.schema
    .createTable('leads')
    .addColumn('lead_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz')
    .addColumn('first_agent_id', 'text')
    .addColumn('source', 'text')
    .addColumn('owner_agent_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('status_at', 'timestamptz')
    .execute()
  await db.schema
    .createIndex('leads_owner_idx')
    .on('leads')
    .columns(['owner_agent_id', 'status'])
    .execute()
  await db.schema.createIndex('leads_status_idx').on('leads').column('status').execute()

  await db.schema
    .createTable('conversion_tracking')
    .addColumn('lead_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz')
    .addColumn('first_agent_id', 'text')
    .addColumn('contacted_at', 'timestamptz')
    .addColumn('qualified_at', 'timestamptz')
    .addColumn('retained_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('lost_at', 'timestamptz')
    .addColumn('furthest_stage', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('converted_by', 'text')
    .execute()
  await db.schema
    .createIndex('conversion_created_idx')
    .on('conversion_tracking')
    .column('created_at')
    .execute()
  await db.schema
    .createIndex('conversion_completed_idx')
    .on('conversion_tracking')
    .column('completed_at')
    .execute()

  await db.schema
    .createTable('response_times')
    .addColumn('lead_id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz')
    .addColumn('first_response_at', 'timestamptz')
    .addColumn('responder_agent_id', 'text')
    .addColumn('response_ms', 'bigint')
    .execute()
  await db.schema
    .createIndex('response_first_idx')
    .on('response_times')
    .column('first_response_at')
    .execute()

  await db.schema
    .createTable('lead_assignments')
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'timestamptz', (c) => c.notNull())
    .addColumn('prev_assigned_at', 'timestamptz')
    .addPrimaryKeyConstraint('lead_assignments_pk', ['lead_id', 'event_id'])
    .execute()
  await db.schema
    .createIndex('assignments_time_idx')
    .on('lead_assignments')
    .columns(['assigned_at', 'agent_id'])
    .execute()
  // Repeat assignments of the same (agent, lead) are rare; reads subtract them to count distinct leads.
  await sql`create index assignments_repeat_idx on lead_assignments (assigned_at) where prev_assigned_at is not null`.execute(
    db,
  )

  for (const table of ['agent_performance', 'org_performance'] as const) {
    let t = db.schema
      .createTable(table)
      .addColumn('grain', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'timestamptz', (c) => c.notNull())
    if (table === 'agent_performance') t = t.addColumn('agent_id', 'text', (c) => c.notNull())
    for (const c of COUNTERS) t = t.addColumn(c, 'integer', (col) => col.notNull().defaultTo(0))
    t = t.addColumn('response_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    t = t.addPrimaryKeyConstraint(
      `${table}_pk`,
      (table === 'agent_performance'
        ? ['grain', 'bucket_start', 'agent_id']
        : ['grain', 'bucket_start']) as never,
    )
    await t.execute()
  }
  await db.schema
    .createIndex('agent_performance_agent_idx')
    .on('agent_performance')
    .columns(['grain', 'agent_id', 'bucket_start'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'org_performance',
    'agent_performance',
    'lead_assignments',
    'response_times',
    'conversion_tracking',
    'leads',
    'agents',
    'lead_event_ids',
    'lead_events',
  ]) {
    await db.schema.dropTable(t).ifExists().cascade().execute()
  }
  await sql`drop sequence if exists lead_event_seq`.execute(db)
}
