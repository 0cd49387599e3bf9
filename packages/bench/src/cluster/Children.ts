/**
 * The cluster bench's child processes: every one is registered here and killed (SIGKILL) when the
 * bench ends, however it ends: normally (each run stops its own), on a failure (the run's
 * `finally`), on Ctrl-C or SIGTERM (`installSignalHandlers`), or on an uncaught exception
 * (`process.on("exit")`).
 */
import { fork, spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const live = new Set<ChildProcess>()
let interrupted = false

/** A signal arrived: the bench is stopping (what fails from now on fails because of it). */
export const isInterrupted = (): boolean => interrupted

const killNow = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

process.on("exit", () => {
  for (const child of live) killNow(child)
})

const track = (child: ChildProcess): ChildProcess => {
  live.add(child)
  child.once("exit", () => live.delete(child))
  return child
}

/** Kills every child still running and waits (up to 10 s) until they are gone. */
export const killAll = async (): Promise<void> => {
  const waiting = [...live].map((child) => exited(child, "SIGKILL", 10_000))
  await Promise.all(waiting)
}

/**
 * On SIGINT / SIGTERM: `cleanup` (stop the database, delete temporary directories), every child
 * killed, exit 130. Returns the function that removes the handlers again.
 */
export const installSignalHandlers = (cleanup: () => Promise<void>): (() => void) => {
  const handler = (signal: NodeJS.Signals) => {
    if (interrupted) return
    interrupted = true
    process.stderr.write(`\ncluster bench: ${signal}, stopping the child processes and the database…\n`)
    // Keeps Node running until the cleanup is done (waiting for the database's exit alone would not).
    setInterval(() => {}, 1_000)
    void killAll()
      .then(cleanup)
      .finally(() => process.exit(130))
  }
  process.on("SIGINT", handler)
  process.on("SIGTERM", handler)
  return () => {
    process.off("SIGINT", handler)
    process.off("SIGTERM", handler)
  }
}

/** Sends `signal` (unless the child has exited) and resolves once it has exited; SIGKILL after `graceMillis`. */
export const exited = (child: ChildProcess, signal: NodeJS.Signals, graceMillis: number): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => killNow(child), graceMillis)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })

export const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

/** Resolves once `check` returns a value other than undefined; rejects after `timeoutMillis` with `what` in the message. */
export const until = async <A>(
  check: () => Promise<A | undefined> | A | undefined,
  what: string,
  timeoutMillis: number,
  every = 100
): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMillis / 1000)} s waiting for ${what}`)
    await sleep(every)
  }
}

/** The last `lines` lines of a log file (for failure messages). */
export const tail = (file: string, lines = 30): string => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/** Node and the environment of the bench, without the variables a child must not inherit (credentials, ports, Refract's own settings). */
export const cleanEnv = (extra: Readonly<Record<string, string>>): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(STRIPE|ADYEN|REFRACT|OTEL|HOST$|PORT$)/.test(k)) env[k] = v
  }
  return { ...env, NO_COLOR: "1", ...extra }
}

const cliBin = fileURLToPath(new URL("../../../cli/src/bin.ts", import.meta.url))
const cliDir = path.dirname(path.dirname(cliBin))

export interface Logged {
  readonly child: ChildProcess
  readonly pid: number
  readonly log: string
}

/**
 * `refract serve` as users run it (`node packages/cli/src/bin.ts serve …`, from the sources, as the
 * cluster's own tests run it), stdout and stderr to `log`.
 */
export const startServe = (options: {
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly log: string
}): Logged => {
  const out = fs.openSync(options.log, "a")
  const child = track(spawn(process.execPath, [cliBin, "serve", ...options.args], {
    cwd: cliDir,
    env: cleanEnv(options.env),
    stdio: ["ignore", out, out]
  }))
  fs.closeSync(out)
  return { child, pid: child.pid!, log: options.log }
}

/** Waits until `refract serve` printed its banner (it listens and, with --cluster, has joined the cluster). */
export const serveReady = (serve: Logged, name: string, timeoutMillis = 90_000): Promise<void> =>
  until(() => {
    if (serve.child.exitCode !== null || serve.child.signalCode !== null) {
      throw new Error(`${name} exited (${serve.child.exitCode ?? serve.child.signalCode}) before it was ready; its log ends with:\n${tail(serve.log)}`)
    }
    return fs.readFileSync(serve.log, "utf8").includes("Press Ctrl-C to stop") ? true : undefined
  }, `${name} to start (log ${serve.log})`, timeoutMillis).then(() => undefined)

/** A bench script (`src/cluster/<script>`) as a child with an IPC channel; stdout and stderr to `log`. */
export const forkScript = (script: string, args: ReadonlyArray<string>, log: string, env: Readonly<Record<string, string>> = {}): Logged => {
  const out = fs.openSync(log, "a")
  const child = track(fork(fileURLToPath(new URL(script, import.meta.url)), [...args], {
    env: cleanEnv(env),
    stdio: ["ignore", out, out, "ipc"]
  }))
  fs.closeSync(out)
  return { child, pid: child.pid!, log }
}

/** The first IPC message of `type` from a child (rejects when the child exits first or after `timeoutMillis`). */
export const message = <A>(logged: Logged, type: string, what: string, timeoutMillis: number): Promise<A> =>
  new Promise((resolve, reject) => {
    const onMessage = (m: { readonly type?: string; readonly error?: string }) => {
      if (m.type === "error") {
        finish()
        reject(new Error(`${what}: ${m.error}\n${tail(logged.log)}`))
      } else if (m.type === type) {
        finish()
        resolve(m as A)
      }
    }
    const onExit = (code: number | null, signal: string | null) => {
      finish()
      reject(new Error(`${what}: the process exited (${code ?? signal}); its log ends with:\n${tail(logged.log)}`))
    }
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`${what}: no answer within ${Math.round(timeoutMillis / 1000)} s; its log ends with:\n${tail(logged.log)}`))
    }, timeoutMillis)
    const finish = () => {
      clearTimeout(timer)
      logged.child.off("message", onMessage)
      logged.child.off("exit", onExit)
    }
    logged.child.on("message", onMessage)
    logged.child.once("exit", onExit)
  })
