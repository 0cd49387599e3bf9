#!/usr/bin/env node
// Start-up time of `refract`: runs each command N times as a child process and prints the median
// (and min/max) wall time. Not a test: numbers depend on the machine and its load (printed too).
//   node packages/cli/bench/startup.mjs [--runs 10] [--bin path/to/bin.(js|ts)] [-- args…]
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"

const args = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const runs = Number(opt("--runs", "10"))
const dist = fileURLToPath(new URL("../dist/refract.js", import.meta.url))
const bin = opt("--bin", existsSync(dist) ? dist : fileURLToPath(new URL("../src/bin.ts", import.meta.url)))
const dash = args.indexOf("--")
const commands = dash >= 0 ? [args.slice(dash + 1)] : [["--help"], ["--version"], ["connectors"]]

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
console.log(`bin ${bin}; ${runs} runs each; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
{
  // The floor: Node starting and exiting with nothing to load, on this machine at this load.
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    spawnSync(process.execPath, ["-e", "0"], { stdio: "ignore" })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  console.log(`node -e 0 (floor)    median ${median(times).toFixed(0)} ms  (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`)
}
for (const command of commands) {
  spawnSync(process.execPath, [bin, ...command], { stdio: "ignore" }) // warm the compile cache
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(process.execPath, [bin, ...command], { stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } })
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    if (r.status !== 0) throw new Error(`refract ${command.join(" ")} exited ${r.status}`)
  }
  console.log(`refract ${command.join(" ").padEnd(12)} median ${median(times).toFixed(0)} ms  (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`)
}
console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(" ")}`)
