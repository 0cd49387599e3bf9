import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { PayPalConnector, PayPalRefunds } from "@refract/paypal"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { captureId, clientId, clientSecret, fixtureJson, fixtureText, refundId } from "./helpers.ts"

const baseUrl = "https://paypal.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }
const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`
const tokenBody = fixtureJson("token.json")

const tokenAnswer = (token = tokenBody.access_token, extra: Partial<Answer> = {}): Answer => ({
  status: 200,
  body: { ...tokenBody, access_token: token },
  ...extra
})

const isToken = (r: Recorded) => r.method === "POST" && r.url === `${baseUrl}/v1/oauth2/token`
const isCreate = (r: Recorded) => r.method === "POST" && r.url === `${baseUrl}/v2/payments/captures/${captureId}/refund`
const isGet = (r: Recorded) => r.method === "GET" && r.url === `${baseUrl}/v2/payments/refunds/${refundId}`

/** A tiny PayPal: tokens, creates answer the pending fixture, reads answer the completed one. */
const paypalLike = (request: Recorded): Answer => {
  if (isToken(request)) return tokenAnswer()
  if (isCreate(request)) return { status: 201, body: fixtureText("refund-pending.json"), headers: { "Paypal-Debug-Id": "dbg-create" } }
  if (isGet(request)) return { status: 200, body: fixtureText("refund-completed.json") }
  return { status: 404, body: { name: "RESOURCE_NOT_FOUND", message: "The specified resource does not exist.", debug_id: "dbg-404" } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: captureId,
  amount: { amount: 1_050, currency: "USD" },
  reason: "requested_by_customer" as const
}

const reasonTag = (e: { readonly _tag: string }) => (e._tag === "RefundError" ? (e as RefundError).reason._tag : e._tag)

describe("PayPalConnector.layer through the generic RefundService", () => {
  it.live("token, create → Pending, get → Succeeded, with PayPal's headers on the wire", () => {
    const script = scripted(paypalLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("paypal", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connector, "paypal")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.connectorTransactionId, captureId)
      assert.strictEqual(created.merchantRefundId, "order-42-r1")
      assert.strictEqual(created.amount?.amount, 1_050)
      assert.strictEqual(created.reason, "ECHECK")

      const read = yield* service.get("paypal", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.simpleStatus, "SUCCEEDED")

      const specific = yield* PayPalRefunds
      assert.strictEqual(specific.connector, "paypal")
      assert.strictEqual((yield* specific.get(refundId)).status, "Succeeded")

      const [token, post, get] = script.requests
      assert.strictEqual(script.requests.filter(isToken).length, 1, "one token for every call")
      assert.isTrue(isToken(token!))
      assert.strictEqual(token!.headers["authorization"], basic)
      assert.strictEqual(token!.headers["content-type"], "application/x-www-form-urlencoded")
      assert.strictEqual(token!.body, "grant_type=client_credentials")

      assert.isTrue(isCreate(post!))
      assert.strictEqual(post!.headers["authorization"], `Bearer ${tokenBody.access_token}`)
      assert.strictEqual(post!.headers["paypal-request-id"], "refract-order-42-r1")
      assert.strictEqual(post!.headers["prefer"], "return=representation")
      assert.strictEqual(post!.headers["content-type"], "application/json")
      assert.strictEqual(post!.body, "{\"amount\":{\"currency_code\":\"USD\",\"value\":\"10.50\"},\"invoice_id\":\"order-42-r1\"}")

      assert.isTrue(isGet(get!))
      assert.strictEqual(get!.headers["authorization"], `Bearer ${tokenBody.access_token}`)
      assert.strictEqual(get!.headers["paypal-request-id"], undefined)
      assert.strictEqual(get!.body, "")
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret: Redacted.make(clientSecret), baseUrl }), script.layer)))
  })

  it.live("10 concurrent refunds share ONE token request", () => {
    const script = scripted((request) => (isToken(request) ? tokenAnswer(undefined, { delayMillis: 50 }) : paypalLike(request)))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const refunds = yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => ({ ...input, merchantRefundId: `order-42-r${i}` })),
        (one) => service.create("paypal", one),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(refunds.length, 10)
      assert.strictEqual(script.requests.filter(isToken).length, 1)
      assert.strictEqual(script.requests.filter(isCreate).length, 10)
      assert.deepStrictEqual(
        new Set(script.requests.filter(isCreate).map((r) => r.headers["paypal-request-id"])).size,
        10,
        "each refund its own PayPal-Request-Id"
      )
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl }), script.layer)))
  })

  it.live("a revoked token (401 invalid_token) is refreshed once and the refund retried under the same PayPal-Request-Id", () => {
    let tokens = 0
    const script = scripted((request) => {
      if (isToken(request)) return tokenAnswer(`A21AA-token-${++tokens}`)
      if (isCreate(request) && request.headers["authorization"] === "Bearer A21AA-token-1") {
        return { status: 401, body: { error: "invalid_token", error_description: "Token signature verification failed" } }
      }
      return paypalLike(request)
    })
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("paypal", input)
      assert.strictEqual(refund.status, "Pending")
      const creates = script.requests.filter(isCreate)
      assert.strictEqual(script.requests.filter(isToken).length, 2)
      assert.deepStrictEqual(creates.map((r) => r.headers["authorization"]), ["Bearer A21AA-token-1", "Bearer A21AA-token-2"])
      assert.strictEqual(creates[1]!.headers["paypal-request-id"], creates[0]!.headers["paypal-request-id"])
      // The fresh token is cached: the next call fetches none.
      yield* (yield* RefundService.RefundService).get("paypal", refundId)
      assert.strictEqual(script.requests.filter(isToken).length, 2)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("an expired token is replaced once it runs out (expires_in)", () => {
    let tokens = 0
    const script = scripted((request) => (isToken(request) ? { status: 200, body: { ...tokenBody, access_token: `A21AA-short-${++tokens}`, expires_in: 1 } } : paypalLike(request)))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      yield* service.get("paypal", refundId)
      yield* service.get("paypal", refundId)
      assert.strictEqual(script.requests.filter(isToken).length, 1)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 700)))
      yield* service.get("paypal", refundId)
      assert.strictEqual(script.requests.filter(isToken).length, 2)
      assert.strictEqual(script.requests.at(-1)!.headers["authorization"], "Bearer A21AA-short-2")
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl }), script.layer)))
  })

  it.live("a 401 that persists after the refresh is Authentication, after exactly one refresh", () => {
    const script = scripted((request) =>
      isToken(request) ? tokenAnswer() : { status: 401, body: { name: "AUTHENTICATION_FAILURE", message: "Authentication failed" } }
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("paypal", input))
      assert.strictEqual(reasonTag(error), "Authentication")
      assert.strictEqual(script.requests.filter(isToken).length, 2)
      assert.strictEqual(script.requests.filter(isCreate).length, 2)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("rejected client credentials: an 'authenticate' Authentication error, no refund request, no secret in it", () => {
    const script = scripted((request) =>
      isToken(request) ? { status: 401, body: { error: "invalid_client", error_description: "Client Authentication failed" } } : paypalLike(request)
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("paypal", input))
      assert.strictEqual(error._tag, "RefundError")
      if (error._tag !== "RefundError") return
      assert.strictEqual(error.operation, "authenticate")
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.processorCode, "invalid_client")
      assert.strictEqual(script.requests.filter(isCreate).length, 0)
      for (const text of [error.message, JSON.stringify(error)]) {
        assert.notInclude(text, clientSecret)
        assert.notInclude(text, Buffer.from(`${clientId}:${clientSecret}`).toString("base64"))
      }
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("5xx and 409 PREVIOUS_REQUEST_IN_PROGRESS are retried with the identical PayPal-Request-Id and body", () => {
    const script = scripted((request, index) => {
      if (isToken(request)) return tokenAnswer()
      if (isCreate(request) && index === 1) return { status: 500, body: { name: "INTERNAL_SERVER_ERROR", message: "An internal server error occurred.", debug_id: "dbg-500" } }
      if (isCreate(request) && index === 2) {
        return { status: 409, body: fixtureJson("errors.json")["previous_request_in_progress"] }
      }
      return paypalLike(request)
    })
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("paypal", input)
      assert.strictEqual(refund.status, "Pending")
      const creates = script.requests.filter(isCreate)
      assert.strictEqual(creates.length, 3)
      for (const attempt of creates) {
        assert.strictEqual(attempt.headers["paypal-request-id"], "refract-order-42-r1")
        assert.strictEqual(attempt.body, creates[0]!.body)
      }
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a 429 waits for Retry-After", () => {
    const script = scripted((request, index) =>
      isCreate(request) && index === 1
        ? { status: 429, body: { name: "RATE_LIMIT_REACHED", message: "Too many requests" }, headers: { "Retry-After": "0.3" } }
        : paypalLike(request)
    )
    return Effect.gen(function*() {
      const started = Date.now()
      yield* (yield* RefundService.RefundService).create("paypal", input)
      assert.isAtLeast(Date.now() - started, 280)
      assert.strictEqual(script.requests.filter(isCreate).length, 2)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a declined refund is RefundRejected with PayPal's issue and debug id, not retried", () => {
    const script = scripted((request) =>
      isCreate(request) ? { status: 422, body: fixtureJson("errors.json")["refund_amount_exceeded"] } : paypalLike(request)
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("paypal", input))
      assert.strictEqual(error._tag, "RefundError")
      if (error._tag !== "RefundError") return
      assert.strictEqual(error.reason._tag, "RefundRejected")
      assert.strictEqual(error.reason._tag === "RefundRejected" ? error.reason.kind : "", "AmountTooLarge")
      assert.strictEqual(error.processorCode, "REFUND_AMOUNT_EXCEEDED")
      assert.strictEqual(error.requestId, "b2c3d4e5f6a70")
      assert.strictEqual(error.httpStatus, 422)
      assert.strictEqual(script.requests.filter(isCreate).length, 1)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("an invalid capture id fails before any request, the token request included", () => {
    const script = scripted(paypalLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("paypal", { ...input, connectorTransactionId: "pi_3QbXc2LkdIwHu7ix" }))
      assert.strictEqual(reasonTag(error), "InvalidRequest")
      assert.strictEqual(script.requests.length, 0)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl }), script.layer)))
  })

  it.live("lookup is Unsupported; recover replays the create under the same PayPal-Request-Id within the key window only", () => {
    const script = scripted(paypalLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const lookup = yield* Effect.flip(service.lookup("paypal", { merchantRefundId: "order-42-r1", connectorTransactionId: captureId }))
      assert.strictEqual(reasonTag(lookup), "Unsupported")
      const sentAt = Date.now()
      const first = yield* service.create("paypal", input)
      // Without knowing when the key was first used, a replay could be a second refund: refused, nothing sent.
      assert.strictEqual(reasonTag(yield* Effect.flip(service.recover("paypal", input))), "IdempotencyExpired")
      const expired = yield* Effect.flip(service.recover("paypal", input, { firstAttemptAt: sentAt - 46 * 24 * 3_600_000 }))
      assert.strictEqual(reasonTag(expired), "IdempotencyExpired")
      assert.strictEqual(script.requests.filter(isCreate).length, 1)
      const recovered = yield* service.recover("paypal", input, { firstAttemptAt: sentAt })
      assert.strictEqual(recovered.connectorRefundId, first.connectorRefundId)
      const creates = script.requests.filter(isCreate)
      assert.strictEqual(creates.length, 2)
      assert.strictEqual(creates[1]!.headers["paypal-request-id"], creates[0]!.headers["paypal-request-id"])
      assert.strictEqual(creates[1]!.body, creates[0]!.body)
    }).pipe(Effect.provide(services(PayPalConnector.layer({ clientId, clientSecret, baseUrl }), script.layer)))
  })
})

const build = (layer: ReturnType<typeof PayPalConnector.layer>) => buildExit(services(layer, scripted(paypalLike).layer))

const configurationError = (exit: Exit.Exit<unknown, unknown>) => configurationErrorOf(assert, exit)

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("PayPalConnector.layerConfig", () => {
  it.live("reads PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_BASE_URL", () => {
    const script = scripted(paypalLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("paypal", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.headers["authorization"], basic)
    }).pipe(Effect.provide(services(PayPalConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ PAYPAL_CLIENT_ID: clientId, PAYPAL_CLIENT_SECRET: clientSecret, PAYPAL_BASE_URL: baseUrl }))
    )))
  })

  it.live("overrides win field by field", () => {
    const script = scripted(paypalLike)
    return Effect.gen(function*() {
      yield* (yield* PayPalRefunds).create(input)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v1/oauth2/token`)
    }).pipe(Effect.provide(services(PayPalConnector.layerConfig({ baseUrl }), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { PAYPAL_CLIENT_ID: clientId, PAYPAL_CLIENT_SECRET: clientSecret, PAYPAL_BASE_URL: "https://ignored.test" }
      })))
    )))
  })

  it("a missing PAYPAL_CLIENT_SECRET is a Configuration error naming the variable, without values", async () => {
    const layer = services(PayPalConnector.layerConfig(), scripted(paypalLike).layer).pipe(
      Layer.provide(withConfig({ PAYPAL_CLIENT_ID: clientId, PAYPAL_WEBHOOK_ID: "8PT597110X687430L" }))
    )
    const error = configurationError(await Effect.runPromiseExit(Effect.scoped(Layer.build(layer))))
    assert.include(error?.message ?? "", "PAYPAL_CLIENT_SECRET")
  })

  it("a malformed secret is refused without echoing it", async () => {
    const bad = "has a space in it"
    const error = configurationError(await build(PayPalConnector.layer({ clientId, clientSecret: bad })))
    assert.include(error?.message ?? "", "clientSecret is malformed")
    assert.notInclude(JSON.stringify(error), bad)
  })

  it("webhook options are decoded when the layer is built", async () => {
    const ok = await build(PayPalConnector.layer({ clientId, clientSecret, webhookId: "8PT597110X687430L" }))
    assert.isTrue(Exit.isSuccess(ok))
    configurationError(await build(PayPalConnector.layer({ clientId, clientSecret, webhookId: "bad|id" })))
  })
})
