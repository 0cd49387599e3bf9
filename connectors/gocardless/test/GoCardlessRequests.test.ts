import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import { GoCardlessConnector } from "@refract/gocardless"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { Redacted as R } from "effect"
import { buildContext, createContext, createRequest, decoded, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const body = (request: { readonly body?: ProcessorHttp.RequestBody | undefined }) => {
  assert.strictEqual(request.body?._tag, "Json")
  return (request.body as { readonly value: unknown }).value as { refunds: Record<string, unknown> }
}

describe("GoCardless request builders", () => {
  it("create: POST /refunds with the refunds envelope, the running total and the Idempotency-Key header", () => {
    const built = ok(GoCardlessConnector.buildCreate(createRequest({ metadata: { order: "42" } }), createContext("refract-order-42-r1")))
    assert.strictEqual(built.method, "POST")
    assert.strictEqual(built.path, "/refunds")
    assert.deepStrictEqual(built.headers, { "Idempotency-Key": "refract-order-42-r1" })
    assert.deepStrictEqual(body(built), {
      refunds: {
        amount: 1050,
        total_amount_confirmation: 1050,
        metadata: { merchant_refund_id: "order-42-r1", order: "42" },
        links: { payment: paymentId }
      }
    })
  })

  it("create: amounts stay in minor units (JPY and KWD unchanged)", () => {
    assert.strictEqual(body(ok(GoCardlessConnector.buildCreate(createRequest({ amount: { amount: 1234, currency: "JPY" } }), createContext()))).refunds["amount"], 1234)
    assert.strictEqual(body(ok(GoCardlessConnector.buildCreate(createRequest({ amount: { amount: 1234, currency: "KWD" } }), createContext()))).refunds["amount"], 1234)
  })

  it("create: a later partial refund states the payment's running total through the consumed metadata key", () => {
    const built = ok(GoCardlessConnector.buildCreate(
      createRequest({ metadata: { [GoCardlessConnector.TOTAL_CONFIRMATION_KEY]: "3050", order: "42" } }),
      createContext()
    ))
    assert.strictEqual(body(built).refunds["total_amount_confirmation"], 3050)
    assert.deepStrictEqual(body(built).refunds["metadata"], { merchant_refund_id: "order-42-r1", order: "42" })
    for (const bad of ["1049", "-1", "1e4", "0x10", " 2000", ""]) {
      const error = failure(GoCardlessConnector.buildCreate(createRequest({ metadata: { [GoCardlessConnector.TOTAL_CONFIRMATION_KEY]: bad } }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest", bad)
    }
  })

  it("create: the metadata is sorted, without prototype keys leaking, and holds at most 3 keys", () => {
    const a = ok(GoCardlessConnector.buildCreate(createRequest({ metadata: { b: "2", a: "1" } }), createContext()))
    assert.deepStrictEqual(Object.keys(body(a).refunds["metadata"] as object), ["merchant_refund_id", "a", "b"])
    const tooMany = failure(GoCardlessConnector.buildCreate(createRequest({ metadata: { a: "1", b: "2", c: "3" } }), createContext()))
    assert.strictEqual(tooMany._tag, "InvalidRequest")
    const longKey = failure(GoCardlessConnector.buildCreate(createRequest({ metadata: { ["k".repeat(51)]: "1" } }), createContext()))
    assert.strictEqual(longKey._tag, "InvalidRequest")
    const longValue = failure(GoCardlessConnector.buildCreate(createRequest({ metadata: { k: "v".repeat(501) } }), createContext()))
    assert.strictEqual(longValue._tag, "InvalidRequest")
    assert.isTrue(ok(GoCardlessConnector.buildCreate(createRequest({ metadata: { k: "😀".repeat(500) } }), createContext())) !== undefined)
    const reserved = failure(GoCardlessConnector.buildCreate(createRequest({ metadata: { merchant_refund_id: "other" } }), createContext()))
    assert.strictEqual(reserved._tag, "InvalidRequest")
  })

  it("create: refuses a missing amount and a malformed payment id before anything is sent", () => {
    const noAmount = failure(GoCardlessConnector.buildCreate(createRequest({ amount: undefined }), createContext()))
    assert.strictEqual(noAmount._tag, "InvalidRequest")
    for (const id of ["pm00abcdef1234", "PM", "ch_3QbXc2LkdIwHu7ix", "MD00ABCDEF1234"]) {
      const error = failure(GoCardlessConnector.buildCreate(createRequest({ connectorTransactionId: id }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest", id)
    }
  })

  it("get: GET /refunds/{id}; a malformed id is refused", () => {
    assert.deepStrictEqual(ok(GoCardlessConnector.buildGet(reference({ connectorRefundId: refundId }), buildContext)), { method: "GET", path: `/refunds/${refundId}` })
    assert.strictEqual(failure(GoCardlessConnector.buildGet(reference({ connectorRefundId: "PM00ABCDEF1234" }), buildContext))._tag, "InvalidRequest")
  })

  it("lookup: the payment's refunds in one page of 500", () => {
    assert.deepStrictEqual(ok(GoCardlessConnector.buildLookup({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }, buildContext)), {
      method: "GET",
      path: "/refunds",
      query: { payment: paymentId, limit: "500" }
    })
    assert.strictEqual(failure(GoCardlessConnector.buildLookup({ merchantRefundId: "x", connectorTransactionId: "nope" }, buildContext))._tag, "InvalidRequest")
  })

  it("list: created_at[gte] and created_at[lt] in ISO 8601, limit, and the after cursor", () => {
    const window = { from: Date.parse("2026-11-30T00:00:00.000Z"), to: Date.parse("2026-12-01T00:00:00.000Z") }
    assert.deepStrictEqual(ok(GoCardlessConnector.buildList({ window, pageSize: 100 }, buildContext)).query, {
      "created_at[gte]": "2026-11-30T00:00:00.000Z",
      "created_at[lt]": "2026-12-01T00:00:00.000Z",
      limit: "100"
    })
    assert.strictEqual(ok(GoCardlessConnector.buildList({ window, pageSize: 500, cursor: refundId }, buildContext)).query?.["after"], refundId)
    assert.strictEqual(failure(GoCardlessConnector.buildList({ window, pageSize: 501 }, buildContext))._tag, "InvalidRequest")
    assert.strictEqual(failure(GoCardlessConnector.buildList({ window, pageSize: 10, cursor: "7" }, buildContext))._tag, "InvalidRequest")
    assert.strictEqual(failure(GoCardlessConnector.buildList({ window: { from: window.to, to: window.from }, pageSize: 10 }, buildContext))._tag, "InvalidRequest")
    assert.strictEqual(failure(GoCardlessConnector.buildList({ window: { from: 1e306, to: 1e307 }, pageSize: 10 }, buildContext))._tag, "InvalidRequest")
  })

  it("auth: Bearer token held Redacted, and the API version header", () => {
    const auth = GoCardlessConnector.connector.auth
    assert.strictEqual(auth._tag, "Static")
    const headers = auth._tag === "Static" ? auth.headers(decoded) : {}
    const authorization = headers["Authorization"]!
    assert.isTrue(R.isRedacted(authorization))
    assert.strictEqual(ProcessorHttp.revealHeader(authorization), "Bearer sandbox_TestAccessToken0123456789abcdefgh")
    assert.notInclude(String(authorization), "sandbox_Test")
    assert.strictEqual(headers["GoCardless-Version"], "2015-07-06")
    assert.deepStrictEqual(GoCardlessConnector.connector.secretHeaders, ["authorization"])
  })

  it("environments and the token/environment check", () => {
    assert.deepStrictEqual(GoCardlessConnector.connector.environments, {
      sandbox: "https://api-sandbox.gocardless.com",
      production: "https://api.gocardless.com"
    })
    const validate = GoCardlessConnector.connector.validate!
    assert.isUndefined(validate({ accessToken: R.make("sandbox_abc") }, "sandbox"))
    assert.isUndefined(validate({ accessToken: R.make("live_abc") }, "production"))
    assert.include(validate({ accessToken: R.make("sandbox_abc") }, "production")!, "GOCARDLESS_ACCESS_TOKEN")
    assert.include(validate({ accessToken: R.make("live_abc") }, "sandbox")!, "GOCARDLESS_ACCESS_TOKEN")
    assert.notInclude(validate({ accessToken: R.make("live_secretvalue") }, "sandbox")!, "secretvalue")
  })
})
