import { assert, describe, it } from "@effect/vitest"
import { Connector, ConnectorLayer, ConnectorRegistry, Money, ProcessorHttp, Refund, RefundError, RefundService } from "@refract/core"
import type { RefundClient } from "@refract/core"
import { Context, Effect, Exit, Fiber, Option, Redacted, Result } from "effect"
import { TestClock } from "effect/testing"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ConnectorTest } from "@refract/testkit"

/** "echopay": just enough of a connector to run through the core with a scripted client. */
const echopay = Connector.make({
  id: "echopay",
  displayName: "EchoPay",
  capabilities: {
    create: true,
    get: true,
    lookup: false,
    lookupFindsPending: false,
    webhooks: false,
    partialRefunds: true,
    fullRefundWithoutAmount: true,
    reportsReversals: false,
    cancellation: false,
    cancelRefund: false,
    list: false,
    reports: false
  },
  environments: { sandbox: "https://echopay.test/v1", production: "https://live.echopay.test/v1" },
  credentials: {
    apiKey: { secret: true, pattern: /^ek_[a-z]+_[A-Za-z0-9]+$/, description: "an echopay key (ek_test_…)", env: "ECHOPAY_API_KEY" }
  },
  auth: { _tag: "Static", headers: (c) => ({ "X-Echo-Key": c.apiKey }) },
  idempotencyKey: { maxLength: 40, windowMillis: 24 * 60 * 60 * 1000 },
  secretHeaders: ["x-echo-key"],
  create: {
    build: (input, ctx) =>
      Result.succeed<ProcessorHttp.ProcessorRequest>({
        method: "POST",
        path: "/refunds",
        headers: { "Idempotency-Key": ctx.idempotencyKey },
        body: ProcessorHttp.json({ payment: input.connectorTransactionId, amount: input.amount?.amount })
      }),
    parse: (response, input) => {
      const body = ProcessorHttp.parseJson(response.body) as { id?: string; status?: string } | undefined
      return body?.id === undefined
        ? Result.fail(new RefundError.UnexpectedResponse({ message: "not an echopay refund" }))
        : Result.succeed(
          new Refund.RefundSnapshot({
            connectorRefundId: body.id,
            connectorTransactionId: input.connectorTransactionId,
            merchantRefundId: input.merchantRefundId,
            amount: input.amount,
            status: body.status === "done" ? "Succeeded" : "Pending",
            rawStatus: body.status ?? ""
          })
        )
    }
  },
  mapError: (response) => ({ reason: RefundError.reasonFromHttpStatus(response.status, `status ${response.status}`, undefined) }),
  retryHint: () => ({ retry: undefined })
})

class EchoRefunds extends Context.Service<EchoRefunds, RefundClient.RefundClient>()("test/EchoRefunds") {}

const apiKey = "ek_test_0123456789"
const echoLayer = (key: string) => ConnectorLayer.layer(EchoRefunds, echopay, { credentials: { apiKey: key } })

const input = { merchantRefundId: "order-1", connectorTransactionId: "pay_1", amount: { amount: 1050, currency: "USD" } }

/** Sends `request` through the client of `script`. */
const send = (script: ConnectorTest.Script, request: HttpClientRequest.HttpClientRequest) =>
  HttpClient.execute(request).pipe(Effect.provide(script.layer))

describe("ConnectorTest.scripted", () => {
  it.effect("records method, URL, lower-case headers and body text, and answers as scripted", () => {
    const script = ConnectorTest.scripted((request, index) =>
      index === 0
        ? { status: 201, body: { id: "r_1", echoed: request.body }, headers: { "Request-Id": "req_1" } }
        : { status: 200, body: "plain text" }
    )
    return Effect.gen(function*() {
      const first = yield* send(
        script,
        HttpClientRequest.post("https://p.test/refunds?x=1").pipe(
          HttpClientRequest.setHeader("Idempotency-Key", "k-1"),
          HttpClientRequest.bodyText("{\"a\":1}", "application/json")
        )
      )
      assert.strictEqual(first.status, 201)
      assert.strictEqual(first.headers["request-id"], "req_1")
      assert.deepStrictEqual(yield* first.json, { id: "r_1", echoed: "{\"a\":1}" })
      const second = yield* send(script, HttpClientRequest.get("https://p.test/refunds/r_1"))
      assert.strictEqual(yield* second.text, "plain text")

      assert.strictEqual(script.requests.length, 2)
      const [post, get] = script.requests
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.url, "https://p.test/refunds?x=1")
      assert.strictEqual(post!.headers["idempotency-key"], "k-1")
      assert.strictEqual(post!.headers["content-type"], "application/json")
      assert.isTrue(Object.keys(post!.headers).every((name) => name === name.toLowerCase()))
      assert.strictEqual(post!.body, "{\"a\":1}")
      assert.strictEqual(get!.method, "GET")
      assert.strictEqual(get!.body, "")
    })
  })

  it.effect("an answer without a body is empty, even for statuses that allow none", () => {
    const script = ConnectorTest.scripted((_, index) => (index === 0 ? { status: 204 } : { status: 401, body: "" }))
    return Effect.gen(function*() {
      const noContent = yield* send(script, HttpClientRequest.get("https://p.test/a"))
      assert.strictEqual(noContent.status, 204)
      assert.strictEqual(yield* noContent.text, "")
      const unauthorised = yield* send(script, HttpClientRequest.get("https://p.test/b"))
      assert.strictEqual(unauthorised.status, 401)
      assert.strictEqual(yield* unauthorised.text, "")
    })
  })

  it.effect("refused and reset connections are TransportErrors with ECONNREFUSED and ECONNRESET", () => {
    const script = ConnectorTest.scripted((_, index) => ({ transport: index === 0 ? "refused" : "reset" }))
    return Effect.gen(function*() {
      for (const code of ["ECONNREFUSED", "ECONNRESET"]) {
        const error = yield* Effect.flip(send(script, HttpClientRequest.post("https://p.test/refunds")))
        assert.strictEqual(error._tag, "HttpClientError")
        assert.strictEqual(error.reason._tag, "TransportError")
        assert.strictEqual((error.reason.cause as { code?: string }).code, code)
      }
      assert.strictEqual(script.requests.length, 2, "both were recorded")
    })
  })

  it.effect("a hanging answer never completes", () => {
    const script = ConnectorTest.scripted(() => ({ hang: true }))
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(send(script, HttpClientRequest.get("https://p.test/slow")).pipe(Effect.timeoutOption("10 seconds")))
      yield* TestClock.adjust("10 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.join(fiber)))
      assert.strictEqual(script.requests.length, 1)
    })
  })

  it.live("delayMillis answers after that many real milliseconds", () => {
    const script = ConnectorTest.scripted(() => ({ status: 200, body: "{}", delayMillis: 60 }))
    return Effect.gen(function*() {
      const started = Date.now()
      const answer = yield* send(script, HttpClientRequest.get("https://p.test/a"))
      assert.strictEqual(answer.status, 200)
      assert.isAtLeast(Date.now() - started, 55)
    })
  })
})

describe("ConnectorTest.services", () => {
  it.live("RefundService, the registry and the connector's own service, over the scripted client", () => {
    const script = ConnectorTest.scripted((request) =>
      request.method === "POST" ? { status: 200, body: { id: "r_1", status: "pending" } } : { status: 404 }
    )
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("echopay", input)
      assert.strictEqual(refund.connector, "echopay")
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual((yield* (yield* ConnectorRegistry.ConnectorRegistry).get("echopay")).id, "echopay")
      assert.strictEqual((yield* EchoRefunds).connector, "echopay")
      assert.strictEqual(script.requests.length, 1)
      assert.strictEqual(script.requests[0]!.url, "https://echopay.test/v1/refunds")
      assert.strictEqual(script.requests[0]!.headers["x-echo-key"], apiKey)
      assert.strictEqual(script.requests[0]!.headers["idempotency-key"], "refract-order-1")
      assert.deepStrictEqual(JSON.parse(script.requests[0]!.body), { payment: "pay_1", amount: 1050 })
    }).pipe(Effect.provide(ConnectorTest.services(echoLayer(apiKey), script.layer)))
  })

  it("buildExit succeeds for a valid layer; configurationError returns the Configuration error of a bad one", async () => {
    const http = ConnectorTest.scripted(() => ({ status: 500 }))
    assert.isTrue(Exit.isSuccess(await ConnectorTest.buildExit(ConnectorTest.services(echoLayer(apiKey), http.layer))))
    const exit = await ConnectorTest.buildExit(ConnectorTest.services(echoLayer("not a key"), http.layer))
    const error = ConnectorTest.configurationError(assert, exit, { operation: "configure" })
    assert.strictEqual(error?.connector, "echopay")
    assert.include(error?.message ?? "", "apiKey is malformed")
    assert.notInclude(JSON.stringify(error), "not a key")
    assert.strictEqual(http.requests.length, 0)
  })

  it("configurationError asserts with the assert it is given", async () => {
    const calls: Array<string> = []
    const recording: ConnectorTest.Assert = {
      isTrue: (value) => void calls.push(`isTrue ${String(value)}`),
      strictEqual: (actual, expected) => void calls.push(`strictEqual ${String(actual)} ${String(expected)}`)
    }
    const built = await ConnectorTest.buildExit(ConnectorTest.services(echoLayer(apiKey), ConnectorTest.scripted(() => ({ status: 500 })).layer))
    assert.isUndefined(ConnectorTest.configurationError(recording, built))
    assert.deepStrictEqual(calls, ["isTrue false"])
    calls.length = 0
    const failed = await ConnectorTest.buildExit(ConnectorTest.services(echoLayer("bad"), ConnectorTest.scripted(() => ({ status: 500 })).layer))
    ConnectorTest.configurationError(recording, failed)
    assert.deepStrictEqual(calls, ["isTrue true", "strictEqual RefundError RefundError", "strictEqual Configuration Configuration"])
  })
})

describe("ConnectorTest inputs", () => {
  it("response lower-cases header names and sends non-strings as JSON", () => {
    assert.deepStrictEqual(ConnectorTest.response(404, { error: "x" }, { "Request-Id": "req_1" }), {
      status: 404,
      headers: { "request-id": "req_1" },
      body: "{\"error\":\"x\"}"
    })
    assert.deepStrictEqual(ConnectorTest.response(200, "raw"), { status: 200, headers: {}, body: "raw" })
  })

  it("credentials are decoded as the core decodes them, secrets Redacted; bad ones throw without the value", () => {
    const credentials = ConnectorTest.credentials(echopay, { apiKey })
    assert.isTrue(Redacted.isRedacted(credentials.apiKey))
    assert.strictEqual(Redacted.value(credentials.apiKey), apiKey)
    assert.throws(() => ConnectorTest.credentials(echopay, { apiKey: "nope nope" }), /echopay credentials/)
  })

  it("contexts: sandbox, with the default or given idempotency key", () => {
    const credentials = ConnectorTest.credentials(echopay, { apiKey })
    const { buildContext, createContext } = ConnectorTest.contexts(credentials)
    assert.deepStrictEqual(buildContext, { credentials, environment: "sandbox" })
    assert.deepStrictEqual(createContext(), { credentials, environment: "sandbox", idempotencyKey: "refract-order-42-r1" })
    assert.strictEqual(createContext("k-2").idempotencyKey, "k-2")
    const other = ConnectorTest.contexts(credentials, { idempotencyKey: "refract-r-1", environment: "production" })
    assert.deepStrictEqual(other.createContext(), { credentials, environment: "production", idempotencyKey: "refract-r-1" })
  })

  it("requests: create requests over the defaults and references, validated; invalid input throws", () => {
    const { createRequest, reference } = ConnectorTest.requests("echopay", input)
    const request = createRequest()
    assert.strictEqual(request.merchantRefundId, "order-1")
    assert.isTrue(Money.equals(request.amount!, Money.make(1050, "USD")))
    assert.strictEqual(createRequest({ merchantRefundId: "order-2" }).merchantRefundId, "order-2")
    assert.strictEqual(ConnectorTest.requests("echopay").createRequest(input).connectorTransactionId, "pay_1")
    assert.throws(() => createRequest({ amount: { amount: 0, currency: "USD" } }), /greater than zero/)
    assert.strictEqual(reference("r_1").connectorRefundId, "r_1")
    assert.strictEqual(reference({ connectorRefundId: "r_1", connectorTransactionId: "pay_1" }).connectorTransactionId, "pay_1")
    assert.throws(() => reference(""))
  })

  it("ok and failure unwrap a Result or throw", () => {
    assert.strictEqual(ConnectorTest.ok(Result.succeed(1)), 1)
    assert.strictEqual(ConnectorTest.failure(Result.fail("e")), "e")
    assert.throws(() => ConnectorTest.ok(Result.fail("e")), /expected success, got "e"/)
    assert.throws(() => ConnectorTest.failure(Result.succeed(1)), /expected failure, got 1/)
  })
})
