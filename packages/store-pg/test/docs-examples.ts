/**
 * The code shown in docs/receiving-webhooks.md, docs/tracking.md and docs/stores.md that involves
 * the PostgreSQL store, kept here so `tsc` checks it against the real APIs. Typechecked only, never
 * run (no test file imports it). The Effect HTTP app example is checked in packages/node.
 */
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { EventHandler, RefundService, RefundTracker, WebhookEvent } from "@refract/core"
import type { Refund } from "@refract/core"
import { NodeWebhookHandler, NodeWebhookServer } from "@refract/node"
import { StripeConnector, connector as stripe } from "@refract/stripe"
import { AdyenConnector, connector as adyen } from "@refract/adyen"
import { StoreConfig, PgRefundStore } from "@refract/store-pg"

export const serve: Effect.Effect<never, unknown> = NodeWebhookServer.layer({ port: 8080, host: "0.0.0.0", store: StoreConfig.layer() }).pipe(
  Layer.provide(RefundService.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
  Layer.provide(FetchHttpClient.layer),
  Layer.launch
)

export const webhooks = () => NodeWebhookHandler.make({
  connectors: [
    { connector: stripe, options: { credentials: { apiKey: "sk_test_x" }, webhookSecrets: { signingSecret: "whsec_x" } } },
    { connector: adyen, options: { credentials: { apiKey: "x", merchantAccount: "m" }, webhookSecrets: { hmacKey: "00" } } }
  ],
  store: PgRefundStore.layerUrl("postgres://x"),
  maxBodyBytes: 1024 * 1024
})

export const direct = Effect.gen(function*() {
  const result = yield* EventHandler.handleEvent({
    connector: "stripe",
    request: WebhookEvent.makeRawRequest({ method: "POST", url: "http://x", headers: {}, body: new Uint8Array() })
  })
  for (const outcome of result.outcomes) yield* Effect.log(EventHandler.describe(outcome))
})

declare const notifyCustomer: (refund: Refund.Refund) => Effect.Effect<void>
declare const alertOperations: (refund: Refund.Refund) => Effect.Effect<void>

export const tracking = Effect.gen(function*() {
  const tracker = yield* RefundTracker.RefundTracker
  yield* tracker.changes.pipe(
    Stream.runForEach((change) => {
      switch (change._tag) {
        case "Changed":
          return notifyCustomer(change.refund)
        case "Stuck":
          return alertOperations(change.refund)
      }
    }),
    Effect.forkScoped
  )
  const refund = yield* tracker.create("stripe", {
    merchantRefundId: "order-42-r1",
    connectorTransactionId: "pi_123",
    amount: { amount: 1050, currency: "USD" }
  })
  yield* tracker.track(refund)
})
