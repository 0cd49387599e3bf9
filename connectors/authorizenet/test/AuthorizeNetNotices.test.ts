/**
 * End to end through core's webhook handler: an Authorize.net notification names a refund, carries no
 * state, and the handler reads the refund through the connector's get (getTransactionDetails) against the
 * emulator, then applies what the read says. A tampered delivery changes nothing.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ConnectorRegistry, EventHandler, MemoryRefundStore, RefundClient, RefundStore, WebhookEvent } from "@refract/core"
import { AuthorizeNetEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { connector } from "@refract/authorizenet"
import { Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"

describe("notices through EventHandler.handleEvent", () => {
  let emu: EmulatorHandle
  beforeAll(async () => {
    emu = await AuthorizeNetEmulator.start({ clock: "manual", settleAfterMillis: 2_000 })
  })
  afterAll(async () => {
    await emu?.close()
  })

  const env = () => {
    const registry = ConnectorRegistry.register(connector, {
      credentials: { ...emu.credentials },
      webhookSecrets: { signatureKey: emu.webhookSecret },
      baseUrl: emu.url
    }).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
    return Layer.mergeAll(registry, MemoryRefundStore.layer, FetchHttpClient.layer)
  }

  it.live("refund.created names the refund; the read says it settled: Pending → Succeeded", () =>
    Effect.gen(function*() {
      const paymentId = yield* Effect.promise(() => emu.createPayment({ amount: 10_000, currency: "USD" }))
      const registry = yield* ConnectorRegistry.ConnectorRegistry
      const client = yield* RefundClient.make(yield* registry.get("authorizenet"), { store: yield* RefundStore.RefundStore })
      const created = yield* client.create({ merchantRefundId: "notice-1", connectorTransactionId: paymentId, amount: { amount: 1_500, currency: "USD" } })
      assert.strictEqual(created.status, "Pending")
      yield* Effect.promise(() => emu.clock.advance(2_000))

      const delivery = emu.signedWebhook(created.connectorRefundId)
      assert.strictEqual(JSON.parse(delivery.body).eventType, "net.authorize.payment.refund.created")
      const tampered = emu.signedWebhook(created.connectorRefundId, { tamper: true })
      const refused = yield* Effect.flip(EventHandler.handleEvent({ connector: "authorizenet", request: WebhookEvent.makeRawRequest(tampered) }))
      assert.strictEqual(refused._tag === "WebhookError" ? refused.reason._tag : refused._tag, "InvalidSignature")

      const result = yield* EventHandler.handleEvent({ connector: "authorizenet", request: WebhookEvent.makeRawRequest(delivery) })
      assert.deepStrictEqual(result.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
      const store = yield* RefundStore.RefundStore
      const stored = Option.getOrThrow(yield* store.get({ connector: "authorizenet", connectorRefundId: created.connectorRefundId }))
      assert.strictEqual(stored.status, "Succeeded")
      assert.isDefined(stored.settlement?.batchId, "the read brought the batch")
    }).pipe(Effect.provide(env())))
})
