import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { ActivityFeed } from './components/ActivityFeed'
import { DrillContext, DrillDialog, type DrillRequest } from './components/DrillDown'
import { ExportButtons } from './components/ExportButtons'
import { Funnel } from './components/Funnel'
import { Heatmap } from './components/Heatmap'
import { KpiCards } from './components/KpiCards'
import { Leaderboard } from './components/Leaderboard'
import { FORECAST_HORIZON, LeadVolume } from './components/LeadVolume'
import { RangePicker } from './components/RangePicker'
import { SessionExpired } from './components/SessionExpired'
import { ConnectionIndicator, ErrorBanner, TimeZoneSelect } from './components/StatusBar'
import { ViewAs } from './components/ViewAs'
import { type Access, AccessContext } from './lib/access'
import type { Viewer } from './lib/auth'
import type { ConnectionTracker } from './lib/connection'
import { drillFor } from './lib/drill'
import type { SessionExpiry } from './lib/expiry'
import { formatClock } from './lib/format'
import {
  dayWindow,
  formatSpan,
  instantWindow,
  localDate,
  parseRange,
  type RangeChoice,
  writeRange,
} from './lib/range'
import { trpc } from './lib/trpc'
import { readInput, type View } from './lib/view'
import { useActivityFeed, useLiveMetrics } from './live'

/** Replaces the page's query string in place, so the address bar always holds a shareable view. */
function replaceQuery(edit: (url: URL) => void): void {
  const url = new URL(window.location.href)
  edit(url)
  window.history.replaceState(window.history.state, '', url)
}

/** The chosen zone lives in `?tz=` so a wall-screen link can pin it; absent = organisation's zone. */
function useZoneParam(): [string | undefined, (tz: string | undefined) => void] {
  const [tz, setTz] = useState<string | undefined>(
    () => new URLSearchParams(window.location.search).get('tz') || undefined,
  )
  const update = (next: string | undefined) => {
    replaceQuery((url) => {
      if (next) url.searchParams.set('tz', next)
      else url.searchParams.delete('tz')
    })
    setTz(next)
  }
  return [tz, update]
}

/** The chosen range lives in `?range=` or `?from=&to=` (local dates), read once on load. */
function useRangeParam(): [RangeChoice, (choice: RangeChoice) => void] {
  const [choice, setChoice] = useState(() =>
    parseRange(new URLSearchParams(window.location.search)),
  )
  const update = (next: RangeChoice) => {
    replaceQuery((url) => writeRange(url, next))
    setChoice(next)
  }
  return [choice, update]
}

/** The current time, renewed every minute: enough to notice a new local day. */
function useMinute(): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000)
    return () => clearInterval(t)
  }, [])
  return now
}

/** Re-checks time- and network-dependent connection states (offline after a while, browser offline). */
function useConnection(tracker: ConnectionTracker) {
  useEffect(() => {
    const refresh = () => tracker.refresh()
    const t = setInterval(refresh, 1000)
    window.addEventListener('online', refresh)
    window.addEventListener('offline', refresh)
    return () => {
      clearInterval(t)
      window.removeEventListener('online', refresh)
      window.removeEventListener('offline', refresh)
    }
  }, [tracker])
  return useSyncExternalStore(tracker.subscribe, tracker.getSnapshot)
}

interface AppProps {
  tracker: ConnectionTracker
  expiry: SessionExpiry
  /** The token the session sends (for downloads, which are not tRPC calls). */
  token: string | null
  /** Who the token says is looking (null: no token, or one the page cannot read). */
  viewer: Viewer | null
  /** The server hands out development tokens: offer the demo-user picker. */
  devTokens: boolean
  onViewAs: (token: string) => void
}

export function App({ tracker, expiry, token, viewer, devTokens, onViewAs }: AppProps) {
  const connection = useConnection(tracker)
  const expired = useSyncExternalStore(expiry.subscribe, expiry.getSnapshot)
  const [tz, setTz] = useZoneParam()
  const [choice, setChoice] = useRangeParam()

  // The organisation's zone is whatever the API answers when no zone is asked for; a range is
  // made of its local days, so it is learnt first (in the live view this is the KPIs' own read).
  const [orgZone, setOrgZone] = useState<string>()
  // Asked even when the page opens with a zone (?tz=), so the selector can still mark the
  // organisation's.
  const probe = trpc.analytics.metrics.useQuery({}, { enabled: !orgZone })
  useEffect(() => {
    if (probe.data) setOrgZone(probe.data.tz)
  }, [probe.data])
  const zone = tz ?? orgZone

  const now = useMinute()
  const today = zone ? localDate(now, zone) : null
  // Recomputed when the local day changes (through `today`), not every minute.
  const days = useMemo(() => (zone ? dayWindow(choice, now, zone) : null), [choice, zone, today])
  const view = useMemo<View>(() => {
    const window = days && zone ? instantWindow(days, zone) : null
    return {
      tz,
      window,
      label: window ? formatSpan(window) : null,
      ready: choice.preset === 'today' || window !== null,
    }
  }, [tz, zone, days, choice.preset])

  const metricsInput = readInput(view, {})
  const metrics = trpc.analytics.metrics.useQuery(metricsInput, {
    placeholderData: (prev) => prev,
    enabled: view.ready,
  })
  useLiveMetrics(metricsInput, view.ready && !expired.expired)
  // "On pace" is about today: only the live view's KPIs (today so far) show it.
  const forecast = trpc.analytics.forecast.useQuery(
    { ...(tz ? { tz } : {}), metric: 'newLeads', horizon: FORECAST_HORIZON },
    { enabled: view.window === null },
  )
  const feed = useActivityFeed(tz ? { tz } : {})

  const [drill, setDrill] = useState<DrillRequest | null>(null)
  const closeDrill = useCallback(() => setDrill(null), [])
  const agentId = viewer?.role === 'agent' ? viewer.sub : null
  const openDrill = useCallback(
    (request: DrillRequest) => setDrill(drillFor(request, agentId)),
    [agentId],
  )
  const access = useMemo<Access>(
    () => ({ token, onStatus: (status, message) => expiry.onHttpStatus(status, message) }),
    [token, expiry],
  )

  return (
    <AccessContext.Provider value={access}>
      <DrillContext.Provider value={openDrill}>
        <div className="app">
          <header className="topbar">
            <h1>Sales floor</h1>
            <div className="topbar-tools">
              {metrics.data && (
                <span className="asof" title="Figures include every event received up to this time">
                  as of{' '}
                  <time dateTime={metrics.data.asOf}>{formatClock(metrics.data.asOf, true)}</time>
                </span>
              )}
              {devTokens && <ViewAs viewer={viewer} onPick={onViewAs} />}
              <TimeZoneSelect value={tz} serverZone={orgZone} onChange={setTz} />
              <ConnectionIndicator status={expired.expired ? 'signed-out' : connection} />
            </div>
          </header>
          <div className="rangebar">
            <RangePicker
              value={choice}
              days={days}
              today={today}
              period={metrics.isPlaceholderData ? undefined : metrics.data?.period}
              previousPeriod={metrics.isPlaceholderData ? undefined : metrics.data?.previousPeriod}
              onChange={setChoice}
            />
            <span className="events-export">
              <span className="events-export-label">Raw events{view.label ? '' : ' today'}</span>
              <ExportButtons
                report="events"
                params={metricsInput}
                what={`the raw events ${view.label ? `of ${view.label}` : 'of today'}`}
              />
            </span>
          </div>
          {expired.expired ? (
            <SessionExpired
              state={expired}
              viewer={viewer}
              devTokens={devTokens}
              onToken={onViewAs}
            />
          ) : (
            <ErrorBanner connection={connection} />
          )}
          <main className="grid">
            <KpiCards
              data={metrics.data}
              loading={metrics.isLoading}
              failed={metrics.isError}
              rangeLabel={view.label}
              input={metricsInput}
              onPace={view.window === null ? forecast.data?.onPace.newLeads : undefined}
            />
            <LeadVolume view={view} />
            <Funnel view={view} />
            <ActivityFeed feed={feed} />
            <Heatmap view={view} />
            <Leaderboard view={view} self={agentId} />
          </main>
          {drill && (
            <DrillDialog key={JSON.stringify(drill)} request={drill} onClose={closeDrill} />
          )}
        </div>
      </DrillContext.Provider>
    </AccessContext.Provider>
  )
}
