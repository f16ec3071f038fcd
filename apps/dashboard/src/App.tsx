import { useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { ActivityFeed } from './components/ActivityFeed'
import { Funnel } from './components/Funnel'
import { Heatmap } from './components/Heatmap'
import { KpiCards } from './components/KpiCards'
import { Leaderboard } from './components/Leaderboard'
import { LeadVolume } from './components/LeadVolume'
import { ConnectionIndicator, ErrorBanner, TimeZoneSelect } from './components/StatusBar'
import { ViewAs } from './components/ViewAs'
import type { Viewer } from './lib/auth'
import type { ConnectionTracker } from './lib/connection'
import { formatClock } from './lib/format'
import { trpc } from './lib/trpc'
import { useActivityFeed, useLiveMetrics } from './live'

/** The chosen zone lives in `?tz=` so a wall-screen link can pin it; absent = organisation's zone. */
function useZoneParam(): [string | undefined, (tz: string | undefined) => void] {
  const [tz, setTz] = useState<string | undefined>(
    () => new URLSearchParams(window.location.search).get('tz') || undefined,
  )
  const update = (next: string | undefined) => {
    const url = new URL(window.location.href)
    if (next) url.searchParams.set('tz', next)
    else url.searchParams.delete('tz')
    window.history.replaceState(window.history.state, '', url)
    setTz(next)
  }
  return [tz, update]
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
  /** Who the token says is looking (null: no token, or one the page cannot read). */
  viewer: Viewer | null
  /** The server hands out development tokens: offer the demo-user picker. */
  devTokens: boolean
  onViewAs: (token: string) => void
}

export function App({ tracker, viewer, devTokens, onViewAs }: AppProps) {
  const connection = useConnection(tracker)
  const [tz, setTz] = useZoneParam()
  const scope = useMemo(() => (tz ? { tz } : {}), [tz])

  const metrics = trpc.analytics.metrics.useQuery(scope, { placeholderData: (prev) => prev })
  useLiveMetrics(scope)
  const feed = useActivityFeed(scope)

  // The organisation's zone is whatever the API answers when no zone is asked for.
  const [orgZone, setOrgZone] = useState<string>()
  useEffect(() => {
    if (!tz && metrics.data && !metrics.isPlaceholderData) setOrgZone(metrics.data.tz)
  }, [tz, metrics.data, metrics.isPlaceholderData])

  return (
    <div className="app">
      <header className="topbar">
        <h1>Sales floor</h1>
        <div className="topbar-tools">
          {metrics.data && (
            <span className="asof" title="Figures include every event received up to this time">
              as of <time dateTime={metrics.data.asOf}>{formatClock(metrics.data.asOf, true)}</time>
            </span>
          )}
          {devTokens && <ViewAs viewer={viewer} onPick={onViewAs} />}
          <TimeZoneSelect value={tz} serverZone={orgZone} onChange={setTz} />
          <ConnectionIndicator status={connection} />
        </div>
      </header>
      <ErrorBanner connection={connection} />
      <main className="grid">
        <KpiCards data={metrics.data} loading={metrics.isLoading} failed={metrics.isError} />
        <LeadVolume scope={scope} />
        <Funnel scope={scope} />
        <ActivityFeed feed={feed} />
        <Heatmap scope={scope} />
        <Leaderboard scope={scope} self={viewer?.role === 'agent' ? viewer.sub : null} />
      </main>
    </div>
  )
}
