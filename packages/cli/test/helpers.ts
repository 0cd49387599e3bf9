/**
 * Runs the CLI the way users do: `node src/bin.ts …` with this Node (24, type stripping), as a
 * child process, capturing the exit code and both streams.
 */
import { spawn } from "node:child_process"
import type { ChildProcessByStdio } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Readable } from "node:stream"

export const packageDir = fileURLToPath(new URL("..", import.meta.url))
export const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** stdout + stderr, for "never prints X" checks. */
  readonly output: string
}

/** The parent's environment without any connector or REFRACT_ variable, plus `env`. */
export const cleanEnv = (env: Readonly<Record<string, string>> = {}): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(STRIPE|ADYEN|REFRACT|OTEL)_/.test(k)) continue
    out[k] = v
  }
  return { ...out, NO_COLOR: "1", ...env }
}

export const start = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): ChildProcessByStdio<null, Readable, Readable> =>
  spawn(process.execPath, [bin, ...args], { cwd: packageDir, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] })

export const run = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  timeoutMillis = 20_000
): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = start(args, env)
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`refract ${args.join(" ")} did not finish within ${timeoutMillis} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`))
    }, timeoutMillis)
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, output: stdout + stderr })
    })
  })

/** Resolves with everything printed so far once stdout matches `pattern`. */
export const waitForOutput = (
  child: ChildProcessByStdio<null, Readable, Readable>,
  pattern: RegExp,
  timeoutMillis = 15_000
): Promise<string> =>
  new Promise((resolve, reject) => {
    let seen = ""
    let errors = ""
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMillis} ms; stdout: ${seen}; stderr: ${errors}`)), timeoutMillis)
    child.stderr.setEncoding("utf8").on("data", (d: string) => (errors += d))
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      seen += d
      if (pattern.test(seen)) {
        clearTimeout(timer)
        resolve(seen)
      }
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before printing ${pattern}; stdout: ${seen}; stderr: ${errors}`))
    })
  })
