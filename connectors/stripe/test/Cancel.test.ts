/**
 * `client.refunds.cancel` through the Promise facade, against the Stripe emulator over loopback.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { PaymentClient, RefundError } from "@refract/core"
import { StripeEmulator } from "@refract/testkit"
import type { Emulator } from "@refract/testkit"
import { stripe } from "@refract/stripe"

let emulator: Emulator.Emulator
let client: PaymentClient

beforeAll(async () => {
  emulator = await StripeEmulator.start({ clock: "manual" })
  client = new PaymentClient({ connector: stripe, apiKey: emulator.credentials["apiKey"]!, baseUrl: emulator.url })
})
afterAll(async () => {
  await client?.close()
  await emulator?.close()
})

describe("PaymentClient refunds.cancel (Stripe emulator)", () => {
  it("cancels a requires_action refund once, with one Idempotency-Key; a second cancel is Stripe's refusal", async () => {
    const payment = await emulator.createPayment({ amount: 2_500, currency: "usd" })
    emulator.scriptOutcome(payment, "requires_action")
    const created = await client.refund({ merchantRefundId: "cancel-facade-1", connectorTransactionId: payment })
    await emulator.advance(created.connectorRefundId)
    const cancelled = await client.refunds.cancel(created.connectorRefundId)
    assert.strictEqual(cancelled.status, "Cancelled")
    assert.strictEqual(cancelled.rawStatus, "canceled")
    const sent = emulator.requests().filter((r) => r.method === "POST" && r.path.endsWith("/cancel"))
    assert.strictEqual(sent.length, 1)
    assert.match(sent[0]!.headers["idempotency-key"] ?? "", /^refract-/)
    const again = await client.refunds.cancel(created.connectorRefundId).catch((e: unknown) => e)
    assert.instanceOf(again, RefundError)
    const error = again as RefundError
    assert.strictEqual(error.operation, "cancel")
    assert.strictEqual(error.reason._tag, "InvalidRequest")
    assert.strictEqual(error.httpStatus, 400)
    assert.include(error.processorMessage ?? "", "status of canceled")
  })

  it("rejects a malformed refund id before sending", async () => {
    const before = emulator.requests().length
    const error = await client.refunds.cancel("ch_not_a_refund").catch((e: unknown) => e)
    assert.instanceOf(error, RefundError)
    assert.strictEqual((error as RefundError).reason._tag, "InvalidRequest")
    assert.strictEqual(emulator.requests().length, before)
  })
})
