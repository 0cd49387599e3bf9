/**
 * Helpers for connector unit tests, without a network and without a test framework:
 *
 * - {@link scripted}: an `HttpClient` whose answers the test scripts (a status with body and headers,
 *   a refused or reset connection, a hang), recording every request it receives;
 * - {@link services}, {@link buildExit}, {@link configurationError}: `RefundService` and the
 *   `ConnectorRegistry` around a connector's layer, over that client, and how building it fails;
 * - {@link response}, {@link credentials}, {@link contexts}, {@link requests}, {@link ok},
 *   {@link failure}: the inputs a connector's pure functions get from the core, decoded as the core
 *   decodes them.
 *
 *   const http = ConnectorTest.scripted((request, index) => index === 0 ? { status: 503 } : { status: 200, body: refund })
 *   Effect.provide(ConnectorTest.services(StripeConnector.layer({ apiKey, baseUrl }), http.layer))
 *   // then: http.requests[0].headers["idempotency-key"], http.requests[1].body, ...
 *
 * This module imports no test framework (the package index, which exports it, is loaded at runtime
 * by the CLI); {@link configurationError} takes the test's own `assert`.
 *
 * @since 0.1.0
 */
import { ConnectorRegistry, Credentials, RefundClient, RefundService } from "@refract/core"
import type { Connector, ProcessorHttp, Refund, RefundError } from "@refract/core"
import { Effect, Exit, Layer, Result } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"

// ---------------------------------------------------------------------------------------------
// A scripted HttpClient
// ---------------------------------------------------------------------------------------------

/** A request as the client received it. */
export interface Recorded {
  readonly method: string
  /** The full URL, query included. */
  readonly url: string
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text ("" when there is none). */
  readonly body: string
}

/** An HTTP answer. */
export interface Reply {
  readonly status: number
  /** A string is sent as is, anything else as JSON; none (or "") is an empty body. */
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** Answer after this many real milliseconds (to overlap concurrent calls); the test clock plays no part. */
  readonly delayMillis?: number
}

/**
 * What the client does with a request: answer it, fail it as a transport error (`ECONNREFUSED`
 * before anything was sent, `ECONNRESET` after), or never answer (for timeouts).
 */
export type Answer = Reply | { readonly transport: "refused" | "reset" } | { readonly hang: true }

export interface Script {
  /** Every request received so far, in order. */
  readonly requests: Array<Recorded>
  readonly layer: Layer.Layer<HttpClient.HttpClient>
}

const transportCodes = { refused: "ECONNREFUSED", reset: "ECONNRESET" } as const

const realSleep = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

/** An `HttpClient` answering each request with `answer(request, index)` (index from 0), recording every request. */
export const scripted = (answer: (request: Recorded, index: number) => Answer): Script => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const recorded: Recorded = {
        method: request.method,
        url: url.toString(),
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
        body: request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
      }
      const index = requests.length
      requests.push(recorded)
      const a = answer(recorded, index)
      if ("hang" in a) return yield* Effect.never
      if ("transport" in a) {
        const cause = Object.assign(new Error(a.transport), { code: transportCodes[a.transport] })
        return yield* Effect.fail(
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, cause, description: a.transport })
          })
        )
      }
      if (a.delayMillis !== undefined) yield* realSleep(a.delayMillis)
      const text = a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body)
      return HttpClientResponse.fromWeb(
        request,
        new Response(text === "" ? null : text, { status: a.status, headers: { ...a.headers } })
      )
    })
  )
  return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

// ---------------------------------------------------------------------------------------------
// The core services around a connector's layer
// ---------------------------------------------------------------------------------------------

/**
 * `RefundService`, the `ConnectorRegistry` and what `connector` provides (its specific service),
 * with the connector registered, all over `http`.
 */
export const services = <A, E, R>(
  connector: Layer.Layer<A, E, R>,
  http: Layer.Layer<HttpClient.HttpClient>
): Layer.Layer<
  A | RefundService.RefundService | ConnectorRegistry.ConnectorRegistry,
  E,
  Exclude<Exclude<R, ConnectorRegistry.ConnectorRegistry>, HttpClient.HttpClient>
> => RefundService.layer(connector).pipe(Layer.provide(http))

/** Builds `layer` in a scope of its own and closes it: how building ended. */
export const buildExit = <A, E>(layer: Layer.Layer<A, E>): Promise<Exit.Exit<unknown, E>> =>
  Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))

/** The part of the test framework's `assert` (chai's) that {@link configurationError} uses. */
export interface Assert {
  isTrue(value: unknown, message?: string): void
  strictEqual<T>(actual: T, expected: T, message?: string): void
}

/**
 * Asserts, with the test's `assert`, that `exit` failed and that its first typed failure is a
 * `RefundError` with a Configuration reason (and, when given, raised by `operation`); returns it.
 */
export const configurationError = (
  assert: Assert,
  exit: Exit.Exit<unknown, unknown>,
  options: { readonly operation?: string } = {}
): RefundError | undefined => {
  assert.isTrue(Exit.isFailure(exit))
  if (Exit.isSuccess(exit)) return undefined
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  const error = fail?._tag === "Fail" ? (fail.error as RefundError) : undefined
  assert.strictEqual(error?._tag, "RefundError")
  if (options.operation !== undefined) assert.strictEqual(error?.operation, options.operation)
  assert.strictEqual(error?.reason._tag, "Configuration")
  return error
}

// ---------------------------------------------------------------------------------------------
// Inputs as the core hands them to a connector
// ---------------------------------------------------------------------------------------------

/** The success of `result`; throws (failing the test) with the failure otherwise. */
export const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}

/** The failure of `result`; throws (failing the test) with the success otherwise. */
export const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) throw new Error(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

const decoded = <A>(result: Result.Result<A, { readonly message: string }>): A => {
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

/** An answer as a connector's `parse` and `mapError` see it: header names lower case, the body as text (JSON unless a string). */
export const response = (
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
): ProcessorHttp.ProcessorResponse => ({
  status,
  headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  body: typeof body === "string" ? body : JSON.stringify(body)
})

/** `input` decoded against the connector's credential fields, as the core does when it binds the connector. */
export const credentials = <S extends Credentials.CredentialSpec>(
  connector: { readonly id: string; readonly credentials: S },
  input: unknown
): Credentials.Decoded<S> => decoded(Credentials.decode(connector.credentials, input, `${connector.id} credentials`))

export interface Contexts<C> {
  readonly buildContext: Connector.BuildContext<C>
  /** With the idempotency key given, or the default one. */
  readonly createContext: (idempotencyKey?: string) => Connector.CreateContext<C>
}

/** Build and create contexts over decoded credentials (sandbox; default idempotency key "refract-order-42-r1"). */
export const contexts = <C>(
  credentials: C,
  options: { readonly idempotencyKey?: string; readonly environment?: Connector.Environment } = {}
): Contexts<C> => {
  const buildContext: Connector.BuildContext<C> = { credentials, environment: options.environment ?? "sandbox" }
  return {
    buildContext,
    createContext: (idempotencyKey = options.idempotencyKey ?? "refract-order-42-r1") => ({ ...buildContext, idempotencyKey })
  }
}

export interface Requests {
  /** `input` over the defaults, validated as the core validates a create. */
  readonly createRequest: (input?: Partial<RefundClient.CreateRefundInput>) => Refund.CreateRefundRequest
  /** A refund reference, validated as the core validates one. */
  readonly reference: (input: RefundClient.ReferenceInput) => Refund.RefundReference
}

/** Create requests (over `defaults`) and references for the connector `connectorId`; invalid input throws. */
export const requests = (connectorId: string, defaults: Partial<RefundClient.CreateRefundInput> = {}): Requests => ({
  createRequest: (input = {}) =>
    decoded(RefundClient.decodeCreate(connectorId, { ...defaults, ...input } as RefundClient.CreateRefundInput)),
  reference: (input) => decoded(RefundClient.decodeReference(connectorId, input))
})
