import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { StripeConnector, StripeRefunds } from "@refract/stripe"
import { buildExit, configurationError, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { fixtureJson, fixtureText } from "./helpers/Fixtures.ts"

const apiKey = "sk_test_51QbXbzLkdIwHu7ixLAYERTESTKEYdoNotLeak"
const baseUrl = "https://stripe.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

/** A tiny Stripe: creates answer the pending fixture, reads answer the succeeded one. */
const stripeLike = (request: Recorded): Answer => {
  if (request.method === "POST" && request.url === `${baseUrl}/v1/refunds`) {
    return { status: 200, body: fixtureText("refund-pending.json"), headers: { "Request-Id": "req_create" } }
  }
  if (request.method === "GET" && request.url === `${baseUrl}/v1/refunds/re_3QbXc2LkdIwHu7ix0fN8sQ2m`) {
    return { status: 200, body: fixtureText("refund-succeeded.json"), headers: { "Request-Id": "req_get" } }
  }
  return { status: 404, body: { error: { type: "invalid_request_error", code: "resource_missing", message: "No such thing" } } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n",
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer" as const
}

describe("StripeConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, with Stripe's headers on the wire", () => {
    const script = scripted(stripeLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("stripe", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connector, "stripe")
      assert.strictEqual(created.connectorRefundId, "re_3QbXc2LkdIwHu7ix0fN8sQ2m")
      assert.strictEqual(created.merchantRefundId, "order-42-r1")
      assert.strictEqual(created.amount?.amount, 1050)

      const read = yield* service.get("stripe", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.simpleStatus, "SUCCEEDED")

      // The specific service is the same client.
      const specific = yield* StripeRefunds
      assert.strictEqual(specific.connector, "stripe")
      assert.strictEqual((yield* specific.get("re_3QbXc2LkdIwHu7ix0fN8sQ2m")).status, "Succeeded")

      const [post, get] = script.requests
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.url, `${baseUrl}/v1/refunds`)
      assert.strictEqual(post!.headers["authorization"], `Bearer ${apiKey}`)
      assert.strictEqual(post!.headers["stripe-version"], StripeConnector.STRIPE_API_VERSION)
      assert.strictEqual(post!.headers["stripe-account"], "acct_1QbXbzLkdIwHu7ix")
      assert.strictEqual(post!.headers["content-type"], "application/x-www-form-urlencoded")
      assert.strictEqual(post!.headers["idempotency-key"], "refract-order-42-r1")
      assert.strictEqual(
        post!.body,
        "charge=ch_3QbXc2LkdIwHu7ix0Xr5Lm4n&amount=1050&reason=requested_by_customer&metadata%5Bmerchant_refund_id%5D=order-42-r1"
      )
      assert.strictEqual(get!.method, "GET")
      assert.strictEqual(get!.headers["idempotency-key"], undefined)
      assert.strictEqual(get!.body, "")
    }).pipe(Effect.provide(services(
      StripeConnector.layer({ apiKey: Redacted.make(apiKey), stripeAccount: "acct_1QbXbzLkdIwHu7ix", baseUrl }),
      script.layer
    )))
  })

  it.live("a 500 is retried with the identical Idempotency-Key", () => {
    const script = scripted((request, index) =>
      index === 0
        ? { status: 500, body: { error: { type: "api_error", message: "An unknown error occurred" } }, headers: { "Request-Id": "req_500" } }
        : stripeLike(request)
    )
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("stripe", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      const [first, second] = script.requests
      assert.strictEqual(first!.headers["idempotency-key"], "refract-order-42-r1")
      assert.strictEqual(second!.headers["idempotency-key"], first!.headers["idempotency-key"])
      assert.strictEqual(second!.body, first!.body)
    }).pipe(Effect.provide(services(StripeConnector.layer({ apiKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("Stripe-Should-Retry: false stops retries; a 500 to a create is OutcomeUnknown with Stripe's details", () => {
    const script = scripted(() => ({
      status: 500,
      body: { error: { type: "api_error", message: "stored failure" } },
      headers: { "Request-Id": "req_stored", "Stripe-Should-Retry": "false" }
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("stripe", input))
      assert.strictEqual(script.requests.length, 1)
      assert.strictEqual(error._tag, "RefundError")
      if (error._tag !== "RefundError") return
      // The request reached Stripe and failed while it ran: the refund may exist.
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.strictEqual(error.requestId, "req_stored")
      assert.strictEqual(error.httpStatus, 500)
      assert.strictEqual(error.processorMessage, "stored failure")
    }).pipe(Effect.provide(services(StripeConnector.layer({ apiKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a rejected refund and a 401 come back as typed reasons without the key", () => {
    const script = scripted((_, index) =>
      index === 0
        ? { status: 400, body: { error: { type: "invalid_request_error", code: "charge_already_refunded", message: "Charge ch_1 has already been refunded." } } }
        : { status: 401, body: { error: { type: "invalid_request_error", message: `Invalid API Key provided: ${apiKey}` } } }
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const rejected = yield* Effect.flip(service.create("stripe", input))
      assert.strictEqual(rejected._tag === "RefundError" ? rejected.reason._tag : "", "RefundRejected")
      assert.strictEqual(rejected._tag === "RefundError" && rejected.reason._tag === "RefundRejected" ? rejected.reason.kind : "", "AlreadyRefunded")
      const unauthorised = yield* Effect.flip(service.get("stripe", "re_1"))
      assert.strictEqual(unauthorised._tag === "RefundError" ? unauthorised.reason._tag : "", "Authentication")
      assert.strictEqual(script.requests.length, 2, "neither is retried")
      for (const e of [rejected, unauthorised]) {
        assert.notInclude(e.message, apiKey)
        assert.notInclude(JSON.stringify(e), apiKey)
      }
    }).pipe(Effect.provide(services(StripeConnector.layer({ apiKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("lookup and recover find the refund by merchant refund id", () => {
    const script = scripted((request) =>
      request.method === "GET" && request.url.startsWith(`${baseUrl}/v1/refunds?`)
        ? { status: 200, body: fixtureJson("refund-list.json") }
        : stripeLike(request)
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const recovered = yield* service.recover("stripe", input)
      assert.strictEqual(recovered.connectorRefundId, "re_3QbXc2LkdIwHu7ix0fN8sQ2m")
      assert.strictEqual(script.requests.length, 1, "found by lookup: no create")
      const url = new URL(script.requests[0]!.url)
      assert.strictEqual(url.pathname, "/v1/refunds")
      assert.strictEqual(url.searchParams.get("charge"), "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n")
      assert.strictEqual(url.searchParams.get("limit"), "100")
    }).pipe(Effect.provide(services(StripeConnector.layer({ apiKey, baseUrl }), script.layer)))
  })

  it.live("an invalid transaction id fails before any request", () => {
    const script = scripted(stripeLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("stripe", { ...input, connectorTransactionId: "txn_1" }))
      assert.strictEqual(error._tag === "RefundError" ? error.reason._tag : "", "InvalidRequest")
      assert.strictEqual(script.requests.length, 0)
    }).pipe(Effect.provide(services(StripeConnector.layer({ apiKey, baseUrl }), script.layer)))
  })
})

const build = (layer: ReturnType<typeof StripeConnector.layer>) => buildExit(services(layer, scripted(stripeLike).layer))

const configurationMessage = (exit: Exit.Exit<unknown, unknown>): string =>
  configurationError(assert, exit, { operation: "configure" })?.message ?? ""

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("layer configuration errors", () => {

  it("a test key in production and a live key in sandbox fail when the layer is built", async () => {
    const live = "sk_live_51QbXbzLkdIwHu7ixLIVEKEY"
    const m1 = configurationMessage(await build(StripeConnector.layer({ apiKey, environment: "production" })))
    assert.include(m1, "live-mode key")
    assert.notInclude(m1, apiKey)
    const m2 = configurationMessage(await build(StripeConnector.layer({ apiKey: Redacted.make(live) })))
    assert.include(m2, "test-mode key")
    assert.notInclude(m2, live)
  })

  it("a malformed key is refused without echoing it", async () => {
    const message = configurationMessage(await build(StripeConnector.layer({ apiKey: "pk_test_publishable_key_value" })))
    assert.include(message, "apiKey is malformed")
    assert.notInclude(message, "pk_test_publishable_key_value")
  })
})

describe("StripeConnector.layerConfig", () => {
  it.live("reads STRIPE_API_KEY (and STRIPE_BASE_URL) from configuration", () => {
    const script = scripted(stripeLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("stripe", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.headers["authorization"], `Bearer ${apiKey}`)
      assert.strictEqual(script.requests[0]!.headers["stripe-account"], undefined)
    }).pipe(Effect.provide(services(StripeConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ STRIPE_API_KEY: apiKey, STRIPE_BASE_URL: baseUrl }))
    )))
  })

  it.live("reads from the environment with ConfigProvider.fromEnv; overrides win", () => {
    const script = scripted(stripeLike)
    return Effect.gen(function*() {
      yield* (yield* StripeRefunds).create(input)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v1/refunds`)
      assert.strictEqual(script.requests[0]!.headers["stripe-account"], "acct_fromenv")
      assert.strictEqual(script.requests[0]!.headers["authorization"], `Bearer ${apiKey}`)
    }).pipe(Effect.provide(services(StripeConnector.layerConfig({ baseUrl }), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { STRIPE_API_KEY: apiKey, STRIPE_ACCOUNT: "acct_fromenv", STRIPE_BASE_URL: "https://ignored.test" }
      })))
    )))
  })

  it("a missing STRIPE_API_KEY is a Configuration RefundError naming the variable, without secrets", async () => {
    const layer = services(StripeConnector.layerConfig(), scripted(stripeLike).layer).pipe(
      Layer.provide(withConfig({ STRIPE_WEBHOOK_SECRET: "whsec_do_not_print_me", STRIPE_ACCOUNT: "acct_1" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isSuccess(exit)) return
    const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
    const error = fail?._tag === "Fail" ? (fail.error as RefundError) : undefined
    assert.strictEqual(error?._tag, "RefundError")
    assert.strictEqual(error?.reason._tag, "Configuration")
    assert.include(error?.message ?? "", "STRIPE_API_KEY")
    assert.notInclude(error?.message ?? "", "whsec_do_not_print_me")
    assert.notInclude(JSON.stringify(error), "whsec_do_not_print_me")
  })

  it("a test key with STRIPE_ENVIRONMENT=production fails at build time", async () => {
    const layer = services(StripeConnector.layerConfig(), scripted(stripeLike).layer).pipe(
      Layer.provide(withConfig({ STRIPE_API_KEY: apiKey, STRIPE_ENVIRONMENT: "production" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.isTrue(Exit.isFailure(exit))
    assert.notInclude(JSON.stringify(exit), apiKey)
  })
})
