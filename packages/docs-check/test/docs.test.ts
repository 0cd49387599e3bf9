import { describe, expect, it } from "vitest"
import { check, format } from "../src/check.ts"

describe("documentation code blocks", () => {
  it("every ts/js block of README.md, docs/**/*.md and the package READMEs compiles", { timeout: 180_000 }, async () => {
    const report = await check()
    expect(report.modules.length).toBeGreaterThan(0)
    // Reported as `docs/x.md:LINE:COLUMN: TSxxxx: message`, one per line.
    expect(format(report.failures), "code blocks that do not compile").toBe("")
    expect(report.staleKnownFailures.map((s) => `${s.entry.file} "${s.entry.startsWith}": ${s.problem}`), "src/known-failures.ts").toEqual([])
  })
})
