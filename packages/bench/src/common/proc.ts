import { readFile } from 'node:fs/promises'

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every common architecture. */
const TICKS_PER_SECOND = 100

export interface ProcSample {
  /** ms since the monitor started */
  at: number
  rssBytes: number
  cpuSeconds: number
}

/** Reads a process's resident memory and CPU time from /proc; null once it has gone. */
export async function sampleProc(pid: number): Promise<Omit<ProcSample, 'at'> | null> {
  try {
    const [status, stat] = await Promise.all([
      readFile(`/proc/${pid}/status`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ])
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
    // The command name (field 2) may hold spaces; count fields from after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime (fields 14 and 15)
    return { rssBytes: rssKb * 1024, cpuSeconds: ticks / TICKS_PER_SECOND }
  } catch {
    return null
  }
}

/**
 * CPU time of the whole machine, in seconds, from /proc/stat: busy (this machine's own work),
 * stolen (time the hypervisor gave the virtual CPUs to other guests) and total.
 */
export async function sampleMachine(): Promise<{ busy: number; steal: number; total: number }> {
  const stat = await readFile('/proc/stat', 'utf8')
  const ticks = stat.slice(0, stat.indexOf('\n')).split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: idle, iowait and steal are not ours.
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0)
  const steal = ticks[7]!
  const busy = total - ticks[3]! - ticks[4]! - steal
  return {
    busy: busy / TICKS_PER_SECOND,
    steal: steal / TICKS_PER_SECOND,
    total: total / TICKS_PER_SECOND,
  }
}

/**
 * Samples processes from outside once a second, so the measured server does no extra work to
 * report its own memory and CPU.
 */
export class ProcMonitor {
  readonly samples = new Map<number, ProcSample[]>()
  private readonly machine: { at: number; busy: number; steal: number }[] = []
  private timer: NodeJS.Timeout | null = null
  private readonly started = performance.now()

  constructor(private readonly pids: number[]) {
    for (const pid of pids) this.samples.set(pid, [])
  }

  async start(intervalMs = 1_000): Promise<void> {
    await this.sample()
    this.timer = setInterval(() => void this.sample(), intervalMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.sample()
  }

  private async sample(): Promise<void> {
    const at = performance.now() - this.started
    const { busy, steal } = await sampleMachine()
    this.machine.push({ at, busy, steal })
    await Promise.all(
      this.pids.map(async (pid) => {
        const s = await sampleProc(pid)
        if (s) this.samples.get(pid)!.push({ at, ...s })
      }),
    )
  }

  /** RSS at the first, middle and last sample, in bytes. */
  rss(pid: number): { start: number; mid: number; end: number; max: number } {
    const s = this.samples.get(pid) ?? []
    const at = (i: number) => s[i]?.rssBytes ?? Number.NaN
    return {
      start: at(0),
      mid: at(Math.floor((s.length - 1) / 2)),
      end: at(s.length - 1),
      max: Math.max(...s.map((x) => x.rssBytes)),
    }
  }

  /** RSS in bytes at 0 %, 10 %, … 100 % of the samples taken. */
  rssSeries(pid: number): number[] {
    const s = this.samples.get(pid) ?? []
    if (s.length === 0) return []
    return Array.from({ length: 11 }, (_, i) => s[Math.round((i * (s.length - 1)) / 10)]!.rssBytes)
  }

  /** Average CPU use between the first and last sample, in cores (1 = one core busy). */
  cpu(pid: number): number {
    const s = this.samples.get(pid) ?? []
    const first = s[0]
    const last = s.at(-1)
    if (!first || !last || last.at === first.at) return Number.NaN
    return (last.cpuSeconds - first.cpuSeconds) / ((last.at - first.at) / 1_000)
  }

  /** Average busy cores of the whole machine, every process included. */
  machineCpu(): number {
    return this.machineRate('busy')
  }

  /**
   * Average cores the hypervisor gave to other guests while this machine had work: on a shared
   * host this is what makes one hour's run slower than the next.
   */
  machineSteal(): number {
    return this.machineRate('steal')
  }

  private machineRate(field: 'busy' | 'steal'): number {
    const first = this.machine[0]
    const last = this.machine.at(-1)
    if (!first || !last || last.at === first.at) return Number.NaN
    return (last[field] - first[field]) / ((last.at - first.at) / 1_000)
  }
}
