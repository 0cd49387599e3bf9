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

// Package READMEs ship in the tarballs and are shown on npm, where `../../docs` leads nowhere.
describe("package READMEs", () => {
  it("link to the docs and to each other by absolute URL, never by a relative path out of the package", async () => {
    const { readdir, readFile } = await import("node:fs/promises")
    const root = join(import.meta.dirname, "..", "..", "..")
    const readmes: Array<string> = []
    for (const group of ["packages", "connectors"]) {
      for (const name of await readdir(join(root, group))) readmes.push(join(group, name, "README.md"))
    }
    const relative: Array<string> = []
    let read = 0
    for (const file of readmes) {
      const text = await readFile(join(root, file), "utf8").catch(() => undefined)
      if (text === undefined) continue
      read++
      for (const [i, line] of text.split("\n").entries()) {
        if (/\]\(\.\.\//.test(line)) relative.push(`${file}:${i + 1}: ${line.trim()}`)
      }
    }
    expect(read).toBeGreaterThan(10)
    expect(relative).toEqual([])
  })
})
