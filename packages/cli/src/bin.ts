#!/usr/bin/env node
/**
 * `refract`. Built: `dist/refract.js` (`npm run build`; the bundle `npm run refract` and the
 * published bin run). In the repository it also runs from source: `node packages/cli/src/bin.ts …`
 * (Node 24 strips the types; slower to start).
 *
 * V8's compile cache (in the OS temp directory) roughly halves start-up after the first run; it is
 * enabled before anything else is loaded, hence the dynamic import. `module.enableCompileCache`
 * exists from Node 22.1: it is looked up on the namespace (a named import of a missing export is a
 * link error that would stop the CLI before it starts on an older Node).
 *
 * `refract reconcile` runs with V8's heap capped (`--max-semi-space-size=8 --max-old-space-size=128`):
 * on a machine with a lot of memory V8 sizes its young generation up to 3 × 64 MB and lets garbage
 * pile up to gigabytes, which would take a reconciliation (whose live heap stays near 30 MB, see
 * docs/reconciliation.md) far past its memory bound. V8 reads these flags at start-up only, so the
 * CLI starts itself again with them, unless either was given (on the command line or in NODE_OPTIONS).
 */
import { spawn } from "node:child_process"
import * as nodeModule from "node:module"

const heapFlags = ["--max-semi-space-size=8", "--max-old-space-size=128"]
const args = process.argv.slice(2)
const given = [...process.execArgv, process.env["NODE_OPTIONS"] ?? ""].join(" ")
const restart = args.includes("reconcile") && !given.includes("--max-semi-space-size") && !given.includes("--max-old-space-size")

if (restart) {
  const child = spawn(process.execPath, [...process.execArgv, ...heapFlags, process.argv[1]!, ...args], { stdio: "inherit" })
  // Ctrl-C reaches the whole process group, the child included: this process only waits for it.
  process.on("SIGINT", () => {})
  process.on("SIGTERM", () => child.kill("SIGTERM"))
  child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)))
} else {
  const enableCompileCache = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache
  enableCompileCache?.()
  const { main } = await import("./main.ts")
  main(args)
}
