/**
 * The built CLI (`scripts/bundle.mjs`, what the bin and `npm run refract` run): it works, carries
 * the package version, and starting it loads no command, connector, emulator, store or server code
 * (those are chunks reached only through dynamic imports). Its start-up time is measured by
 * `bench/startup.mjs`, not here.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Registry from "@refract/cli/registry"
import { packageDir } from "./helpers.ts"

let out: string

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), "refract-bundle-"))
  execFileSync(process.execPath, [join(packageDir, "scripts", "bundle.mjs"), "--outdir", out], { cwd: packageDir, stdio: "ignore" })
}, 120_000)

afterAll(() => {
  if (out !== undefined) rmSync(out, { recursive: true, force: true })
})

const refract = (...args: Array<string>) => execFileSync(process.execPath, [join(out, "refract.js"), ...args], { encoding: "utf8" })

/** The chunks a file imports statically (`from"./chunks/x.js"`), and the first dynamic import of the entry. */
const imports = (file: string, dynamic: boolean): Array<string> => {
  const text = readFileSync(file, "utf8")
  const found = [...text.matchAll(/(?:from|import)\s*["'](\.\/[^"']+)["']/g)].map((m) => m[1]!)
  if (dynamic) found.push(...[...text.matchAll(/import\(\s*["'`](\.\/[^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!))
  return found.map((p) => join(file, "..", p))
}

describe("the bundle", () => {
  it("runs: version from package.json, connectors, help", () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }
    expect(refract("--version").trim()).toBe(`refract v${version}`)
    expect((JSON.parse(refract("connectors", "--json")) as Array<unknown>).length).toBe(Registry.known.length)
    expect(refract("--help")).toContain("control")
  })

  it("start-up (the entry and main, with everything they import statically) loads no command or connector", () => {
    const seen = new Set<string>()
    const queue = imports(join(out, "refract.js"), true)
    while (queue.length > 0) {
      const file = queue.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      queue.push(...imports(file, false))
    }
    const names = [...seen].map((f) => f.slice(f.lastIndexOf("/") + 1))
    expect(names.some((n) => n.startsWith("main-"))).toBe(true)
    for (const lazy of ["connectors-", "refunds-", "demo-", "emulator-", "control-", "serve-", "telemetry-", "NodeHttpServer-"]) {
      expect(names.filter((n) => n.startsWith(lazy))).toEqual([])
    }
    // And those chunks exist, to be loaded on demand.
    const all = readdirSync(join(out, "chunks"))
    for (const lazy of ["connectors-", "refunds-", "serve-"]) expect(all.some((n) => n.startsWith(lazy))).toBe(true)
    // No connector's code at start: their display names only appear in lazily loaded chunks.
    const startText = [...seen].map((f) => readFileSync(f, "utf8")).join("\n")
    expect(startText).not.toContain("Checkout.com has no such payment")
  })
})
