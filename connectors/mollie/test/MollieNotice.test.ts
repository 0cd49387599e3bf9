/**
 * Mollie's classic webhook end to end through core's event handler, against the emulator over loopback HTTP:
 * the ping `id=tr_…` is a notice, the handler re-reads the payment's stored refunds through the connector's
 * `get` and applies the reads as polls; a forged ping changes nothing; a failed read fails the delivery (503)
 * so Mollie delivers it again.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { BoundConnector, ConnectorRegistry, EventHandler, MemoryRefundStore, RefundClient, RefundStore, WebhookEvent } from "@refract/core"
import { Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { MollieEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector } from "@refract/mollie"

describe("Mollie webhook pings through the core's event handler", () => {
  let emu: EmulatorHandle
  beforeAll(async () => {
    emu = await MollieEmulator.start({ clock: "manual" })
  })
  beforeEach(() => emu.reset())
  afterAll(async () => {
    await emu.close()
  })

  const options = () => ({
    credentials: { apiKey: emu.credentials["apiKey"]! },
    baseUrl: emu.url,
    webhookSecrets: {},
    retry: { maxAttempts: 1 }
  })
  const env = () =>
    Layer.mergeAll(
      ConnectorRegistry.register(connector, options()).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer)),
      MemoryRefundStore.layer,
      FetchHttpClient.layer
    )

  /** Creates a refund at the emulator through the connector and stores it, as the application would. */
  const createStored = (paymentId: string, merchantRefundId: string) =>
    Effect.gen(function*() {
      const client = yield* Effect.flatMap(BoundConnector.bind(connector, options()), RefundClient.make)
      const refund = yield* client.create({ merchantRefundId, connectorTransactionId: paymentId, amount: { amount: 500, currency: "EUR" } })
      const store = yield* RefundStore.RefundStore
      yield* store.apply({ connector: "mollie", snapshot: RefundStore.snapshotOf(refund), source: "create", receivedAt: Date.now() })
      return refund
    })

  const deliver = (refundId: string, tamper = false) =>
    Effect.gen(function*() {
      const ping = emu.signedWebhook(refundId, { tamper })
      return yield* EventHandler.handleEvent({
        connector: "mollie",
        request: WebhookEvent.makeRawRequest({ method: "POST", headers: ping.headers, body: ping.body })
      })
    })

  const statusOf = (refundId: string) =>
    Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      return Option.getOrUndefined(yield* store.get({ connector: "mollie", connectorRefundId: refundId }))?.status
    })

  it.live("a ping re-reads every stored refund of the payment: no opt-in, state from the read", () =>
    Effect.gen(function*() {
      const paymentId = yield* Effect.promise(() => emu.createPayment({ amount: 5_000, currency: "EUR" }))
      const a = yield* createStored(paymentId, "notice-a")
      const b = yield* createStored(paymentId, "notice-b")
      emu.scriptOutcome(paymentId, "failed")
      for (const id of [a.connectorRefundId, b.connectorRefundId]) {
        yield* Effect.promise(() => emu.advance(id))
        yield* Effect.promise(() => emu.advance(id))
      }
      const result = yield* deliver(a.connectorRefundId)
      assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["Applied", "Applied"])
      assert.strictEqual(yield* statusOf(a.connectorRefundId), "Failed")
      assert.strictEqual(yield* statusOf(b.connectorRefundId), "Failed")
      const store = yield* RefundStore.RefundStore
      const history = yield* store.history({ connector: "mollie", connectorRefundId: a.connectorRefundId })
      assert.strictEqual(history.at(-1)!.source, "poll", "the state came from the read, not from the ping")
    }).pipe(Effect.provide(env())))

  it.live("a forged ping (another payment) is ignored; a duplicate ping only reads again", () =>
    Effect.gen(function*() {
      const paymentId = yield* Effect.promise(() => emu.createPayment({ amount: 5_000, currency: "EUR" }))
      const a = yield* createStored(paymentId, "notice-c")
      const forged = yield* deliver(a.connectorRefundId, true)
      assert.deepStrictEqual(forged.outcomes.map((o) => o._tag), ["Ignored"])
      assert.strictEqual(yield* statusOf(a.connectorRefundId), "Pending")
      yield* Effect.promise(() => emu.advance(a.connectorRefundId))
      yield* Effect.promise(() => emu.advance(a.connectorRefundId))
      yield* deliver(a.connectorRefundId)
      const again = yield* deliver(a.connectorRefundId)
      assert.strictEqual(yield* statusOf(a.connectorRefundId), "Succeeded")
      assert.notInclude(again.outcomes.map((o) => o._tag), "Applied", "nothing new the second time")
    }).pipe(Effect.provide(env())))

  it.live("a read that fails (Mollie answers 503) fails the delivery, so Mollie delivers it again", () =>
    Effect.gen(function*() {
      const paymentId = yield* Effect.promise(() => emu.createPayment({ amount: 5_000, currency: "EUR" }))
      const a = yield* createStored(paymentId, "notice-d")
      emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "GET" })
      const error = yield* Effect.flip(deliver(a.connectorRefundId))
      assert.strictEqual(error._tag, "WebhookError")
      assert.strictEqual(error._tag === "WebhookError" ? error.reason._tag : "", "VerificationUnavailable")
      emu.clearFaults()
      const retried = yield* deliver(a.connectorRefundId)
      assert.strictEqual(retried.outcomes.length, 1)
    }).pipe(Effect.provide(env())))
})
