/**
 * The Node code shown in docs/receiving-webhooks.md, docs/telemetry.md and this package's README, kept here so `tsc`
 * checks it against the real APIs. Typechecked only, never run (no test file imports it).
 */
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpRouter } from "effect/http"
import { MemoryRefundStore, RefundService, RefundTracker, WebhookRoute } from "@refract/core"
import { NodeTelemetry, NodeWebhookHandler, NodeWebhookServer } from "@refract/node"
import { AdyenConnector, connector as adyen } from "@refract/adyen"
import { StripeConnector, connector as stripe } from "@refract/stripe"

// docs/receiving-webhooks.md, "With Node's own HTTP server"
export const receiver = () => {
  const webhooks = NodeWebhookHandler.make({
    connectors: [
      { connector: stripe, options: { credentials: { apiKey: "sk_test_x" }, webhookSecrets: { signingSecret: "whsec_x" } } },
      { connector: adyen, options: { credentials: { apiKey: "x", merchantAccount: "m" }, webhookSecrets: { hmacKey: "00" } } }
    ],
    maxBodyBytes: 1024 * 1024
  })
  createServer(NodeWebhookHandler.serverOptions(), webhooks.nodeListener).listen(8080)
  createServer(async (req, res) => {
    if (req.method === "POST" && req.url === "/hooks/stripe") return webhooks.handleNode(req, res, "stripe")
  })
  return webhooks
}

// docs/receiving-webhooks.md, "In an Effect HTTP app"
const Routes = Layer.mergeAll(WebhookRoute.layer({ maxBodyBytes: 512 * 1024 }), WebhookRoute.health)
export const App = HttpRouter.serve(Routes).pipe(
  Layer.provideMerge(RefundTracker.layer()),
  Layer.provideMerge(MemoryRefundStore.layer),
  Layer.provide(RefundService.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(NodeHttpServer.layer(createServer, { port: 8080 }))
)
export const launchApp = () => Layer.launch(App).pipe(NodeRuntime.runMain)

// packages/node/README.md
export const launchServer = () =>
  NodeWebhookServer.layer({ port: 8080 }).pipe(
    Layer.provide(RefundService.layer(StripeConnector.layerConfig())),
    Layer.provide(FetchHttpClient.layer),
    Layer.launch,
    NodeRuntime.runMain
  )

// docs/telemetry.md, "Turning export on"
const TelemetryServer = NodeWebhookServer.layer({ port: 8080 }).pipe(
  Layer.provide(RefundService.layer(StripeConnector.layerConfig())),
  Layer.provide(FetchHttpClient.layer),
  Layer.provide(NodeTelemetry.layerConfig())
)
export const launchWithTelemetry = () => Layer.launch(TelemetryServer).pipe(NodeRuntime.runMain)
export const programWithTelemetry = <A, E>(program: Effect.Effect<A, E>) => program.pipe(Effect.provide(NodeTelemetry.layerConfig()))
