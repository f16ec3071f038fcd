const int = (n: number) => Math.round(n).toLocaleString('en-US')

/** One line of a progress bar: `[####......]  40 %  400,000 / 1,000,000 events  52,000/s  ETA 12 s`. */
export function progressLine(
  label: string,
  done: number,
  expected: number,
  elapsedMs: number,
  width = 30,
): string {
  const total = Math.max(expected, done, 1)
  const fraction = done / total
  const filled = Math.round(fraction * width)
  const rate = elapsedMs > 0 ? (done * 1_000) / elapsedMs : 0
  const eta = rate > 0 ? `ETA ${int((total - done) / rate)} s` : 'ETA –'
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)} %  ` +
    `${int(done)} / ${int(total)} ${label}  ${int(rate)}/s  ${eta}`
  )
}

/**
 * Redraws one line on a terminal; elsewhere (CI logs, a file) prints a line at most every
 * `everyMs` so a long load leaves a readable trail rather than thousands of carriage returns.
 */
export function createProgress(out: NodeJS.WriteStream, everyMs = 5_000) {
  let last = 0
  let open = false
  return {
    update(line: string, force = false) {
      const now = performance.now()
      if (out.isTTY) {
        if (!force && now - last < 100) return
        out.write(`\r${line}\x1b[K`)
        open = true
      } else {
        if (!force && now - last < everyMs) return
        out.write(`${line}\n`)
      }
      last = now
    },
    done() {
      if (open) out.write('\n')
      open = false
    },
  }
}
