/**
 * Core runs wherever Effect runs: Node-specific code lives in @refract/node (server, receiver) and in
 * the CLI. This keeps it that way: no `node:` module, no Node global in core's sources.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { describe, expect, it } from "vitest"

const src = join(import.meta.dirname, "..", "src")
const files = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [])

// Comments may name Node APIs (to say why they are not used); code may not.
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, "")).replace(/(^|[^:"'`])\/\/.*$/gm, "$1")

describe("core is portable", () => {
  it("imports no node: module and uses no Node global (Buffer, process, require, __dirname)", () => {
    const found: Array<string> = []
    const all = files(src)
    expect(all.length).toBeGreaterThan(30)
    for (const file of all) {
      for (const [i, line] of code(readFileSync(file, "utf8")).split("\n").entries()) {
        if (/from\s+["']node:|import\(\s*["']node:|\bBuffer\b|\bprocess\.|\brequire\(|__dirname|__filename/.test(line)) {
          found.push(`${relative(src, file)}:${i + 1}: ${line.trim()}`)
        }
      }
    }
    expect(found).toEqual([])
  })
})
