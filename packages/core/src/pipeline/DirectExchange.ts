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
import { Data, type Effect } from "effect"
import type { HttpClient } from "effect/http"
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

/**
 * One exchange: the whole answer (any status; header names lower case, body read in full), or why
 * there was none. Interrupting it must abort the request and free its connection.
 */
export type Exchange = (request: WireRequest) => Effect.Effect<ProcessorResponse, ExchangeError>

interface WithExchange {
  readonly [TypeId]: Exchange
}

/** `client` with a direct exchange; everything else about it is unchanged. */
export const withExchange = (client: HttpClient.HttpClient, exchange: Exchange): HttpClient.HttpClient =>
  Object.assign(Object.create(client) as HttpClient.HttpClient, { [TypeId]: exchange })

/** The client's direct exchange, if it carries one. */
export const of = (client: HttpClient.HttpClient): Exchange | undefined => (client as Partial<WithExchange>)[TypeId]
