import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { RazorpayConnector, RazorpayRefunds } from "@refract/razorpay"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { fixtureJson, fixtureText, keyId, keySecret, paymentId, refundId } from "./helpers/Fixtures.ts"

const baseUrl = "https://razorpay.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }
const basic = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString("base64")}`

/** A tiny Razorpay: creates answer the pending fixture, reads answer the processed one. */
const razorpayLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== basic) {
    return { status: 401, body: { error: { code: "BAD_REQUEST_ERROR", description: "Authentication failed", source: "NA", step: "NA", reason: "NA", metadata: {} } } }
  }
  if (request.method === "POST" && request.url === `${baseUrl}/v1/payments/${paymentId}/refund`) {
    return { status: 200, body: fixtureText("refund-pending.json") }
  }
  if (request.method === "GET" && request.url === `${baseUrl}/v1/refunds/${refundId}`) {
    return { status: 200, body: fixtureText("refund-processed.json") }
  }
  if (request.method === "GET" && request.url === `${baseUrl}/v1/payments/${paymentId}/refunds?count=100`) {
    return { status: 200, body: fixtureText("refund-collection.json") }
  }
  return { status: 400, body: { error: { code: "BAD_REQUEST_ERROR", description: "The id provided does not exist" } } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "INR" },
  reason: "requested_by_customer" as const,
  metadata: { order: "42" }
}

describe("RazorpayConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, with Razorpay's headers and body on the wire", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("razorpay", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connector, "razorpay")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.merchantRefundId, "order-42-r1")
      assert.strictEqual(created.amount?.amount, 1050)

      const post = script.requests[0]!
      assert.strictEqual(post.method, "POST")
      assert.strictEqual(post.url, `${baseUrl}/v1/payments/${paymentId}/refund`)
      assert.strictEqual(post.headers["authorization"], basic)
      assert.strictEqual(post.headers["x-refund-idempotency"], "refract-order-42-r1")
      assert.include(post.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(JSON.parse(post.body), {
        amount: 1050,
        speed: "normal",
        receipt: "order-42-r1",
        notes: { merchant_refund_id: "order-42-r1", order: "42" }
      })

      const read = yield* service.get("razorpay", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.simpleStatus, "SUCCEEDED")

      // The specific service is the same client.
      const razorpay = yield* RazorpayRefunds
      const again = yield* razorpay.get(refundId)
      assert.strictEqual(again.status, "Succeeded")

      const found = yield* razorpay.lookup({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret: Redacted.make(keySecret), baseUrl }), script.layer)))
  })

  it.live("a retry after a 5xx replays the identical body under the same key", () => {
    const script = scripted((request, index) =>
      index === 0
        ? { status: 502, body: { error: { code: "SERVER_ERROR", description: "The server encountered an error." } } }
        : razorpayLike(request)
    )
    return Effect.gen(function*() {
      const refund = yield* (yield* RazorpayRefunds).create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      assert.strictEqual(script.requests[0]!.body, script.requests[1]!.body)
      assert.strictEqual(script.requests[0]!.headers["x-refund-idempotency"], script.requests[1]!.headers["x-refund-idempotency"])
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("recover finds an existing refund by lookup without creating a second one", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      const recovered = yield* (yield* RazorpayRefunds).recover(input)
      assert.strictEqual(recovered.connectorRefundId, refundId)
      assert.deepStrictEqual(script.requests.map((r) => r.method), ["GET"])
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret, baseUrl }), script.layer)))
  })

  it.live("declines are typed and not retried; the key secret never appears in errors", () => {
    const script = scripted(() => ({
      status: 400,
      body: { error: { code: "BAD_REQUEST_ERROR", description: "The payment has been fully refunded already", source: "NA", step: "NA", reason: "NA", metadata: {} } }
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RazorpayRefunds).create(input))
      assert.strictEqual(error._tag, "RefundError")
      assert.strictEqual(error.reason._tag, "RefundRejected")
      assert.strictEqual(error.reason._tag === "RefundRejected" ? error.reason.kind : "", "AlreadyRefunded")
      assert.strictEqual(error.processorCode, "BAD_REQUEST_ERROR")
      assert.strictEqual(error.httpStatus, 400)
      assert.strictEqual(script.requests.length, 1)
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, keySecret)
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("wrong credentials are an Authentication error that does not echo the secret", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RazorpayRefunds).create(input))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, "wrongSecretValue123")
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret: "wrongSecretValue123", baseUrl }), script.layer)))
  })

  it.live("invalid ids are refused without any request", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const create = yield* Effect.flip(service.create("razorpay", { ...input, connectorTransactionId: "ch_3QbXc2LkdIwHu7ix" }))
      assert.strictEqual(create.reason._tag, "InvalidRequest")
      const get = yield* Effect.flip(service.get("razorpay", "re_3QbXc2LkdIwHu7ix0fN8sQ2m"))
      assert.strictEqual(get.reason._tag, "InvalidRequest")
      assert.strictEqual(script.requests.length, 0)
    }).pipe(Effect.provide(services(RazorpayConnector.layer({ keyId, keySecret, baseUrl }), script.layer)))
  })
})

const build = (layer: ReturnType<typeof RazorpayConnector.layer>) => buildExit(services(layer, scripted(razorpayLike).layer))

const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined =>
  configurationErrorOf(assert, exit, { operation: "configure" })

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("layer configuration errors", () => {
  it("a test key id in production and a live key id in sandbox fail when the layer is built, naming no value", async () => {
    const live = "rzp_live_ILgsfZCZoFIKMb"
    const m1 = configurationError(await build(RazorpayConnector.layer({ keyId, keySecret, environment: "production" })))?.message ?? ""
    assert.include(m1, "live-mode key")
    const m2 = configurationError(await build(RazorpayConnector.layer({ keyId: live, keySecret })))?.message ?? ""
    assert.include(m2, "test-mode key")
    for (const m of [m1, m2]) {
      for (const value of [keyId, live, keySecret]) assert.notInclude(m, value)
    }
  })

  it("a malformed key id is refused without echoing it or the secret", async () => {
    const error = configurationError(await build(RazorpayConnector.layer({ keyId: "key_abc_not_razorpay", keySecret })))
    assert.include(error?.message ?? "", "keyId is malformed")
    assert.notInclude(JSON.stringify(error), "key_abc_not_razorpay")
    assert.notInclude(JSON.stringify(error), keySecret)
  })
})

describe("RazorpayConnector.layerConfig", () => {
  it.live("reads RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_BASE_URL from configuration", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("razorpay", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.headers["authorization"], basic)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v1/payments/${paymentId}/refund`)
    }).pipe(Effect.provide(services(RazorpayConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ RAZORPAY_KEY_ID: keyId, RAZORPAY_KEY_SECRET: keySecret, RAZORPAY_BASE_URL: baseUrl }))
    )))
  })

  it.live("overrides win over configuration", () => {
    const script = scripted(razorpayLike)
    return Effect.gen(function*() {
      yield* (yield* RazorpayRefunds).create(input)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v1/payments/${paymentId}/refund`)
      assert.strictEqual(script.requests[0]!.headers["authorization"], basic)
    }).pipe(Effect.provide(services(RazorpayConnector.layerConfig({ baseUrl, keySecret: Redacted.make(keySecret) }), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { RAZORPAY_KEY_ID: keyId, RAZORPAY_KEY_SECRET: "ignoredSecret", RAZORPAY_BASE_URL: "https://ignored.test" }
      })))
    )))
  })

  it("a missing RAZORPAY_KEY_SECRET is a Configuration RefundError naming the variable, without secrets", async () => {
    const layer = services(RazorpayConnector.layerConfig(), scripted(razorpayLike).layer).pipe(
      Layer.provide(withConfig({ RAZORPAY_KEY_ID: keyId, RAZORPAY_WEBHOOK_SECRET: "webhook_secret_do_not_print" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    const error = configurationError(exit)
    assert.include(error?.message ?? "", "RAZORPAY_KEY_SECRET")
    assert.notInclude(JSON.stringify(exit), "webhook_secret_do_not_print")
  })

  it("a test key id with RAZORPAY_ENVIRONMENT=production fails at build time", async () => {
    const layer = services(RazorpayConnector.layerConfig(), scripted(razorpayLike).layer).pipe(
      Layer.provide(withConfig({ RAZORPAY_KEY_ID: keyId, RAZORPAY_KEY_SECRET: keySecret, RAZORPAY_ENVIRONMENT: "production" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    configurationError(exit)
    assert.notInclude(JSON.stringify(exit), keySecret)
  })
})

// The fixture the tiny Razorpay answers with really is a refund of the payment used here.
it("fixtures agree with the test ids", () => {
  assert.strictEqual(fixtureJson("refund-pending.json").payment_id, paymentId)
  assert.strictEqual(fixtureJson("refund-pending.json").id, refundId)
})
