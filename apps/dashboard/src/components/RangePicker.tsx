import { type FormEvent, useState } from 'react'
import {
  addDays,
  customRangeError,
  type DayWindow,
  formatSpan,
  PRESETS,
  type Preset,
  type RangeChoice,
} from '../lib/range'

interface RangePickerProps {
  value: RangeChoice
  /** The local days the current choice covers (null: live view, or zone not known yet). */
  days: DayWindow | null
  /** Today in the figures' zone, to prefill the custom dates. */
  today: string | null
  /** The windows the KPIs compare, as the API answered them. */
  period: { from: string | null; to: string } | undefined
  previousPeriod: { from: string | null; to: string } | undefined
  onChange: (choice: RangeChoice) => void
}

/**
 * The page's date range: presets, or two dates (both included) applied together. Beside it, the
 * window the figures cover and the one their changes compare against, as the API reported them.
 */
export function RangePicker({
  value,
  days,
  today,
  period,
  previousPeriod,
  onChange,
}: RangePickerProps) {
  // The dates being edited; the URL (and every read) changes only when they are applied.
  const [draft, setDraft] = useState<{ from: string; to: string } | null>(null)
  const editing = draft !== null
  const error = draft ? customRangeError(draft.from, draft.to) : null

  const pick = (preset: Preset) => {
    if (preset === 'custom') {
      const last = days ? addDays(days.to, -1) : today
      setDraft({ from: days?.from ?? (today ? addDays(today, -6) : ''), to: last ?? '' })
      return
    }
    setDraft(null)
    onChange({ preset })
  }
  const apply = (e: FormEvent) => {
    e.preventDefault()
    if (!draft || error) return
    onChange({ preset: 'custom', ...draft })
    setDraft(null)
  }

  return (
    <fieldset className="range" aria-label="Date range">
      <label className="select-field">
        <span>Range</span>
        <select
          value={editing ? 'custom' : value.preset}
          onChange={(e) => pick(e.target.value as Preset)}
          data-testid="range-preset"
        >
          {PRESETS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.value === 'custom' && value.preset === 'custom' && !editing && days
                ? `${formatSpan({ from: `${days.from}T00:00`, to: `${days.to}T00:00` })}`
                : p.label}
            </option>
          ))}
        </select>
      </label>
      {editing && (
        <form className="range-custom" onSubmit={apply} aria-label="Custom range">
          <label className="date-field">
            <span>From</span>
            <input
              type="date"
              value={draft.from}
              max={today ?? undefined}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
              required
            />
          </label>
          <label className="date-field">
            <span>To</span>
            <input
              type="date"
              value={draft.to}
              max={today ?? undefined}
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
              required
            />
          </label>
          <button type="submit" className="button" disabled={error !== null}>
            Apply
          </button>
          <button type="button" className="button" onClick={() => setDraft(null)}>
            Cancel
          </button>
          {error && (
            <span className="range-error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
      {period && previousPeriod && (
        <span className="range-compare" data-testid="range-compare">
          <span className="range-current">
            {value.preset === 'today' ? 'Today so far' : formatSpan(period)}
          </span>{' '}
          <span className="range-previous">vs {formatSpan(previousPeriod)}</span>
        </span>
      )}
    </fieldset>
  )
}
