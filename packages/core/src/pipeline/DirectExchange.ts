/**
 * The short road for the Executor's HTTP exchanges.
 *
 * The Executor needs one thing from HTTP: send a request that is already plain data (method,
 * absolute URL, headers, body text) and read the whole answer back as plain data. Going through
 * `HttpClient.execute` builds an `HttpClientRequest`, parses the URL again, opens an `http.client`
 * span, wraps the answer in an `HttpClientResponse` and a `Headers` record, and registers it for
 * finalization: about as much work again as the Executor's own. An `HttpClient` may therefore carry
 * a direct exchange (`@refract/node`'s `NodeHttp.layer` does, on an undici pool): the Executor uses
 * it when present and `execute` otherwise (FetchHttpClient, test doubles).
 *
 * Wrapping a client (`HttpClient.mapRequest`, `withTracerPropagation`, a retry policy) returns a
 * new client without the direct exchange, so a wrapper is never bypassed: the Executor then goes
 * through `execute` and the wrapper applies.
 */
import { Data, Effect, Tracer } from "effect"
import { Headers, HttpClient, HttpTraceContext, UrlParams } from "effect/http"
import type { HttpMethod, ProcessorResponse } from "../connector/ProcessorHttp.ts"

/** The property an `HttpClient` carries its direct exchange under. */
export const TypeId = "~@refract/core/DirectExchange" as const

/** A request as it goes on the wire: secrets already revealed, so it never leaves the Executor. */
export interface WireRequest {
  readonly method: HttpMethod
  /** Absolute URL, query included. */
  readonly url: string
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body text; its content type is in `headers`. */
  readonly body: string | undefined
}

/**
 * Why an exchange produced no answer. `cause` is the transport's own error (its `code`, its
 * `cause` chain): the Executor reads from it whether the request can have been sent.
 */
export class ExchangeError extends Data.TaggedError("ExchangeError")<{
  readonly description: string
  readonly cause: unknown
}> {}

/** No whole answer within the attempt's time: the request was aborted (it may have been sent). */
export class ExchangeTimeout extends Data.TaggedError("ExchangeTimeout")<{
  readonly timeoutMillis: number
}> {}

/**
 * One exchange: the whole answer (any status; header names lower case, body read in full) within
 * `timeoutMillis`, or why there was none. Past the time, and when interrupted, it aborts the request
 * and frees its connection. (The timeout is the exchange's own: a timer it already has costs less
 * than racing the effect against a sleep.)
 */
export type Exchange = (request: WireRequest, timeoutMillis: number) => Effect.Effect<ProcessorResponse, ExchangeError | ExchangeTimeout>

interface WithExchange {
  readonly [TypeId]: Exchange
}

/** `client` with a direct exchange; everything else about it is unchanged. */
export const withExchange = (client: HttpClient.HttpClient, exchange: Exchange): HttpClient.HttpClient =>
  Object.assign(Object.create(client) as HttpClient.HttpClient, { [TypeId]: exchange })

/** The client's direct exchange, if it carries one. */
export const of = (client: HttpClient.HttpClient): Exchange | undefined => (client as Partial<WithExchange>)[TypeId]

const defaultPorts: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 }

/**
 * The exchange inside the client span effect/http's HttpClient would have opened, so traces, the
 * CLI's progress lines and `traceparent` propagation are the same on both roads: named by the
 * method, kind client, `http.request.method`, `url.*`, `server.*`, the request and response headers
 * `HttpClient.TracerHeaderFilter` lets through (redacted names shown as `<redacted>`),
 * `http.response.status_code`, and `error.type` for 4xx and 5xx. `traceparent` is sent unless
 * `HttpClient.TracerPropagationEnabled` is off or `Tracer.DisablePropagation` is on.
 * (`HttpClient.TracerDisabledWhen` and `SpanNameGenerator` take an `HttpClientRequest`, which this
 * road never builds; to use them, wrap the client: the Executor then takes `execute`.)
 */
export const traced = (
  exchange: Exchange,
  request: WireRequest,
  /** `request.url`, already parsed by the caller (it parsed it to build the request). */
  url: URL,
  timeoutMillis: number,
  redactedNames: ReadonlyArray<string | RegExp>
): Effect.Effect<ProcessorResponse, ExchangeError | ExchangeTimeout> =>
  Effect.withFiber((fiber) =>
    Effect.useSpan(request.method, { kind: "client" }, (span) => {
      span.attribute("http.request.method", request.method)
      const urlRedacted = fiber.getRef(UrlParams.CurrentRedactedNames)
      span.attribute("url.full", UrlParams.redactUrl(url.href, urlRedacted))
      span.attribute("url.path", url.pathname)
      if (url.search !== "") span.attribute("url.query", UrlParams.redactUrl(url.search, urlRedacted).slice(1))
      span.attribute("url.scheme", url.protocol.slice(0, -1))
      span.attribute("server.address", url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname)
      const port = url.port === "" ? defaultPorts[url.protocol] : Number(url.port)
      if (port !== undefined) span.attribute("server.port", port)
      const filter = fiber.getRef(HttpClient.TracerHeaderFilter)
      // Built only when a header is recorded: by default none is.
      let redacted: ReadonlyArray<string | RegExp> | undefined
      const record = (phase: "request" | "response", headers: Readonly<Record<string, string>>) => {
        for (const name in headers) {
          if (!filter(name, phase)) continue
          redacted ??= [...fiber.getRef(Headers.CurrentRedactedNames), ...redactedNames]
          span.attribute(`http.${phase}.header.${name}`, Headers.isRedactedName(name, redacted) ? "<redacted>" : headers[name])
        }
      }
      record("request", request.headers)
      const propagate = fiber.getRef(HttpClient.TracerPropagationEnabled) && !fiber.getRef(Tracer.DisablePropagation)
      const sent = propagate ? { ...request, headers: { ...request.headers, ...HttpTraceContext.toHeaders(span) } } : request
      return exchange(sent, timeoutMillis).pipe(
        Effect.withParentSpan(span, { captureStackTrace: false }),
        Effect.map((response) => {
          span.attribute("http.response.status_code", response.status)
          record("response", response.headers)
          if (response.status >= 400 && response.status < 600) span.attribute("error.type", String(response.status))
          return response
        })
      )
    })
  )
