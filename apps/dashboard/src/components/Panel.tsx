import type { ReactNode } from 'react'

interface PanelProps {
  id: string
  title: string
  /** Beside the title in smaller type: the chosen range ("Nov 19–25"). */
  note?: string | null
  /** Shown beside the title: tabs, a legend, a zone note. */
  actions?: ReactNode
  className?: string
  children: ReactNode
  /** Set when the panel's content is controlled by tabs in `actions`. */
  tabPanel?: boolean
  /** A newer answer is on its way (e.g. after a tab change); the old one stays, dimmed. */
  busy?: boolean
}

/** A titled dashboard card. */
export function Panel({
  id,
  title,
  note,
  actions,
  className,
  children,
  tabPanel,
  busy,
}: PanelProps) {
  const titleId = `${id}-title`
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={titleId}>
      <header className="panel-head">
        <h2 id={titleId}>
          {title}
          {note && <span className="panel-note"> · {note}</span>}
        </h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {tabPanel ? (
        <div
          id={`${id}-body`}
          className="panel-body"
          role="tabpanel"
          aria-labelledby={titleId}
          aria-busy={busy}
        >
          {children}
        </div>
      ) : (
        <div id={`${id}-body`} className="panel-body" aria-busy={busy}>
          {children}
        </div>
      )}
    </section>
  )
}

/** Placeholder blocks while the first response is on its way. */
export function Skeleton({ className }: { className?: string }) {
  return <div className={`skeleton ${className ?? ''}`} aria-hidden="true" />
}

export function Loading({ label, className }: { label: string; className?: string }) {
  return (
    <div role="status" aria-live="polite" className="loading">
      <span className="visually-hidden">Loading {label}…</span>
      <Skeleton className={className} />
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>
}

/** In place of a chart whose first load failed; the banner explains, the query keeps retrying. */
export function Failed({ what }: { what: string }) {
  return <p className="empty failed">Could not load {what}. Retrying…</p>
}
