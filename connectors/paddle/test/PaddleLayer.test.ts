import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { PaddleConnector, PaddleRefunds } from "@refract/paddle"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { adjustment, adjustmentId, apiKey, itemId, page, transactionId } from "./helpers/Fixtures.ts"

const baseUrl = "https://paddle.test"
const bearer = `Bearer ${apiKey}`

/** A tiny Paddle: creates answer pending_approval, reads answer approved, lookups list the refund. */
const paddleLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== bearer) {
    return { status: 403, body: { error: { type: "request_error", code: "invalid_token", detail: "Invalid or revoked API key.", documentation_url: "x" }, meta: { request_id: "r" } } }
  }
  if (request.method === "POST" && request.url === `${baseUrl}/adjustments`) return { status: 201, body: { data: adjustment(), meta: { request_id: "r" } } }
  if (request.method === "GET" && request.url === `${baseUrl}/adjustments?id=${adjustmentId}`) return { status: 200, body: page([adjustment({ status: "approved" })]) }
  if (request.method === "GET" && request.url.startsWith(`${baseUrl}/adjustments?transaction_id=${transactionId}`)) return { status: 200, body: page([adjustment()]) }
  return { status: 404, body: { error: { type: "request_error", code: "not_found", detail: "not found", documentation_url: "x" }, meta: { request_id: "r" } } }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: transactionId,
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer" as const,
  metadata: { paddle_item_id: itemId }
}

describe("PaddleConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, lookup finds it; Bearer auth and Paddle's body on the wire", () => {
    const script = scripted(paddleLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("paddle", input)
      assert.deepStrictEqual([created.status, created.connectorRefundId, created.merchantRefundId], ["Pending", adjustmentId, "order-42-r1"])
      const post = script.requests[0]!
      assert.strictEqual(post.headers["authorization"], bearer)
      assert.deepStrictEqual(JSON.parse(post.body).items, [{ item_id: itemId, type: "partial", amount: "1050" }])
      const read = yield* (yield* PaddleRefunds).get(adjustmentId)
      assert.strictEqual(read.status, "Succeeded")
      const found = yield* service.lookup("paddle", { merchantRefundId: "order-42-r1", connectorTransactionId: transactionId })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, adjustmentId)
    }).pipe(Effect.provide(services(PaddleConnector.layer({ apiKey: Redacted.make(apiKey), baseUrl }), script.layer)))
  })

  it.live("a wrong key is an Authentication error that does not echo the key", () => {
    const script = scripted(paddleLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const error = yield* Effect.flip(service.create("paddle", input))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(JSON.stringify(error), "pdl_sdbx_apikey_01wrong")
    }).pipe(Effect.provide(services(PaddleConnector.layer({ apiKey: "pdl_sdbx_apikey_01wrong_secretpart", baseUrl }), script.layer)))
  })
})

const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit, { operation: "configure" })

describe("PaddleConnector.layerConfig", () => {
  it("a missing PADDLE_API_KEY is a Configuration error naming it", async () => {
    const layer = services(PaddleConnector.layerConfig(), scripted(paddleLike).layer).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({}))))
    const exit = await buildExit(layer)
    assert.isTrue(Exit.isFailure(exit))
    assert.include(JSON.stringify(exit), "PADDLE_API_KEY")
  })

  it("a sandbox key with the production environment is refused when bound", async () => {
    const exit = await buildExit(services(PaddleConnector.layer({ apiKey, environment: "production" }), scripted(paddleLike).layer))
    const message = configurationError(exit)?.message ?? ""
    assert.include(message, "PADDLE_API_KEY")
    assert.notInclude(message, apiKey)
  })

  it.live("reads PADDLE_API_KEY and PADDLE_BASE_URL", () => {
    const script = scripted(paddleLike)
    return Effect.gen(function*() {
      const created = yield* (yield* RefundService.RefundService).create("paddle", input)
      assert.strictEqual(created.connectorRefundId, adjustmentId)
    }).pipe(Effect.provide(services(PaddleConnector.layerConfig(), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ PADDLE_API_KEY: apiKey, PADDLE_BASE_URL: baseUrl })))
    )))
  })
})
