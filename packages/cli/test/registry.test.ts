/**
 * Help and docs cannot go stale: the light registry (what start-up and help use without loading a
 * connector) agrees with the installed connectors, the top-level help's lazy stubs agree with the
 * real commands, and the README's connector tables are the generated ones.
 */
import { readFileSync } from "node:fs"
import { Refund } from "@refract/core"
import { describe, expect, it } from "vitest"
import * as Connectors from "@refract/cli/connectors"
import { commandFor, subcommands } from "@refract/cli/main"
import { withTables } from "@refract/cli/readme"
import * as Registry from "@refract/cli/registry"
import { run } from "./helpers.ts"

describe("registry", () => {
  it("lists every installed connector with its name and emulator port", () => {
    expect(Registry.ids).toEqual(Connectors.ids)
    for (const c of Connectors.installed) {
      const known = Registry.find(c.id)
      expect(known?.displayName).toBe(c.connector.displayName)
      expect(known?.emulatorPort).toBe(c.emulator?.defaultPort)
    }
    expect([...Registry.refundReasons]).toEqual([...Refund.RefundReason.literals])
  })

  it("the top-level help's stubs carry the real commands' names and descriptions", async () => {
    const full = await commandFor(["--completions", "bash"])
    const real = new Map(full.subcommands.flatMap((g) => g.commands).map((c) => [c.name, c.description]))
    expect(subcommands.map((s) => s.name)).toEqual([...real.keys()])
    for (const s of subcommands) expect(s.description).toBe(real.get(s.name))
  })

  it("README.md's connector tables are generated from the registry (run node scripts/readme.ts when this fails)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    expect(readme).toBe(withTables(readme))
    for (const id of Connectors.ids) expect(readme).toContain(`| \`${id}\` |`)
  })
})

describe("help texts", () => {
  it("demo --help and emulator --help name all the connectors", async () => {
    const demo = await run(["demo", "--help"])
    const emulator = await run(["emulator", "--help"])
    for (const c of Connectors.installed) {
      expect(demo.stdout).toContain(c.id)
      expect(demo.stdout).toContain(c.connector.displayName)
      expect(emulator.stdout).toContain(`${c.id} ${c.emulator!.defaultPort}`)
    }
    expect(demo.stdout).not.toMatch(/Stripe \(polling\) then Adyen/)
  })

  it("the top-level help lists every command, control included", async () => {
    const help = await run(["--help"])
    expect(help.code).toBe(0)
    for (const s of subcommands) expect(help.stdout).toContain(s.name)
  })
})
