import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"
import { check, fileName, format } from "../src/check.ts"
import type { Report } from "../src/check.ts"

let report: Report | undefined

describe("documentation code blocks", () => {
  it("every ts/js block of README.md, docs/**/*.md and the package READMEs compiles", { timeout: 180_000 }, async () => {
    report = await check()
    expect(report.modules.length).toBeGreaterThan(0)
    // Reported as `docs/x.md:LINE:COLUMN: TSxxxx: message`, one per line.
    expect(format(report.failures), "code blocks that do not compile").toBe("")
    expect(report.staleKnownFailures.map((s) => `${s.entry.file} "${s.entry.startsWith}": ${s.problem}`), "src/known-failures.ts").toEqual([])
  })

  // Blocks marked `<!-- docs-check: run -->` talk only to the testkit's emulators on loopback.
  it("the blocks marked to run, run", { timeout: 120_000 }, async () => {
    expect(report, "the compile test ran first").toBeDefined()
    const runnable = report!.modules.filter((m) => m.run)
    expect(runnable.length).toBeGreaterThan(0)
    for (const module of runnable) {
      const where = `${module.blocks[0]!.file}:${module.blocks[0]!.line}`
      await expect(import(pathToFileURL(join(report!.outDir, fileName(module))).href), where).resolves.toBeDefined()
    }
  })
})
