/**
 * The execution pipeline's rules, exercised through `Executor.run` directly with a scripted HTTP
 * client: what goes on the wire, how a missing answer is classified, when a money-moving request's
 * outcome is unknown (across attempts and at the overall deadline), retries and their waits, access
 * tokens, and the spans and metrics users see. Time is the TestClock's: nothing here sleeps.
 *
 * Every rule runs on both roads to the wire: through `HttpClient.execute`, and through a client's
 * direct exchange (`DirectExchange`, what `NodeHttp` carries), which owns its attempt's timer.
 */
// @ts-nocheck

import { assert, beforeAll, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Logger, Metric, Redacted, References, Result, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import { BoundConnector, DirectExchange, Executor, ProcessorHttp, RefundError } from "@refract/core"
import type { Connector } from "@refract/core"
import { fakeConnector, fakeTokenConnector, testKey } from "../helpers/FakeConnector.ts"

// ---------------------------------------------------------------------------------------------
// A scripted HTTP client that records exactly what went on the wire, and when.

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly contentType: string | undefined
  readonly at: number
}

type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  /** A TransportError with this cause (and description). */
  | { readonly cause: unknown; readonly description?: string }
  /** An HttpClientError of another kind. */
  | { readonly clientError: "EncodeError" }
  /** A 200 whose body breaks while it is read. */
  | { readonly brokenBody: true }
  | { readonly hang: true }

/** Which road the scripted client offers: set by the describe blocks at the end of the file. */
let road: "execute" | "direct" = "execute"

const scripted = (reply: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>) =>
  road === "direct" ? scriptedDirect(reply) : scriptedExecute(reply)

/**
 * The same script on the direct road: the exchange gets the wire request and answers plain data; a
 * hang lasts until the exchange's own timer; a transport cause is an ExchangeError; what the
 * transport refuses before sending (EncodeError on the other road) is undici's InvalidArgumentError.
 */
const scriptedDirect = (reply: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>) => {
  const seen: Array<Seen> = []
  const exchange: DirectExchange.Exchange = (request, timeoutMillis) =>
    Effect.gen(function*() {
      const recorded: Seen = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body ?? "",
        contentType: request.body === undefined ? undefined : request.headers["content-type"],
        at: yield* Clock.currentTimeMillis
      }
      const index = seen.length
      seen.push(recorded)
      const r = reply(recorded, index)
      const answer = Effect.isEffect(r) ? yield* r : r
      if ("hang" in answer) return yield* Effect.andThen(Effect.sleep(timeoutMillis), Effect.fail(new DirectExchange.ExchangeTimeout({ timeoutMillis })))
      if ("cause" in answer) return yield* new DirectExchange.ExchangeError({ description: answer.description ?? "connection failed", cause: answer.cause })
      if ("clientError" in answer) return yield* new DirectExchange.ExchangeError({ description: "invalid request", cause: code("UND_ERR_INVALID_ARG") })
      if ("brokenBody" in answer) {
        return yield* new DirectExchange.ExchangeError({ description: "the answer's body could not be read", cause: new Error("socket hang up") })
      }
      const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)
      const headers: Record<string, string> = { "content-type": "text/plain;charset=UTF-8" }
      for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k.toLowerCase()] = v
      return { status: answer.status, headers, body: text }
    })
  const never = HttpClient.make(() => Effect.die("execute is not used when the client carries a direct exchange"))
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, DirectExchange.withExchange(never, exchange)) }
}

const scriptedExecute = (reply: (seen: Seen, index: number) => Reply | Effect.Effect<Reply>) => {
  const seen: Array<Seen> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = request.body
      const recorded: Seen = {
        method: request.method,
        url: url.toString(),
        headers: request.headers as Record<string, string>,
        body: body._tag === "Uint8Array" ? new TextDecoder().decode(body.body) : "",
        contentType: body._tag === "Uint8Array" ? body.contentType : undefined,
        at: yield* Clock.currentTimeMillis
      }
      const index = seen.length
      seen.push(recorded)
      const r = reply(recorded, index)
      const answer = Effect.isEffect(r) ? yield* r : r
      if ("hang" in answer) return yield* Effect.never
      if ("cause" in answer) {
        return yield* Effect.fail(
          new HttpClientError.HttpClientError({
            reason: new HttpClientError.TransportError({ request, cause: answer.cause, ...(answer.description !== undefined ? { description: answer.description } : {}) })
          })
        )
      }
      if ("clientError" in answer) {
        return yield* Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.EncodeError({ request }) }))
      }
      if ("brokenBody" in answer) {
        const stream = new ReadableStream({ start: (controller) => controller.error(new Error("socket hang up")) })
        return HttpClientResponse.fromWeb(request, new Response(stream, { status: 200 }))
      }
      const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: answer.status, headers: answer.headers ?? {} }))
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Replies in order; the last one repeats. */
const replies = (...list: ReadonlyArray<Reply>) => scripted((_, i) => list[Math.min(i, list.length - 1)]!)

const code = (c: string, message = c) => Object.assign(new Error(message), { code: c })
const refused = { cause: code("ECONNREFUSED"), description: "refused" } as const
const reset = { cause: code("ECONNRESET"), description: "reset" } as const

// ---------------------------------------------------------------------------------------------
// Connectors and calls.

/**
 * fakepay, with an error mapping driven by the body: `{ reason: "NotFound" }` (or `{ reason:
 * "RefundRejected", kind }`, `{ reason: "RateLimited", retryAfterMillis }`) and a retry hint from
 * `x-retry` / `x-retry-after-ms`. Anything else falls back to fakepay's own mapping.
 */
const reasonOf = (body: Record<string, unknown>): RefundError.RefundErrorReason | undefined => {
  const message = `said ${String(body["reason"])}`
  switch (body["reason"]) {
    case "InvalidRequest":
      return new RefundError.InvalidRequest({ message })
    case "Authentication":
      return new RefundError.Authentication({ message })
    case "NotFound":
      return new RefundError.NotFound({ message })
    case "Configuration":
      return new RefundError.Configuration({ message })
    case "Unsupported":
      return new RefundError.Unsupported({ message, capability: "get" })
    case "IdempotencyExpired":
      return new RefundError.IdempotencyExpired({ message, idempotencyKey: "key-1", merchantRefundId: "order-1", windowMillis: 1 })
    case "RefundRejected":
      return new RefundError.RefundRejected({ message, kind: body["kind"] as RefundError.RejectionKind })
    case "RateLimited":
      return new RefundError.RateLimited({ message, retryAfterMillis: body["retryAfterMillis"] as number | undefined })
    case "ProcessorUnavailable":
      return new RefundError.ProcessorUnavailable({ message })
    case "UnexpectedResponse":
      return new RefundError.UnexpectedResponse({ message })
    case "Network":
      return new RefundError.Network({ message, requestSent: true })
    default:
      return undefined
  }
}

const ruled = (base: Connector.Connector): Connector.Connector => ({
  ...base,
  mapError: (response, operation, now) => {
    const body = ProcessorHttp.parseJson(response.body) as Record<string, unknown> | undefined
    const reason = body === undefined ? undefined : reasonOf(body)
    if (reason === undefined) return base.mapError(response, operation, now)
    return { reason, processorCode: `code_${response.status}`, processorMessage: `processor says no to ${operation}`, requestId: "req_9" }
  },
  retryHint: (response) => {
    const retry = ProcessorHttp.header(response, "x-retry")
    const after = ProcessorHttp.header(response, "x-retry-after-ms")
    return { retry: retry === undefined ? undefined : retry === "true", afterMillis: after === undefined ? undefined : Number(after) }
  }
})

const options = (over: Partial<BoundConnector.ConnectorOptions> = {}): BoundConnector.ConnectorOptions => ({
  credentials: { apiKey: testKey },
  retry: { maxAttempts: 3, baseDelayMillis: 100, maxDelayMillis: 1000 },
  timeouts: { attemptMillis: 1000, totalMillis: 20_000 },
  ...over
})

const bind = (over: Partial<BoundConnector.ConnectorOptions> = {}, connector: Connector.Connector = ruled(fakeConnector)) =>
  BoundConnector.bind(connector, options(over))

/** A flow whose input is the request itself; a 2xx body starting with "ok" is the answer. */
const echo: Connector.Flow<ProcessorHttp.ProcessorRequest, string, undefined> = {
  build: (spec) => Result.succeed(spec),
  parse: (response) =>
    response.body.startsWith("ok") ? Result.succeed(response.body) : Result.fail(new RefundError.UnexpectedResponse({ message: "not ok" }))
}

const post: ProcessorHttp.ProcessorRequest = { method: "POST", path: "/refunds", body: ProcessorHttp.json({ amount: 1050 }) }
const get: ProcessorHttp.ProcessorRequest = { method: "GET", path: "/refunds/rf_1" }

const createCall = (spec = post, firstAttemptAt?: number): Executor.Call<ProcessorHttp.ProcessorRequest, string, undefined> => ({
  operation: "create",
  flow: echo,
  input: spec,
  context: undefined,
  idempotency: { key: "key-1", merchantRefundId: "order-1", firstAttemptAt }
})

const readCall = (spec = get): Executor.Call<ProcessorHttp.ProcessorRequest, string, undefined> => ({
  operation: "get",
  flow: echo,
  input: spec,
  context: undefined
})

const run = (bound: BoundConnector.BoundConnector, call: Executor.Call<ProcessorHttp.ProcessorRequest, string, undefined>, layer: Layer.Layer<HttpClient.HttpClient>) =>
  Executor.run(bound, call).pipe(Effect.provide(layer))

/** Runs `effect` in a fiber, moving the TestClock forward in steps until it completes. */
const drive = <A, E>(effect: Effect.Effect<A, E>, stepMillis = 50, maxSteps = 4000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < maxSteps && fiber.pollUnsafe() === undefined; i++) {
      yield* TestClock.adjust(stepMillis)
    }
    return yield* Fiber.join(fiber)
  })

const failWith = (bound: BoundConnector.BoundConnector, call: Executor.Call<ProcessorHttp.ProcessorRequest, string, undefined>, layer: Layer.Layer<HttpClient.HttpClient>, step = 50) =>
  drive(Effect.flip(run(bound, call, layer)), step)

const unknownOf = (error: RefundError): RefundError.OutcomeUnknown => {
  assert.strictEqual(error.reason._tag, "OutcomeUnknown", error.message)
  return error.reason as RefundError.OutcomeUnknown
}

const networkOf = (error: RefundError): RefundError.Network => {
  assert.strictEqual(error.reason._tag, "Network", error.message)
  return error.reason as RefundError.Network
}

const guidance = "; the refund may exist: read its status or retry with the same idempotency key"

// ---------------------------------------------------------------------------------------------

/** Every rule below, on the road `road` names. */
const rules = () => {
describe("Executor: the request on the wire", () => {
  it.effect("joins the path to the base URL, adds the query, lower-cases header names and reveals secrets only on the wire", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "ok" })
      const bound = yield* bind()
      yield* run(bound, readCall({ method: "GET", path: "refunds/rf 1", query: { expand: "a b", limit: "2" }, headers: { "X-Trace": "t1", "X-Secret": Redacted.make("s3cret") } }), http.layer)
      yield* run(bound, readCall({ method: "DELETE", path: "/refunds/rf_2" }), http.layer)
      const [first, second] = http.seen
      assert.strictEqual(first!.url, "https://sandbox.fakepay.test/v1/refunds/rf%201?expand=a+b&limit=2")
      assert.strictEqual(first!.method, "GET")
      assert.strictEqual(first!.headers["x-trace"], "t1")
      assert.strictEqual(first!.headers["x-secret"], "s3cret")
      assert.strictEqual(first!.headers["x-fake-key"], testKey)
      assert.isUndefined(first!.headers["X-Trace"])
      assert.strictEqual(first!.body, "")
      assert.strictEqual(second!.url, "https://sandbox.fakepay.test/v1/refunds/rf_2")
      assert.strictEqual(second!.method, "DELETE")
    }))

  it.effect("an absolute URL replaces the base URL", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "ok" })
      yield* run(yield* bind(), readCall({ method: "GET", path: "/ignored", absoluteUrl: "https://auth.fakepay.test/token" }), http.layer)
      assert.strictEqual(http.seen[0]!.url, "https://auth.fakepay.test/token")
    }))

  it.effect("the authentication headers win over a connector's own header of the same name", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "ok" })
      yield* run(yield* bind(), readCall({ method: "GET", path: "/r", headers: { "X-Fake-Key": "forged" } }), http.layer)
      assert.strictEqual(http.seen[0]!.headers["x-fake-key"], testKey)
    }))

  it.effect("writes JSON, form and text bodies with their content types", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "ok" })
      const bound = yield* bind()
      yield* run(bound, createCall({ method: "POST", path: "/a", body: ProcessorHttp.json({ amount: 1050, note: "x" }) }), http.layer)
      yield* run(bound, createCall({ method: "POST", path: "/b", body: ProcessorHttp.form([["amount", "1050"], ["expand[]", "charge"], ["note", "a b"]]) }), http.layer)
      yield* run(bound, createCall({ method: "PUT", path: "/c", body: { _tag: "Text", contentType: "application/xml", text: "<refund/>" } }), http.layer)
      const [json, form, text] = http.seen
      assert.deepStrictEqual(JSON.parse(json!.body), { amount: 1050, note: "x" })
      assert.strictEqual(json!.contentType, "application/json")
      assert.strictEqual(form!.body, "amount=1050&expand%5B%5D=charge&note=a+b")
      assert.strictEqual(form!.contentType, "application/x-www-form-urlencoded")
      assert.strictEqual(text!.body, "<refund/>")
      assert.strictEqual(text!.contentType, "application/xml")
      assert.strictEqual(text!.method, "PUT")
    }))

  it.effect("a request the connector cannot build fails with its reason and sends nothing", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "ok" })
      const flow: Connector.Flow<ProcessorHttp.ProcessorRequest, string, undefined> = {
        build: () => Result.fail(new RefundError.InvalidRequest({ message: "bad id", field: "id" })),
        parse: echo.parse
      }
      const error = yield* Effect.flip(run(yield* bind(), { ...createCall(), flow }, http.layer))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.reason.message, "bad id")
      assert.strictEqual(error.operation, "create")
      assert.strictEqual(error.connector, "fakepay")
      assert.strictEqual(error.attempts, 0)
      assert.strictEqual(http.seen.length, 0)
    }))
})

describe("Executor: was anything sent?", () => {
  const notSent = [
    "ECONNREFUSED",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ENETUNREACH",
    "EHOSTUNREACH",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_INVALID_ARG",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "CERT_HAS_EXPIRED",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "DEPTH_ZERO_SELF_SIGNED_CERT"
  ]

  for (const c of notSent) {
    it.effect(`${c}: nothing was sent, a create is Network (requestSent=false), never OutcomeUnknown`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), createCall(), replies({ cause: code(c) }).layer))
        assert.isFalse(networkOf(error).requestSent)
        assert.strictEqual(error.reason.message, `connection failed (${c})`)
      }))
  }

  it.effect("a failure after connecting (reset, socket hang up) may have reached the processor", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      for (const cause of [code("ECONNRESET"), code("EPIPE"), new Error("socket hang up"), "a string", null, undefined]) {
        const read = yield* Effect.flip(run(bound, readCall(), replies({ cause }).layer))
        assert.isTrue(networkOf(read).requestSent, String(cause))
        unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ cause }).layer)))
      }
    }))

  it.effect("the code is looked for down the cause chain (fetch wraps the socket error)", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      const wrapped = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("connect"), { cause: code("ECONNREFUSED") }) })
      const error = yield* Effect.flip(run(bound, createCall(), replies({ cause: wrapped }).layer))
      assert.isFalse(networkOf(error).requestSent)
      assert.strictEqual(error.reason.message, "connection failed (ECONNREFUSED)")
      // The message names the first code found.
      const resetFirst = Object.assign(code("ECONNRESET"), { cause: code("EPIPE") })
      const sent = yield* Effect.flip(run(bound, readCall(), replies({ cause: resetFirst, description: "dropped" }).layer))
      assert.isTrue(networkOf(sent).requestSent)
      assert.strictEqual(sent.reason.message, "dropped (ECONNRESET)")
    }))

  it.effect("the cause chain is followed six errors deep for a refusal and four deep for the code named in the message", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      /** `depth` plain errors, then one with `c`. */
      const buried = (depth: number, c: string): unknown => depth === 0 ? code(c) : Object.assign(new Error(`wrap ${depth}`), { cause: buried(depth - 1, c) })
      // Deep enough to be trusted: nothing was sent.
      const at5 = yield* Effect.flip(run(bound, createCall(), replies({ cause: buried(5, "ECONNREFUSED"), description: "x" }).layer))
      assert.isFalse(networkOf(at5).requestSent)
      // Deeper is not trusted: it may have been sent.
      unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: buried(6, "ECONNREFUSED"), description: "x" }).layer)))
      const named = yield* Effect.flip(run(bound, readCall(), replies({ cause: buried(3, "EPIPE"), description: "x" }).layer))
      assert.strictEqual(named.reason.message, "x (EPIPE)")
      const unnamed = yield* Effect.flip(run(bound, readCall(), replies({ cause: buried(4, "EPIPE"), description: "x" }).layer))
      assert.strictEqual(unnamed.reason.message, "x")
      // Only string codes are names (errno numbers are not).
      const numeric = Object.assign(new Error("n"), { code: 104, cause: code("EPIPE") })
      const message = yield* Effect.flip(run(bound, readCall(), replies({ cause: numeric, description: "x" }).layer))
      assert.strictEqual(message.reason.message, "x (EPIPE)")
    }))

  it.effect("a cause chain that loops back on itself does not hang the classification", () =>
    Effect.gen(function*() {
      const loop: { message: string; cause?: unknown } = { message: "loop" }
      loop.cause = loop
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), replies({ cause: loop, description: "odd" }).layer))
      assert.isTrue(networkOf(error).requestSent)
      assert.strictEqual(error.reason.message, "odd")
    }))

  it.effect("happy eyeballs: refused on every address is not sent; refused on one and reset on another may be", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      const allRefused = new AggregateError([code("ECONNREFUSED"), code("ENETUNREACH")], "connect")
      assert.isFalse(networkOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: allRefused }).layer))).requestSent)
      const mixed = new AggregateError([code("ECONNREFUSED"), code("ECONNRESET")], "connect")
      unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: mixed }).layer)))
      const empty = new AggregateError([], "connect")
      unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: empty }).layer)))
      // Nested below the top-level error, as undici reports it.
      const nested = Object.assign(new TypeError("fetch failed"), { cause: allRefused })
      assert.isFalse(networkOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: nested }).layer))).requestSent)
    }))

  it.effect("fetch's blocked-port refusal ('bad port', no code) sent nothing; the same message with a code is judged by the code", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      const badPort = Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") })
      assert.isFalse(networkOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: badPort }).layer))).requestSent)
      unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ cause: code("ECONNRESET", "bad port") }).layer)))
    }))

  it.effect("an invalid URL or an unencodable request never left; a body that breaks while read did", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      const http = replies({ status: 200, body: "ok" })
      const badUrl = yield* Effect.flip(run(bound, createCall({ method: "POST", path: "/x", absoluteUrl: "not a url" }), http.layer))
      assert.isFalse(networkOf(badUrl).requestSent)
      assert.strictEqual(badUrl.reason.message, "InvalidUrlError")
      assert.strictEqual(http.seen.length, 0)
      // Each road names the failure its own way: effect/http's error tags, or the exchange's description and code.
      const refusedBeforeSending = road === "direct" ? "invalid request (UND_ERR_INVALID_ARG)" : "EncodeError"
      const bodyBroke = road === "direct" ? "the answer's body could not be read" : "DecodeError"
      const encode = yield* Effect.flip(run(bound, createCall(), replies({ clientError: "EncodeError" }).layer))
      assert.isFalse(networkOf(encode).requestSent)
      assert.strictEqual(encode.reason.message, refusedBeforeSending)
      const broken = yield* Effect.flip(run(bound, readCall(), replies({ brokenBody: true }).layer))
      assert.isTrue(networkOf(broken).requestSent)
      assert.strictEqual(broken.reason.message, bodyBroke)
      const brokenCreate = unknownOf(yield* Effect.flip(run(bound, createCall(), replies({ brokenBody: true }).layer)))
      assert.strictEqual(brokenCreate.message, `${bodyBroke}${guidance}`)
    }))
})

describe("Executor: outcome unknown", () => {
  it.effect("carries the key, the refund, when the key was first used, and what to do", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 100, maxDelayMillis: 100 } })
      const error = yield* failWith(bound, createCall(), replies({ hang: true }).layer)
      const reason = unknownOf(error)
      assert.strictEqual(reason.idempotencyKey, "key-1")
      assert.strictEqual(reason.merchantRefundId, "order-1")
      // The first attempt's time, not the second's.
      assert.strictEqual(reason.firstAttemptAt, 1_700_000_000_000)
      // Already unknown: not wrapped again.
      assert.strictEqual(reason.message, `no answer within 1000 ms${guidance}`)
      assert.strictEqual(error.attempts, 2)
      assert.strictEqual(error.operation, "create")
      assert.strictEqual(error.connector, "fakepay")
      // A recovery passes when the key was first used by an earlier operation: that time is kept.
      const replay = unknownOf(yield* failWith(bound, createCall(post, 1_600_000_000_000), replies({ hang: true }).layer))
      assert.strictEqual(replay.firstAttemptAt, 1_600_000_000_000)
    }))

  it.effect("firstAttemptAt is when the first attempt went out, even if it was refused before connecting", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(5_000_000)
      const http = replies(refused, { hang: true })
      const reason = unknownOf(yield* failWith(yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 400, maxDelayMillis: 400 } }), createCall(), http.layer))
      assert.strictEqual(http.seen.length, 2)
      assert.isAbove(http.seen[1]!.at, 5_000_000)
      assert.strictEqual(reason.firstAttemptAt, 5_000_000)
    }))

  it.effect("a 5xx, then a refused connection: unknown, with the 5xx's story kept", () =>
    Effect.gen(function*() {
      const http = replies({ status: 503, body: { reason: "ProcessorUnavailable" } }, refused)
      const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), createCall(), http.layer)
      const reason = unknownOf(error)
      assert.strictEqual(reason.message, `Network: refused (ECONNREFUSED)${guidance}`)
      assert.strictEqual(error.attempts, 2)
      assert.strictEqual(http.seen.length, 2)
    }))

  it.effect("a 5xx alone is unknown for a create and keeps the processor's details; for a read it is ProcessorUnavailable", () =>
    Effect.gen(function*() {
      const http = replies({ status: 500, body: { reason: "ProcessorUnavailable" } })
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      const error = yield* Effect.flip(run(bound, createCall(), http.layer))
      assert.strictEqual(unknownOf(error).message, `ProcessorUnavailable: said ProcessorUnavailable${guidance}`)
      assert.strictEqual(error.httpStatus, 500)
      assert.strictEqual(error.processorCode, "code_500")
      assert.strictEqual(error.processorMessage, "processor says no to create")
      assert.strictEqual(error.requestId, "req_9")
      assert.strictEqual(error.attempts, 1)
      const read = yield* Effect.flip(run(bound, readCall(), http.layer))
      assert.strictEqual(read.reason._tag, "ProcessorUnavailable")
      assert.strictEqual(read.httpStatus, 500)
    }))

  it.effect("a 4xx says the processor did not act: a 499 then a refused connection is Network, sent, not unknown", () =>
    Effect.gen(function*() {
      const http = replies({ status: 499, body: { reason: "ProcessorUnavailable" } }, refused)
      const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), createCall(), http.layer)
      const network = networkOf(error)
      // The 499 did reach the processor, so the operation's requests were not all unsent.
      assert.isTrue(network.requestSent)
      assert.strictEqual(network.message, "refused (ECONNREFUSED)")
    }))

  it.effect("a 3xx is an error answer, not a success to parse", () =>
    Effect.gen(function*() {
      const http = replies({ status: 300, body: "ok, but a redirect" })
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), createCall(), http.layer))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.httpStatus, 300)
    }))

  it.effect("a 2xx whose body cannot be read is unknown for a create, with the processor's details", () =>
    Effect.gen(function*() {
      const http = replies({ status: 201, body: { reason: "RefundRejected", kind: "Declined" }, headers: { "request-id": "req_2xx" } })
      const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }, fakeConnector), createCall(), http.layer)
      const reason = unknownOf(error)
      assert.strictEqual(reason.message, `the processor answered 201 with a body that could not be read (not ok)${guidance}`)
      assert.strictEqual(error.httpStatus, 201)
      assert.strictEqual(error.requestId, "req_2xx")
      assert.strictEqual(error.processorMessage, "status 201")
      assert.strictEqual(http.seen.length, 2)
      assert.strictEqual(http.seen[1]!.headers["idempotency-key"], http.seen[0]!.headers["idempotency-key"])
    }))

  it.effect("a refusal in a 2xx body (Authorize.net answers everything 200) is final like a 4xx: never unknown, never retried", () =>
    Effect.gen(function*() {
      const refusing: Connector.Flow<ProcessorHttp.ProcessorRequest, string, undefined> = {
        build: (spec) => Result.succeed(spec),
        parse: (response, spec) =>
          response.body.replaceAll("\"", "") === "E00007"
            ? Result.fail(new RefundError.Authentication({ message: "User authentication failed" }))
            : response.body.replaceAll("\"", "") === "55"
            ? Result.fail(new RefundError.RefundRejected({ message: "credits exceed the original amount", kind: "AmountTooLarge" }))
            : response.body.replaceAll("\"", "") === "54"
            ? Result.fail(new RefundError.RefundRejected({ message: "does not meet the criteria for a credit", kind: "Declined" }))
            : echo.parse(response, spec, undefined)
      }
      const call = (flow: typeof refusing, operation: "create" | "get" = "create") => ({ ...createCall(), flow, operation, ...(operation === "get" ? { idempotency: undefined } : {}) })
      for (const [body, tag] of [["E00007", "Authentication"], ["54", "RefundRejected"], ["55", "RefundRejected"]] as const) {
        const http = replies({ status: 200, body, headers: { "request-id": `req_${body}` } })
        const error = yield* failWith(yield* bind({ retry: { maxAttempts: 3 } }, fakeConnector), call(refusing), http.layer)
        assert.strictEqual(error.reason._tag, tag, body)
        assert.strictEqual(error.httpStatus, 200)
        assert.strictEqual(error.requestId, `req_${body}`)
        assert.strictEqual(http.seen.length, 1, "a refusal is not retried")
      }
      // A read refused in a 2xx body is that refusal too, not retried.
      const read = replies({ status: 200, body: "E00007" })
      assert.strictEqual((yield* failWith(yield* bind({ retry: { maxAttempts: 3 } }, fakeConnector), call(refusing, "get"), read.layer)).reason._tag, "Authentication")
      assert.strictEqual(read.seen.length, 1)
      // After an attempt that may have acted (a 503), "credits exceed the amount" may be our own first refund: unknown.
      const after = replies({ status: 503, body: "busy" }, { status: 200, body: "55" })
      const unknown = yield* failWith(yield* bind({ retry: { maxAttempts: 3 } }, fakeConnector), call(refusing), after.layer)
      assert.strictEqual(unknown.reason._tag, "OutcomeUnknown")
      assert.strictEqual(after.seen.length, 2)
    }))

  it.effect("a 2xx that cannot be read, then a refused connection: still unknown", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "garbled" }, refused)
      const reason = unknownOf(yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), createCall(), http.layer))
      assert.strictEqual(reason.message, `Network: refused (ECONNREFUSED)${guidance}`)
    }))

  it.effect("a read whose 2xx body cannot be read is UnexpectedResponse with the processor's details", () =>
    Effect.gen(function*() {
      const http = replies({ status: 200, body: "garbled", headers: { "request-id": "req_r" } })
      const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), readCall(), http.layer)
      assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.strictEqual(error.reason.message, "not ok")
      assert.strictEqual(error.httpStatus, 200)
      assert.strictEqual(error.requestId, "req_r")
      assert.strictEqual(error.attempts, 2)
    }))

  it.effect("a read: a timeout then a refused connection is Network with requestSent=true and the last message", () =>
    Effect.gen(function*() {
      const http = replies({ hang: true }, refused)
      const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), readCall(), http.layer)
      const network = networkOf(error)
      assert.isTrue(network.requestSent)
      assert.strictEqual(network.message, "refused (ECONNREFUSED)")
      const timedOut = networkOf(yield* failWith(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), replies({ hang: true }).layer))
      assert.strictEqual(timedOut.message, "no answer within 1000 ms")
      assert.isTrue(timedOut.requestSent)
    }))

  describe("which refusals settle an outcome that may have been acted on", () => {
    const definitive: ReadonlyArray<Record<string, unknown>> = [
      { reason: "InvalidRequest" },
      { reason: "Authentication" },
      { reason: "NotFound" },
      { reason: "Configuration" },
      { reason: "Unsupported" },
      { reason: "IdempotencyExpired" },
      { reason: "RefundRejected", kind: "Declined" },
      { reason: "RefundRejected", kind: "InsufficientBalance" },
      { reason: "RefundRejected", kind: "Disputed" }
    ]
    const notDefinitive: ReadonlyArray<Record<string, unknown>> = [
      { reason: "RefundRejected", kind: "AlreadyRefunded" },
      { reason: "RefundRejected", kind: "AmountTooLarge" },
      { reason: "RefundRejected", kind: "DuplicateRequest" },
      { reason: "RateLimited" },
      { reason: "ProcessorUnavailable" },
      { reason: "UnexpectedResponse" },
      { reason: "Network" }
    ]

    it.effect("after a timeout, a definitive refusal is reported as the processor said it", () =>
      Effect.gen(function*() {
        for (const body of definitive) {
          const http = replies({ hang: true }, { status: 400, body })
          const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), createCall(), http.layer)
          assert.strictEqual(error.reason._tag, body["reason"], JSON.stringify(body))
          assert.strictEqual(error.httpStatus, 400)
          assert.strictEqual(error.attempts, 2)
          assert.isTrue(Executor.isDefinitive(error.reason))
        }
      }))

    it.effect("after a timeout, a refusal our first attempt may have caused (or no real answer) leaves the outcome unknown", () =>
      Effect.gen(function*() {
        for (const body of notDefinitive) {
          const http = replies({ hang: true }, { status: 400, body, headers: { "x-retry": "false" } })
          const error = yield* failWith(yield* bind({ retry: { maxAttempts: 2 } }), createCall(), http.layer)
          const reason = unknownOf(error)
          assert.strictEqual(reason.message, `${String(body["reason"])}: said ${String(body["reason"])}${guidance}`)
          assert.strictEqual(error.httpStatus, 400)
          assert.strictEqual(error.processorCode, "code_400")
        }
      }))

    it.effect("without an earlier attempt that may have acted, every refusal is reported as such", () =>
      Effect.gen(function*() {
        for (const body of [...definitive, ...notDefinitive]) {
          const http = replies({ status: 400, body, headers: { "x-retry": "false" } })
          const error = yield* Effect.flip(run(yield* bind(), createCall(), http.layer))
          assert.strictEqual(error.reason._tag, body["reason"], JSON.stringify(body))
        }
      }))

    it("isDefinitive answers a boolean for every reason", () => {
      for (const body of definitive) assert.isTrue(Executor.isDefinitive(reasonOf(body)!), JSON.stringify(body))
      for (const body of notDefinitive) assert.isFalse(Executor.isDefinitive(reasonOf(body)!), JSON.stringify(body))
      assert.isFalse(Executor.isDefinitive(new RefundError.OutcomeUnknown({ message: "?", idempotencyKey: "k", merchantRefundId: "m" })))
      assert.isFalse(Executor.isDefinitive(new RefundError.Network({ message: "?", requestSent: false })))
    })
  })
})

describe("Executor: the overall deadline", () => {
  it.effect("cutting a create in flight is unknown, with the deadline in the message", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(2_000_000)
      const http = replies({ hang: true })
      const bound = yield* bind({ timeouts: { attemptMillis: 60_000, totalMillis: 3000 } })
      const error = yield* failWith(bound, createCall(), http.layer)
      const reason = unknownOf(error)
      assert.strictEqual(reason.message, `no final answer within 3000 ms${guidance}`)
      assert.strictEqual(reason.firstAttemptAt, 2_000_000)
      assert.strictEqual(error.attempts, 1)
      assert.strictEqual(error.operation, "create")
      assert.strictEqual((yield* Clock.currentTimeMillis) - 2_000_000, 3000)
    }))

  it.effect("an earlier attempt may have acted, the deadline comes while waiting to send the next: unknown", () =>
    Effect.gen(function*() {
      // The client-side rate limit holds attempt 2 back until after the deadline: nothing is on the
      // wire when it passes, but attempt 1 timed out after sending.
      const http = replies({ hang: true })
      const bound = yield* bind({
        retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 },
        timeouts: { attemptMillis: 1000, totalMillis: 4000 },
        rateLimit: { requestsPerSecond: 0.1 }
      })
      const error = yield* failWith(bound, createCall(), http.layer)
      assert.strictEqual(unknownOf(error).message, `no final answer within 4000 ms${guidance}`)
      assert.strictEqual(http.seen.length, 1)
      assert.strictEqual(error.attempts, 2)
      // The same for a read: Network, and a request was sent.
      const read = networkOf(yield* failWith(yield* bind({
        retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 },
        timeouts: { attemptMillis: 1000, totalMillis: 4000 },
        rateLimit: { requestsPerSecond: 0.1 }
      }), readCall(), replies({ hang: true }).layer))
      assert.isTrue(read.requestSent)
      assert.strictEqual(read.message, "no final answer within 4000 ms")
    }))

  it.effect("an earlier answer that did not act, then the deadline while waiting: Network, sent, not unknown", () =>
    Effect.gen(function*() {
      const http = replies({ status: 429, body: { reason: "RateLimited" } })
      const bound = yield* bind({
        retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 },
        timeouts: { attemptMillis: 1000, totalMillis: 4000 },
        rateLimit: { requestsPerSecond: 0.1 }
      })
      const error = yield* failWith(bound, createCall(), http.layer)
      const network = networkOf(error)
      assert.isTrue(network.requestSent)
      assert.strictEqual(network.message, "no final answer within 4000 ms")
      assert.strictEqual(http.seen.length, 1)
    }))

  it.effect("the deadline before anything reached the processor is Network, not sent", () =>
    Effect.gen(function*() {
      // The token endpoint never answers, and its own attempt timeout is longer than the deadline:
      // the refund request itself never went out.
      const http = scripted((request) => (request.url.endsWith("/oauth/token") ? { hang: true } : { status: 200, body: "ok" }))
      const bound = yield* bind({ timeouts: { attemptMillis: 60_000, totalMillis: 3000 } }, ruled(fakeTokenConnector))
      const error = yield* failWith(bound, createCall(), http.layer)
      const network = networkOf(error)
      assert.isFalse(network.requestSent)
      assert.strictEqual(network.message, "no final answer within 3000 ms")
      assert.strictEqual(error.attempts, 1)
      assert.isTrue(http.seen.every((r) => r.url.endsWith("/oauth/token")))
    }))

  it.effect("a wait that would end at or past the deadline is not started: the last answer is reported at once", () =>
    Effect.gen(function*() {
      const http = replies({ status: 429, body: { reason: "RateLimited", retryAfterMillis: 20_000 } })
      const bound = yield* bind({ retry: { maxAttempts: 5 }, timeouts: { attemptMillis: 1000, totalMillis: 20_000 } })
      const before = yield* Clock.currentTimeMillis
      const error = yield* Effect.flip(run(bound, createCall(), http.layer))
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.strictEqual((error.reason as RefundError.RateLimited).retryAfterMillis, 20_000)
      assert.strictEqual(error.attempts, 1)
      assert.strictEqual((yield* Clock.currentTimeMillis) - before, 0)
    }))
})

describe("Executor: retries and waits", () => {
  it.effect("backs off exponentially with jitter between attempts", () =>
    Effect.gen(function*() {
      const http = replies({ status: 503, body: {} })
      const bound = yield* bind({ retry: { maxAttempts: 4, baseDelayMillis: 1000, maxDelayMillis: 3000 } })
      const error = yield* failWith(bound, readCall(), http.layer, 10)
      assert.strictEqual(error.attempts, 4)
      assert.strictEqual(http.seen.length, 4)
      const gaps = http.seen.slice(1).map((r, i) => r.at - http.seen[i]!.at)
      // equal jitter: attempt n waits between half and all of min(max, base * 2^(n-1))
      const bounds = [[500, 1000], [1000, 2000], [1500, 3000]] as const
      gaps.forEach((gap, i) => {
        assert.isAtLeast(gap, bounds[i]![0], `gap ${i + 1}: ${gap}`)
        assert.isAtMost(gap, bounds[i]![1] + 10, `gap ${i + 1}: ${gap}`)
      })
    }))

  it.effect("a processor's Retry-After shorter than the backoff does not shorten it", () =>
    Effect.gen(function*() {
      const http = replies({ status: 429, body: { reason: "RateLimited", retryAfterMillis: 10 } }, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 1000, maxDelayMillis: 1000 } })
      assert.strictEqual(yield* drive(run(bound, readCall(), http.layer), 10), "ok")
      assert.isAtLeast(http.seen[1]!.at - http.seen[0]!.at, 500)
    }))

  it.effect("a wait hint on any retryable answer is honoured (Adyen Transient-Error, Stripe-Should-Retry)", () =>
    Effect.gen(function*() {
      const http = replies({ status: 503, body: { reason: "ProcessorUnavailable" }, headers: { "x-retry-after-ms": "5000" } }, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 1, maxDelayMillis: 1 } })
      assert.strictEqual(yield* drive(run(bound, readCall(), http.layer), 100), "ok")
      const gap = http.seen[1]!.at - http.seen[0]!.at
      assert.isAtLeast(gap, 5000)
      assert.isAtMost(gap, 5100)
      // The hint changes the wait, not the reason.
      const once = replies({ status: 503, body: { reason: "ProcessorUnavailable" }, headers: { "x-retry-after-ms": "5000" } })
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), once.layer))
      assert.strictEqual(error.reason._tag, "ProcessorUnavailable")
    }))

  it.effect("a rate limit without its own Retry-After takes the hint's, and reports it", () =>
    Effect.gen(function*() {
      const hinted = replies({ status: 429, body: { reason: "RateLimited" }, headers: { "x-retry-after-ms": "7000" } })
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), hinted.layer))
      assert.strictEqual((error.reason as RefundError.RateLimited).retryAfterMillis, 7000)
      assert.strictEqual(error.reason.message, "said RateLimited")
      assert.strictEqual(error.httpStatus, 429)
      // The processor's own Retry-After wins over a hint.
      const own = { status: 429, body: { reason: "RateLimited", retryAfterMillis: 2000 }, headers: { "x-retry-after-ms": "7000" } } as const
      const single = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), replies(own).layer))
      assert.strictEqual((single.reason as RefundError.RateLimited).retryAfterMillis, 2000)
      const both = replies(own, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 1, maxDelayMillis: 1 } })
      assert.strictEqual(yield* drive(run(bound, readCall(), both.layer), 100), "ok")
      const gap = both.seen[1]!.at - both.seen[0]!.at
      assert.isAtLeast(gap, 2000)
      assert.isBelow(gap, 7000)
      // No hint and no Retry-After: nothing is made up.
      const bare = replies({ status: 429, body: { reason: "RateLimited" } })
      const none = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 1 } }), readCall(), bare.layer))
      assert.isUndefined((none.reason as RefundError.RateLimited).retryAfterMillis)
    }))

  it.effect("a processor's retry hint overrides the reason either way", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 } })
      // 409 lock contention marked retryable by the processor although the reason is not.
      const retryable = replies({ status: 409, body: { reason: "InvalidRequest" }, headers: { "x-retry": "true" } }, { status: 200, body: "ok" })
      assert.strictEqual(yield* drive(run(bound, readCall(), retryable.layer)), "ok")
      assert.strictEqual(retryable.seen.length, 2)
      const never = replies({ status: 503, body: { reason: "ProcessorUnavailable" }, headers: { "x-retry": "false" } })
      const error = yield* Effect.flip(run(bound, readCall(), never.layer))
      assert.strictEqual(error.reason._tag, "ProcessorUnavailable")
      assert.strictEqual(never.seen.length, 1)
    }))

  it.effect("every attempt of a create carries the same idempotency key and the same body", () =>
    Effect.gen(function*() {
      const http = replies({ hang: true }, reset, { status: 502, body: {} }, { status: 200, body: "ok" })
      const spec: ProcessorHttp.ProcessorRequest = { method: "POST", path: "/refunds", headers: { "Idempotency-Key": "key-1" }, body: ProcessorHttp.json({ amount: 1050 }) }
      const bound = yield* bind({ retry: { maxAttempts: 4, baseDelayMillis: 1, maxDelayMillis: 1 } })
      assert.strictEqual(yield* drive(run(bound, createCall(spec), http.layer), 100), "ok")
      assert.strictEqual(http.seen.length, 4)
      assert.deepStrictEqual([...new Set(http.seen.map((r) => r.headers["idempotency-key"]))], ["key-1"])
      assert.deepStrictEqual([...new Set(http.seen.map((r) => r.body))], ["{\"amount\":1050}"])
    }))
})

describe("Executor: access tokens", () => {
  const token = (n: number, expiresIn = 3600) => ({ status: 200, body: { access_token: `tok_${n}`, expires_in: expiresIn } })

  it.effect("a 401 with a cached token refreshes it once, at once; a second 401 is final", () =>
    Effect.gen(function*() {
      let tokens = 0
      const http = scripted((request) => (request.url.endsWith("/oauth/token") ? token(++tokens) : { status: 401, body: {} }))
      const bound = yield* bind({ retry: { maxAttempts: 4 } }, ruled(fakeTokenConnector))
      const error = yield* Effect.flip(run(bound, readCall(), http.layer))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(tokens, 2)
      const calls = http.seen.filter((r) => !r.url.endsWith("/oauth/token"))
      assert.deepStrictEqual(calls.map((r) => r.headers["authorization"]), ["Bearer tok_1", "Bearer tok_2"])
      // No backoff before the retry with the fresh token: the clock never moved.
      assert.strictEqual(calls[1]!.at, calls[0]!.at)
      assert.strictEqual(error.attempts, 2)
    }))

  it.effect("only a 401 refreshes the token: a 5xx is retried with the same one", () =>
    Effect.gen(function*() {
      let tokens = 0
      let calls = 0
      const http = scripted((request) =>
        request.url.endsWith("/oauth/token") ? token(++tokens) : ++calls === 1 ? { status: 503, body: {} } : { status: 200, body: "ok" }
      )
      const bound = yield* bind({ retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 } }, ruled(fakeTokenConnector))
      assert.strictEqual(yield* drive(run(bound, readCall(), http.layer)), "ok")
      assert.strictEqual(tokens, 1)
      assert.deepStrictEqual(http.seen.filter((r) => !r.url.endsWith("/oauth/token")).map((r) => r.headers["authorization"]), ["Bearer tok_1", "Bearer tok_1"])
    }))

  it.effect("a 401 with a static key is final", () =>
    Effect.gen(function*() {
      const http = replies({ status: 401, body: {} })
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 4 } }), createCall(), http.layer))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(http.seen.length, 1)
    }))

  it.effect("a token request that gets no answer: Network, for the authenticate step", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ retry: { maxAttempts: 1 } }, ruled(fakeTokenConnector))
      const refusedError = yield* Effect.flip(run(bound, readCall(), replies(refused).layer))
      assert.strictEqual(refusedError.operation, "authenticate")
      assert.isFalse(networkOf(refusedError).requestSent)
      assert.strictEqual(refusedError.reason.message, "refused (ECONNREFUSED)")
      const hung = yield* failWith(bound, readCall(), replies({ hang: true }).layer)
      assert.strictEqual(hung.operation, "authenticate")
      assert.isTrue(networkOf(hung).requestSent)
      assert.strictEqual(hung.reason.message, "token request timed out")
      // Nothing was sent for a create: Network, not unknown.
      const create = yield* failWith(bound, createCall(), replies({ hang: true }).layer)
      assert.strictEqual(create.reason._tag, "Network")
    }))

  it.effect("a refused token request is an error answer mapped like any other", () =>
    Effect.gen(function*() {
      const http = scripted((request) =>
        request.url.endsWith("/oauth/token") ? { status: 400, body: { reason: "Authentication" } } : { status: 200, body: "ok" }
      )
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 3 } }, ruled(fakeTokenConnector)), readCall(), http.layer))
      assert.strictEqual(error.operation, "authenticate")
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(error.processorCode, "code_400")
      assert.strictEqual(error.processorMessage, "processor says no to authenticate")
      assert.strictEqual(http.seen.length, 1)
    }))

  it.effect("after a create attempt that may have acted, a refusal from the token endpoint does not settle the outcome", () =>
    Effect.gen(function*() {
      // Attempt 1 gets a short-lived token and times out after sending the refund request. The token
      // has expired by attempt 2, and the token endpoint refuses: that says nothing about attempt 1.
      for (const refusal of [{ reason: "Authentication" }, { reason: "InvalidRequest" }, { reason: "RefundRejected", kind: "Declined" }]) {
        let tokens = 0
        const http = scripted((request) =>
          request.url.endsWith("/oauth/token")
            ? ++tokens === 1 ? token(1, 1) : { status: 401, body: refusal }
            : { hang: true }
        )
        const bound = yield* bind({ retry: { maxAttempts: 3, baseDelayMillis: 100, maxDelayMillis: 100 } }, ruled(fakeTokenConnector))
        const error = yield* failWith(bound, createCall(), http.layer)
        assert.strictEqual(tokens, 2)
        const reason = unknownOf(error)
        assert.strictEqual(reason.message, `${String(refusal.reason)}: said ${String(refusal.reason)}${guidance}`)
        assert.strictEqual(reason.idempotencyKey, "key-1")
        assert.strictEqual(error.attempts, 2)
      }
      // Before anything was sent, the same refusal is reported as it is.
      const first = replies({ status: 401, body: { reason: "Authentication" } })
      const error = yield* Effect.flip(run(yield* bind({}, ruled(fakeTokenConnector)), createCall(), first.layer))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.operation, "authenticate")
    }))

  it.effect("a rate-limited token request waits as the processor says", () =>
    Effect.gen(function*() {
      let tokens = 0
      const http = scripted((request) =>
        request.url.endsWith("/oauth/token")
          ? ++tokens === 1 ? { status: 429, body: { reason: "RateLimited", retryAfterMillis: 3000 } } : token(tokens)
          : { status: 200, body: "ok" }
      )
      const bound = yield* bind({ retry: { maxAttempts: 3, baseDelayMillis: 1, maxDelayMillis: 1 } }, ruled(fakeTokenConnector))
      assert.strictEqual(yield* drive(run(bound, readCall(), http.layer), 100), "ok")
      const gap = http.seen[1]!.at - http.seen[0]!.at
      assert.isAtLeast(gap, 3000)
      assert.isAtMost(gap, 3100)
    }))

  it.effect("a token's 2xx answer it cannot read keeps a parse reason other than UnexpectedResponse", () =>
    Effect.gen(function*() {
      const connector: Connector.Connector = {
        ...ruled(fakeTokenConnector),
        auth: {
          ...(fakeTokenConnector.auth as Extract<Connector.Auth<any>, { _tag: "AccessToken" }>),
          parseToken: () => Result.fail(new RefundError.Authentication({ message: "token for another account" }))
        }
      }
      const http = replies({ status: 200, body: {} })
      const error = yield* Effect.flip(run(yield* bind({ retry: { maxAttempts: 3 } }, connector), readCall(), http.layer))
      assert.strictEqual(error.operation, "authenticate")
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.httpStatus, 200)
      assert.strictEqual(http.seen.length, 1)
    }))
})

describe("Executor: spans, metrics and logs", () => {
  interface Recorded {
    readonly name: string
    readonly attributes: ReadonlyMap<string, unknown>
  }
  const recordingTracer = () => {
    const spans: Array<Recorded> = []
    const tracer = Tracer.make({
      span: (options) => {
        const span = Tracer.nativeTracer.span(options)
        spans.push(span)
        return span
      }
    })
    return { spans, tracer }
  }

  it.effect("an operation span with its connector, environment, refund and outcome; one attempt span per attempt", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const http = replies({ status: 503, body: {} }, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 1, maxDelayMillis: 1 } })
      yield* drive(run(bound, createCall(), http.layer).pipe(Effect.withTracer(tracer)))
      const operation = spans.find((s) => s.name === "refract.create")!
      assert.isDefined(operation)
      assert.strictEqual(operation.attributes.get("refract.connector"), "fakepay")
      assert.strictEqual(operation.attributes.get("refract.operation"), "create")
      assert.strictEqual(operation.attributes.get("refract.environment"), "sandbox")
      assert.strictEqual(operation.attributes.get("refract.merchant_refund_id"), "order-1")
      assert.strictEqual(operation.attributes.get("refract.attempts"), 2)
      assert.strictEqual(operation.attributes.get("refract.outcome"), "ok")
      const attempts = spans.filter((s) => s.name === "refract.attempt")
      assert.strictEqual(attempts.length, 2)
      assert.deepStrictEqual(attempts.map((s) => s.attributes.get("http.response.status_code")), [503, 200])
      assert.isTrue(attempts.every((s) => s.attributes.get("refract.connector") === "fakepay"))

      spans.length = 0
      yield* Effect.flip(run(bound, readCall(), replies({ status: 404, body: {} }).layer).pipe(Effect.withTracer(tracer)))
      const read = spans.find((s) => s.name === "refract.get")!
      assert.strictEqual(read.attributes.get("refract.outcome"), "NotFound")
      assert.isFalse(read.attributes.has("refract.merchant_refund_id"))
    }))

  it.effect("a client span per attempt with the request's method, URL, server, status and error type, and traceparent on the wire unless propagation is off", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const http = replies({ status: 404, body: {} })
      const bound = yield* bind({ retry: { maxAttempts: 1 } })
      yield* Effect.flip(run(bound, readCall({ method: "GET", path: "/refunds/rf_1", query: { expand: "charge" } }), http.layer).pipe(Effect.withTracer(tracer)))
      const client = spans.find((s) => s.kind === "client")!
      assert.isDefined(client, "a client span")
      assert.strictEqual(client.name, "GET")
      const attempt = spans.find((s) => s.name === "refract.attempt")!
      assert.strictEqual(client.parent._tag, "Some")
      assert.strictEqual(client.parent.value.spanId, attempt.spanId)
      const attributes = Object.fromEntries(client.attributes)
      assert.strictEqual(attributes["http.request.method"], "GET")
      assert.strictEqual(attributes["url.full"], "https://sandbox.fakepay.test/v1/refunds/rf_1?expand=charge")
      assert.strictEqual(attributes["url.path"], "/v1/refunds/rf_1")
      assert.strictEqual(attributes["url.query"], "expand=charge")
      assert.strictEqual(attributes["url.scheme"], "https")
      assert.strictEqual(attributes["server.address"], "sandbox.fakepay.test")
      assert.strictEqual(attributes["server.port"], 443)
      assert.strictEqual(attributes["http.response.status_code"], 404)
      assert.strictEqual(attributes["error.type"], "404")
      assert.match(http.seen[0]!.headers["traceparent"] ?? "", new RegExp(`^00-${client.traceId}-${client.spanId}-0[01]$`))
      // No header is recorded unless HttpClient.TracerHeaderFilter lets it through (by default none is).
      assert.deepStrictEqual(Object.keys(attributes).filter((k) => k.startsWith("http.request.header.") || k.startsWith("http.response.header.")), [])

      spans.length = 0
      yield* Effect.flip(run(bound, readCall({ method: "GET", path: "/x", absoluteUrl: "http://[::1]:8080/v1/x" }), replies({ status: 400, body: {} }).layer).pipe(Effect.withTracer(tracer)))
      const local = Object.fromEntries(spans.find((s) => s.kind === "client")!.attributes)
      assert.strictEqual(local["server.address"], "::1")
      assert.strictEqual(local["server.port"], 8080)
      assert.strictEqual(local["url.scheme"], "http")
      assert.strictEqual(local["error.type"], "400")

      spans.length = 0
      const ok = replies({ status: 200, body: "ok" })
      yield* run(bound, readCall(), ok.layer).pipe(Effect.withTracer(tracer))
      const fine = spans.find((s) => s.kind === "client")!
      assert.strictEqual(fine.attributes.get("http.response.status_code"), 200)
      assert.isFalse(fine.attributes.has("error.type"))
      assert.isFalse(fine.attributes.has("url.query"))

      const quiet = replies({ status: 200, body: "ok" })
      yield* run(bound, readCall(), quiet.layer).pipe(Effect.withTracer(tracer), Effect.provideService(HttpClient.TracerPropagationEnabled, false))
      assert.isUndefined(quiet.seen[0]!.headers["traceparent"])
      const disabled = replies({ status: 200, body: "ok" })
      yield* run(bound, readCall(), disabled.layer).pipe(Effect.withTracer(tracer), Effect.provideService(Tracer.DisablePropagation, true))
      assert.isUndefined(disabled.seen[0]!.headers["traceparent"])
    }))

  it.effect("secret headers are redacted from traced headers, whatever their case; others are not", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const connector: Connector.Connector = {
        ...ruled(fakeConnector),
        secretHeaders: ["X-Fake-Key", "X-Signature"],
        auth: {
          _tag: "Static",
          headers: (c: { apiKey: Redacted.Redacted<string> }) => ({
            "x-fake-key": c.apiKey,
            "x-signature": "sig-secret",
            authorization: "Bearer auth-secret",
            cookie: "session=cookie-secret",
            "x-api-key": "apikey-secret",
            "proxy-authorization": "Basic proxy-secret",
            "x-visible": "plain-value"
          })
        }
      }
      const http = replies({ status: 200, body: "ok", headers: { "set-cookie": "sid=setcookie-secret", "x-answer": "seen" } })
      yield* run(yield* bind({}, connector), readCall(), http.layer).pipe(
        Effect.withTracer(tracer),
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      const traced = spans.flatMap((s) => [...s.attributes.entries()].map(([k, v]) => `${k}=${String(v)}`)).join("\n")
      for (const secret of ["secretvalue123", "sig-secret", "auth-secret", "cookie-secret", "apikey-secret", "proxy-secret", "setcookie-secret"]) {
        assert.notInclude(traced, secret)
      }
      assert.include(traced, "http.request.header.x-visible=plain-value")
      assert.include(traced, "http.response.header.x-answer=seen")
      assert.include(traced, "http.request.header.x-fake-key=<redacted>")
      // The wire still carries the real values.
      assert.strictEqual(http.seen[0]!.headers["authorization"], "Bearer auth-secret")
    }))

  it.effect("counts operations by outcome, attempts, retries by reason, and the duration", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const http = replies({ hang: true }, { status: 503, body: {} }, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 3, baseDelayMillis: 100, maxDelayMillis: 100 } })
      yield* drive(run(bound, createCall(), http.layer), 50)
      yield* Effect.flip(run(bound, readCall(), replies({ status: 404, body: {} }).layer))
      const snapshot = yield* Metric.snapshot
      const find = (id: string, attributes: Record<string, string>) =>
        snapshot.filter((m) => m.id === id && Object.entries(attributes).every(([k, v]) => m.attributes?.[k] === v))
      const count = (id: string, attributes: Record<string, string>) =>
        find(id, attributes).reduce((n, m) => n + (m.state as { count: number }).count, 0)
      assert.strictEqual(count("refract_requests_total", { connector: "fakepay", operation: "create", outcome: "ok" }), 1)
      assert.strictEqual(count("refract_requests_total", { connector: "fakepay", operation: "get", outcome: "NotFound" }), 1)
      assert.strictEqual(count("refract_http_attempts_total", { connector: "fakepay", operation: "create" }), 3)
      assert.strictEqual(count("refract_retries_total", { connector: "fakepay", operation: "create", reason: "OutcomeUnknown" }), 2)
      const [duration] = find("refract_operation_duration_ms", { connector: "fakepay", operation: "create" })
      assert.isDefined(duration)
      const state = duration!.state as { count: number; sum: number }
      assert.strictEqual(state.count, 1)
      // one 1000 ms timeout plus two waits of 50..100 ms, measured on the operation's clock
      assert.isAtLeast(state.sum, 1100)
      assert.isAtMost(state.sum, 1250)
    }).pipe(Effect.provideService(Metric.MetricRegistry, new Map())))

  it.effect("each retry is logged at debug level with its reason and wait, without secrets", () =>
    Effect.gen(function*() {
      const lines: Array<{ message: unknown; level: string }> = []
      const logger = Logger.make((options) => {
        lines.push({ message: options.message, level: options.logLevel })
      })
      const http = replies({ status: 503, body: {} }, { status: 200, body: "ok" })
      const bound = yield* bind({ retry: { maxAttempts: 2, baseDelayMillis: 100, maxDelayMillis: 100 } })
      yield* drive(run(bound, createCall(), http.layer)).pipe(
        Effect.provide(Logger.layer([logger])),
        Effect.provideService(References.MinimumLogLevel, "Debug")
      )
      const retrying = lines.filter((l) => JSON.stringify(l.message).includes("refract: retrying"))
      assert.strictEqual(retrying.length, 1)
      assert.strictEqual(retrying[0]!.level, "Debug")
      const [text, fields] = retrying[0]!.message as [string, Record<string, unknown>]
      assert.strictEqual(text, "refract: retrying")
      assert.strictEqual(fields["connector"], "fakepay")
      assert.strictEqual(fields["operation"], "create")
      assert.strictEqual(fields["attempt"], 1)
      assert.strictEqual(fields["reason"], "OutcomeUnknown")
      assert.isAtLeast(fields["waitMillis"] as number, 50)
      assert.isAtMost(fields["waitMillis"] as number, 100)
      assert.notInclude(JSON.stringify(lines), "secretvalue123")
    }))
})
}

describe("on HttpClient.execute", () => {
  beforeAll(() => {
    road = "execute"
  })
  rules()
})

describe("on a direct exchange", () => {
  beforeAll(() => {
    road = "direct"
  })
  rules()
})
