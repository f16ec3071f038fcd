import superjson from 'superjson'

/**
 * The five dashboard reads as the benchmark asks them: the same windows over REST and tRPC, and
 * as a naive GROUP BY. Windows are the heavy end of each read: a 30-day hourly series, a whole
 * month, all time.
 */
export interface Read {
  name: 'metrics' | 'leadVolume' | 'funnel' | 'heatmap' | 'leaderboard'
  rest: string
  input: Record<string, string>
}

export const READS: readonly Read[] = [
  { name: 'metrics', rest: '/api/analytics/metrics', input: {} },
  {
    name: 'leadVolume',
    rest: '/api/analytics/lead-volume?period=30d&interval=hour',
    input: { period: '30d', interval: 'hour' },
  },
  {
    name: 'funnel',
    rest: '/api/analytics/conversion-funnel?period=month',
    input: { period: 'month' },
  },
  {
    name: 'heatmap',
    rest: '/api/analytics/activity-heatmap?period=month',
    input: { period: 'month' },
  },
  {
    name: 'leaderboard',
    rest: '/api/analytics/leaderboard?period=all-time',
    input: { period: 'all-time' },
  },
]

/**
 * A tRPC HTTP batch GET, as `httpBatchLink` sends it: procedures joined by commas, inputs keyed
 * by position and serialized with the router's transformer (superjson).
 */
export function trpcBatchPath(reads: readonly Read[]): string {
  const procedures = reads.map((r) => `analytics.${r.name}`).join(',')
  const input = Object.fromEntries(reads.map((r, i) => [i, superjson.serialize(r.input)]))
  return `/api/trpc/${procedures}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`
}
