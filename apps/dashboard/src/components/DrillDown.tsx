import { createContext, useContext, useEffect, useRef } from 'react'
import { formatCount, formatDuration } from '../lib/format'
import { formatSpan } from '../lib/range'
import { type RouterInputs, trpc } from '../lib/trpc'

type LeadsInput = RouterInputs['analytics']['leads']

/** A number on the dashboard opened to the facts behind it. */
export interface DrillRequest {
  /** What was opened, e.g. "New leads · Tue 24". */
  title: string
  /**
   * The number as the panel shows it: all pages together hold exactly this many rows. null when
   * the panel shows no count (a rate or an average); the list then says how many it has loaded.
   */
  count: number | null
  input: Omit<LeadsInput, 'cursor' | 'limit'>
}

/** Opens the drill-down dialog; provided by the app, used by every panel. */
export const DrillContext = createContext<(request: DrillRequest) => void>(() => {})
export const useDrill = () => useContext(DrillContext)

const PAGE = 100

const STAGE: Record<string, string> = {
  new: 'New',
  contacted: 'Contacted',
  qualified: 'Qualified',
  retained: 'Retained',
  completed: 'Completed',
  lost: 'Lost',
}

/** "24 Nov 14:05" from an instant written in the read's zone. */
function formatAt(iso: string | null): string {
  if (!iso) return '—'
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}:\d{2})/.exec(iso)
  if (!m) return iso
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  return `${Number(m[2])} ${month[Number(m[1]) - 1]} ${m[3]}`
}

/**
 * A modal list of the leads (or events, for the heatmap) behind a number, newest first, a page
 * at a time. Escape or the close button closes it.
 */
export function DrillDialog({ request, onClose }: { request: DrillRequest; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  // Opened once; unmounting removes it from the page, which takes it out of the modal layer. No
  // close() on cleanup: under StrictMode (`pnpm dev`) effects run, clean up and run again, and
  // the 'close' event that close() queues would reach onClose after the second showModal().
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
  }, [])

  const q = trpc.analytics.leads.useInfiniteQuery(
    { ...request.input, limit: PAGE },
    {
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      staleTime: Number.POSITIVE_INFINITY,
    },
  )
  const rows = q.data?.pages.flatMap((p) => p.rows) ?? []
  const first = q.data?.pages[0]
  const events = first?.measure === 'activity'
  const noun = events ? 'events' : 'leads'

  return (
    <dialog
      ref={ref}
      className="drill"
      aria-labelledby="drill-title"
      onClose={onClose}
      data-testid="drill"
    >
      <header className="drill-head">
        <div>
          <h2 id="drill-title">
            {request.count === null ? (
              request.title
            ) : (
              <>
                {request.title}: <span data-testid="drill-count">{formatCount(request.count)}</span>{' '}
                {request.count === 1 ? noun.slice(0, -1) : noun}
              </>
            )}
          </h2>
          <p className="drill-sub">
            {first ? `${formatSpan(first.range)} · ` : ''}
            showing <span data-testid="drill-shown">{rows.length}</span>
            {request.count === null
              ? ` ${noun}${q.hasNextPage ? ' so far' : ''}`
              : // Exact, beside the exact number of rows listed (the title keeps the panel's form).
                ` of ${request.count}`}
          </p>
        </div>
        <button
          type="button"
          className="button"
          onClick={() => ref.current?.close()}
          aria-label="Close"
        >
          ✕
        </button>
      </header>
      {q.isError ? (
        <p className="empty failed">Could not load the list: {q.error.message}</p>
      ) : !q.data ? (
        <p className="empty" role="status">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p className="empty">Nothing to list.</p>
      ) : (
        <div className="drill-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Lead</th>
                <th scope="col">{events ? 'Event' : 'When'}</th>
                {events && <th scope="col">When</th>}
                <th scope="col">Agent</th>
                <th scope="col">Stage</th>
                <th scope="col" className="num">
                  Response
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                // Events of one lead repeat its id, so the key needs the position too.
                <tr key={`${r.leadId}-${r.at}-${i}`} data-testid="drill-row">
                  <th scope="row">{r.leadId}</th>
                  {events && <td>{r.eventType}</td>}
                  <td>
                    <time dateTime={r.at}>{formatAt(r.at)}</time>
                  </td>
                  <td>{r.agentName ?? r.agentId ?? '—'}</td>
                  <td>{STAGE[r.status ?? r.furthestStage] ?? r.furthestStage}</td>
                  <td className="num">{formatDuration(r.responseTimeSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.hasNextPage && (
        <button
          type="button"
          className="button load-more"
          onClick={() => void q.fetchNextPage()}
          disabled={q.isFetchingNextPage}
        >
          {q.isFetchingNextPage ? 'Loading…' : `Load more ${noun}`}
        </button>
      )}
    </dialog>
  )
}
