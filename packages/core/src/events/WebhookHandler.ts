/**
 * A Promise API for receiving webhooks in applications that do not use Effect, including a
 * listener for Node's own HTTP server.
 *
 *   import { createServer } from "node:http"
 *   import { WebhookHandler } from "@refract/core/events/WebhookHandler"
 *   import { connector as stripe } from "@refract/stripe"
 *
 *   const webhooks = new WebhookHandler({
 *     connectors: [{ connector: stripe, options: { credentials: { apiKey }, webhookSecrets: { signingSecret } } }]
 *   })
 *   createServer(webhooks.nodeListener).listen(8080)            // POST /webhooks/stripe
 *   // or, inside your own routing:  await webhooks.handleNode(req, res, "stripe")
 *   // or, with the body already read: const result = await webhooks.handle("stripe", { headers, body })
 *
 * `handle` rejects with `WebhookError` (verification, 4xx) or `StoreError` (5xx); `respond` and the
 * Node listener never reject: they answer the processor's acknowledgement once the delivery is
 * stored, and 400/401/404/413/500 otherwise.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import type { HttpClient } from "effect/http"
import type { ConnectorOptions } from "../connector/BoundConnector.ts"
import type { Connector } from "../connector/Connector.ts"
import * as NodeHttp from "../http/NodeHttp.ts"
import * as WebhookRoute from "../http/WebhookRoute.ts"
import type { Refund } from "../refund/Refund.ts"
import { ConnectorRegistry, register } from "../service/ConnectorRegistry.ts"
import * as MemoryRefundStore from "../store/MemoryRefundStore.ts"
import type { HistoryEntry } from "../store/RefundStore.ts"
import { RefundStore } from "../store/RefundStore.ts"
import { makeRawRequest } from "../webhook/WebhookEvent.ts"
import type { HandleOptions, HandleResult } from "./EventHandler.ts"
import { handleEvent } from "./EventHandler.ts"

export interface ConnectorEntry {
  readonly connector: Connector
  /** Credentials (as the connector requires them) and `webhookSecrets`. */
  readonly options: ConnectorOptions
}

export interface Options extends HandleOptions {
  readonly connectors: ReadonlyArray<ConnectorEntry>
  /** Where refund state goes. Default: in memory. */
  readonly store?: Layer.Layer<RefundStore, unknown> | undefined
  /** Largest body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /** Path pattern for `nodeListener`. Default `/webhooks/:connector`. */
  readonly path?: string | undefined
  /** Public base URL processors call, when behind a proxy (some processors sign the URL). */
  readonly publicUrl?: string | undefined
}

export interface IncomingWebhook {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  /** The raw body exactly as received. Pass bytes (a Buffer) rather than a re-serialized object. */
  readonly body: Uint8Array | string
}

type Services = RefundStore | ConnectorRegistry | HttpClient.HttpClient

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const pathMatcher = (pattern: string): ((pathname: string) => string | undefined) => {
  const parts = pattern.split(":connector")
  if (parts.length !== 2) throw new Error(`webhook path ${JSON.stringify(pattern)} must contain :connector once`)
  const regex = new RegExp(`^${escapeRegex(parts[0]!)}([^/]+)${escapeRegex(parts[1]!)}/?$`)
  return (pathname) => {
    const m = regex.exec(pathname)
    return m === null ? undefined : decodeURIComponent(m[1]!)
  }
}

const readNodeBody = (req: IncomingMessage, limit: number): Promise<Uint8Array | "too-large"> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) {
      req.resume()
      return resolve("too-large")
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    req.on("data", (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        resolve("too-large")
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      if (!done) resolve(new Uint8Array(Buffer.concat(chunks)))
    })
    req.on("error", reject)
  })

const send = (res: ServerResponse, answer: WebhookRoute.WebhookResponse): void => {
  res.writeHead(answer.status, { "content-type": answer.contentType, "content-length": Buffer.byteLength(answer.body) })
  res.end(answer.body)
}

export class WebhookHandler {
  readonly #runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  readonly #owned: boolean
  readonly #options: HandleOptions
  readonly #limit: number
  readonly #match: (pathname: string) => string | undefined
  readonly #publicUrl: string | undefined

  constructor(options: Options & { readonly runtime?: ManagedRuntime.ManagedRuntime<Services, unknown> | undefined }) {
    if (options.runtime !== undefined) {
      this.#runtime = options.runtime
      this.#owned = false
    } else {
      const connectors = options.connectors.map((c) => register(c.connector, c.options))
      const services = Layer.mergeAll(
        Layer.mergeAll(Layer.empty, ...connectors).pipe(Layer.provideMerge(ConnectorRegistry.layer)),
        options.store ?? MemoryRefundStore.layer,
        FetchHttpClient.layer
      )
      this.#runtime = ManagedRuntime.make(services as Layer.Layer<Services, unknown>)
      this.#owned = true
    }
    this.#options = { allowUnsigned: options.allowUnsigned }
    this.#limit = options.maxBodyBytes ?? WebhookRoute.defaultMaxBodyBytes
    this.#match = pathMatcher(options.path ?? WebhookRoute.defaultPath)
    this.#publicUrl = options.publicUrl
  }

  /** Uses an existing runtime that provides the store, the registry and an HttpClient (it is not disposed by `close`). */
  static fromRuntime(
    runtime: ManagedRuntime.ManagedRuntime<Services, unknown>,
    options: Omit<Options, "connectors" | "store"> = {}
  ): WebhookHandler {
    return new WebhookHandler({ ...options, connectors: [], runtime })
  }

  #run<A, E>(effect: Effect.Effect<A, E, Services>): Promise<A> {
    return this.#runtime.runPromise(effect)
  }

  /** Verifies, parses, de-duplicates and stores one delivery. Rejects with WebhookError or StoreError. */
  handle(connector: string, request: IncomingWebhook): Promise<HandleResult> {
    return this.#run(handleEvent({ connector, request: makeRawRequest(request) }, this.#options))
  }

  /** Like `handle`, but resolves with the HTTP answer to send (never rejects). */
  respond(connector: string, request: IncomingWebhook): Promise<WebhookRoute.WebhookResponse> {
    const body = typeof request.body === "string" ? Buffer.byteLength(request.body) : request.body.length
    if (body > this.#limit) return Promise.resolve(WebhookRoute.tooLarge(this.#limit))
    return this.#run(WebhookRoute.respond(connector, makeRawRequest(request), this.#options))
  }

  /**
   * Handles a Node request for `connector` (or the connector in the path) and writes the answer.
   * Reads the raw body itself: do not put a JSON body parser in front of it.
   */
  async handleNode(req: IncomingMessage, res: ServerResponse, connector?: string): Promise<void> {
    try {
      const id = connector ?? this.#match(new URL(req.url ?? "/", "http://localhost").pathname)
      if (id === undefined) return send(res, { status: 404, contentType: "application/json", body: "{\"error\":\"NotFound\"}" })
      const body = await readNodeBody(req, this.#limit)
      if (body === "too-large") return send(res, WebhookRoute.tooLarge(this.#limit))
      const answer = await this.#run(
        WebhookRoute.respond(
          id,
          makeRawRequest({ method: req.method, url: NodeHttp.requestUrl(req, this.#publicUrl), headers: req.headers, body }),
          this.#options
        )
      )
      send(res, answer)
    } catch {
      if (!res.headersSent) send(res, { status: 500, contentType: "application/json", body: "{\"error\":\"InternalError\"}" })
      else res.end()
    }
  }

  /** A listener for `http.createServer`: POST `<path>` (default `/webhooks/:connector`); 404 and 405 otherwise. */
  readonly nodeListener = (req: IncomingMessage, res: ServerResponse): void => {
    const id = this.#match(new URL(req.url ?? "/", "http://localhost").pathname)
    if (id === undefined) {
      req.resume()
      return send(res, { status: 404, contentType: "application/json", body: "{\"error\":\"NotFound\"}" })
    }
    if (req.method !== "POST") {
      req.resume()
      res.setHeader("allow", "POST")
      return send(res, { status: 405, contentType: "application/json", body: "{\"error\":\"MethodNotAllowed\"}" })
    }
    void this.handleNode(req, res, id)
  }

  /** The stored refund, if any. */
  refund(connector: string, connectorRefundId: string): Promise<Refund | undefined> {
    return this.#run(Effect.gen(function*() {
      const store = yield* RefundStore
      return Option.getOrUndefined(yield* store.get({ connector, connectorRefundId }))
    }))
  }

  /** The refund's observation history, oldest first. */
  history(connector: string, connectorRefundId: string): Promise<ReadonlyArray<HistoryEntry>> {
    return this.#run(Effect.gen(function*() {
      const store = yield* RefundStore
      return yield* store.history({ connector, connectorRefundId })
    }))
  }

  /** Releases the store and connections (unless the runtime was given to `fromRuntime`). */
  close(): Promise<void> {
    return this.#owned ? this.#runtime.dispose() : Promise.resolve()
  }
}
