import type { Read } from './reads.js'

/**
 * Each read written the way most people would first write it: one GROUP BY over the raw events,
 * windows computed by the database. They approximate the definitions of docs/metrics.md (e.g. a
 * conversion is any move to `completed`, not the first) — close enough to cost the same, not
 * meant to give the same figures. Time zone UTC, as the measured server's ORG_TIMEZONE.
 */
export const NAIVE_SQL: Record<Read['name'], string> = {
  metrics: `
    with firsts as (
      select lead_id,
        min(occurred_at) filter (where type = 'lead.created') as created,
        min(occurred_at) filter (where type = 'agent.action'
          or (type = 'lead.status_changed' and status <> 'new')) as responded
      from lead_events where lead_id is not null group by lead_id),
    windows(name, f, t) as (values
      ('today', date_trunc('day', now()), now()),
      ('yesterday', date_trunc('day', now()) - interval '1 day', now() - interval '1 day'))
    select w.name,
      (select count(*) from lead_events e where e.type = 'lead.created'
        and e.occurred_at >= w.f and e.occurred_at < w.t) as total_leads,
      (select count(distinct lead_id) from lead_events e where e.type = 'lead.status_changed'
        and e.status = 'completed' and e.occurred_at >= w.f and e.occurred_at < w.t) as conversions,
      (select avg(extract(epoch from responded - created)) from firsts
        where responded >= w.f and responded < w.t) as avg_response_s,
      (select count(distinct agent_id) from lead_events e
        where e.type in ('agent.action', 'lead.status_changed')
        and e.occurred_at >= w.f and e.occurred_at < w.t) as active_agents
    from windows w`,
  leadVolume: `
    select date_trunc('hour', occurred_at) as bucket,
      count(*) filter (where type = 'lead.created') as new_leads,
      count(*) filter (where type = 'lead.status_changed' and status = 'completed') as conversions
    from lead_events
    where occurred_at >= date_trunc('hour', now()) - interval '29 days 23 hours'
    group by 1 order by 1`,
  funnel: `
    with leads as (
      select lead_id,
        min(occurred_at) filter (where type = 'lead.created') as created,
        max(case status when 'contacted' then 1 when 'qualified' then 2 when 'retained' then 3
          when 'completed' then 4 else 0 end) as stage
      from lead_events where lead_id is not null group by lead_id)
    select count(*) as new, count(*) filter (where stage >= 1) as contacted,
      count(*) filter (where stage >= 2) as qualified, count(*) filter (where stage >= 3) as retained,
      count(*) filter (where stage >= 4) as completed
    from leads where created >= date_trunc('month', now()) and created < now()`,
  // period=month is the last 30 calendar days (today included), not the calendar month.
  heatmap: `
    select extract(isodow from occurred_at)::int - 1 as dow, extract(hour from occurred_at)::int as hour,
      count(*) as n
    from lead_events
    where occurred_at >= date_trunc('day', now()) - interval '29 days' and occurred_at < now()
      and type <> 'agent.upserted'
    group by 1, 2`,
  leaderboard: `
    select agent_id,
      count(distinct lead_id) filter (where type in ('lead.created', 'lead.assigned')) as leads,
      count(distinct lead_id) filter (where type = 'lead.status_changed' and status = 'completed') as converted
    from lead_events where agent_id is not null
    group by agent_id order by converted desc, leads desc, agent_id`,
}
