import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"

/** Tiny assertions for the scratch app: a failed check names what was expected and exits non-zero. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) {
    console.error(`packaging check FAILED: ${what}`)
    process.exit(1)
  }
  console.log(`  ok  ${what}`)
}

/** Fails the script if it has not finished in time (a hung server, a lost promise). */
export const deadline = (millis: number, name: string): void => {
  setTimeout(() => {
    console.error(`packaging check FAILED: ${name} did not finish within ${millis} ms`)
    process.exit(1)
  }, millis).unref()
}

/**
 * Starts `refract emulator stripe` on an ephemeral loopback port with the given Node and resolves
 * with its base URL (read from its banner) and the process.
 */
export const startStripeEmulator = async (node: string, bin: string): Promise<{ baseUrl: string; process: ChildProcess }> => {
  const emulator = spawn(node, [bin, "emulator", "stripe", "--port", "0", "--settle-after-ms", "200"], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  emulator.stdout!.setEncoding("utf8").on("data", (s: string) => (output += s))
  emulator.stderr!.setEncoding("utf8").on("data", (s: string) => (output += s))
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no base URL from refract emulator within 30 s:\n${output}`)), 30_000)
    const poll = setInterval(() => {
      const m = /base URL\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (m) (clearInterval(poll), clearTimeout(timer), resolve(m[1]!))
    }, 50)
    emulator.on("exit", (code) => reject(new Error(`refract emulator exited early (${code}):\n${output}`)))
  })
  return { baseUrl, process: emulator }
}

/** The installed `refract` binary's path. */
export const refractBin = (): string => {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve("@refract/cli/package.json", { paths: [process.cwd()] })
  return join(dirname(pkg), (require(pkg) as { bin: Record<string, string> }).bin["refract"]!)
}
