// Sums the vitest JSON reports of every package into one closing line: "N passed, N failed".
// Exits non-zero when a package reported failures or when no test ran at all.
//
// turbo replays a package's test task from its cache when nothing it depends on changed, restoring
// the task's output (test-results.json) as it was written by the run that passed. Those results
// count: the code they tested is the code in the tree. Each such package is marked "cached", with
// the time of the run that produced it (a report older than this run's start, REFRACT_RUN_STARTED_AT).
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const started = Number(process.env.REFRACT_RUN_STARTED_AT ?? "0")
let passed = 0, failed = 0, skipped = 0, reports = 0, cached = 0
for (const root of ["packages", "connectors"]) {
  if (!existsSync(root)) continue
  for (const dir of readdirSync(root)) {
    const file = join(root, dir, "test-results.json")
    if (!existsSync(file)) continue
    const report = JSON.parse(readFileSync(file, "utf8"))
    reports++
    passed += report.numPassedTests ?? 0
    failed += report.numFailedTests ?? 0
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
    const replayed = started > 0 && typeof report.startTime === "number" && report.startTime < started
    if (replayed) cached++
    const note = replayed ? ` (cached: unchanged since the run of ${new Date(report.startTime).toISOString()})` : ""
    console.log(`  ${join(root, dir)}: ${report.numPassedTests} passed, ${report.numFailedTests} failed${note}`)
  }
}
const replay = cached === 0 ? "" : `; ${cached} of ${reports} packages replayed from turbo's cache`
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${replay}`)
process.exit(failed > 0 || passed === 0 || reports === 0 ? 1 : 0)
