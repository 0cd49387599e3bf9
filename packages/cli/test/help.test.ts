import { describe, expect, it } from "vitest"
import { run } from "./helpers.ts"

describe.concurrent("--help", () => {
  it("root: lists every command", async () => {
    const r = await run(["--help"])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    for (const command of ["demo", "refunds", "connectors", "emulator"]) expect(r.stdout).toContain(command)
    expect(r.stdout).toContain("refract <subcommand>")
  })

  const subcommands: ReadonlyArray<readonly [ReadonlyArray<string>, ReadonlyArray<string>]> = [
    [["demo"], ["--connector"]],
    [["refunds"], ["create", "get", "cancel"]],
    [["refunds", "cancel"], ["--id", "--connector", "--base-url", "--json"]],
    [["refunds", "get"], ["--id", "--connector", "--base-url", "--environment", "--api-key", "--credential", "--json"]],
    [["refunds", "create"], ["--payment", "--amount", "--currency", "--merchant-refund-id", "--reason", "--base-url", "--json"]],
    [["connectors"], ["--json"]],
    [["emulator"], ["--port", "--webhook-url", "--settle-after-ms", "--time-scale", "stripe | adyen"]]
  ]
  for (const [path, mentions] of subcommands) {
    it(`refract ${path.join(" ")} --help`, async () => {
      const r = await run([...path, "--help"])
      expect(r.code).toBe(0)
      expect(r.stderr).toBe("")
      expect(r.stdout).toContain(`refract ${path.join(" ")}`)
      for (const m of mentions) expect(r.stdout).toContain(m)
    })
  }
})

describe.concurrent("usage errors: one line on stderr, exit code 2", () => {
  it("unknown subcommand", async () => {
    const r = await run(["frobnicate"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("frobnicate")
  })

  it("missing required flag names it", async () => {
    const r = await run(["refunds", "create", "--connector", "stripe", "--payment", "ch_1", "--amount", "100", "--currency", "USD"])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("--merchant-refund-id")
    expect(r.stderr).toContain("refract refunds create --help")
  })
})
