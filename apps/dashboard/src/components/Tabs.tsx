import { type KeyboardEvent, useId, useRef } from 'react'

interface TabsProps<T extends string> {
  /** Names the tab list for assistive technology, e.g. "Lead volume period". */
  label: string
  options: readonly { value: T; label: string }[]
  value: T
  onChange: (value: T) => void
  /** id of the panel these tabs control. */
  controls: string
}

/** WAI-ARIA tabs: one tab stop, arrow keys / Home / End move and select. */
export function Tabs<T extends string>({
  label,
  options,
  value,
  onChange,
  controls,
}: TabsProps<T>) {
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const baseId = useId()

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const current = options.findIndex((o) => o.value === value)
    const last = options.length - 1
    const next =
      e.key === 'ArrowRight'
        ? current === last
          ? 0
          : current + 1
        : e.key === 'ArrowLeft'
          ? current === 0
            ? last
            : current - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : null
    if (next === null) return
    e.preventDefault()
    onChange(options[next]!.value)
    refs.current[next]?.focus()
  }

  return (
    <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {options.map((o, i) => {
        const selected = o.value === value
        return (
          <button
            key={o.value}
            ref={(node) => {
              refs.current[i] = node
            }}
            id={`${baseId}-${o.value}`}
            type="button"
            role="tab"
            aria-selected={selected}
            aria-controls={controls}
            tabIndex={selected ? 0 : -1}
            className="tab"
            onClick={() => onChange(o.value)}
          >
            {o.label}
          </button>
        )
      })}
    </div>
  )
}
