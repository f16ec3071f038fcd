/**
 * Collects names and flushes them at most once per `ms`: the first batch goes out at once, the
 * rest of a burst is merged into one trailing flush.
 */
export function throttleSet<T>(flush: (items: ReadonlySet<T>) => void, ms: number) {
  let pending = new Set<T>()
  let timer: ReturnType<typeof setTimeout> | null = null
  let last = Number.NEGATIVE_INFINITY

  const fire = () => {
    timer = null
    if (pending.size === 0) return
    const batch = pending
    pending = new Set()
    last = Date.now()
    flush(batch)
  }

  return {
    push(items: Iterable<T>) {
      for (const i of items) pending.add(i)
      if (pending.size === 0 || timer) return
      const wait = last + ms - Date.now()
      if (wait <= 0) fire()
      else timer = setTimeout(fire, wait)
    },
    cancel() {
      if (timer) clearTimeout(timer)
      timer = null
      pending.clear()
    },
  }
}
