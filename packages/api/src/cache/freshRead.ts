/**
 * `read` shared by concurrent callers without serving any of them a value read before it asked:
 * a caller who arrives while a read is on its way waits for the next one, which starts as soon as
 * that read settles and answers everyone who came meanwhile. Under a burst of cached reads this
 * keeps the cache's generation look-ups (a database cursor, a Redis counter) to one at a time
 * instead of one per request, each a round trip and a turn of the event loop that the live feed
 * shares.
 */
export function sharedFreshRead<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined
  let next: Promise<T> | undefined
  const start = (): Promise<T> => {
    const current = read()
    running = current
    const settled = () => {
      if (running === current) running = undefined
    }
    current.then(settled, settled)
    return current
  }
  return () => {
    if (!running) return start()
    if (!next) {
      const ignore = () => {}
      next = running.then(ignore, ignore).then(() => {
        next = undefined
        return start()
      })
    }
    return next
  }
}
