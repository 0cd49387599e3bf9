/**
 * A Promise API for receiving webhooks in Node applications that do not use Effect.
 *
 *   import { createServer } from "node:http"
 *   import { NodeWebhookHandler } from "@refract/node"
 *   import { connector as stripe } from "@refract/stripe"
 *
 *   const webhooks = NodeWebhookHandler.make({
 *     connectors: [{ connector: stripe, options: { credentials: { apiKey }, webhookSecrets: { signingSecret } } }]
 *   })
 *   createServer(NodeWebhookHandler.serverOptions(), webhooks.nodeListener).listen(8080)   // POST /webhooks/stripe, GET /healthz
 *   // or, inside your own routing:  await webhooks.handleNode(req, res, "stripe")
 *   // or, with the body already read: const result = await webhooks.handle("stripe", { headers, body })
 *
 * Requests are served by `@effect/platform-node` (`NodeHttpServer.makeHandler`) running core's
 * webhook route, exactly as in the Effect server: the raw body is read up to `maxBodyBytes`, the
 * processor's acknowledgement is sent only once the delivery is stored, and no request target,
 * header or body can throw out of the listener.
 *
 * Connectors are bound when the receiver is made. One that cannot be bound (a malformed secret, a
 * missing credential) is reported then, through `onMisconfigured` (by default a warning on Effect's
 * logger), and listed in `misconfigured`, with the problem but never a secret value. The other
 * connectors work normally; deliveries for the broken one are answered `503 {"error":"NotConfigured"}`
 * (so the processor retries them once the configuration is fixed) and `handle` rejects with a
 * `NotConfigured` `WebhookError`.
 *
 * `handle` rejects with `WebhookError` (verification, 4xx) or `StoreError` (5xx); `respond`, the
 * listener and `handleNode` never reject: they answer 2xx once stored, 400/401/404/405/413 for bad
 * input, 500/503 when the store or the receiver is unavailable.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { BoundConnector, ConnectorRegistry, EventHandler, MemoryRefundStore, RefundStore, WebhookError, WebhookEvent, WebhookRoute } from "@refract/core"
import type { Connector, Refund } from "@refract/core"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option, Scope } from "effect"
import { FetchHttpClient, HttpRouter, HttpServerRequest } from "effect/http"
import type { HttpClient } from "effect/http"
import * as Receiver from "./internal/receiver.ts"

export interface ConnectorEntry {
  readonly connector: Connector.Connector
  /** Credentials (as the connector requires them) and `webhookSecrets`. */
  readonly options: BoundConnector.ConnectorOptions
}

/** A connector that could not be bound: its id and why (field names and shapes, never values). */
export interface Misconfigured {
  readonly connector: string
  readonly message: string
}

export interface Options extends EventHandler.HandleOptions {
  readonly connectors: ReadonlyArray<ConnectorEntry>
  /** Where refund state goes. Default: in memory. */
  readonly store?: Layer.Layer<RefundStore.RefundStore, unknown> | undefined
  /** Largest body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Path pattern for `nodeListener`, with `:connector` once. Default `/webhooks/:connector`. */
  readonly path?: `/${string}` | undefined
  /** Public base URL processors call, when behind a proxy (some processors sign the URL). */
  readonly publicUrl?: string | undefined
  /** Told about each connector that could not be bound, when the receiver is made. Default: a logged warning. */
  readonly onMisconfigured?: ((problem: Misconfigured) => void) | undefined
}

export interface IncomingWebhook {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** The raw body exactly as received. Pass bytes (a Buffer) rather than a re-serialized object. */
  readonly body: Uint8Array | string
}

export type Limits = Receiver.Limits

/**
 * Options for the `http.createServer` you run `nodeListener` on: timeouts and header size fit for
 * webhook traffic (Node's defaults let one slow sender hold a connection for 5 minutes).
 *
 *   createServer(NodeWebhookHandler.serverOptions(), webhooks.nodeListener).listen(8080)
 */
export const serverOptions: (limits?: Limits) => ServerOptions = Receiver.serverOptions

/** What the receiver's runtime provides. */
export type Services = RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient

type NodeListener = (req: IncomingMessage, res: ServerResponse) => void

interface Listeners {
  readonly scope: Scope.Closeable
  /** Routes by path (`nodeListener`). */
  readonly routed: NodeListener
  /** Handles a delivery for the connector the caller named (`handleNode(req, res, id)`). */
  readonly named: NodeListener
}

/**
 * Binds each connector, synchronously (binding decodes credentials and secrets; it does no I/O).
 * Those that fail are returned as problems instead of failing the others.
 */
export const bindAll = (
  connectors: ReadonlyArray<ConnectorEntry>
): { readonly bound: ReadonlyArray<BoundConnector.BoundConnector>; readonly misconfigured: ReadonlyArray<Misconfigured> } => {
  const bound: Array<BoundConnector.BoundConnector> = []
  const misconfigured: Array<Misconfigured> = []
  for (const entry of connectors) {
    const exit = Effect.runSyncExit(BoundConnector.bind(entry.connector, entry.options))
    if (Exit.isSuccess(exit)) {
      bound.push(exit.value)
      continue
    }
    const error = Cause.findErrorOption(exit.cause)
    misconfigured.push({
      connector: entry.connector.id,
      // A RefundError message names the field and the expected shape, never the value.
      message: Option.isSome(error) ? error.value.message : "the connector could not be bound"
    })
  }
  return { bound, misconfigured }
}

const logMisconfigured = (problem: Misconfigured): void =>
  Effect.runSync(Effect.logWarning(
    `refract: ${problem.connector} webhooks are not configured (${problem.message}); ` +
      "its deliveries are answered 503 until the configuration is fixed"
  ))

const checkPath = (path: string): void => {
  if (!path.startsWith("/") || path.split(":connector").length !== 2) {
    throw new Error(`webhook path ${JSON.stringify(path)} must start with / and contain :connector once`)
  }
}

const notConfiguredError = (connector: string, message: string) =>
  new WebhookError.WebhookError({ connector, reason: new WebhookError.NotConfigured({ message }) })

const unavailableAnswer: WebhookRoute.WebhookResponse = {
  status: 503,
  contentType: "application/json",
  body: "{\"error\":\"Unavailable\"}"
}

const notConfiguredAnswer: WebhookRoute.WebhookResponse = {
  status: 503,
  contentType: "application/json",
  body: "{\"error\":\"NotConfigured\"}"
}

/** The answer when the receiver's runtime could not start (the store's layer failed). */
const writeUnavailable = (req: IncomingMessage, res: ServerResponse): void => {
  req.resume()
  if (res.headersSent) return void res.end()
  res.writeHead(unavailableAnswer.status, {
    "content-type": unavailableAnswer.contentType,
    "content-length": Buffer.byteLength(unavailableAnswer.body),
    connection: "close"
  })
  res.end(unavailableAnswer.body)
}

export class NodeWebhookHandler {
  /** Connectors that could not be bound when the receiver was made (empty when all are fine). */
  readonly misconfigured: ReadonlyArray<Misconfigured>
  readonly #runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  readonly #owned: boolean
  readonly #route: Receiver.RouteOptions
  readonly #limit: number
  readonly #named = new WeakMap<object, string>()
  #listeners: Promise<Exit.Exit<Listeners, unknown>> | undefined

  constructor(options: Options & { readonly runtime?: ManagedRuntime.ManagedRuntime<Services, unknown> | undefined }) {
    const path = options.path ?? WebhookRoute.defaultPath
    checkPath(path)
    if (options.runtime !== undefined) {
      this.#runtime = options.runtime
      this.#owned = false
      this.misconfigured = []
    } else {
      const { bound, misconfigured } = bindAll(options.connectors)
      const registry = Layer.effect(
        ConnectorRegistry.ConnectorRegistry,
        Effect.gen(function*() {
          const registry = yield* ConnectorRegistry.ConnectorRegistry.make
          for (const connector of bound) yield* registry.register(connector)
          return registry
        })
      )
      const services = Layer.mergeAll(registry, options.store ?? MemoryRefundStore.layer, FetchHttpClient.layer)
      this.#runtime = ManagedRuntime.make(services as Layer.Layer<Services, unknown>)
      this.#owned = true
      this.misconfigured = misconfigured
    }
    this.#limit = options.maxBodyBytes ?? WebhookRoute.defaultMaxBodyBytes
    this.#route = {
      path,
      maxBodyBytes: this.#limit,
      publicUrl: options.publicUrl,
      allowUnsigned: options.allowUnsigned,
      misconfigured: new Set(this.misconfigured.map((m) => m.connector))
    }
    for (const problem of this.misconfigured) (options.onMisconfigured ?? logMisconfigured)(problem)
  }

  /** Uses an existing runtime that provides the store, the registry and an HttpClient (it is not disposed by `close`). */
  static fromRuntime(
    runtime: ManagedRuntime.ManagedRuntime<Services, unknown>,
    options: Omit<Options, "connectors" | "store" | "onMisconfigured"> = {}
  ): NodeWebhookHandler {
    return new NodeWebhookHandler({ ...options, connectors: [], runtime })
  }

  #isMisconfigured(connector: string): boolean {
    return this.#route.misconfigured?.has(connector) === true
  }

  /** Verifies, parses, de-duplicates and stores one delivery. Rejects with WebhookError or StoreError. */
  handle(connector: string, request: IncomingWebhook): Promise<EventHandler.HandleResult> {
    if (this.#isMisconfigured(connector)) {
      const problem = this.misconfigured.find((m) => m.connector === connector)!
      return Promise.reject(notConfiguredError(connector, `${connector} is misconfigured on this receiver: ${problem.message}`))
    }
    return this.#runtime.runPromise(
      EventHandler.handleEvent({ connector, request: WebhookEvent.makeRawRequest(request) }, this.#route)
    )
  }

  /** Like `handle`, but resolves with the HTTP answer to send (never rejects). */
  respond(connector: string, request: IncomingWebhook): Promise<WebhookRoute.WebhookResponse> {
    const size = typeof request.body === "string" ? Buffer.byteLength(request.body) : request.body.length
    if (size > this.#limit) return Promise.resolve(WebhookRoute.tooLarge(this.#limit))
    if (this.#isMisconfigured(connector)) return Promise.resolve(notConfiguredAnswer)
    return this.#runtime.runPromise(WebhookRoute.respond(connector, WebhookEvent.makeRawRequest(request), this.#route)).catch(
      (cause: unknown) => {
        Effect.runSync(Effect.logError("refract: the webhook receiver could not start", { cause: String(cause) }))
        return unavailableAnswer
      }
    )
  }

  /** The platform handlers, made once on first use inside the receiver's runtime. */
  #handlers(): Promise<Exit.Exit<Listeners, unknown>> {
    if (this.#listeners === undefined) {
      const route = this.#route
      const named = this.#named
      const forNamedConnector = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        Receiver.delivery(named.get(NodeHttpServerRequest.toIncomingMessage(request)) ?? "", request, route))
      this.#listeners = this.#runtime.runPromiseExit(Effect.gen(function*() {
        const scope = yield* Scope.make()
        const app = yield* HttpRouter.toHttpEffect(Receiver.routes(route)).pipe(Scope.provide(scope))
        const routed = yield* NodeHttpServer.makeHandler(app, { scope })
        const namedListener = yield* NodeHttpServer.makeHandler(forNamedConnector, { scope })
        return { scope, routed, named: namedListener }
      })).then((exit) => {
        if (Exit.isFailure(exit)) {
          Effect.runSync(Effect.logError("refract: the webhook receiver could not start", { cause: Cause.pretty(exit.cause) }))
        }
        return exit
      })
    }
    return this.#listeners
  }

  #dispatch(req: IncomingMessage, res: ServerResponse, connector: string | undefined): void {
    void this.#handlers().then((exit) => {
      if (Exit.isFailure(exit)) return writeUnavailable(req, res)
      if (connector === undefined) return exit.value.routed(req, res)
      this.#named.set(req, connector)
      exit.value.named(req, res)
    })
  }

  /**
   * Handles a Node request for `connector` (or the connector in the path) and writes the answer;
   * resolves once the response is finished. Reads the raw body itself: do not put a JSON body
   * parser in front of it.
   */
  handleNode(req: IncomingMessage, res: ServerResponse, connector?: string): Promise<void> {
    return new Promise((resolve) => {
      res.once("close", () => resolve())
      this.#dispatch(req, res, connector)
    })
  }

  /**
   * A listener for `http.createServer`: `POST <path>` (default `/webhooks/:connector`) and
   * `GET /healthz`; 405 for other methods on the webhook path, a JSON 404 for anything else.
   */
  readonly nodeListener: NodeListener = (req, res) => this.#dispatch(req, res, undefined)

  /** The stored refund, if any. */
  refund(connector: string, connectorRefundId: string): Promise<Refund.Refund | undefined> {
    return this.#runtime.runPromise(Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      return Option.getOrUndefined(yield* store.get({ connector, connectorRefundId }))
    }))
  }

  /** The refund's observation history, oldest first. */
  history(connector: string, connectorRefundId: string): Promise<ReadonlyArray<RefundStore.HistoryEntry>> {
    return this.#runtime.runPromise(Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      return yield* store.history({ connector, connectorRefundId })
    }))
  }

  /**
   * Stops handling (requests in flight are interrupted) and releases the store and connections
   * (unless the runtime was given to `fromRuntime`). Close your HTTP server first.
   */
  async close(): Promise<void> {
    const listeners = await this.#listeners
    if (listeners !== undefined && Exit.isSuccess(listeners)) await Effect.runPromise(Scope.close(listeners.value.scope, Exit.void))
    if (this.#owned) await this.#runtime.dispose()
  }
}

/** A receiver for `connectors` (see the module documentation). */
export const make = (options: Options): NodeWebhookHandler => new NodeWebhookHandler(options)
