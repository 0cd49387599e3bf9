/**
 * A standalone webhook server: the webhook route and `/healthz` on Node's HTTP server, a refund
 * store, and the refund tracker, in one layer. This is what `refract serve` runs.
 *
 *   WebhookServer.layer({ port: 8080, store: StoreConfig.layer() })   // StoreConfig from @refract/store-pg
 *     .pipe(Layer.provide(Refract.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
 *           Layer.provide(FetchHttpClient.layer), Layer.launch, NodeRuntime.runMain)
 *
 * Connectors come from the `ConnectorRegistry` (each connector package's layer registers itself,
 * with its webhook secrets). The store defaults to the in-memory one; pass a PostgreSQL store for
 * state that survives restarts (then the tracker resumes pending refunds on start).
 */
import { Context, Effect, Layer } from "effect"
import type { HttpClient, HttpServerError } from "effect/http"
import { HttpRouter, HttpServer } from "effect/http"
import type { ConnectorRegistry } from "../service/ConnectorRegistry.ts"
import * as MemoryRefundStore from "../store/MemoryRefundStore.ts"
import type { RefundStore, StoreError } from "../store/RefundStore.ts"
import * as RefundTracker from "../tracker/RefundTracker.ts"
import * as NodeHttp from "./NodeHttp.ts"
import * as WebhookRoute from "./WebhookRoute.ts"

export interface Options<E = never, R = never> extends WebhookRoute.Options {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number | undefined
  /** Default "0.0.0.0" (processors must reach it). */
  readonly host?: string | undefined
  /** Where refund state goes. Default: in memory (lost on restart). */
  readonly store?: Layer.Layer<RefundStore, E, R> | undefined
  /** Tracker settings (backoff, stuck deadline). Use `WebhookRoute` directly for an endpoint without tracking. */
  readonly tracker?: RefundTracker.Options | undefined
}

export interface Info {
  /** `http://host:port` the server listens on. */
  readonly url: string
  /** The webhook URL for a connector: `<url>/webhooks/<connector>`. */
  readonly webhookUrl: (connector: string) => string
}

export class WebhookServer extends Context.Service<WebhookServer, Info>()("@refract/core/WebhookServer") {}

/**
 * Starts the server. Provides the store, the tracker (unless disabled) and the server's address
 * to the rest of the application.
 */
export const layer = <E = never, R = never>(
  options: Options<E, R> = {}
): Layer.Layer<
  WebhookServer | RefundStore | RefundTracker.RefundTracker | HttpServer.HttpServer,
  E | StoreError | HttpServerError.ServeError,
  R | ConnectorRegistry | HttpClient.HttpClient
> => {
  const path = options.path ?? WebhookRoute.defaultPath
  const app = HttpRouter.serve(WebhookRoute.routes(options), { disableListenLog: true, disableLogger: true })
  const info = Layer.effect(
    WebhookServer,
    Effect.gen(function*() {
      const url = yield* NodeHttp.baseUrl
      yield* Effect.logInfo(`refract: receiving webhooks on ${url}${path}`)
      return { url, webhookUrl: (connector: string) => `${url}${path.replace(":connector", encodeURIComponent(connector))}` }
    })
  )
  const tracker = RefundTracker.layer(options.tracker ?? {})
  const store = (options.store ?? MemoryRefundStore.layer) as Layer.Layer<RefundStore, E, R>
  const server = Layer.mergeAll(app, info).pipe(
    Layer.provideMerge(NodeHttp.layer({ port: options.port ?? 8080, host: options.host ?? "0.0.0.0" }))
  )
  return Layer.mergeAll(server, tracker).pipe(Layer.provideMerge(store))
}
