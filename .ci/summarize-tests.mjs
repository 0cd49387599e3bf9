// Sums the vitest JSON reports of every package into one closing line: "N passed, N failed".
// Exits non-zero when a package reported failures or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

let passed = 0, failed = 0, skipped = 0, reports = 0
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
    console.log(`  ${join(root, dir)}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`)
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 || reports === 0 ? 1 : 0)
