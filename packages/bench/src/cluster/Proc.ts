/**
 * CPU time and peak memory of other processes, read from Linux's `/proc` (the cluster bench's
 * runners, the in-process tracker and the embedded PostgreSQL are not children that report on
 * themselves).
 *
 * - CPU of a process tree: `utime + stime` of the process and of every live descendant, plus the
 *   `cutime + cstime` each of them holds for children it has already reaped. PostgreSQL's
 *   postmaster reaps every backend that ends, so the CPU of a closed connection moves from the
 *   backend to the postmaster's `cutime` and the total stays continuous.
 * - Peak RSS: `VmHWM` in `/proc/<pid>/status`, the high-water mark of the process's own address
 *   space (reset by exec, unlike `getrusage`'s maxrss, which a child inherits from its parent).
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on every common kernel). */
export const ticksPerSecond: number = (() => {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

interface Stat {
  readonly pid: number
  readonly ppid: number
  /** utime + stime, ticks. */
  readonly own: number
  /** cutime + cstime (reaped children), ticks. */
  readonly reaped: number
}

const readStat = (pid: number): Stat | undefined => {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined
  }
  // The command name (field 2) may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
  return {
    pid,
    ppid: Number(fields[1]),
    own: Number(fields[11]) + Number(fields[12]),
    reaped: Number(fields[13]) + Number(fields[14])
  }
}

const allStats = (): Array<Stat> => {
  const stats: Array<Stat> = []
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat !== undefined) stats.push(stat)
  }
  return stats
}

/**
 * CPU seconds used so far by each process tree rooted at `roots` (a root that is gone counts 0).
 * One scan of `/proc` for all of them.
 */
export const treeCpuSeconds = (roots: ReadonlyArray<number>): Array<number> => {
  const stats = allStats()
  const children = new Map<number, Array<Stat>>()
  const byPid = new Map<number, Stat>()
  for (const s of stats) {
    byPid.set(s.pid, s)
    const list = children.get(s.ppid)
    if (list === undefined) children.set(s.ppid, [s])
    else list.push(s)
  }
  return roots.map((root) => {
    const top = byPid.get(root)
    if (top === undefined) return 0
    let ticks = 0
    const queue = [top]
    for (let s = queue.pop(); s !== undefined; s = queue.pop()) {
      ticks += s.own + s.reaped
      for (const c of children.get(s.pid) ?? []) queue.push(c)
    }
    return ticks / ticksPerSecond
  })
}

/** Peak resident set of a live process, bytes (undefined once it is gone). */
export const peakRssBytes = (pid: number): number | undefined => {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}
