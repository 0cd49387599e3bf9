/**
 * Razorpay-specific end-to-end checks against the Razorpay emulator, beyond the shared conformance suite:
 * the refusals Razorpay gives for over-refunds must reach the caller as typed declines.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient } from "@refract/core"
import type { RefundError } from "@refract/core"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { RazorpayEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector } from "@refract/razorpay"

describe("Razorpay against its emulator", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await RazorpayEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })
  beforeEach(() => emulator.reset())

  const client = Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, {
      credentials: { keyId: emulator.credentials["keyId"]!, keySecret: emulator.credentials["keySecret"]! },
      baseUrl: emulator.url,
      retry: { maxAttempts: 1, baseDelayMillis: 10, maxDelayMillis: 50 }
    })
    return yield* RefundClient.make(bound)
  }).pipe(Effect.provide(FetchHttpClient.layer))

  const reasonOf = (error: RefundError) => error.reason as { readonly _tag: string; readonly kind?: string }

  it.live("an amount within the capture but above what is left is a RefundRejected AmountTooLarge", () =>
    Effect.gen(function*() {
      const refunds = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 1_000, currency: "INR" }))
      yield* refunds.create({ merchantRefundId: "partial-1", connectorTransactionId: paymentId, amount: { amount: 600, currency: "INR" } })
      // 500 ≤ 1,000 captured, but only 400 is left: Razorpay says "The total refund amount is greater than the
      // refund payment amount", which must not read as a malformed request.
      const error = yield* Effect.flip(
        refunds.create({ merchantRefundId: "partial-2", connectorTransactionId: paymentId, amount: { amount: 500, currency: "INR" } })
      )
      assert.strictEqual(reasonOf(error)._tag, "RefundRejected")
      assert.strictEqual(reasonOf(error).kind, "AmountTooLarge")
      assert.lengthOf(emulator.refunds(), 1)
    }))

  it.live("metadata Razorpay would refuse never leaves; metadata it takes is stored as notes", () =>
    Effect.gen(function*() {
      const refunds = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 1_000, currency: "INR" }))
      const longKey = yield* Effect.flip(refunds.create({
        merchantRefundId: "meta-1",
        connectorTransactionId: paymentId,
        amount: { amount: 100, currency: "INR" },
        metadata: { ["k".repeat(256)]: "v" }
      }))
      assert.strictEqual(reasonOf(longKey)._tag, "InvalidRequest")
      assert.lengthOf(emulator.requests(), 0, "refused before any request")
      yield* refunds.create({
        merchantRefundId: "meta-2",
        connectorTransactionId: paymentId,
        amount: { amount: 100, currency: "INR" },
        metadata: { ["k".repeat(255)]: "😀".repeat(256) }
      })
      assert.deepStrictEqual(emulator.refunds()[0]!.metadata, { merchant_refund_id: "meta-2", ["k".repeat(255)]: "😀".repeat(256) })
    }))

  it.live("an amount above the capture and a fully refunded payment are declines too", () =>
    Effect.gen(function*() {
      const refunds = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 1_000, currency: "INR" }))
      const above = yield* Effect.flip(
        refunds.create({ merchantRefundId: "above-1", connectorTransactionId: paymentId, amount: { amount: 1_001, currency: "INR" } })
      )
      assert.strictEqual(reasonOf(above).kind, "AmountTooLarge")
      yield* refunds.create({ merchantRefundId: "all-1", connectorTransactionId: paymentId, amount: { amount: 1_000, currency: "INR" } })
      const again = yield* Effect.flip(
        refunds.create({ merchantRefundId: "all-2", connectorTransactionId: paymentId, amount: { amount: 100, currency: "INR" } })
      )
      assert.strictEqual(reasonOf(again).kind, "AlreadyRefunded")
    }))
})
