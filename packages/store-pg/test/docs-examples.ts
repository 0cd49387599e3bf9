/**
 * The code shown in docs/receiving-webhooks.md, docs/tracking.md and docs/stores.md, kept here so
 * `tsc` checks it against the real APIs. Typechecked only, never run (no test file imports it).
 */
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { EventHandler, MemoryRefundStore, NodeHttp, RefundService, RefundTracker, WebhookEvent, WebhookRoute, WebhookServer } from "@refract/core"
import type { Refund } from "@refract/core"
import { WebhookHandler } from "@refract/core/events/WebhookHandler"
import { StripeConnector, connector as stripe } from "@refract/stripe"
import { AdyenConnector, connector as adyen } from "@refract/adyen"
import { StoreConfig, PgRefundStore } from "@refract/store-pg"

const Routes = Layer.mergeAll(WebhookRoute.layer({ maxBodyBytes: 512 * 1024 }), WebhookRoute.health)
export const App = HttpRouter.serve(Routes).pipe(
  Layer.provideMerge(RefundTracker.layer()),
  Layer.provideMerge(MemoryRefundStore.layer),
  Layer.provide(RefundService.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(NodeHttp.layer({ port: 8080 }))
)
export const launched: Effect.Effect<never, unknown> = Layer.launch(App)

export const serve: Effect.Effect<never, unknown> = WebhookServer.layer({ port: 8080, host: "0.0.0.0", store: StoreConfig.layer() }).pipe(
  Layer.provide(RefundService.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
  Layer.provide(FetchHttpClient.layer),
  Layer.launch
)

export const webhooks = () => new WebhookHandler({
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
