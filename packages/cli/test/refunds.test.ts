/**
 * `refract refunds create` and `refract refunds get` against a Stripe emulator started here, with
 * `--base-url` and STRIPE_API_KEY from the emulator's credentials.
 */
import { Money, Refund } from "@refract/core"
import { StripeEmulator } from "@refract/testkit"
import { Schema } from "effect"
import type { EmulatorHandle } from "@refract/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run } from "./helpers.ts"

let emulator: EmulatorHandle
let env: Record<string, string>

beforeAll(async () => {
  // A manual clock: a refund stays pending until the test moves time (reads never move it).
  emulator = await StripeEmulator.start({ port: 0, clock: "manual" })
  env = { STRIPE_API_KEY: emulator.credentials["apiKey"]! }
})

afterAll(async () => {
  await emulator?.close()
})

const create = (payment: string, merchantRefundId: string, extra: ReadonlyArray<string> = []) =>
  run(
    [
      "refunds", "create", "--connector", "stripe", "--base-url", emulator.url, "--payment", payment,
      "--amount", "1050", "--currency", "usd", "--merchant-refund-id", merchantRefundId, ...extra
    ],
    env
  )

describe.concurrent("refunds against the Stripe emulator", () => {
  it("create (text), then get until SUCCEEDED (JSON)", async () => {
    const payment = await emulator.createPayment({ amount: 2500, currency: "USD" })
    const created = await create(payment, "cli-test-1", ["--reason", "requested_by_customer"])
    expect(created.stderr).toBe("")
    expect(created.code).toBe(0)
    const id = /Refund (re_\w+) \(stripe\)/.exec(created.stdout)?.[1]
    expect(id).toBeDefined()
    expect(created.stdout).toMatch(/status\s+PENDING/)
    expect(created.stdout).toMatch(/detailed status\s+Pending/)
    expect(created.stdout).toMatch(/raw status\s+"pending"/)
    expect(created.stdout).toMatch(/amount\s+10\.50 USD/)
    expect(created.stdout).toContain(payment)
    expect(created.stdout).toMatch(/merchant refund id\s+cli-test-1/)
    expect(created.output).not.toContain(env["STRIPE_API_KEY"])

    // The emulator holds exactly this refund, created through the connector's wire format.
    const stored = emulator.refunds().find((r) => r.id === id)
    expect(stored).toMatchObject({ paymentId: payment, amount: 1050, currency: "usd" })
    expect(stored?.metadata["merchant_refund_id"]).toBe("cli-test-1")

    const first = await run(["refunds", "get", "--connector", "stripe", "--base-url", emulator.url, "--id", id!, "--json"], env)
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({
      connector: "stripe",
      connectorRefundId: id,
      simpleStatus: "PENDING",
      status: "Pending",
      rawStatus: "pending",
      amount: { amount: 1050, currency: "USD" }
    })
    // The library's own encoded form: it decodes back into a Refund.
    const decoded = Schema.decodeUnknownSync(Refund.Refund)(JSON.parse(first.stdout))
    expect(decoded.amount).toEqual(Money.make(1050, "USD"))
    expect(decoded.connectorRefundId).toBe(id)

    // Moving the clock settles every refund; the other (concurrent) tests only look at create answers, pending whatever the clock does.
    await emulator.clock.advance(StripeEmulator.numbers.timing.settleAfterMillis)
    const second = await run(["refunds", "get", "--connector", "stripe", "--base-url", emulator.url, "--id", id!, "--json"], env)
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ simpleStatus: "SUCCEEDED", status: "Succeeded", rawStatus: "succeeded" })
  })

  it("create is idempotent per --merchant-refund-id (same refund on a re-run), JSON output", async () => {
    const payment = await emulator.createPayment({ amount: 5000, currency: "USD" })
    const a = await create(payment, "cli-test-2", ["--json"])
    const b = await create(payment, "cli-test-2", ["--json"])
    expect([a.code, b.code]).toEqual([0, 0])
    expect(JSON.parse(b.stdout).connectorRefundId).toBe(JSON.parse(a.stdout).connectorRefundId)
    expect(emulator.refunds().filter((r) => r.paymentId === payment)).toHaveLength(1)
  })

  it("flags win over the environment: --api-key overrides a wrong STRIPE_API_KEY", async () => {
    const payment = await emulator.createPayment({ amount: 2500, currency: "USD" })
    const r = await run(
      [
        "refunds", "create", "--connector", "stripe", "--payment", payment, "--amount", "100", "--currency", "USD",
        "--merchant-refund-id", "cli-test-3", "--api-key", emulator.credentials["apiKey"]!
      ],
      { STRIPE_API_KEY: "sk_test_WrongKeyFromTheEnvironment", STRIPE_BASE_URL: emulator.url }
    )
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/amount\s+1\.00 USD/)
  })

  it("a rejected key is a processor error (exit 1) with the reason, and the key is not printed", async () => {
    const wrong = "sk_test_WrongKeyFromTheEnvironment"
    const r = await run(["refunds", "get", "--connector", "stripe", "--base-url", emulator.url, "--id", "re_123"], { STRIPE_API_KEY: wrong })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/^refract: stripe get: Authentication \(authentication failed\): .*HTTP 401/)
    expect(r.output).not.toContain(wrong)
  })

  it("an unknown refund is a processor error with the processor's code and request id", async () => {
    const r = await run(["refunds", "get", "--connector", "stripe", "--base-url", emulator.url, "--id", "re_doesnotexist"], env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/NotFound \(not found\): .*\[code resource_missing, request req_\w+, HTTP 404\]/)
  })

  it("cancel: a refund that requires action is cancelled (--json prints the refund); a second cancel is Stripe's refusal, in JSON", async () => {
    const payment = await emulator.createPayment({ amount: 1050, currency: "usd" })
    emulator.scriptOutcome(payment, "requires_action")
    const created = await create(payment, "cli-cancel-1", ["--json"])
    expect(created.code).toBe(0)
    const id = JSON.parse(created.stdout).connectorRefundId as string
    await emulator.advance(id)
    const args = ["refunds", "cancel", "--connector", "stripe", "--base-url", emulator.url, "--id", id, "--json"]
    const cancelled = await run(args, env)
    expect(cancelled.code).toBe(0)
    const refund = Schema.decodeUnknownSync(Refund.Refund)(JSON.parse(cancelled.stdout))
    expect(refund.status).toBe("Cancelled")
    expect(refund.connectorRefundId).toBe(id)
    expect(emulator.refunds().find((r) => r.id === id)?.status).toBe("canceled")
    const again = await run(args, env)
    expect(again.code).toBe(1)
    const error = JSON.parse(again.stdout).error
    expect(error.reason._tag).toBe("InvalidRequest")
    expect(error.operation).toBe("cancel")
    expect(error.httpStatus).toBe(400)
    const text = await run(args.slice(0, -1), env)
    expect(text.code).toBe(1)
    expect(text.stderr).toMatch(/^refract: stripe cancel: InvalidRequest \(invalid request\): .*status of canceled.*HTTP 400/)
  })

  it("cancel: a connector that cannot cancel is a usage error (exit 2) before anything is sent", async () => {
    const r = await run(["refunds", "cancel", "--connector", "adyen", "--id", "ABCDEF1234567890"], {})
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("Adyen refunds cannot be cancelled")
    const json = await run(["refunds", "cancel", "--connector", "square", "--id", "r1", "--json"], {})
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout).error.reason._tag).toBe("UsageError")
  })
})
