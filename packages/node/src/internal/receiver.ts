/**
 * What the Effect webhook server and the Promise receiver share: the routes (core's webhook route,
 * `GET /healthz`, 405 for other methods on the webhook path, JSON 404s for everything else, 400 for
 * an invalid Host) and Node HTTP server options fit for webhook traffic.
 */
import { createServer } from "node:http"
import type { Server, ServerOptions } from "node:http"
import { WebhookRoute } from "@refract/core"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpServerError } from "effect/http"

export interface RouteOptions extends WebhookRoute.Options {
  /**
   * Connectors that are installed but could not be bound (a malformed secret), by id. Their
   * deliveries are answered 503 without touching anything, so the processor retries once the
   * configuration is fixed; every other connector keeps working.
   */
  readonly misconfigured?: ReadonlySet<string> | undefined
}

const json = (status: number, body: unknown, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, { status, ...(headers !== undefined ? { headers } : {}) })

/** The answer for a misconfigured connector: nothing about the problem itself (it is in the start-up report). */
export const notConfigured = json(503, { error: "NotConfigured" })

const notFound = json(404, { error: "NotFound" })

/** Methods answered 405 on the webhook path (HEAD falls back to GET). */
const otherMethods = ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] as const

/** One delivery for `connector`, unless that connector is misconfigured. */
export const delivery = (connector: string, request: HttpServerRequest.HttpServerRequest, options: RouteOptions) =>
  options.misconfigured?.has(connector) === true
    ? Effect.succeed(notConfigured)
    : WebhookRoute.handleRequest(connector, request, options)

const hostPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::\d{1,5})?$/

/**
 * A Host header a URL can be built from (`hooks.example.com`, `127.0.0.1:8080`, `[::1]:8080`), or
 * none at all (HTTP/1.0; Node itself refuses HTTP/1.1 requests without one).
 */
export const isValidHost = (host: string | undefined): boolean =>
  host === undefined || (host.length <= 255 && hostPattern.test(host) && URL.canParse(`http://${host}/`))

const badHost = json(400, { error: "BadRequest", message: "invalid Host header" })
const badTarget = json(400, { error: "BadRequest", message: "invalid request target" })

/**
 * Runs before every route. A request whose Host is not a host (`Host: [`) is answered 400, as
 * RFC 9112 §3.2 requires, before anything builds a URL from it. So is a request target that is
 * neither a path nor an absolute URL the platform could read (`http://[/x`, `*`: the platform turns
 * a valid absolute URL into its path). Requests no route matches, including paths the router cannot
 * even decode (`/webhooks/%E0%A4%A`, `//[`), get a JSON 404 instead of an empty body.
 */
const guard = HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
  (httpEffect) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (!isValidHost(request.headers["host"])) return Effect.succeed(badHost)
      if (!request.url.startsWith("/")) return Effect.succeed(badTarget)
      return httpEffect.pipe(Effect.catchReason("HttpServerError", "RouteNotFound", () => Effect.succeed(notFound)))
    }),
  { global: true }
)

/** The receiver's routes as an `HttpRouter` app layer. */
export const routes = (options: RouteOptions) => {
  const path = options.path ?? WebhookRoute.defaultPath
  return Layer.mergeAll(
    HttpRouter.add("POST", path, (request) =>
      Effect.flatMap(HttpRouter.params, ({ connector }) => delivery(connector ?? "", request, options))),
    ...otherMethods.map((method) => HttpRouter.add(method, path, json(405, { error: "MethodNotAllowed" }, { allow: "POST" }))),
    WebhookRoute.health,
    guard
  )
}

/** Node server limits (`http.createServer` options). */
export interface Limits {
  /** Receiving a request's headers. Default 10 s. */
  readonly headersTimeoutMillis?: number | undefined
  /** Receiving a whole request, body included: slow senders are answered 408 and dropped. Default 30 s. */
  readonly requestTimeoutMillis?: number | undefined
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  readonly keepAliveTimeoutMillis?: number | undefined
  /** Largest request head; larger ones are answered 431. Default 16 KiB (Node's). */
  readonly maxHeaderSize?: number | undefined
}

export const defaultLimits = {
  headersTimeoutMillis: 10_000,
  requestTimeoutMillis: 30_000,
  keepAliveTimeoutMillis: 5_000,
  maxHeaderSize: 16 * 1024
} as const

/**
 * `http.createServer` options with the limits applied. Processors send small bodies quickly, so
 * the defaults are far tighter than Node's (300 s per request), and the timeouts are checked every
 * second rather than every 30: a connection that trickles its body (slowloris) is cut within the
 * request timeout instead of holding a socket for minutes.
 */
export const serverOptions = (limits: Limits = {}): ServerOptions => {
  const requestTimeout = limits.requestTimeoutMillis ?? defaultLimits.requestTimeoutMillis
  const headersTimeout = limits.headersTimeoutMillis ?? defaultLimits.headersTimeoutMillis
  return {
    requestTimeout,
    // Node refuses a headers timeout above a (nonzero) request timeout; 0 turns a timeout off.
    headersTimeout: requestTimeout > 0 ? Math.min(headersTimeout, requestTimeout) : headersTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMillis ?? defaultLimits.keepAliveTimeoutMillis,
    maxHeaderSize: limits.maxHeaderSize ?? defaultLimits.maxHeaderSize,
    connectionsCheckingInterval: requestTimeout > 0 ? Math.min(1_000, requestTimeout) : 30_000
  }
}

/** A `node:http` server with {@link serverOptions}. */
export const nodeServer = (limits: Limits = {}): Server => createServer(serverOptions(limits))
