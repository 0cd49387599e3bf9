import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import { Redacted } from "effect"
import { connector, MollieConnector } from "@refract/mollie"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { apiKey, context, createContext, createRequest, credentials, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const build = (input: Parameters<typeof createRequest>[0] = {}, ctx = createContext()) => connector.create.build(createRequest(input), ctx)

const jsonOf = (request: ProcessorHttp.ProcessorRequest): string => {
  assert.strictEqual(request.body?._tag, "Json")
  return request.body?._tag === "Json" ? JSON.stringify(request.body.value) : ""
}

describe("create request", () => {
  it("POST /v2/payments/{id}/refunds with the exact JSON body and Idempotency-Key", () => {
    const request = ok(build({ metadata: { order: "42", channel: "web" } }))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, `/v2/payments/${paymentId}/refunds`)
    assert.strictEqual(request.query, undefined)
    assert.deepStrictEqual(request.headers, { "Idempotency-Key": "refract-order-42-r1" })
    assert.strictEqual(
      jsonOf(request),
      `{"amount":{"currency":"EUR","value":"10.50"},"metadata":{"merchant_refund_id":"order-42-r1","channel":"web","order":"42"}}`
    )
  })

  it("writes the value with the currency's exact decimals (EUR 2, JPY 0, KWD 3), never through a float", () => {
    for (const [amount, currency, value] of [[1050, "EUR", "10.50"], [5, "EUR", "0.05"], [1050, "JPY", "1050"], [1234, "KWD", "1.234"], [9007199254740991, "USD", "90071992547409.91"]] as const) {
      const body = JSON.parse(jsonOf(ok(build({ amount: { amount, currency } }))))
      assert.deepStrictEqual(body.amount, { currency, value }, currency)
    }
  })

  it("builds the same body whatever order the metadata was built in (Mollie refuses a replayed key with other parameters)", () => {
    const a = jsonOf(ok(build({ metadata: { b: "2", a: "1", c: "3" } })))
    const b = jsonOf(ok(build({ metadata: { c: "3", a: "1", b: "2" } })))
    assert.strictEqual(a, b)
  })

  it("keeps merchant_refund_id for the merchant refund id, and metadata within about 1kB", () => {
    assert.strictEqual(failure(build({ metadata: { merchant_refund_id: "other" } }))._tag, "InvalidRequest")
    assert.isTrue(ok(build({ metadata: { merchant_refund_id: "order-42-r1" } })) !== undefined)
    const big = failure(build({ metadata: { note: "x".repeat(1000) } }))
    assert.strictEqual(big._tag, "InvalidRequest")
    assert.strictEqual((big as { field?: string }).field, "metadata")
    // `__proto__` is a plain key, never a prototype write.
    const proto = JSON.parse(jsonOf(ok(build({ metadata: JSON.parse(`{"__proto__":"p"}`) }))))
    assert.strictEqual(Object.getOwnPropertyDescriptor(proto.metadata, "__proto__")?.value, "p")
  })

  it("refuses a refund without an amount (Mollie requires one) and malformed payment ids, before sending", () => {
    const built = connector.create.build(createRequest({ amount: undefined }), createContext())
    assert.strictEqual(failure(built)._tag, "InvalidRequest")
    for (const id of ["pay_FgR9UMzgmKDJRi", "tr_", "tr_a/b", "tr_x y", "../tr_x"]) {
      const error = failure(connector.create.build({ ...createRequest(), connectorTransactionId: id } as never, createContext()))
      assert.strictEqual(error._tag, "InvalidRequest", id)
    }
  })
})

describe("get, cancel and lookup requests", () => {
  it("GET /v2/payments/{pid}/refunds/{rid}: the payment id is required (Mollie reads refunds through their payment)", () => {
    const request = ok(connector.get!.build(reference({ connectorRefundId: refundId, connectorTransactionId: paymentId }), context))
    assert.deepStrictEqual({ method: request.method, path: request.path }, { method: "GET", path: `/v2/payments/${paymentId}/refunds/${refundId}` })
    assert.strictEqual(failure(connector.get!.build(reference({ connectorRefundId: refundId }), context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.get!.build(reference({ connectorRefundId: "rfnd_x", connectorTransactionId: paymentId }), context))._tag, "InvalidRequest")
  })

  it("DELETE for a cancel, with no Idempotency-Key (Mollie ignores keys on DELETE)", () => {
    const request = ok(connector.cancel!.build(reference({ connectorRefundId: refundId, connectorTransactionId: paymentId }), { ...context, idempotencyKey: "k" }))
    assert.strictEqual(request.method, "DELETE")
    assert.strictEqual(request.path, `/v2/payments/${paymentId}/refunds/${refundId}`)
    assert.strictEqual(request.headers, undefined)
  })

  it("lookup lists the payment's refunds, 250 at most", () => {
    const request = ok(connector.lookup!.build({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }, context))
    assert.strictEqual(request.path, `/v2/payments/${paymentId}/refunds`)
    assert.deepStrictEqual(request.query, { limit: "250" })
  })
})

describe("list request", () => {
  const window = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2) }
  it("GET /v2/refunds with limit and the cursor as `from`", () => {
    assert.deepStrictEqual(ok(connector.list!.page.build({ window, pageSize: 100 }, context)).query, { limit: "100" })
    assert.deepStrictEqual(ok(connector.list!.page.build({ window, pageSize: 250, cursor: "re_abc123" }, context)).query, { limit: "250", from: "re_abc123" })
  })
  it("refuses a page size beyond 250, a cursor that is not a refund id, and an empty window", () => {
    assert.strictEqual(failure(connector.list!.page.build({ window, pageSize: 251 }, context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.list!.page.build({ window, pageSize: 10, cursor: "12" }, context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.list!.page.build({ window: { from: 5, to: 5 }, pageSize: 10 }, context))._tag, "InvalidRequest")
  })
})

describe("credentials and environment", () => {
  it("Authorization: Bearer <key>, held Redacted", () => {
    const headers = connector.auth._tag === "Static" ? connector.auth.headers(credentials) : {}
    const value = headers["Authorization"]
    assert.isTrue(Redacted.isRedacted(value))
    assert.strictEqual(Redacted.value(value as Redacted.Redacted<string>), `Bearer ${apiKey}`)
    assert.notInclude(String(value), apiKey)
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
  })
  it("the key's prefix must match the environment", () => {
    assert.isUndefined(MollieConnector.keyEnvironmentProblem(apiKey, "sandbox"))
    assert.include(MollieConnector.keyEnvironmentProblem(apiKey, "production")!, "MOLLIE_API_KEY")
    assert.include(MollieConnector.keyEnvironmentProblem("live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", "sandbox")!, "test API key")
    assert.notInclude(MollieConnector.keyEnvironmentProblem(apiKey, "production")!, apiKey)
    assert.isUndefined(MollieConnector.keyEnvironmentProblem("live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", "production"))
  })
  it("declares Mollie's real host and its 24-hour idempotency window", () => {
    assert.deepStrictEqual(connector.environments, { sandbox: "https://api.mollie.com", production: "https://api.mollie.com" })
    assert.strictEqual(connector.idempotencyKey.windowMillis, 24 * 3_600_000)
    assert.isTrue(connector.credentials.apiKey.secret)
    assert.isTrue(connector.credentials.apiKey.pattern.test(apiKey))
    assert.isFalse(connector.credentials.apiKey.pattern.test("access_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"))
  })
})
