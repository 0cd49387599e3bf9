/**
 * Refract's HTTP client on Node: an undici connection pool per processor host, with keep-alive, and
 * a direct exchange (`DirectExchange` in @refract/core) that the Executor uses for every processor
 * call. It is a full `HttpClient` as well (NodeHttpClient's undici client on the same pool), so
 * anything else in the program can use it, and wrapping it (`HttpClient.mapRequest`, ...) simply
 * routes the Executor through the wrapper.
 *
 *   Refract.layer(StripeConnector.layerConfig()).pipe(Layer.provide(NodeHttp.layer()))
 *
 * Why not `FetchHttpClient` on Node: fetch answers with web streams and a `Response` per call, which
 * cost more per call than a refund read does (see packages/bench). Why not NodeHttpClient's undici
 * client alone: its per-call `HttpClientRequest`, URL parsing, client span and response wrapper are
 * as much work again as the Executor's own; the direct exchange skips them (the Executor's own
 * `refract.<operation>` and `refract.attempt` spans remain).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { DirectExchange } from "@refract/core"
import type { ProcessorHttp } from "@refract/core"
import { Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import type { Agent, Dispatcher } from "undici"

export interface Options {
  /**
   * Connections kept per processor host (default 64). Calls beyond it wait for a free connection;
   * the Executor's timeouts count that wait.
   */
  readonly connections?: number | undefined
  /** How long an idle connection is kept open, in milliseconds (default 30 s, or less if the server says so). */
  readonly keepAliveMillis?: number | undefined
  /** How long connecting (TCP and TLS) may take, in milliseconds (default 10 s). */
  readonly connectTimeoutMillis?: number | undefined
  /**
   * Answers larger than this are refused, as a transport error (default 16 MiB): a refund answer is a
   * few kilobytes, and a proxy or a broken processor must not fill the process's memory.
   */
  readonly maxResponseBytes?: number | undefined
}

/** Splits an absolute URL into undici's origin and path (the path keeps the base URL's own prefix and the query). */
const split = (url: string): { readonly origin: string; readonly path: string } => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? { origin: url, path: "/" } : { origin: url.slice(0, slash), path: url.slice(slash) }
}

/** Response headers as one string per name (undici gives repeated headers as arrays). */
const flatten = (headers: Dispatcher.ResponseData["headers"]): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return out
}

/**
 * One exchange on `dispatcher`: the whole answer within `timeoutMillis`, or why there was none.
 * Past the time, or when interrupted, the request is aborted and its connection freed.
 */
export const exchange = (dispatcher: Dispatcher): DirectExchange.Exchange => (request, timeoutMillis) =>
  Effect.callback<ProcessorHttp.ProcessorResponse, DirectExchange.ExchangeError | DirectExchange.ExchangeTimeout>((resume) => {
    const controller = new AbortController()
    let done = false
    const finish = (effect: Effect.Effect<ProcessorHttp.ProcessorResponse, DirectExchange.ExchangeError | DirectExchange.ExchangeTimeout>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resume(effect)
    }
    const timer = setTimeout(() => {
      finish(Effect.fail(new DirectExchange.ExchangeTimeout({ timeoutMillis })))
      controller.abort()
    }, timeoutMillis)
    const { origin, path } = split(request.url)
    dispatcher.request({ origin, path, method: request.method, headers: request.headers, body: request.body ?? null, signal: controller.signal }).then(
      (response) =>
        response.body.text().then(
          (body) => finish(Effect.succeed({ status: response.statusCode, headers: flatten(response.headers), body })),
          (cause: unknown) => finish(Effect.fail(new DirectExchange.ExchangeError({ description: "the answer's body could not be read", cause })))
        ),
      (cause: unknown) => finish(Effect.fail(new DirectExchange.ExchangeError({ description: "connection failed", cause })))
    )
    // Interrupted (the operation's deadline, the caller): abort the request, free the connection.
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      controller.abort()
    })
  })

/**
 * undici's `Agent`, loaded when a client is made rather than when this module is: undici 8 does not
 * load on Node older than 22.19, and importing @refract/node (for its servers, say) must not fail
 * there. (A bundler may hand the CommonJS module over as `default`.)
 */
const loadAgent = Effect.tryPromise(async () => {
  const undici = (await import("undici")) as unknown as { readonly Agent?: typeof Agent; readonly default?: { readonly Agent?: typeof Agent } }
  const AgentClass = undici.Agent ?? undici.default?.Agent
  if (AgentClass === undefined) throw new Error("undici has no Agent export")
  return AgentClass
})

/**
 * The client, on a pool closed with the scope. Where undici cannot load (Node older than 22.19, below
 * what this package declares), it is `FetchHttpClient` instead, without a direct exchange, so that a
 * program started there still works, at fetch's speed.
 */
export const make = (options: Options = {}): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  Effect.gen(function*() {
    const loaded = yield* Effect.result(loadAgent)
    if (loaded._tag === "Failure") {
      yield* Effect.logDebug("refract: undici cannot load on this Node; NodeHttp falls back to fetch", { node: process.versions.node })
      return yield* Effect.service(HttpClient.HttpClient).pipe(Effect.provide(FetchHttpClient.layer))
    }
    const AgentClass = loaded.success
    const dispatcher = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new AgentClass({
          connections: options.connections ?? 64,
          keepAliveTimeout: options.keepAliveMillis ?? 30_000,
          keepAliveMaxTimeout: Math.max(options.keepAliveMillis ?? 30_000, 30_000),
          connect: { timeout: options.connectTimeoutMillis ?? 10_000 },
          maxResponseSize: options.maxResponseBytes ?? 16 * 1024 * 1024,
          // One request per connection at a time: a pipelined request behind a failed one may or may
          // not have reached the processor, which a refund cannot afford to guess.
          pipelining: 1
        })
      ),
      (agent) => Effect.promise(() => agent.close().catch(() => agent.destroy()))
    )
    const generic = yield* NodeHttpClient.makeUndici.pipe(Effect.provideService(NodeHttpClient.Dispatcher, dispatcher))
    return DirectExchange.withExchange(generic, exchange(dispatcher))
  })

/** The client as a layer; its pool closes with the layer. */
export const layer = (options?: Options): Layer.Layer<HttpClient.HttpClient> => Layer.effect(HttpClient.HttpClient, make(options))
