/**
 * Bad input: a clear one-line message on stderr, exit code 2, and never a secret in the output.
 */
import { describe, expect, it } from "vitest"
import * as Registry from "@refract/cli/registry"
import { run } from "./helpers.ts"

const SECRET = "sk_test_SuperSecretValue123456"

const expectUsage = (r: { code: number | null; stderr: string; output: string }, message: string | RegExp) => {
  expect(r.code).toBe(2)
  const lines = r.stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^refract: /)
  if (typeof message === "string") expect(r.stderr).toContain(message)
  else expect(r.stderr).toMatch(message)
  expect(r.output).not.toContain("SuperSecretValue")
}

describe.concurrent("refunds: bad input", () => {
  it("unknown connector lists the known ones", async () => {
    const r = await run(["refunds", "get", "--connector", "nopay", "--id", "re_123"], { STRIPE_API_KEY: SECRET })
    expectUsage(r, `unknown connector "nopay"; known connectors: ${Registry.ids.join(", ")}`)
  })

  it("missing STRIPE_API_KEY names the variable", async () => {
    const r = await run(["refunds", "get", "--connector", "stripe", "--id", "re_123"])
    expectUsage(r, "missing Stripe credential: set STRIPE_API_KEY")
  })

  it("a malformed key is reported by shape, never echoed", async () => {
    const r = await run(["refunds", "get", "--connector", "stripe", "--id", "re_123"], { STRIPE_API_KEY: "SuperSecretValue-not-a-key" })
    expectUsage(r, "apiKey is malformed")
  })

  it("malformed refund id", async () => {
    const r = await run(["refunds", "get", "--connector", "stripe", "--id", "re 1/../x"], { STRIPE_API_KEY: SECRET })
    expectUsage(r, `malformed --id "re 1/../x"`)
  })

  it("non-integer amount", async () => {
    const r = await run(
      ["refunds", "create", "--connector", "stripe", "--payment", "ch_1", "--amount", "10.50", "--currency", "USD", "--merchant-refund-id", "r-1"],
      { STRIPE_API_KEY: SECRET }
    )
    expectUsage(r, `--amount must be a whole number of minor units`)
  })

  it("unknown currency", async () => {
    const r = await run(
      ["refunds", "create", "--connector", "stripe", "--payment", "ch_1", "--amount", "1050", "--currency", "XYZ", "--merchant-refund-id", "r-1"],
      { STRIPE_API_KEY: SECRET }
    )
    expectUsage(r, `unknown currency "XYZ"`)
  })

  it("a live key in the sandbox environment, given as a flag, is refused without echoing it", async () => {
    const r = await run([
      "refunds", "create", "--connector", "stripe", "--payment", "ch_1", "--amount", "1050", "--currency", "USD",
      "--merchant-refund-id", "r-1", "--api-key", "sk_live_SuperSecretValue99", "--base-url", "http://127.0.0.1:9"
    ])
    expectUsage(r, "the sandbox environment needs a test-mode key")
  })

  it("a status read on Adyen is a usage error: outcomes arrive by webhook", async () => {
    const r = await run(["refunds", "get", "--connector", "adyen", "--id", "8815"])
    expectUsage(r, "Adyen has no refund-status endpoint")
  })
})
