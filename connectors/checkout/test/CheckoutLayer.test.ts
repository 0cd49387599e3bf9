import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { CheckoutConnector, CheckoutRefunds } from "@refract/checkout"
import { buildExit, configurationError, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { actionId, fixtureText, liveKey, paymentId, refundId, sandboxKey } from "./helpers/Fixtures.ts"

const baseUrl = "https://checkout.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

/** A tiny Checkout.com: creates answer 202, the actions list shows the refund approved. */
const checkoutLike = (request: Recorded): Answer => {
  if (request.method === "POST" && request.url === `${baseUrl}/payments/${paymentId}/refunds`) {
    return { status: 202, body: fixtureText("refund-accepted.json"), headers: { "Cko-Request-Id": "req_create", "Cko-Version": "3.31.4" } }
  }
  if (request.method === "GET" && request.url === `${baseUrl}/payments/${paymentId}/actions`) {
    return { status: 200, body: fixtureText("actions-refund-approved.json"), headers: { "Cko-Request-Id": "req_actions" } }
  }
  return { status: 404, headers: { "Cko-Request-Id": "req_404" } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "EUR" },
  reason: "requested_by_customer" as const,
  metadata: { order: "42" }
}

const reasonOf = (error: { readonly _tag: string }) => (error._tag === "RefundError" ? (error as RefundError).reason : undefined)

describe("CheckoutConnector.layer through the generic RefundService", () => {
  it.live("create → Pending with the composite id, get → Succeeded, with Checkout's headers on the wire", () => {
    const script = scripted(checkoutLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("checkout", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.rawStatus, "accepted")
      assert.strictEqual(created.connector, "checkout")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.connectorTransactionId, paymentId)
      assert.strictEqual(created.amount?.amount, 1050)

      // The refund id alone is enough to read the status.
      const read = yield* service.get("checkout", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.simpleStatus, "SUCCEEDED")
      assert.strictEqual(read.amount?.amount, 1050, "the amount from create is kept")
      assert.strictEqual(read.statusAt, Date.UTC(2026, 10, 20, 10, 30, 48, 123))

      const specific = yield* CheckoutRefunds
      assert.strictEqual(specific.connector, "checkout")
      assert.strictEqual((yield* specific.get(refundId)).status, "Succeeded")

      const [post, get] = script.requests
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.url, `${baseUrl}/payments/${paymentId}/refunds`)
      assert.strictEqual(post!.headers["authorization"], `Bearer ${sandboxKey}`)
      assert.strictEqual(post!.headers["cko-idempotency-key"], "refract-order-42-r1")
      assert.include(post!.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(JSON.parse(post!.body), { amount: 1050, reference: "order-42-r1", metadata: { order: "42" } })
      assert.strictEqual(get!.method, "GET")
      assert.strictEqual(get!.url, `${baseUrl}/payments/${paymentId}/actions`)
      assert.strictEqual(get!.headers["authorization"], `Bearer ${sandboxKey}`)
      assert.strictEqual(get!.headers["cko-idempotency-key"], undefined)
      assert.strictEqual(get!.body, "")
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: Redacted.make(sandboxKey), baseUrl }), script.layer)))
  })

  it.live("a 502 is retried with the identical Cko-Idempotency-Key and body", () => {
    const script = scripted((request, index) => (index === 0 ? { status: 502, body: "Bad Gateway" } : checkoutLike(request)))
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("checkout", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      const [first, second] = script.requests
      assert.strictEqual(first!.headers["cko-idempotency-key"], "refract-order-42-r1")
      assert.strictEqual(second!.headers["cko-idempotency-key"], first!.headers["cko-idempotency-key"])
      assert.strictEqual(second!.body, first!.body)
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("429 waits as Retry-After says", () => {
    const script = scripted((request, index) => (index === 0 ? { status: 429, headers: { "Retry-After": "1" } } : checkoutLike(request)))
    return Effect.gen(function*() {
      const started = Date.now()
      yield* (yield* RefundService.RefundService).create("checkout", input)
      assert.isAtLeast(Date.now() - started, 950)
      assert.strictEqual(script.requests.length, 2)
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a declined refund and an empty-body 401 come back as typed reasons, unretried, without the key", () => {
    const script = scripted((_, index) =>
      index === 0
        ? {
          status: 422,
          body: { request_id: "0HL80RJLS76I7", error_type: "request_invalid", error_codes: ["refund_amount_exceeds_balance"] },
          headers: { "Cko-Request-Id": "req_422" }
        }
        : { status: 401 }
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const rejected = yield* Effect.flip(service.create("checkout", input))
      const reason = reasonOf(rejected)
      assert.strictEqual(reason?._tag, "RefundRejected")
      assert.strictEqual(reason?._tag === "RefundRejected" ? reason.kind : "", "AmountTooLarge")
      assert.strictEqual(rejected._tag === "RefundError" ? rejected.requestId : "", "req_422")
      assert.strictEqual(rejected._tag === "RefundError" ? rejected.processorCode : "", "refund_amount_exceeds_balance")
      const unauthorised = yield* Effect.flip(service.get("checkout", refundId))
      assert.strictEqual(reasonOf(unauthorised)?._tag, "Authentication")
      assert.strictEqual(script.requests.length, 2, "neither is retried")
      for (const e of [rejected, unauthorised]) {
        assert.notInclude(e.message, sandboxKey)
        assert.notInclude(JSON.stringify(e), sandboxKey)
      }
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("recover finds the refund by its reference in the payment's actions, without a second create", () => {
    const script = scripted(checkoutLike)
    return Effect.gen(function*() {
      const recovered = yield* (yield* RefundService.RefundService).recover("checkout", input)
      assert.strictEqual(recovered.connectorRefundId, `${paymentId}:${actionId}`)
      assert.strictEqual(recovered.status, "Succeeded")
      assert.strictEqual(script.requests.length, 1)
      assert.strictEqual(script.requests[0]!.method, "GET")
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl }), script.layer)))
  })

  it.live("recover replays the create under the same key when the refund is not listed yet, within the key window only", () => {
    const script = scripted((request) =>
      request.method === "GET" ? { status: 200, body: fixtureText("actions-refund-missing.json") } : checkoutLike(request)
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      // A refund is listed only once processed, so "not listed" proves nothing: past the 24 h key
      // window (or with no known first attempt) a replay could be a second refund.
      const expired = yield* Effect.flip(service.recover("checkout", input, { firstAttemptAt: Date.now() - 25 * 3_600_000 }))
      assert.strictEqual(expired._tag === "RefundError" ? expired.reason._tag : expired._tag, "IdempotencyExpired")
      assert.deepStrictEqual(script.requests.map((r) => r.method), ["GET"])
      script.requests.length = 0
      const recovered = yield* service.recover("checkout", input, { firstAttemptAt: Date.now() - 60_000 })
      assert.strictEqual(recovered.connectorRefundId, refundId)
      assert.deepStrictEqual(script.requests.map((r) => r.method), ["GET", "POST"])
      assert.strictEqual(script.requests[1]!.headers["cko-idempotency-key"], "refract-order-42-r1")
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl }), script.layer)))
  })

  it.live("a pending read keeps the refund Pending; a not-yet-listed action is Pending too", () => {
    let reads = 0
    const script = scripted((request) =>
      request.method === "GET"
        ? { status: 200, body: fixtureText(reads++ === 0 ? "actions-refund-missing.json" : "actions-refund-pending.json") }
        : checkoutLike(request)
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("checkout", input)
      const first = yield* service.get("checkout", created.reference, created)
      assert.strictEqual(first.status, "Pending")
      const second = yield* service.get("checkout", first.reference, first)
      assert.strictEqual(second.status, "Pending")
      assert.isUndefined(second.unrecognisedStatus)
      // Without history, each read alone says Pending with its own raw status.
      assert.strictEqual((yield* service.get("checkout", refundId)).rawStatus, "pending")
      assert.strictEqual(script.requests.filter((r) => r.method === "GET").length, 3)
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl }), script.layer)))
  })

  it.live("invalid ids fail before any request", () => {
    const script = scripted(checkoutLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const badPayment = yield* Effect.flip(service.create("checkout", { ...input, connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n" }))
      assert.strictEqual(reasonOf(badPayment)?._tag, "InvalidRequest")
      const badRefund = yield* Effect.flip(service.get("checkout", actionId))
      assert.strictEqual(reasonOf(badRefund)?._tag, "InvalidRequest")
      const longReference = yield* Effect.flip(service.create("checkout", { ...input, merchantRefundId: "r".repeat(51) }))
      assert.strictEqual(reasonOf(longReference)?._tag, "InvalidRequest")
      assert.strictEqual(script.requests.length, 0)
    }).pipe(Effect.provide(services(CheckoutConnector.layer({ secretKey: sandboxKey, baseUrl }), script.layer)))
  })
})

const build = (layer: ReturnType<typeof CheckoutConnector.layer>) => buildExit(services(layer, scripted(checkoutLike).layer))

const configurationMessage = (exit: Exit.Exit<unknown, unknown>): string => {
  const error = configurationError(assert, exit, { operation: "configure" })
  return `${error?.message} ${JSON.stringify(error)}`
}

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("layer configuration errors", () => {
  it("a sandbox key in production and a live key in sandbox fail when the layer is built, naming no key", async () => {
    const m1 = configurationMessage(await build(CheckoutConnector.layer({ secretKey: sandboxKey, environment: "production" })))
    assert.include(m1, "live secret key")
    assert.notInclude(m1, sandboxKey)
    const m2 = configurationMessage(await build(CheckoutConnector.layer({ secretKey: Redacted.make(liveKey) })))
    assert.include(m2, "sandbox secret key")
    assert.notInclude(m2, liveKey)
  })

  it("a public key is refused as malformed without echoing it", async () => {
    const message = configurationMessage(await build(CheckoutConnector.layer({ secretKey: "pk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e" })))
    assert.include(message, "secretKey is malformed")
    assert.notInclude(message, "pk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e")
  })
})

describe("CheckoutConnector.layerConfig", () => {
  it.live("reads CHECKOUT_SECRET_KEY and CHECKOUT_BASE_URL (a per-account host works the same way)", () => {
    const script = scripted((request) => checkoutLike({ ...request, url: request.url.replace("https://ab12cd34.api.sandbox.checkout.com", baseUrl) }))
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("checkout", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.url, `https://ab12cd34.api.sandbox.checkout.com/payments/${paymentId}/refunds`)
      assert.strictEqual(script.requests[0]!.headers["authorization"], `Bearer ${sandboxKey}`)
    }).pipe(Effect.provide(services(CheckoutConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ CHECKOUT_SECRET_KEY: sandboxKey, CHECKOUT_BASE_URL: "https://ab12cd34.api.sandbox.checkout.com" }))
    )))
  })

  it.live("overrides win over configuration", () => {
    const script = scripted(checkoutLike)
    return Effect.gen(function*() {
      yield* (yield* CheckoutRefunds).create(input)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/payments/${paymentId}/refunds`)
    }).pipe(Effect.provide(services(CheckoutConnector.layerConfig({ baseUrl }), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { CHECKOUT_SECRET_KEY: sandboxKey, CHECKOUT_BASE_URL: "https://ignored.test" } })))
    )))
  })

  it("a missing CHECKOUT_SECRET_KEY is a Configuration error naming the variable, without secrets", async () => {
    const layer = services(CheckoutConnector.layerConfig(), scripted(checkoutLike).layer).pipe(
      Layer.provide(withConfig({ CHECKOUT_WEBHOOK_SIGNATURE_KEY: "do-not-print-me" }))
    )
    const message = configurationMessage(await Effect.runPromiseExit(Effect.scoped(Layer.build(layer))))
    assert.include(message, "CHECKOUT_SECRET_KEY")
    assert.notInclude(message, "do-not-print-me")
  })

  it("a sandbox key with CHECKOUT_ENVIRONMENT=production fails at build time", async () => {
    const layer = services(CheckoutConnector.layerConfig(), scripted(checkoutLike).layer).pipe(
      Layer.provide(withConfig({ CHECKOUT_SECRET_KEY: sandboxKey, CHECKOUT_ENVIRONMENT: "production" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.isTrue(Exit.isFailure(exit))
    assert.notInclude(JSON.stringify(exit), sandboxKey)
  })
})
