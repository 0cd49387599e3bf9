import { describe, expect, it } from "vitest"
import * as Registry from "@refract/cli/registry"
import { run } from "./helpers.ts"

const section = (stdout: string, name: string): string => {
  const start = stdout.indexOf(`\n${name} (`)
  expect(start, `${name} section`).toBeGreaterThanOrEqual(0)
  const end = stdout.indexOf("\n\n", start + 2)
  return stdout.slice(start, end === -1 ? undefined : end)
}

const lineOf = (text: string, label: string): string => {
  const line = text.split("\n").find((l) => new RegExp(`^\\s+\\+\\s*\\d+ ms\\s+${label}\\s`).test(l))
  expect(line, `a "${label}" step`).toBeDefined()
  return line!
}

describe("refract demo", () => {
  it("prints the PENDING → SUCCEEDED timeline for Stripe (polling) and Adyen (webhook), exit 0", async () => {
    const r = await run(["demo"])
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)

    const stripe = section(r.stdout, "Stripe")
    expect(lineOf(stripe, "initiate")).toMatch(/RefundService\.create\(10\.00 USD\) → re_\w+\s+PENDING \(Pending, raw "pending"\)/)
    expect(lineOf(stripe, "get status")).toContain("PENDING (Pending")
    expect(lineOf(stripe, "poll #1")).toMatch(/PENDING|SUCCEEDED/)
    expect(stripe).toMatch(/poll #\d+\s+SUCCEEDED \(Succeeded, raw "succeeded"\)/)
    expect(stripe).toContain("✓ Stripe: PENDING → SUCCEEDED by polling")
    // Relative timestamps only ever grow.
    const times = [...stripe.matchAll(/\+\s*(\d+) ms/g)].map((m) => Number(m[1]))
    expect(times).toEqual(times.toSorted((a, b) => a - b))

    const adyen = section(r.stdout, "Adyen")
    expect(lineOf(adyen, "initiate")).toMatch(/PENDING \(Pending, raw "received"\)/)
    expect(lineOf(adyen, "get status")).toContain("Unsupported")
    expect(lineOf(adyen, "receiver")).toMatch(/http:\/\/127\.0\.0\.1:\d+\/webhooks\/adyen/)
    expect(lineOf(adyen, "webhook")).toMatch(/REFUND notification received; signature \(HMAC-SHA256.*\) verified/)
    expect(lineOf(adyen, "observe")).toContain("PENDING → SUCCEEDED (Succeeded")
    expect(lineOf(adyen, "ack")).toContain(`"[accepted]"`)
    expect(lineOf(adyen, "tampered")).toMatch(/401 InvalidSignature; the refund stays SUCCEEDED/)
    expect(adyen).toContain("✓ Adyen: PENDING → SUCCEEDED via the signed REFUND webhook")

    expect(r.stdout).toMatch(/Demo passed in \d+ ms/)
    // The emulators' keys are masked.
    expect(r.output).not.toContain("sk_test_emulator")
    expect(r.output).not.toContain("AQE_emulator_test_api_key")
  })

  it("--connector with an unknown connector is a usage error", async () => {
    const r = await run(["demo", "--connector", "nopay"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`unknown connector "nopay"; the demo runs ${[...Registry.ids, "all"].join(", ")}`)
  })
})
