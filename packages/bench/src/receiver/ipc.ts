/**
 * How the benchmark talks to its server children (Node's IPC channel): the child says it is ready
 * (with its URL), answers `stats` (its own memory and CPU) and `dump` (what its store holds for some
 * refunds), and stops on `stop`.
 */
import { peakRss } from "../PeakRss.ts"
import { fork } from "node:child_process"
import type { ChildProcess } from "node:child_process"

export interface Stats {
  /** Resident set size now, bytes. */
  readonly rss: number
  /** Peak resident set size, bytes (sampled: see PeakRss.ts). */
  readonly maxRss: number
  /** User + system CPU time since start, microseconds. */
  readonly cpuMicros: number
}

export interface Row {
  readonly refundId: string
  /** Undefined when the store does not have the refund. */
  readonly status: string | undefined
  /** The event ids of its history entries, oldest first. */
  readonly eventIds: ReadonlyArray<string | undefined>
}

type Request =
  | { readonly type: "stats"; readonly id: number }
  | { readonly type: "dump"; readonly id: number; readonly refundIds: ReadonlyArray<string> }
  | { readonly type: "stop"; readonly id: number }

type Reply =
  | { readonly type: "ready"; readonly url: string }
  | { readonly type: "reply"; readonly id: number; readonly value?: unknown; readonly error?: string }

const stats = (): Stats => {
  const usage = process.resourceUsage()
  return { rss: process.memoryUsage.rss(), maxRss: peakRss(), cpuMicros: usage.userCPUTime + usage.systemCPUTime }
}

/** Child side: announce `url` and answer the parent until `stop`. */
export const serve = (handlers: {
  readonly url: string
  readonly stop: () => Promise<void>
  readonly dump?: ((refundIds: ReadonlyArray<string>) => Promise<ReadonlyArray<Row>>) | undefined
}): void => {
  const send = (reply: Reply) => process.send?.(reply)
  process.on("message", (message: Request) => {
    const done = (p: Promise<unknown>) =>
      p.then(
        (value) => send({ type: "reply", id: message.id, value }),
        (error: unknown) => send({ type: "reply", id: message.id, error: String(error) })
      )
    switch (message.type) {
      case "stats":
        return void done(Promise.resolve(stats()))
      case "dump":
        return void done(handlers.dump === undefined ? Promise.reject(new Error("this server has no store")) : handlers.dump(message.refundIds))
      case "stop":
        return void done(handlers.stop()).then(() => process.disconnect?.())
    }
  })
  send({ type: "ready", url: handlers.url })
}

export interface Child {
  readonly url: string
  readonly pid: number
  readonly stats: () => Promise<Stats>
  readonly dump: (refundIds: ReadonlyArray<string>) => Promise<ReadonlyArray<Row>>
  /** Asks the child to stop and waits for it to exit. */
  readonly stop: () => Promise<void>
  /** What the child wrote on stdout (line count) and the end of its stderr, for diagnostics. */
  readonly output: () => { readonly stdoutLines: number; readonly stderrTail: string }
}

/** Parent side: forks `script` and waits until it is ready (or fails with its stderr). */
export const start = (options: {
  readonly script: string
  readonly args?: ReadonlyArray<string> | undefined
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly execArgv?: ReadonlyArray<string> | undefined
  readonly startTimeoutMillis?: number | undefined
}): Promise<Child> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(options.script, [...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      execArgv: [...(options.execArgv ?? [])],
      stdio: ["ignore", "pipe", "pipe", "ipc"]
    })
    let stdoutLines = 0
    let stderr = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) stdoutLines++
    })
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000)
    })
    const exited = new Promise<void>((r) => child.once("exit", () => r()))
    let next = 0
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
    const request = <A>(message: Record<string, unknown> & { readonly type: string }): Promise<A> =>
      new Promise<A>((res, rej) => {
        const id = ++next
        pending.set(id, { resolve: res as (v: unknown) => void, reject: rej })
        child.send({ ...message, id })
      })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${options.script} did not start within ${options.startTimeoutMillis ?? 120_000} ms:\n${stderr}`))
    }, options.startTimeoutMillis ?? 120_000)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      for (const p of pending.values()) p.reject(new Error(`server exited (${code ?? signal}):\n${stderr}`))
      pending.clear()
      reject(new Error(`${options.script} exited (${code ?? signal}) before it was ready:\n${stderr}`))
    })
    child.on("message", (message: Reply) => {
      if (message.type === "ready") {
        clearTimeout(timer)
        resolve({
          url: message.url,
          pid: child.pid!,
          stats: () => request<Stats>({ type: "stats" }),
          dump: (refundIds) => request<ReadonlyArray<Row>>({ type: "dump", refundIds }),
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) {
              await request({ type: "stop" }).catch(() => undefined)
              const killer = setTimeout(() => child.kill("SIGKILL"), 30_000)
              await exited
              clearTimeout(killer)
            }
          },
          output: () => ({ stdoutLines, stderrTail: stderr })
        })
        return
      }
      const p = pending.get(message.id)
      if (p === undefined) return
      pending.delete(message.id)
      if (message.error !== undefined) p.reject(new Error(message.error))
      else p.resolve(message.value)
    })
  })
