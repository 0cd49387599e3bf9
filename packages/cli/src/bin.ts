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
 * `refract reconcile` runs with V8's young generation capped (`--max-semi-space-size=8`): on a
 * machine with a lot of memory V8 sizes it up to 3 × 64 MB, which alone would take a reconciliation
 * past its memory bound. A flag V8 reads at start-up, so the CLI starts itself again with it, unless
 * the flag (or NODE_OPTIONS naming it) was given.
 */
import { spawn } from "node:child_process"
import * as nodeModule from "node:module"

const youngGeneration = "--max-semi-space-size=8"
const args = process.argv.slice(2)
const restart = args.includes("reconcile") && !process.execArgv.some((a) => a.startsWith("--max-semi-space-size")) &&
  !(process.env["NODE_OPTIONS"] ?? "").includes("--max-semi-space-size")

if (restart) {
  const child = spawn(process.execPath, [...process.execArgv, youngGeneration, process.argv[1]!, ...args], { stdio: "inherit" })
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
