import { assert, describe, it } from "@effect/vitest"
import type { ProcessorHttp } from "@refract/core"
import { Redacted } from "effect"
import { PaddleConnector, PaddleWebhook, connector } from "@refract/paddle"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { adjustmentId, apiKey, context, createContext, createRequest, credentials, itemId, reference, transactionId } from "./helpers/Fixtures.ts"

const build = (input: Parameters<typeof createRequest>[0] = {}) => connector.create.build(createRequest(input), createContext())

const bodyOf = (request: ProcessorHttp.ProcessorRequest): any => {
  assert.strictEqual(request.body?._tag, "Json")
  return request.body?._tag === "Json" ? request.body.value : undefined
}

describe("create request", () => {
  it("a partial refund: POST /adjustments, action refund, one partial item of the amount as a string of minor units", () => {
    const request = ok(build())
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, "/adjustments")
    assert.strictEqual(request.headers, undefined, "Paddle has no idempotency header")
    assert.deepStrictEqual(bodyOf(request), {
      action: "refund",
      transaction_id: transactionId,
      reason: "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=refract-order-42-r1]",
      type: "partial",
      items: [{ item_id: itemId, type: "partial", amount: "1050" }]
    })
  })

  it("no amount: type full, no items (Paddle refunds the remaining grand total)", () => {
    const body = bodyOf(ok(build({ amount: undefined, metadata: undefined })))
    assert.deepStrictEqual(Object.keys(body), ["action", "transaction_id", "reason", "type"])
    assert.strictEqual(body.type, "full")
  })

  it("amounts stay integer minor units whatever the exponent (USD 2, JPY 0, KWD 3)", () => {
    for (const [amount, currency] of [[1050, "USD"], [1050, "JPY"], [1234, "KWD"]] as const) {
      assert.strictEqual(bodyOf(ok(build({ amount: { amount, currency } }))).items[0].amount, String(amount))
    }
  })

  it("the reason carries the caller's reason, the merchant refund id and the idempotency key, and reads back", () => {
    const body = bodyOf(ok(build({ reason: "duplicate" })))
    assert.deepStrictEqual(PaddleWebhook.readMarker(body.reason), { reason: "duplicate", merchantRefundId: "order-42-r1", idempotencyKey: "refract-order-42-r1" })
  })

  it("refuses before sending: a malformed transaction id, a partial refund without or with a bad item id, other metadata", () => {
    assert.strictEqual(failure(build({ connectorTransactionId: "txn_123" }))._tag, "InvalidRequest")
    const noItem = failure(build({ metadata: undefined }))
    assert.strictEqual(noItem._tag, "InvalidRequest")
    assert.include(noItem.message, "paddle_item_id")
    assert.strictEqual(failure(build({ metadata: { paddle_item_id: "txnitm_short" } }))._tag, "InvalidRequest")
    assert.strictEqual(failure(build({ metadata: { paddle_item_id: itemId, order: "42" } }))._tag, "InvalidRequest")
    assert.strictEqual(failure(build({ amount: undefined, metadata: { paddle_item_id: itemId } }))._tag, "InvalidRequest")
  })
})

describe("get, lookup and list requests", () => {
  it("get: GET /adjustments?id= (Paddle has no single-adjustment read); a malformed id is refused", () => {
    const request = ok(connector.get!.build(reference(adjustmentId), context))
    assert.deepStrictEqual([request.method, request.path, request.query], ["GET", "/adjustments", { id: adjustmentId }])
    assert.strictEqual(failure(connector.get!.build(reference("adj_123"), context))._tag, "InvalidRequest")
  })

  it("lookup: the transaction's refunds, newest first, a full page", () => {
    const request = ok(connector.lookup!.build({ merchantRefundId: "order-42-r1", connectorTransactionId: transactionId }, context))
    assert.deepStrictEqual(request.query, { transaction_id: transactionId, action: "refund", order_by: "id[DESC]", per_page: "50" })
    assert.strictEqual(failure(connector.lookup!.build({ merchantRefundId: "x", connectorTransactionId: "pay_1" }, context))._tag, "InvalidRequest")
  })

  it("list: refunds newest first with the cursor as after; bad windows, sizes and cursors are refused", () => {
    const window = { from: 1_700_000_000_000, to: 1_700_003_600_000 }
    assert.deepStrictEqual(ok(connector.list!.page.build({ window, pageSize: 50 }, context)).query, { action: "refund", order_by: "id[DESC]", per_page: "50" })
    assert.strictEqual(ok(connector.list!.page.build({ window, pageSize: 2, cursor: adjustmentId }, context)).query?.["after"], adjustmentId)
    assert.strictEqual(failure(connector.list!.page.build({ window, pageSize: 51 }, context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.list!.page.build({ window, pageSize: 2, cursor: "5" }, context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.list!.page.build({ window: { from: 2, to: 1 }, pageSize: 2 }, context))._tag, "InvalidRequest")
  })
})

describe("auth and environments", () => {
  it("Authorization: Bearer <key>, Redacted; the real sandbox and production hosts", () => {
    const header = PaddleConnector.authorization(credentials)
    assert.strictEqual(Redacted.value(header), `Bearer ${apiKey}`)
    assert.notInclude(String(header), apiKey)
    assert.deepStrictEqual(connector.environments, { sandbox: "https://sandbox-api.paddle.com", production: "https://api.paddle.com" })
    assert.isTrue(connector.credentials.apiKey.secret)
  })

  it("a sandbox key is refused for production and a live key for sandbox, naming the variable only", () => {
    assert.include(PaddleConnector.keyEnvironmentProblem(apiKey, "production"), "PADDLE_API_KEY")
    assert.isDefined(PaddleConnector.keyEnvironmentProblem("pdl_live_apikey_01abc_secret", "sandbox"))
    assert.isUndefined(PaddleConnector.keyEnvironmentProblem(apiKey, "sandbox"))
    assert.notInclude(PaddleConnector.keyEnvironmentProblem(apiKey, "production") ?? "", apiKey)
  })

  it("declares no idempotency window: Paddle de-duplicates nothing", () => {
    assert.strictEqual(connector.idempotencyKey.windowMillis, 0)
  })
})
