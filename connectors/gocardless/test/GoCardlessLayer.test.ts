import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { GoCardlessConnector, GoCardlessRefunds } from "@refract/gocardless"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { accessToken, list, paymentId, refund, refundId } from "./helpers/Fixtures.ts"

const baseUrl = "https://gocardless.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }
const bearer = `Bearer ${accessToken}`

const errorBody = (status: number, type: string, reason: string, message: string, links?: Record<string, string>) => ({
  error: { message, documentation_url: `https://developer.gocardless.com/api-reference#${reason}`, type, request_id: "REQ-1", code: status, errors: [{ reason, message, ...(links ? { links } : {}) }] }
})

/** A tiny GoCardless: creates answer `created`, reads answer `paid`, the payment's listing holds the refund. */
const gocardlessLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== bearer) return { status: 401, body: errorBody(401, "invalid_api_usage", "unauthorized", "Unauthorized") }
  if (request.method === "POST" && request.url === `${baseUrl}/refunds`) return { status: 201, body: { refunds: refund() } }
  if (request.method === "GET" && request.url === `${baseUrl}/refunds/${refundId}`) return { status: 200, body: { refunds: refund({ status: "paid" }) } }
  if (request.method === "GET" && request.url === `${baseUrl}/refunds?payment=${paymentId}&limit=500`) return { status: 200, body: list([refund()]) }
  return { status: 404, body: errorBody(404, "invalid_api_usage", "resource_not_found", "Resource not found") }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "GBP" },
  reason: "requested_by_customer" as const,
  metadata: { order: "42" }
}

describe("GoCardlessConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, lookup finds it, with GoCardless's headers and body on the wire", () => {
    const script = scripted(gocardlessLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("gocardless", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.merchantRefundId, "order-42-r1")
      const post = script.requests[0]!
      assert.strictEqual(post.method, "POST")
      assert.strictEqual(post.url, `${baseUrl}/refunds`)
      assert.strictEqual(post.headers["authorization"], bearer)
      assert.strictEqual(post.headers["gocardless-version"], "2015-07-06")
      assert.strictEqual(post.headers["idempotency-key"], "refract-order-42-r1")
      assert.include(post.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(JSON.parse(post.body), {
        refunds: { amount: 1050, total_amount_confirmation: 1050, metadata: { merchant_refund_id: "order-42-r1", order: "42" }, links: { payment: paymentId } }
      })
      const read = yield* service.get("gocardless", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      const gocardless = yield* GoCardlessRefunds
      const found = yield* gocardless.lookup({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
    }).pipe(Effect.provide(services(GoCardlessConnector.layer({ accessToken: Redacted.make(accessToken), baseUrl }), script.layer)))
  })

  it.live("a 5xx answer to a create is never resent (GoCardless replays no creates): OutcomeUnknown, then recover finds it by lookup", () => {
    const script = scripted((request, index) =>
      index === 0 ? { status: 503, body: errorBody(503, "gocardless", "internal_server_error", "Internal server error") } : gocardlessLike(request)
    )
    return Effect.gen(function*() {
      const gocardless = yield* GoCardlessRefunds
      const error = yield* Effect.flip(gocardless.create(input))
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.deepStrictEqual(script.requests.map((r) => r.method), ["POST"])
      const recovered = yield* gocardless.recover(input)
      assert.strictEqual(recovered.connectorRefundId, refundId)
      assert.deepStrictEqual(script.requests.map((r) => r.method), ["POST", "GET"], "found by lookup, no second create")
    }).pipe(Effect.provide(services(GoCardlessConnector.layer({ accessToken, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a 409 idempotency conflict is a DuplicateRequest naming the refund, sent once", () => {
    const script = scripted(() => ({
      status: 409,
      body: errorBody(409, "invalid_state", "idempotent_creation_conflict", "A resource has already been created with this idempotency key", { conflicting_resource_id: refundId })
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* GoCardlessRefunds).create(input))
      assert.strictEqual(error.reason._tag, "RefundRejected")
      assert.strictEqual(error.reason._tag === "RefundRejected" ? error.reason.kind : "", "DuplicateRequest")
      assert.include(error.reason.message, refundId)
      assert.strictEqual(error.processorCode, "idempotent_creation_conflict")
      assert.strictEqual(script.requests.length, 1)
    }).pipe(Effect.provide(services(GoCardlessConnector.layer({ accessToken, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("wrong credentials are an Authentication error that does not echo the token", () => {
    const script = scripted(gocardlessLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* GoCardlessRefunds).create(input))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, "sandbox_WrongTokenValue123")
    }).pipe(Effect.provide(services(GoCardlessConnector.layer({ accessToken: "sandbox_WrongTokenValue123", baseUrl }), script.layer)))
  })

  it.live("invalid ids and a missing amount are refused without any request", () => {
    const script = scripted(gocardlessLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      assert.strictEqual((yield* Effect.flip(service.create("gocardless", { ...input, connectorTransactionId: "ch_3QbXc2LkdIwHu7ix" }))).reason._tag, "InvalidRequest")
      assert.strictEqual((yield* Effect.flip(service.get("gocardless", "re_3QbXc2LkdIwHu7ix0fN8sQ2m"))).reason._tag, "InvalidRequest")
      const { amount: _amount, ...full } = input
      assert.strictEqual((yield* Effect.flip(service.create("gocardless", full))).reason._tag, "Unsupported")
      assert.strictEqual(script.requests.length, 0)
    }).pipe(Effect.provide(services(GoCardlessConnector.layer({ accessToken, baseUrl }), script.layer)))
  })
})

const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit, { operation: "configure" })

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("GoCardlessConnector.layerConfig", () => {
  it.live("reads GOCARDLESS_ACCESS_TOKEN and GOCARDLESS_BASE_URL from configuration", () => {
    const script = scripted(gocardlessLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("gocardless", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.headers["authorization"], bearer)
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/refunds`)
    }).pipe(Effect.provide(services(GoCardlessConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ GOCARDLESS_ACCESS_TOKEN: accessToken, GOCARDLESS_BASE_URL: baseUrl }))
    )))
  })

  it("a missing GOCARDLESS_ACCESS_TOKEN is a Configuration error naming the variable, without secrets", async () => {
    const layer = services(GoCardlessConnector.layerConfig(), scripted(gocardlessLike).layer).pipe(
      Layer.provide(withConfig({ GOCARDLESS_WEBHOOK_SECRET: "webhook_secret_do_not_print" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.include(configurationError(exit)?.message ?? "", "GOCARDLESS_ACCESS_TOKEN")
    assert.notInclude(JSON.stringify(exit), "webhook_secret_do_not_print")
  })

  it("a sandbox token in production fails when the layer is built, naming no value", async () => {
    const exit = await buildExit(services(GoCardlessConnector.layer({ accessToken, environment: "production" }), scripted(gocardlessLike).layer))
    const message = configurationError(exit)?.message ?? ""
    assert.include(message, "GOCARDLESS_ACCESS_TOKEN")
    assert.notInclude(message, accessToken)
    assert.notInclude(JSON.stringify(exit), accessToken)
  })
})
