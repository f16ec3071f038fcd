import { useEffect, useState } from 'react'
import { formatClock, formatRelative } from '../lib/format'
import type { ActivityItem, ActivityFeed as Feed } from '../live'
import { Empty, Panel } from './Panel'

/** Glyph and accessible name per kind of event (and per action for agent actions). */
function iconOf(item: ActivityItem): { glyph: string; label: string; tone: string } {
  switch (item.kind) {
    case 'new_lead':
      return { glyph: '+', label: 'New lead', tone: 'lead' }
    case 'conversion':
      return { glyph: '★', label: 'Conversion', tone: 'win' }
    case 'status_change':
      return { glyph: '→', label: 'Status change', tone: 'status' }
    case 'assignment':
      return { glyph: '⇄', label: 'Assignment', tone: 'assign' }
    case 'agent_action': {
      const byAction: Record<string, [string, string]> = {
        call: ['☎', 'Call'],
        email: ['✉', 'Email'],
        sms: ['✆', 'SMS'],
        meeting: ['◷', 'Meeting'],
        note: ['✎', 'Note'],
      }
      const [glyph, label] = byAction[item.action ?? ''] ?? ['•', 'Agent action']
      return { glyph, label, tone: 'action' }
    }
    default:
      return { glyph: '•', label: 'Activity', tone: 'action' }
  }
}

/** Re-renders every `ms` so relative times ("2m ago") stay true without refetching. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(t)
  }, [ms])
  return now
}

/** The live feed, newest first. */
export function ActivityFeed({ feed }: { feed: Feed }) {
  const now = useNow(10_000)
  return (
    <Panel id="feed" title="Live activity" className="feed">
      {feed.items.length === 0 ? (
        <Empty>
          {feed.status === 'error' ? 'The live feed is unavailable' : 'Waiting for activity…'}
        </Empty>
      ) : (
        <ol className="feed-list" aria-live="polite" aria-relevant="additions">
          {feed.items.map((item) => {
            const icon = iconOf(item)
            return (
              <li key={item.id} className="feed-item" data-id={item.id} data-kind={item.kind}>
                <span className={`feed-icon ${icon.tone}`} role="img" aria-label={icon.label}>
                  {icon.glyph}
                </span>
                <span className="feed-summary">{item.summary}</span>
                <time
                  className="feed-time"
                  dateTime={item.occurredAt}
                  title={formatClock(item.occurredAt)}
                >
                  {formatRelative(item.occurredAt, now)}
                </time>
              </li>
            )
          })}
        </ol>
      )}
    </Panel>
  )
}
