/**
 * The work already running for `key` in `running`, else `start()`'s, held there until it
 * settles: concurrent callers of one key share one computation or one round trip.
 */
export function shareInFlight<T>(
  running: Map<string, Promise<T>>,
  key: string,
  start: () => Promise<T>,
): Promise<T> {
  let work = running.get(key)
  if (work === undefined) {
    work = start()
    running.set(key, work)
    const done = () => running.delete(key)
    work.then(done, done)
  }
  return work
}
