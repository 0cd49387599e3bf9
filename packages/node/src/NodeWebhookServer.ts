/**
 * The standalone webhook server on Node: core's webhook route, `/healthz`, and the operations routes
 * (`/readyz`, Prometheus `/metrics`: {@link NodeOpsRoutes}) served by
 * `@effect/platform-node`'s HTTP server (with `api`, the refunds read API and the support console at
 * `/console`: {@link NodeConsoleRoutes}), a refund store, and the refund tracker, in one layer. This
 * is what `refract serve` runs.
 *
 *   NodeWebhookServer.layer({ port: 8080, store: StoreConfig.layer() })   // StoreConfig from @refract/store-pg
 *     .pipe(Layer.provide(RefundService.layer(StripeConnector.layerConfig(), AdyenConnector.layerConfig())),
 *           Layer.provide(FetchHttpClient.layer), Layer.launch, NodeRuntime.runMain)
 *
 * Connectors come from the `ConnectorRegistry` (each connector package's layer registers itself,
 * with its webhook secrets). A connector that cannot be bound (a malformed secret) fails that
 * registry layer, so the server does not start: an Effect application composes its layers and a
 * failing one stops `Layer.launch` with a typed `RefundError` naming the connector and the field
 * (never the value). A server that started but silently served a subset would lose the other
 * connector's deliveries until someone noticed; the Promise receiver (`NodeWebhookHandler`), which
 * has no start-up failure channel, reports and skips instead.
 *
 * Hostile input never reaches a handler that could crash the process: Node's parser answers a
 * garbage request line with 400 and an oversized head with 431, the platform answers unparseable
 * targets and hosts like any other request, unknown paths get a JSON 404, other methods on the
 * webhook path a 405, bodies over the limit a 413 (closing the connection when the rest is too
 * large to drain), and slow senders a 408 after `limits.requestTimeoutMillis`.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { ConnectorRegistry, MemoryRefundStore, RefundsApi, RefundTracker, WebhookRoute } from "@refract/core"
import type { RefundStore } from "@refract/core"
import { Context, Effect, Layer } from "effect"
import type { HttpClient, HttpServerError } from "effect/http"
import { HttpRouter, HttpServer } from "effect/http"
import { NetAddress } from "effect/net"
import * as Receiver from "./internal/receiver.ts"
import * as NodeConsoleRoutes from "./NodeConsoleRoutes.ts"
import * as NodeOpsRoutes from "./NodeOpsRoutes.ts"

export type Limits = Receiver.Limits

export interface Options<E = never, R = never, ET = never> extends WebhookRoute.Options {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number | undefined
  /** Default "0.0.0.0" (processors must reach it). */
  readonly host?: string | undefined
  /** Where refund state goes. Default: in memory (lost on restart). */
  readonly store?: Layer.Layer<RefundStore.RefundStore, E, R> | undefined
  /** Tracker settings (backoff, stuck deadline). Use core's `WebhookRoute` directly for an endpoint without tracking. */
  readonly tracker?: RefundTracker.Options | undefined
  /**
   * Another tracker in place of the in-process one (`tracker` is then ignored), given the store:
   * `@refract/cluster`'s `ClusterRunner.layerTracking` tracks refunds as durable workflows.
   */
  readonly tracking?: Layer.Layer<RefundTracker.RefundTracker, ET, R | RefundStore.RefundStore> | undefined
  /** Node server timeouts and header size (see {@link Limits}; the defaults suit webhook traffic). */
  readonly limits?: Limits | undefined
  /** How long stopping waits for requests in flight. Default 5 seconds. */
  readonly shutdownTimeoutMillis?: number | undefined
  /**
   * The refunds read API for support tools (`GET /refunds`, `GET /refunds/:connector/:id`,
   * `POST /refunds/:connector/:id/sync`, `GET /refunds/events`; see core's `RefundsApi`), behind
   * bearer tokens. Off unless given.
   */
  readonly api?: RefundsApi.Options | undefined
  /**
   * The support console at `/console` (see {@link NodeConsoleRoutes}): mounted with the API (its page
   * loads without a token; its API calls need one). `false` leaves it out. Default on when `api` is given.
   */
  readonly console?: boolean | undefined
  /** `GET /metrics` (Prometheus) and `GET /readyz` (see {@link NodeOpsRoutes}); `false` leaves both out. Default on. */
  readonly ops?: NodeOpsRoutes.Options | false | undefined
}

export interface Info {
  /** `http://host:port` the server listens on (loopback for a wildcard host). */
  readonly url: string
  /** The webhook URL for a connector: `<url>/webhooks/<connector>`. */
  readonly webhookUrl: (connector: string) => string
}

/** The running server's address. */
export class NodeWebhookServer extends Context.Service<NodeWebhookServer, Info>()("@refract/node/NodeWebhookServer") {}

/** `http://host:port` for a bound address; a wildcard host is reached on loopback. */
export const urlOf = (address: NetAddress.SocketAddress): string => {
  if (!NetAddress.isInetAddress(address)) return "http://localhost"
  const ip = NetAddress.formatIp(address.address)
  const host = ip === "0.0.0.0" ? "127.0.0.1" : ip === "::" ? "[::1]" : ip.includes(":") ? `[${ip}]` : ip
  return `http://${host}:${address.port}`
}

const info = (path: string) =>
  Layer.effect(
    NodeWebhookServer,
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const registry = yield* ConnectorRegistry.ConnectorRegistry
      const url = urlOf(server.address)
      const connectors = (yield* registry.list).map((bound) => bound.id).toSorted()
      yield* Effect.logInfo(`refract: receiving webhooks on ${url}${path}`, { connectors })
      return { url, webhookUrl: (connector: string) => `${url}${path.replace(":connector", encodeURIComponent(connector))}` }
    })
  )

/**
 * Starts the server. Provides the store, the tracker and the server's address to the rest of the
 * application; stops (waiting up to `shutdownTimeoutMillis` for requests in flight) with the layer.
 */
export const layer = <E = never, R = never, ET = never>(
  options: Options<E, R, ET> = {}
): Layer.Layer<
  NodeWebhookServer | RefundStore.RefundStore | RefundTracker.RefundTracker | HttpServer.HttpServer,
  E | ET | RefundStore.StoreError | HttpServerError.ServeError,
  R | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient
> => {
  const path = options.path ?? WebhookRoute.defaultPath
  const base = options.ops === false ? Receiver.routes(options) : Layer.mergeAll(Receiver.routes(options), NodeOpsRoutes.layer(options.ops))
  const routes = options.api === undefined
    ? base
    : options.console === false
    ? Layer.mergeAll(base, RefundsApi.layer(options.api))
    : Layer.mergeAll(base, RefundsApi.layer(options.api), NodeConsoleRoutes.layer)
  const app = HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true })
  const http = NodeHttpServer.layerServer(() => Receiver.nodeServer(options.limits), {
    port: options.port ?? 8080,
    host: options.host ?? "0.0.0.0",
    gracefulShutdownTimeout: options.shutdownTimeoutMillis ?? 5_000
  })
  const store = (options.store ?? MemoryRefundStore.layer) as Layer.Layer<RefundStore.RefundStore, E, R>
  const server = Layer.mergeAll(app, info(path)).pipe(Layer.provideMerge(http))
  const tracking = options.tracking ?? RefundTracker.layer(options.tracker ?? {})
  return Layer.mergeAll(server, tracking).pipe(Layer.provideMerge(store))
}
