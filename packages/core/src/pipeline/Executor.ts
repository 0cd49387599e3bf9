/**
 * The execution pipeline every connector reuses.
 *
 * It turns a connector's pure request description into HTTP, with:
 * - a timeout per attempt and one for the whole operation;
 * - jittered exponential retries, only for retryable reasons, honouring the processor's hints
 *   (Retry-After, Stripe-Should-Retry, Adyen Transient-Error);
 * - the same idempotency key on every attempt of a request that moves money; a send without an
 *   answer is OutcomeUnknown, never silently retried under a new key (see "what may have happened");
 * - access tokens (single flight, refresh on 401) and an optional client-side rate limit;
 * - spans and metrics per connector and operation, with secret headers redacted.
 */
import { Cause, Clock, Effect, Metric, Random, type Redacted, Result } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import type { HttpClientError } from "effect/http"
import type { BoundConnector } from "../connector/BoundConnector.ts"
import { type Auth, type Flow, replaysKeys, type RetryHint } from "../connector/Connector.ts"
import type { HeaderValue, ProcessorRequest, ProcessorResponse } from "../connector/ProcessorHttp.ts"
import { encodeBody, isSuccess, revealHeader } from "../connector/ProcessorHttp.ts"
import type { Operation, ProcessorErrorDetails, RefundErrorReason } from "../error/RefundError.ts"
import { Network, OutcomeUnknown, ProcessorUnavailable, RateLimited, RefundError, Unsupported } from "../error/RefundError.ts"
import type { RefundReference, RefundSnapshot } from "../refund/Refund.ts"
import * as DirectExchange from "./DirectExchange.ts"
import * as RateLimiter from "./RateLimiter.ts"
import { backoffMillis } from "./RetryPolicy.ts"
import * as Telemetry from "./Telemetry.ts"

type FlowOperation = "create" | "get" | "lookup" | "cancel" | "list"

export interface Call<In, Out, Ctx> {
  readonly operation: FlowOperation
  readonly flow: Flow<In, Out, Ctx>
  readonly input: In
  readonly context: Ctx
  /**
   * Set for requests that move money: the key sent on every attempt, the refund it belongs to, and
   * when the key was first used if an earlier operation already sent it (a recovery's replay).
   */
  readonly idempotency?: {
    readonly key: string
    readonly merchantRefundId: string
    readonly firstAttemptAt?: number | undefined
  } | undefined
}

/** Header names always redacted, whatever the connector declares. */
const alwaysRedacted = ["authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"]

/** Node/undici error codes that mean the connection was never made, so nothing was sent. */
const notSentCodes: ReadonlySet<unknown> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  // undici's InvalidArgumentError: the request was refused (a malformed header, say) before it was queued.
  "UND_ERR_INVALID_ARG",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT"
])

const neverSent = (cause: unknown): boolean => {
  let current: unknown = cause
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (notSentCodes.has(code)) return true
    // fetch refuses the Fetch standard's blocked ports (1, 6000, 10080, ...) before connecting.
    if (code === undefined && (current as { message?: unknown }).message === "bad port") return true
    const errors = (current as { errors?: unknown }).errors // AggregateError from happy-eyeballs connects
    if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => neverSent(e))) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/** Why an attempt produced no HTTP answer. */
type NoAnswer =
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Transport"; readonly sent: boolean; readonly message: string }

/** The parts of a request that are the same on every attempt: URL with query, headers, body. */
interface Prepared {
  readonly method: ProcessorRequest["method"]
  /** Parsed once (effect/http's client normalizes URLs the same way), or undefined when it is not a URL. */
  readonly url: URL | undefined
  readonly headers: Readonly<Record<string, HeaderValue>>
  readonly body: { readonly text: string; readonly contentType: string } | undefined
}

const parseUrl = (bound: BoundConnector, spec: ProcessorRequest): URL | undefined => {
  try {
    const url = new URL(spec.absoluteUrl ?? `${bound.baseUrl}${spec.path.startsWith("/") ? "" : "/"}${spec.path}`)
    if (spec.query !== undefined) for (const name in spec.query) url.searchParams.append(name, spec.query[name]!)
    return url
  } catch {
    return undefined
  }
}

const prepare = (bound: BoundConnector, spec: ProcessorRequest): Prepared => ({
  method: spec.method,
  url: parseUrl(bound, spec),
  headers: spec.headers ?? {},
  body: spec.body === undefined ? undefined : encodeBody(spec.body)
})

/** The request as written on the wire: header names lower case, secrets revealed (only here). */
const toWire = (prepared: Prepared, url: URL, authHeaders: Readonly<Record<string, HeaderValue>>): DirectExchange.WireRequest => {
  const headers: Record<string, string> = {}
  for (const k in prepared.headers) headers[k.toLowerCase()] = revealHeader(prepared.headers[k]!)
  for (const k in authHeaders) headers[k.toLowerCase()] = revealHeader(authHeaders[k]!)
  if (prepared.body !== undefined) headers["content-type"] = prepared.body.contentType
  return { method: prepared.method, url: url.href, headers, body: prepared.body?.text }
}

/** Through `HttpClient.execute`, for clients without a direct exchange (fetch, test doubles, wrapped clients). */
const viaHttpClient = (
  client: HttpClient.HttpClient,
  bound: BoundConnector,
  wire: DirectExchange.WireRequest
): Effect.Effect<ProcessorResponse, HttpClientError.HttpClientError> => {
  let request = HttpClientRequest.setHeaders(HttpClientRequest.make(wire.method)(wire.url), wire.headers)
  if (wire.body !== undefined) request = HttpClientRequest.bodyText(request, wire.body, wire.headers["content-type"])
  return client.execute(request).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (body): ProcessorResponse => ({
        status: response.status,
        headers: response.headers as Readonly<Record<string, string>>,
        body
      }))
    ),
    // The http.client span records headers: these names are redacted there (compared case-insensitively).
    Effect.provideService(Headers.CurrentRedactedNames, redactedNames(bound))
  )
}

/** A value derived from a binding alone, computed on first use and kept as long as the binding. */
const perBinding = <A>(make: (bound: BoundConnector) => A) => {
  const cache = new WeakMap<BoundConnector, A>()
  return (bound: BoundConnector): A => {
    let value = cache.get(bound)
    if (value === undefined) {
      value = make(bound)
      cache.set(bound, value)
    }
    return value
  }
}

const redactedNames = perBinding((bound): ReadonlyArray<string> => [...alwaysRedacted, ...bound.connector.secretHeaders])

/** Why an exchange failed, as the Executor reasons about it. */
const noAnswer = (
  failure: Cause.TimeoutError | DirectExchange.ExchangeTimeout | DirectExchange.ExchangeError | HttpClientError.HttpClientError
): NoAnswer => {
  if (Cause.isTimeoutError(failure) || failure._tag === "ExchangeTimeout") return { _tag: "Timeout" }
  if (failure._tag === "ExchangeError") {
    // Stryker disable next-line StringLiteral: the tag is only ever compared with "Timeout"
    return { _tag: "Transport", sent: !neverSent(failure.cause), message: `${failure.description}${describeCause(failure.cause)}` }
  }
  const reason = failure.reason
  const sent = reason._tag === "TransportError" ? !neverSent(reason.cause) : reason._tag !== "InvalidUrlError" && reason._tag !== "EncodeError"
  const message = reason._tag === "TransportError"
    ? `${reason.description ?? "connection failed"}${describeCause(reason.cause)}`
    : reason._tag
  // Stryker disable next-line StringLiteral: the tag is only ever compared with "Timeout"
  return { _tag: "Transport", sent, message }
}

/** One HTTP exchange with a timeout: an answer (any status), or why there was none. */
const send = (
  client: HttpClient.HttpClient,
  bound: BoundConnector,
  prepared: Prepared,
  authHeaders: Readonly<Record<string, HeaderValue>>,
  timeoutMillis: number = bound.timeouts.attemptMillis
): Effect.Effect<Result.Result<ProcessorResponse, NoAnswer>> => {
  // Not a URL: nothing can have been sent (effect/http's client answers InvalidUrlError the same way).
  // Stryker disable next-line StringLiteral: the tag is only ever compared with "Timeout"
  if (prepared.url === undefined) return Effect.succeed(Result.fail({ _tag: "Transport", sent: false, message: "InvalidUrlError" }))
  const wire = toWire(prepared, prepared.url, authHeaders)
  const exchange = DirectExchange.of(client)
  const attempt: Effect.Effect<
    ProcessorResponse,
    DirectExchange.ExchangeError | DirectExchange.ExchangeTimeout | HttpClientError.HttpClientError | Cause.TimeoutError
  > = exchange !== undefined
    ? DirectExchange.traced(exchange, wire, prepared.url, timeoutMillis, redactedNames(bound))
    : Effect.timeout(viaHttpClient(client, bound, wire), timeoutMillis)
  return Effect.match(attempt, { onSuccess: Result.succeed, onFailure: (failure) => Result.fail(noAnswer(failure)) })
}

const describeCause = (cause: unknown): string => {
  let current: unknown = cause
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return ` (${code})`
    current = (current as { cause?: unknown }).cause
  }
  return ""
}

interface AttemptFailure {
  readonly error: RefundError
  readonly retry: boolean
  readonly waitMillis?: number | undefined
}

const errorFromAnswer = (
  bound: BoundConnector,
  operation: Operation,
  response: ProcessorResponse,
  details: ProcessorErrorDetails,
  hint: RetryHint
): AttemptFailure => {
  let reason: RefundErrorReason = details.reason
  // A rate limit without its own Retry-After takes the processor's hint (a header the mapping did not read).
  if (reason._tag === "RateLimited" && reason.retryAfterMillis === undefined) {
    reason = new RateLimited({ message: reason.message, retryAfterMillis: hint.afterMillis })
  }
  const retryAfter = reason._tag === "RateLimited" ? reason.retryAfterMillis : hint.afterMillis
  return {
    error: new RefundError({
      connector: bound.id,
      operation,
      reason,
      httpStatus: response.status,
      processorCode: details.processorCode,
      processorMessage: details.processorMessage,
      requestId: details.requestId
    }),
    retry: hint.retry ?? reason.isRetryable,
    waitMillis: retryAfter
  }
}

/** A valid access token for AccessToken auth (cached, single flight). */
const accessToken = (
  client: HttpClient.HttpClient,
  bound: BoundConnector,
  auth: Extract<Auth<unknown>, { readonly _tag: "AccessToken" }>
) =>
  bound.tokens.get(Effect.gen(function*() {
    const answer = yield* send(client, bound, prepare(bound, auth.tokenRequest(bound.credentials)), {})
    if (Result.isFailure(answer)) {
      const none = answer.failure
      return yield* new RefundError({
        connector: bound.id,
        operation: "authenticate",
        reason: new Network({
          message: none._tag === "Timeout" ? "token request timed out" : none.message,
          requestSent: none._tag === "Timeout" || none.sent
        })
      })
    }
    const response = answer.success
    if (!isSuccess(response)) {
      const now = yield* Clock.currentTimeMillis
      return yield* errorFromAnswer(bound, "authenticate", response, bound.connector.mapError(response, "authenticate", now), {}).error
    }
    const token = auth.parseToken(response)
    if (Result.isFailure(token)) {
      // A token endpoint that answers 2xx with an unreadable body is having a bad moment: fetching a
      // token moves no money, so it is retried like a 5xx.
      const reason = token.failure._tag === "UnexpectedResponse"
        ? new ProcessorUnavailable({ message: token.failure.message })
        : token.failure
      return yield* new RefundError({ connector: bound.id, operation: "authenticate", reason, httpStatus: response.status })
    }
    return token.success
  }))

interface AuthHeaders {
  readonly headers: Readonly<Record<string, HeaderValue>>
  readonly token: Redacted.Redacted<string> | undefined
}

/** Spans without a captured stack trace: capturing one per call cost more than the rest of the span. */
const noStackTrace = { captureStackTrace: false } as const

/** Static credentials give the same headers on every call: built once per binding (called only for Static auth). */
const staticHeaders = perBinding((bound): AuthHeaders => {
  const auth = bound.connector.auth as Extract<Auth<unknown>, { readonly _tag: "Static" }>
  return { headers: auth.headers(bound.credentials), token: undefined }
})

/** The headers that authenticate an attempt; static credentials need no effect at all. */
const authHeaders = (client: HttpClient.HttpClient, bound: BoundConnector): AuthHeaders | Effect.Effect<AuthHeaders, RefundError> => {
  const auth = bound.connector.auth
  if (auth._tag === "Static") return staticHeaders(bound)
  return Effect.map(accessToken(client, bound, auth), (token) => ({ headers: auth.headers(token, bound.credentials), token }))
}

/**
 * What may have happened at the processor, across every attempt of one operation.
 *
 * For a request that moves money the outcome is unknown as soon as any attempt may have reached the
 * processor without a definitive answer: sent and then no answer (a timeout, a dropped connection),
 * a 5xx (the processor may have done the work before failing), or a 2xx whose body cannot be read
 * (the processor did the work). From then on no later attempt's error can make it known again: a
 * connection refused on attempt 2 does not undo attempt 1. Only a success, or a definitive refusal
 * from the processor under the same idempotency key, settles it; otherwise the operation fails with
 * OutcomeUnknown, to be resolved by a lookup or a same-key replay, never by a new create.
 *
 * Definitive refusals are answers about this request that a replay of an earlier attempt could not
 * have caused. A refusal that our own earlier attempt may have caused (already refunded, amount too
 * large, duplicate) is not definitive after such an attempt.
 */
interface Exposure {
  /** An attempt may have been sent (for Network.requestSent). */
  sent: boolean
  /** An attempt may have been acted on by the processor (for OutcomeUnknown). */
  acted: boolean
  /** An attempt is being sent right now (the overall timeout may cut it). */
  sending: boolean
  /** When the first attempt was sent (epoch ms). */
  firstSentAt: number | undefined
}

const maybeOwnDoing = new Set(["AlreadyRefunded", "AmountTooLarge", "DuplicateRequest"])

/** Whether `reason`, answered after an attempt that may have acted, still settles the outcome. */
export const isDefinitive = (reason: RefundErrorReason): boolean => {
  switch (reason._tag) {
    case "RefundRejected":
      return !maybeOwnDoing.has(reason.kind)
    case "InvalidRequest":
    case "Authentication":
    case "NotFound":
    case "Configuration":
    case "Unsupported":
    case "IdempotencyExpired":
      return true
    case "RateLimited":
    case "ProcessorUnavailable":
    case "Network":
    case "OutcomeUnknown":
    case "UnexpectedResponse":
      return false
  }
}

/**
 * Whether a parser's failure on a 2xx answer is the processor refusing the request, rather than a body
 * that could not be read: a definitive reason, or a refusal of the refund itself. Anything else
 * (UnexpectedResponse above all) means the processor may have done the work.
 */
const refusedIn2xx = (reason: RefundErrorReason): boolean => reason._tag === "RefundRejected" || isDefinitive(reason)

/**
 * Runs one connector flow: build, send with retries, parse. Requires an `HttpClient`
 * (`NodeHttp` from @refract/node, FetchHttpClient, or a test double).
 */
export const run = <In, Out, Ctx>(bound: BoundConnector, call: Call<In, Out, Ctx>): Effect.Effect<Out, RefundError, HttpClient.HttpClient> =>
  Effect.flatMap(Effect.service(HttpClient.HttpClient), (client) => runWith(client, bound, call))

/**
 * Reads one refund through the bound connector's `get` flow, with its credentials and environment: the
 * status read shared by the tracker's polls, the refunds API's sync and the webhook handler's notices.
 * A connector without the flow fails with Unsupported, before anything is sent.
 */
export const readRefund = (
  bound: BoundConnector,
  reference: RefundReference
): Effect.Effect<RefundSnapshot, RefundError, HttpClient.HttpClient> => {
  const flow = bound.connector.get
  if (flow === undefined) {
    return Effect.fail(
      new RefundError({
        connector: bound.id,
        operation: "get",
        attempts: 0,
        reason: new Unsupported({ message: `${bound.connector.displayName} has no refund-status endpoint`, capability: "get" })
      })
    )
  }
  return run(bound, { operation: "get", flow, input: reference, context: { credentials: bound.credentials, environment: bound.environment } })
}

/** {@link run} with the `HttpClient` given: clients capture theirs once, when they are built. */
export const runWith = <In, Out, Ctx>(client: HttpClient.HttpClient, bound: BoundConnector, call: Call<In, Out, Ctx>): Effect.Effect<Out, RefundError> => {
  const { operation, flow, input, context, idempotency } = call
  const metrics = Telemetry.forOperation(bound.id, operation)
  /**
   * Whether the attempts themselves keep the overall deadline: with a direct exchange (its own timer),
   * no rate limiter to wait for and no token to fetch, nothing can outlast an attempt's time, and each
   * attempt is given at most what is left of the deadline. Otherwise the program races a timer (two
   * more fibers per call).
   */
  const ownDeadline = DirectExchange.of(client) !== undefined && bound.limiter === RateLimiter.unlimited && bound.connector.auth._tag === "Static"
  // Stryker disable next-line ObjectLiteral: every initial field is false or undefined, which an empty object reads the same
  const exposure: Exposure = { sent: false, acted: false, sending: false, firstSentAt: undefined }
  let attempt = 0
  const fail = (reason: RefundErrorReason, attempts: number) => new RefundError({ connector: bound.id, operation, reason, attempts })

  const outcomeUnknown = (what: string) =>
    new OutcomeUnknown({
      message: `${what}; the refund may exist: read its status or retry with the same idempotency key`,
      idempotencyKey: idempotency!.key,
      merchantRefundId: idempotency!.merchantRefundId,
      firstAttemptAt: idempotency!.firstAttemptAt ?? exposure.firstSentAt
    })

  /** The error to report, given what may have happened across the attempts. */
  const settle = (error: RefundError): RefundError => {
    // Only the processor's answer to this request can settle it: a refusal from the token endpoint
    // (operation "authenticate") says nothing about what an earlier attempt did.
    const settles = error.operation === operation && isDefinitive(error.reason)
    if (idempotency !== undefined && exposure.acted && !settles) {
      if (error.reason._tag === "OutcomeUnknown") return error
      return new RefundError({ ...error, reason: outcomeUnknown(`${error.reason._tag}: ${error.reason.message}`) })
    }
    if (error.reason._tag === "Network" && exposure.sent) {
      return new RefundError({ ...error, reason: new Network({ message: error.reason.message, requestSent: true }) })
    }
    return error
  }

  const program = Effect.gen(function*() {
    const built = flow.build(input, context)
    if (Result.isFailure(built)) return yield* fail(built.failure, 0)
    const prepared = prepare(bound, built.success)
    const started = yield* Clock.currentTimeMillis
    let refreshedToken = false

    const noAnswerError = (none: NoAnswer): RefundError => {
      const sent = none._tag === "Timeout" || none.sent
      const what = none._tag === "Timeout" ? `no answer within ${bound.timeouts.attemptMillis} ms` : none.message
      if (idempotency !== undefined && sent) return fail(outcomeUnknown(what), attempt)
      return fail(new Network({ message: what, requestSent: sent }), attempt)
    }

    const once = Effect.gen(function*() {
      if (bound.limiter !== RateLimiter.unlimited) yield* bound.limiter.acquire
      const authed = authHeaders(client, bound)
      let auth: AuthHeaders
      if (Effect.isEffect(authed)) {
        // A failed token fetch is an attempt like any other: retried when its reason is (503, 429, drops).
        const authResult = yield* Effect.result(authed)
        if (Result.isFailure(authResult)) {
          const error = authResult.failure
          // Stryker disable next-line ConditionalExpression: no other reason has retryAfterMillis, so it reads undefined either way
          const wait = error.reason._tag === "RateLimited" ? error.reason.retryAfterMillis : undefined
          return Result.fail<AttemptFailure>({ error, retry: error.reason.isRetryable, waitMillis: wait })
        }
        auth = authResult.success
      } else {
        auth = authed
      }
      yield* Metric.update(metrics.attempts, 1)
      exposure.firstSentAt ??= yield* Clock.currentTimeMillis
      const left = ownDeadline ? bound.timeouts.totalMillis - ((yield* Clock.currentTimeMillis) - started) : Infinity
      const budget = Math.min(bound.timeouts.attemptMillis, left)
      if (budget <= 0) return yield* deadline()
      // Left set if the overall deadline interrupts the send: the request may be on the wire.
      exposure.sending = true
      const answer = yield* send(client, bound, prepared, auth.headers, budget)
      // The deadline's share of this attempt ran out: the same answer a raced timer would give.
      if (budget < bound.timeouts.attemptMillis && Result.isFailure(answer) && answer.failure._tag === "Timeout") return yield* deadline()
      exposure.sending = false
      if (Result.isFailure(answer)) {
        const none = answer.failure
        if (none._tag === "Timeout" || none.sent) {
          exposure.sent = true
          exposure.acted = true
        }
        return Result.fail<AttemptFailure>({ error: noAnswerError(none), retry: true })
      }
      exposure.sent = true
      const response = answer.success
      yield* Effect.annotateCurrentSpan({ "http.response.status_code": response.status })
      if (isSuccess(response)) {
        const parsed = flow.parse(response, input, context)
        if (Result.isSuccess(parsed)) return Result.succeed(parsed.success)
        const details = bound.connector.mapError(response, operation, yield* Clock.currentTimeMillis)
        if (refusedIn2xx(parsed.failure)) {
          // The processor answered with a refusal in a 2xx body (Authorize.net answers everything 200; Square
          // declines with 200 and `errors`): like a 4xx, it says what happened to this request. settle() still
          // turns a refusal an earlier attempt may have caused (a duplicate) into OutcomeUnknown.
          return Result.fail<AttemptFailure>({
            error: new RefundError({
              connector: bound.id,
              operation,
              reason: parsed.failure,
              httpStatus: response.status,
              processorCode: details.processorCode,
              processorMessage: details.processorMessage,
              requestId: details.requestId
            }),
            retry: false
          })
        }
        // The processor answered 2xx: for a request that moves money it did the work, whatever the
        // body says. Replaying with the same key fetches the stored answer again.
        exposure.acted = true
        const reason = idempotency !== undefined
          ? outcomeUnknown(`the processor answered ${response.status} with a body that could not be read (${parsed.failure.message})`)
          : parsed.failure
        return Result.fail<AttemptFailure>({
          error: new RefundError({
            connector: bound.id,
            operation,
            reason,
            httpStatus: response.status,
            // A 2xx that carries an error (Square answers 200 with `errors`): keep the processor's code too.
            processorCode: details.processorCode,
            processorMessage: details.processorMessage,
            requestId: details.requestId
          }),
          // A garbled answer is often the network's doing: reading again is harmless, and a request that
          // moves money is replayed under its key.
          retry: true
        })
      }
      if (response.status >= 500) exposure.acted = true
      const now = yield* Clock.currentTimeMillis
      const failure = errorFromAnswer(
        bound,
        operation,
        response,
        bound.connector.mapError(response, operation, now),
        bound.connector.retryHint(response, now)
      )
      if (response.status === 401 && auth.token !== undefined && !refreshedToken) {
        // A 401 with a cached token: the token may have been revoked early. Fetch a new one once.
        refreshedToken = true
        yield* bound.tokens.invalidate(auth.token)
        return Result.fail<AttemptFailure>({ ...failure, retry: true, waitMillis: 0 })
      }
      return Result.fail<AttemptFailure>(failure)
    }).pipe(Effect.withSpan("refract.attempt", { attributes: { "refract.connector": bound.id } }, noStackTrace))

    while (true) {
      attempt++
      yield* Effect.annotateCurrentSpan({ "refract.attempts": attempt })
      const outcome = yield* once
      if (Result.isSuccess(outcome)) return outcome.success
      const failure = outcome.failure
      const error = settle(new RefundError({ ...failure.error, attempts: attempt }))
      if (!failure.retry || attempt >= bound.retry.maxAttempts) return yield* error
      // A processor that de-duplicates nothing would make a second refund of a resend: once an attempt
      // may have acted, only a lookup can tell (the caller's recovery does it).
      if (idempotency !== undefined && exposure.acted && !replaysKeys(bound.connector.idempotencyKey)) return yield* error
      const backoff = failure.waitMillis === 0 ? 0 : backoffMillis(attempt, bound.retry, yield* Random.next)
      const wait = Math.max(backoff, failure.waitMillis ?? 0)
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (elapsed + wait >= bound.timeouts.totalMillis) return yield* error
      yield* Metric.update(metrics.retries(error.reason._tag), 1)
      yield* Effect.logDebug("refract: retrying", { connector: bound.id, operation, attempt, reason: error.reason._tag, waitMillis: wait })
      yield* Effect.sleep(wait)
    }
  })

  /** The overall deadline passed: unknown only if something may have reached the processor. */
  const deadline = () => {
    const what = `no final answer within ${bound.timeouts.totalMillis} ms`
    const mayHaveActed = exposure.acted || exposure.sending
    if (idempotency !== undefined && mayHaveActed) return fail(outcomeUnknown(what), attempt)
    return fail(new Network({ message: what, requestSent: exposure.sent || exposure.sending }), attempt)
  }

  return Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const result = yield* (ownDeadline
      ? program
      : program.pipe(Effect.timeoutOrElse({ duration: bound.timeouts.totalMillis, orElse: () => Effect.fail(deadline()) }))).pipe(Effect.result)
    const outcome = Result.isSuccess(result) ? "ok" : result.failure.reason._tag
    yield* Metric.update(metrics.requests(outcome), 1)
    yield* Metric.update(metrics.duration, (yield* Clock.currentTimeMillis) - started)
    yield* Effect.annotateCurrentSpan({ "refract.outcome": outcome })
    if (Result.isFailure(result)) return yield* result.failure
    return result.success
  }).pipe(
    Effect.withSpan(`refract.${operation}`, {
      attributes: {
        "refract.connector": bound.id,
        "refract.operation": operation,
        "refract.environment": bound.environment,
        ...(idempotency !== undefined ? { "refract.merchant_refund_id": idempotency.merchantRefundId } : {})
      }
    }, noStackTrace)
  )
}
