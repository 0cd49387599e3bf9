import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import { AuthorizeNetConnector, AuthorizeNetRefunds } from "@refract/authorizenet"
import { scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import * as F from "./helpers/Fixtures.ts"

const baseUrl = "https://authorizenet.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

/** A tiny Authorize.net: one endpoint, the call named by the body's root element, BOM-prefixed answers. */
const anetLike = (request: Recorded): Answer => {
  if (request.method !== "POST" || request.url !== `${baseUrl}/xml/v1/request.api`) return { status: 404, body: "<h2>404</h2>" }
  const body = JSON.parse(request.body) as Record<string, { merchantAuthentication?: { name?: string; transactionKey?: string } }>
  const [root] = Object.keys(body)
  const auth = body[root!]?.merchantAuthentication
  if (auth?.name !== F.apiLoginId || auth.transactionKey !== F.transactionKey) return { status: 200, body: F.wire(F.authFailed) }
  switch (root) {
    case "createTransactionRequest":
      return { status: 200, body: F.wire(F.createApproved) }
    case "getTransactionDetailsRequest":
      return { status: 200, body: F.wire(F.details("refundSettledSuccessfully", { batch: F.batch })) }
    case "getUnsettledTransactionListRequest":
      return { status: 200, body: F.wire({ transactions: [F.summary(F.refundId, "refundPendingSettlement", "refract-order-42-r1")], totalNumInResultSet: 1, messages: F.ok }) }
    default:
      return { status: 200, body: F.wire({ messages: { resultCode: "Error", message: [{ code: "E00003", text: "unknown" }] } }) }
  }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: F.payment,
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer" as const
}

describe("AuthorizeNetConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded with the batch, lookup by invoice number; one endpoint, auth in the body", () => {
    const script = scripted(anetLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("authorizenet", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connectorRefundId, F.refundId)
      const post = script.requests[0]!
      assert.include(post.headers["content-type"] ?? "", "application/json")
      assert.isUndefined(post.headers["authorization"])
      assert.strictEqual(JSON.parse(post.body).createTransactionRequest.merchantAuthentication.transactionKey, F.transactionKey)

      const read = yield* service.get("authorizenet", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.settlement?.batchId, "12345678")

      const found = yield* (yield* AuthorizeNetRefunds).lookup({ merchantRefundId: "order-42-r1", connectorTransactionId: F.payment })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, F.refundId)
    }).pipe(Effect.provide(services(AuthorizeNetConnector.layer({ apiLoginId: F.apiLoginId, transactionKey: Redacted.make(F.transactionKey), baseUrl }), script.layer)))
  })

  it.live("a retry after a 5xx sends the identical body (same invoice number): the duplicate window makes it safe", () => {
    const script = scripted((request, index) => (index === 0 ? { status: 503, body: "Service Unavailable" } : anetLike(request)))
    return Effect.gen(function*() {
      const refund = yield* (yield* AuthorizeNetRefunds).create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      assert.strictEqual(script.requests[0]!.body, script.requests[1]!.body)
    }).pipe(Effect.provide(services(AuthorizeNetConnector.layer({ apiLoginId: F.apiLoginId, transactionKey: F.transactionKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a status read with wrong credentials is an Authentication error that never echoes the key", () => {
    const script = scripted(anetLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* AuthorizeNetRefunds).get(F.refundId))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.processorCode, "E00007")
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, "WrongKey00000000")
    }).pipe(Effect.provide(services(AuthorizeNetConnector.layer({ apiLoginId: F.apiLoginId, transactionKey: "WrongKey00000000", baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("layerConfig reads AUTHORIZENET_* variables", () => {
    const script = scripted(anetLike)
    const config = ConfigProvider.fromUnknown({
      AUTHORIZENET_API_LOGIN_ID: F.apiLoginId,
      AUTHORIZENET_TRANSACTION_KEY: F.transactionKey,
      AUTHORIZENET_BASE_URL: baseUrl
    })
    return Effect.gen(function*() {
      const refund = yield* (yield* AuthorizeNetRefunds).get(F.refundId)
      assert.strictEqual(refund.status, "Succeeded")
    }).pipe(Effect.provide(services(AuthorizeNetConnector.layerConfig().pipe(Layer.provide(ConfigProvider.layer(config))), script.layer)))
  })
})
