/**
 * The webhook endpoint as an `effect/http` route: `POST /webhooks/:connector`. Platform-agnostic:
 * serve it with any `HttpServer` (`@refract/node` runs it on `@effect/platform-node`).
 *
 *   const Routes = Layer.mergeAll(WebhookRoute.layer(), MyOtherRoutes)
 *   HttpRouter.serve(Routes).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })), ...)
 *
 * - The body is read as raw bytes, exactly as sent (signatures cover the exact bytes), up to
 *   `maxBodyBytes` (default 1 MiB): larger deliveries are refused with 413 before any parsing.
 * - The processor gets the acknowledgement it expects (Adyen `[accepted]`, Stripe a 200 JSON), and
 *   only once every event of the delivery is durably stored.
 * - Unverifiable input answers 400/401 (`WebhookError.httpStatus`) and touches no state; an unknown
 *   connector answers 404; a store failure answers 500, so the processor retries the delivery.
 *
 * The route needs `RefundStore`, `ConnectorRegistry` and an `HttpClient` (certificate fetches).
 */
import { Cause, Effect, Layer, Stream } from "effect"
import type { HttpClient } from "effect/http"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HandleOptions } from "../events/EventHandler.ts"
import { describe, handleEvent } from "../events/EventHandler.ts"
import type { ConnectorRegistry } from "../service/ConnectorRegistry.ts"
import type { RefundStore } from "../store/RefundStore.ts"
import type { RawWebhookRequest } from "../webhook/WebhookEvent.ts"
import { makeRawRequest } from "../webhook/WebhookEvent.ts"

export interface Options extends HandleOptions {
  /** Route path with a `:connector` parameter. Default `/webhooks/:connector`. */
  readonly path?: `/${string}` | undefined
  /** Largest body accepted, in bytes. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined
  /**
   * The public base URL processors call (`https://hooks.example.com`), when behind a proxy that
   * rewrites the host: some processors sign the URL.
   */
  readonly publicUrl?: string | undefined
}

export const defaultPath = "/webhooks/:connector"
export const defaultMaxBodyBytes = 1024 * 1024

/** A plain HTTP answer, shared by the Effect route and the Promise receivers. */
export interface WebhookResponse {
  readonly status: number
  readonly contentType: string
  readonly body: string
}

const json = (status: number, body: unknown): WebhookResponse => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(body)
})

export const tooLarge = (limit: number): WebhookResponse =>
  json(413, { error: "PayloadTooLarge", message: `webhook bodies are limited to ${limit} bytes` })

/**
 * Handles a delivery and says what to answer. Never fails: verification failures become 4xx,
 * store failures 500 (logged), anything unexpected 500.
 */
export const respond = (
  connector: string,
  request: RawWebhookRequest,
  options?: HandleOptions
): Effect.Effect<WebhookResponse, never, RefundStore | ConnectorRegistry | HttpClient.HttpClient> =>
  handleEvent({ connector, request }, options).pipe(
    Effect.tap((result) =>
      Effect.logDebug("refract webhook stored", { connector, outcomes: result.outcomes.map(describe) })
    ),
    Effect.map((result): WebhookResponse => ({
      status: result.acknowledgement.status,
      contentType: result.acknowledgement.contentType,
      body: result.acknowledgement.body
    })),
    Effect.catchTags({
      WebhookError: (error) =>
        Effect.as(
          Effect.logWarning("refract webhook refused", { connector, reason: error.reason._tag, message: error.reason.message }),
          // Not-configured details (the list of installed connectors) stay in the log.
          error.reason._tag === "NotConfigured"
            ? json(error.httpStatus, { error: error.reason._tag })
            : json(error.httpStatus, { error: error.reason._tag, message: error.reason.message })
        ),
      StoreError: (error) =>
        Effect.as(
          Effect.logError("refract webhook not stored; answering 500 so the processor retries", { connector, error: error.message }),
          json(500, { error: "StoreUnavailable" })
        )
    }),
    Effect.catchCause((cause) =>
      Effect.as(
        Effect.logError("refract webhook failed unexpectedly", { connector, cause: Cause.pretty(cause) }),
        json(500, { error: "InternalError" })
      )
    )
  )

class BodyTooLarge {
  readonly _tag = "BodyTooLarge"
}

/** Reads the raw body, refusing more than `limit` bytes (by Content-Length first, then by counting). */
export const readBody = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number
): Effect.Effect<Uint8Array, BodyTooLarge | unknown> =>
  Effect.gen(function*() {
    const declared = Number(request.headers["content-length"])
    if (Number.isFinite(declared) && declared > limit) return yield* Effect.fail(new BodyTooLarge())
    const chunks: Array<Uint8Array> = []
    let size = 0
    yield* request.stream.pipe(
      Stream.runForEach((chunk) => {
        size += chunk.length
        if (size > limit) return Effect.fail(new BodyTooLarge())
        chunks.push(chunk)
        return Effect.void
      })
    )
    const body = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.length
    }
    return body
  })

const fullUrl = (request: HttpServerRequest.HttpServerRequest, publicUrl: string | undefined): string => {
  if (publicUrl !== undefined) return `${publicUrl.replace(/\/+$/, "")}${request.url}`
  const url = HttpServerRequest.toURL(request)
  return url._tag === "Some" ? url.value.toString() : `http://localhost${request.url}`
}

/**
 * Handles one delivery for `connector` from a server request: reads the raw body (up to the limit),
 * verifies, stores and answers. For routers that know the connector some other way than a
 * `:connector` path parameter.
 */
export const handleRequest = (
  connector: string,
  request: HttpServerRequest.HttpServerRequest,
  options: Options = {}
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, RefundStore | ConnectorRegistry | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const limit = options.maxBodyBytes ?? defaultMaxBodyBytes
    const body = yield* readBody(request, limit).pipe(Effect.result)
    let answer: WebhookResponse
    if (body._tag === "Failure") {
      answer = body.failure instanceof BodyTooLarge
        ? tooLarge(limit)
        : json(400, { error: "UnreadableBody" })
    } else {
      const raw = makeRawRequest({
        method: request.method,
        url: fullUrl(request, options.publicUrl),
        headers: request.headers,
        body: body.success
      })
      answer = yield* respond(connector, raw, options)
    }
    return HttpServerResponse.text(answer.body, { status: answer.status, contentType: answer.contentType })
  })

/** The handler behind the route (usable with `HttpRouter.route` or your own router). */
export const handler = (options: Options = {}) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.flatMap(HttpRouter.params, ({ connector }) => handleRequest(connector ?? "", request, options))

/** The route as a layer for an `HttpRouter` app. */
export const layer = (options: Options = {}) =>
  HttpRouter.add("POST", options.path ?? defaultPath, handler(options))

/** A `GET /healthz` answering 200 "ok" (for load balancers and `refract serve`). */
export const health = HttpRouter.add("GET", "/healthz", HttpServerResponse.text("ok"))

export const routes = (options: Options = {}) => Layer.mergeAll(layer(options), health)
