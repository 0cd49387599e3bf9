import { describe, expect, it } from "vitest"
import { DocsCheckError, blocks, modules } from "../src/extract.ts"

const md = (...lines: Array<string>) => lines.join("\n")

describe("extract", () => {
  it("takes ts, typescript, js and javascript blocks, and nothing else", () => {
    const found = blocks("a.md", md(
      "```ts", "const a = 1", "```",
      "```sh", "npm test", "```",
      "```typescript", "const b = 2", "```",
      "```text", "output", "```",
      "```js", "const c = 3", "```",
      "```", "plain", "```"
    ))
    expect(found.map((b) => [b.line, b.language, b.lines])).toEqual([
      [2, "ts", ["const a = 1"]],
      [8, "ts", ["const b = 2"]],
      [14, "js", ["const c = 3"]]
    ])
  })

  it("reads blocks indented in a list, and maps every line back", () => {
    const result = modules("docs/x.md", md("1. step", "", "   ```ts", "   const a = 1", "     + 2", "   ```"))
    expect(result.modules[0]!.lines).toEqual(["const a = 1", "  + 2"])
    expect(result.modules[0]!.sources).toEqual([{ file: "docs/x.md", line: 4 }, { file: "docs/x.md", line: 5 }])
  })

  it("joins a `continues` block to the previous one, and leaves out a skipped block with its reason", () => {
    const result = modules("a.md", md(
      "```ts", "const a = 1", "```",
      "<!-- docs-check: skip pseudo-syntax -->", "```ts", "f(a?)", "```",
      "text", "<!-- docs-check: continues -->", "", "```ts", "a + 1", "```"
    ))
    expect(result.modules).toHaveLength(1)
    expect(result.modules[0]!.lines).toEqual(["const a = 1", "a + 1"])
    expect(result.modules[0]!.sources.map((s) => s.line)).toEqual([2, 12])
    expect(result.skipped.map((s) => [s.block.line, s.reason])).toEqual([[6, "pseudo-syntax"]])
  })

  it("marks a `run` block", () => {
    const result = modules("a.md", md("<!-- docs-check: run -->", "```ts", "x", "```", "```ts", "y", "```"))
    expect(result.modules.map((m) => m.run)).toEqual([true, false])
  })

  it("refuses a skip without a reason, a continuation of nothing and an unclosed block", () => {
    expect(() => modules("a.md", md("<!-- docs-check: skip -->", "```ts", "x", "```"))).toThrow(DocsCheckError)
    expect(() => modules("a.md", md("<!-- docs-check: continues -->", "```ts", "x", "```"))).toThrow(/no code block before it/)
    expect(() => modules("a.md", md("```ts", "x"))).toThrow(/a.md:1: code block never closed/)
  })
})
