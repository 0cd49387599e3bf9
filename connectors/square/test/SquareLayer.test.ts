import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { ConnectorRegistry, RefundService, WebhookEvent, Webhooks } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { SquareConnector, SquareRefunds } from "@refract/square"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { accessToken, completedRefundId, fixtureJson, fixtureText, paymentId, refundId } from "./helpers.ts"

const baseUrl = "https://square.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

/** A tiny Square: creates answer the spec's PENDING example, reads answer COMPLETED. */
const squareLike = (request: Recorded): Answer => {
  if (request.method === "POST" && request.url === `${baseUrl}/v2/refunds`) {
    return { status: 200, body: fixtureText("refund-pending.json"), headers: { "content-type": "application/json" } }
  }
  if (request.method === "GET" && request.url === `${baseUrl}/v2/refunds/${refundId}`) {
    const body = fixtureJson("refund-completed.json")
    body.refund.id = refundId
    body.refund.payment_id = paymentId
    return { status: 200, body }
  }
  return { status: 404, body: { errors: [{ category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: "Not found" }] } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1_000, currency: "USD" },
  reason: "requested_by_customer" as const
}

const expectedBody = JSON.stringify({
  idempotency_key: "refract-order-42-r1",
  amount_money: { amount: 1_000, currency: "USD" },
  payment_id: paymentId,
  reason: "Requested by customer"
})

const reasonTag = (e: { readonly _tag: string }) => (e._tag === "RefundError" ? (e as RefundError).reason._tag : e._tag)

describe("SquareConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, with Square's headers and body on the wire", () => {
    const http = scripted(squareLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("square", input)
      assert.strictEqual(created.connector, "square")
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.rawStatus, "PENDING")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.merchantRefundId, "order-42-r1")
      assert.strictEqual(created.amount?.amount, 1_000)

      const read = yield* service.get("square", created.reference, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.simpleStatus, "SUCCEEDED")
      assert.strictEqual(read.merchantRefundId, "order-42-r1", "kept from the create")

      const specific = yield* SquareRefunds
      assert.strictEqual(specific.connector, "square")
      assert.strictEqual((yield* specific.get(refundId)).status, "Succeeded")

      const [post, get] = http.requests
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.url, `${baseUrl}/v2/refunds`)
      assert.strictEqual(post!.headers["authorization"], `Bearer ${accessToken}`)
      assert.strictEqual(post!.headers["square-version"], "2025-08-20")
      assert.strictEqual(post!.headers["content-type"], "application/json")
      assert.isUndefined(post!.headers["idempotency-key"])
      assert.strictEqual(post!.body, expectedBody)
      assert.strictEqual(get!.method, "GET")
      assert.strictEqual(get!.url, `${baseUrl}/v2/refunds/${refundId}`)
      assert.strictEqual(get!.headers["square-version"], "2025-08-20")
      assert.strictEqual(get!.body, "")
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken: Redacted.make(accessToken), baseUrl }), http.layer)))
  })

  it.live("a 500 is retried with the identical body (the idempotency key is in it)", () => {
    const http = scripted((request, index) =>
      index === 0
        ? { status: 500, body: { errors: [{ category: "API_ERROR", code: "INTERNAL_SERVER_ERROR", detail: "boom" }] } }
        : squareLike(request)
    )
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("square", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(http.requests.length, 2)
      assert.strictEqual(http.requests[0]!.body, expectedBody)
      assert.strictEqual(http.requests[1]!.body, http.requests[0]!.body)
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl, retry: fastRetry }), http.layer)))
  })

  it.live("a 429 is retried after Retry-After", () => {
    const http = scripted((request, index) =>
      index === 0
        ? { status: 429, body: { errors: [{ category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED" }] }, headers: { "Retry-After": "0.2" } }
        : squareLike(request)
    )
    return Effect.gen(function*() {
      const started = Date.now()
      const refund = yield* (yield* RefundService.RefundService).create("square", input)
      assert.isAtLeast(Date.now() - started, 190)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(http.requests.length, 2)
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl, retry: fastRetry }), http.layer)))
  })

  it.live("a decline and a 401 are typed reasons, not retried, and never carry the token", () => {
    const errors = fixtureJson<Record<string, { status: number; body: unknown }>>("errors.json")
    const http = scripted((_, index) => {
      const e = index === 0 ? errors["refund_amount_invalid_400"]! : errors["unauthorized_401"]!
      return { status: e.status, body: e.body }
    })
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const rejected = yield* Effect.flip(service.create("square", input))
      assert.strictEqual(reasonTag(rejected), "RefundRejected")
      if (rejected._tag === "RefundError" && rejected.reason._tag === "RefundRejected") {
        assert.strictEqual(rejected.reason.kind, "AmountTooLarge")
        assert.strictEqual(rejected.processorCode, "REFUND_AMOUNT_INVALID")
        assert.strictEqual(rejected.httpStatus, 400)
      }
      const unauthorised = yield* Effect.flip(service.get("square", completedRefundId))
      assert.strictEqual(reasonTag(unauthorised), "Authentication")
      assert.strictEqual(http.requests.length, 2, "neither is retried")
      for (const e of [rejected, unauthorised]) {
        assert.notInclude(e.message, accessToken)
        assert.notInclude(JSON.stringify(e), accessToken)
      }
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl, retry: fastRetry }), http.layer)))
  })

  it.live("200 with errors and a FAILED refund: the refund is recorded as Failed with the error", () => {
    const http = scripted(() => ({ status: 200, body: fixtureText("refund-failed-with-errors.json") }))
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("square", input)
      assert.strictEqual(refund.status, "Failed")
      assert.strictEqual(refund.simpleStatus, "FAILED")
      assert.strictEqual(refund.failure?.code, "REFUND_DECLINED")
      assert.strictEqual(http.requests.length, 1)
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl }), http.layer)))
  })

  it.live("lookup is Unsupported without a request; recover replays the create with the same key within the window", () => {
    const http = scripted(squareLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const lookup = yield* Effect.flip(service.lookup("square", { merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }))
      assert.strictEqual(reasonTag(lookup), "Unsupported")
      assert.strictEqual(http.requests.length, 0)
      const sentAt = Date.now()
      const first = yield* service.create("square", input)
      // Square publishes no key retention: beyond the assumed 24 h, or with no known first attempt, no replay.
      assert.strictEqual(reasonTag(yield* Effect.flip(service.recover("square", input))), "IdempotencyExpired")
      assert.strictEqual(reasonTag(yield* Effect.flip(service.recover("square", input, { firstAttemptAt: sentAt - 25 * 3_600_000 }))), "IdempotencyExpired")
      assert.strictEqual(http.requests.length, 1)
      const recovered = yield* service.recover("square", input, { firstAttemptAt: sentAt })
      assert.strictEqual(recovered.connectorRefundId, first.connectorRefundId)
      assert.strictEqual(http.requests.length, 2)
      assert.strictEqual(http.requests[1]!.method, "POST")
      assert.strictEqual(http.requests[1]!.body, http.requests[0]!.body, "same idempotency_key: Square replays the first refund")
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl }), http.layer)))
  })

  it.live("an invalid payment id fails before any request", () => {
    const http = scripted(squareLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* RefundService.RefundService).create("square", { ...input, connectorTransactionId: "pay.ment" }))
      assert.strictEqual(reasonTag(error), "InvalidRequest")
      assert.strictEqual(http.requests.length, 0)
    }).pipe(Effect.provide(services(SquareConnector.layer({ accessToken, baseUrl }), http.layer)))
  })

  it.live("with webhook options, the registered connector verifies Square's deliveries", () => {
    const http = scripted(squareLike)
    const notificationUrl = "https://example.com/webhooks/square"
    const body = fixtureText("event-refund-updated.json")
    return Effect.gen(function*() {
      const bound = yield* (yield* ConnectorRegistry.ConnectorRegistry).get("square")
      const events = yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({
        url: "http://internal:8080/hooks",
        headers: { "x-square-hmacsha256-signature": SquareConnectorSignature(notificationUrl, body) },
        body
      })).pipe(Effect.provide(http.layer))
      assert.strictEqual(events[0]!.refund!.status, "Succeeded")
    }).pipe(Effect.provide(services(
      SquareConnector.layer({ accessToken, baseUrl, signatureKey: Redacted.make("sig-key-123"), notificationUrl }),
      http.layer
    )))
  })
})

/** Computed independently of the connector: base64(HMAC-SHA256(key, url + body)). */
const SquareConnectorSignature = (url: string, body: string) =>
  createHmac("sha256", "sig-key-123").update(url + body, "utf8").digest("base64")

const build = (layer: ReturnType<typeof SquareConnector.layer>) => buildExit(services(layer, scripted(squareLike).layer))

const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit)

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("layer configuration", () => {
  it("a malformed token is refused without echoing it", async () => {
    const error = configurationError(await build(SquareConnector.layer({ accessToken: "EAAA has spaces" })))
    assert.include(error?.message ?? "", "accessToken is malformed")
    assert.notInclude(JSON.stringify(error), "has spaces")
  })

  it("a signature key without a notification URL is refused, naming SQUARE_WEBHOOK_URL", async () => {
    const error = configurationError(await build(SquareConnector.layer({ accessToken, signatureKey: "sig-key-do-not-print" })))
    assert.include(error?.message ?? "", "SQUARE_WEBHOOK_URL")
    assert.notInclude(JSON.stringify(error), "sig-key-do-not-print")
  })
})

describe("SquareConnector.layerConfig", () => {
  it.live("reads SQUARE_ACCESS_TOKEN and SQUARE_BASE_URL from configuration", () => {
    const http = scripted(squareLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("square", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(http.requests[0]!.headers["authorization"], `Bearer ${accessToken}`)
      assert.strictEqual(http.requests[0]!.url, `${baseUrl}/v2/refunds`)
    }).pipe(Effect.provide(services(SquareConnector.layerConfig(), http.layer).pipe(
      Layer.provide(withConfig({ SQUARE_ACCESS_TOKEN: accessToken, SQUARE_BASE_URL: baseUrl }))
    )))
  })

  it.live("SQUARE_ENVIRONMENT=production uses https://connect.squareup.com; overrides win", () => {
    const http = scripted(() => ({ status: 200, body: fixtureText("refund-pending.json") }))
    return Effect.gen(function*() {
      yield* (yield* SquareRefunds).create(input)
      assert.strictEqual(http.requests[0]!.url, "https://connect.squareup.com/v2/refunds")
      assert.strictEqual(http.requests[0]!.headers["authorization"], "Bearer EAAAoverride")
    }).pipe(Effect.provide(services(SquareConnector.layerConfig({ accessToken: "EAAAoverride" }), http.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { SQUARE_ACCESS_TOKEN: accessToken, SQUARE_ENVIRONMENT: "production" } })))
    )))
  })

  it.live("the sandbox is the default environment", () => {
    const http = scripted(() => ({ status: 200, body: fixtureText("refund-pending.json") }))
    return Effect.gen(function*() {
      yield* (yield* SquareRefunds).create(input)
      assert.strictEqual(http.requests[0]!.url, "https://connect.squareupsandbox.com/v2/refunds")
    }).pipe(Effect.provide(services(SquareConnector.layerConfig(), http.layer).pipe(
      Layer.provide(withConfig({ SQUARE_ACCESS_TOKEN: accessToken }))
    )))
  })

  it.live("webhook secrets come from SQUARE_WEBHOOK_SIGNATURE_KEY and SQUARE_WEBHOOK_URL", () => {
    const http = scripted(squareLike)
    const notificationUrl = "https://example.com/webhooks/square"
    const body = fixtureText("event-refund-created.json")
    return Effect.gen(function*() {
      const bound = yield* (yield* ConnectorRegistry.ConnectorRegistry).get("square")
      const events = yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({
        headers: { "x-square-hmacsha256-signature": SquareConnectorSignature(notificationUrl, body) },
        body
      })).pipe(Effect.provide(http.layer))
      assert.strictEqual(events[0]!.eventType, "refund.created")
    }).pipe(Effect.provide(services(SquareConnector.layerConfig(), http.layer).pipe(
      Layer.provide(withConfig({
        SQUARE_ACCESS_TOKEN: accessToken,
        SQUARE_WEBHOOK_SIGNATURE_KEY: "sig-key-123",
        SQUARE_WEBHOOK_URL: notificationUrl
      }))
    )))
  })

  it("a missing SQUARE_ACCESS_TOKEN is a Configuration RefundError naming the variable, without secrets", async () => {
    const layer = services(SquareConnector.layerConfig(), scripted(squareLike).layer).pipe(
      Layer.provide(withConfig({ SQUARE_WEBHOOK_SIGNATURE_KEY: "sig-do-not-print", SQUARE_WEBHOOK_URL: "https://example.com/h" }))
    )
    const error = configurationError(await Effect.runPromiseExit(Effect.scoped(Layer.build(layer))))
    assert.include(error?.message ?? "", "SQUARE_ACCESS_TOKEN")
    assert.notInclude(JSON.stringify(error), "sig-do-not-print")
  })
})
