/**
 * Checkout.com specifics the shared conformance suite does not cover, end to end against the
 * independently written emulator: lookup by reference of a settled refund, the metadata and reference
 * on the wire, and every refund event type the emulator delivers.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient, WebhookEvent, Webhooks } from "@refract/core"
import type { EmulatorHandle } from "@refract/testkit"
import { CheckoutEmulator } from "@refract/testkit"
import { Effect, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { CheckoutSchema, connector } from "@refract/checkout"

let emulator: EmulatorHandle

beforeAll(async () => {
  emulator = await CheckoutEmulator.start({ clock: "manual" })
})
afterAll(async () => {
  await emulator?.close()
})
beforeEach(() => emulator.reset())

const options = (): BoundConnector.ConnectorOptions => ({
  credentials: { secretKey: emulator.credentials["secretKey"]! },
  baseUrl: emulator.url,
  webhookSecrets: { signatureKey: emulator.webhookSecret },
  retry: { maxAttempts: 3, baseDelayMillis: 10, maxDelayMillis: 50 }
})

const client = Effect.suspend(() => Effect.flatMap(BoundConnector.bind(connector, options()), RefundClient.make)).pipe(
  Effect.provide(FetchHttpClient.layer)
)

const deliver = (actionId: string, eventType: string) =>
  Effect.gen(function*() {
    const bound = yield* BoundConnector.bind(connector, options())
    const signed = emulator.signedWebhook(actionId, { eventType })
    return yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({ headers: signed.headers, body: signed.body }))
  }).pipe(Effect.provide(FetchHttpClient.layer))

const refundInput = (paymentId: string, merchantRefundId: string) => ({
  merchantRefundId,
  connectorTransactionId: paymentId,
  amount: { amount: 2_500, currency: "GBP" },
  metadata: { order: "1042" }
})

describe("Checkout.com emulator, Checkout-specific paths", () => {
  it.live("sends reference and metadata as Checkout stores them", () =>
    Effect.gen(function*() {
      const c = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "GBP" }))
      const created = yield* c.create(refundInput(paymentId, "order-1042-r1"))
      const [stored] = emulator.refunds()
      assert.strictEqual(created.connectorRefundId, CheckoutSchema.refundId(paymentId, stored!.id))
      assert.strictEqual(stored!.reference, "order-1042-r1")
      assert.deepStrictEqual(stored!.metadata, { order: "1042" })
      assert.strictEqual(stored!.amount, 2_500)
    }))

  it.live("lookup finds a settled refund by its reference; recover then sends nothing new", () =>
    Effect.gen(function*() {
      const c = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "GBP" }))
      emulator.scriptOutcome(paymentId, "succeeded")
      const input = refundInput(paymentId, "order-1042-r2")
      const created = yield* c.create(input)
      yield* Effect.promise(() => emulator.advance(emulator.refunds()[0]!.id))
      const found = yield* c.lookup({ merchantRefundId: "order-1042-r2", connectorTransactionId: paymentId })
      assert.isTrue(Option.isSome(found))
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, created.connectorRefundId)
      assert.strictEqual(Option.getOrThrow(found).status, "Succeeded")
      const posts = () => emulator.requests().filter((r) => r.method === "POST").length
      const before = posts()
      const recovered = yield* c.recover(input)
      assert.strictEqual(recovered.status, "Succeeded")
      assert.strictEqual(posts(), before, "found by lookup: no create")
      const none = yield* c.lookup({ merchantRefundId: "order-1042-other", connectorTransactionId: paymentId })
      assert.isTrue(Option.isNone(none))
    }))

  it.live("a declined refund reads as Failed with Checkout's response code", () =>
    Effect.gen(function*() {
      const c = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "GBP" }))
      emulator.scriptOutcome(paymentId, "failed", { reason: "20051 Insufficient Funds" })
      const created = yield* c.create(refundInput(paymentId, "order-1042-r3"))
      yield* Effect.promise(() => emulator.advance(emulator.refunds()[0]!.id))
      const read = yield* c.get(created.reference, created)
      assert.strictEqual(read.status, "Failed")
      assert.strictEqual(read.failure?.code, "20051")
      assert.strictEqual(read.failure?.message, "Insufficient Funds")
    }))

  it.live("every refund event type the emulator sends parses to the composite id and its status", () =>
    Effect.gen(function*() {
      const c = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 10_000, currency: "GBP" }))
      emulator.scriptOutcome(paymentId, "failed")
      const created = yield* c.create(refundInput(paymentId, "order-1042-r4"))
      const actionId = emulator.refunds()[0]!.id
      const expected = { payment_refund_pending: "Pending", payment_refunded: "Succeeded", payment_refund_declined: "Failed" } as const
      for (const [eventType, status] of Object.entries(expected)) {
        const [event] = yield* deliver(actionId, eventType)
        assert.strictEqual(event!.eventType, eventType)
        assert.strictEqual(event!.refund?.connectorRefundId, created.connectorRefundId, eventType)
        assert.strictEqual(event!.refund?.status, status, eventType)
        assert.strictEqual(event!.refund?.merchantRefundId, "order-1042-r4")
        assert.strictEqual(event!.refund?.amount?.amount, 2_500)
        assert.match(event!.eventId, /^evt_/)
      }
    }))

  it.live("a full refund then a second one is refused as a typed reason", () =>
    Effect.gen(function*() {
      const c = yield* client
      const paymentId = yield* Effect.promise(() => emulator.createPayment({ amount: 2_500, currency: "GBP" }))
      yield* c.create(refundInput(paymentId, "order-1042-r5"))
      const error = yield* Effect.flip(c.create(refundInput(paymentId, "order-1042-r6")))
      assert.strictEqual(error.reason._tag, "RefundRejected")
    }))
})
