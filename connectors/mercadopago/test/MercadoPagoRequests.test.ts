import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import { Redacted } from "effect"
import { connector, MercadoPagoConnector } from "@refract/mercadopago"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { context, createContext, createRequest, fixtureJson, fixtureText, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const textOf = (request: ProcessorHttp.ProcessorRequest): string => {
  assert.strictEqual(request.body?._tag, "Text")
  return request.body?._tag === "Text" ? request.body.text : ""
}

describe("create request", () => {
  it("POST /v1/payments/{id}/refunds with X-Idempotency-Key and the amount as a JSON number in major units", () => {
    const request = ok(connector.create.build(createRequest(), createContext()))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, `/v1/payments/${paymentId}/refunds`)
    assert.deepStrictEqual(request.headers, { "X-Idempotency-Key": "refract-order-42-r1", "X-Render-In-Process-Refunds": "true" })
    assert.strictEqual(request.body?._tag === "Text" ? request.body.contentType : "", "application/json")
    assert.strictEqual(textOf(request), `{"amount":10.50}`)
  })

  it("writes the amount from digits with each currency's exponent (CLP 0, ARS/BRL/MXN/COP/PEN/UYU 2, KWD 3)", () => {
    const cases: ReadonlyArray<readonly [number, string, string]> = [
      [1234, "CLP", "1234"],
      [1, "ARS", "0.01"],
      [123456789, "BRL", "1234567.89"],
      [10, "MXN", "0.10"],
      [100000, "COP", "1000.00"],
      [1999, "PEN", "19.99"],
      [5, "UYU", "0.05"],
      [1234, "KWD", "1.234"],
      [9007199254740991, "ARS", "90071992547409.91"]
    ]
    for (const [amount, currency, text] of cases) {
      const body = textOf(ok(connector.create.build(createRequest({ amount: { amount, currency } }), createContext())))
      assert.strictEqual(body, `{"amount":${text}}`, currency)
      assert.isNumber(JSON.parse(body).amount, "a JSON number")
    }
  })

  it("sends {} for a full refund (Mercado Pago refunds the rest)", () => {
    assert.strictEqual(textOf(ok(connector.create.build(createRequest({ amount: undefined }), createContext()))), "{}")
  })

  it("refuses a payment id that is not a decimal number, before any request", () => {
    for (const bad of ["pay_123", "12a", "1".repeat(20)]) {
      const error = failure(connector.create.build(createRequest({ connectorTransactionId: bad }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest")
    }
  })

  it("get reads the payment (it carries the currency and the refunds); a malformed or foreign id is refused", () => {
    const request = ok(connector.get!.build(reference({ connectorRefundId: refundId }), context))
    assert.deepStrictEqual([request.method, request.path], ["GET", `/v1/payments/${paymentId}`])
    assert.strictEqual(failure(connector.get!.build(reference({ connectorRefundId: "1032332129" }), context))._tag, "InvalidRequest")
    assert.strictEqual(failure(connector.get!.build(reference({ connectorRefundId: `${paymentId}:x1` }), context))._tag, "InvalidRequest")
    const foreign = failure(connector.get!.build(reference({ connectorRefundId: refundId, connectorTransactionId: "123" }), context))
    assert.strictEqual(foreign._tag, "InvalidRequest")
  })

  it("authenticates with a Redacted Bearer token and refuses a TEST- token in production", () => {
    const auth = connector.auth._tag === "Static" ? connector.auth.headers(context.credentials) : {}
    assert.isTrue(Redacted.isRedacted(auth["Authorization"]))
    assert.match(Redacted.value(auth["Authorization"] as Redacted.Redacted<string>), /^Bearer TEST-/)
    assert.isString(connector.validate!(context.credentials, "production"))
    assert.isUndefined(connector.validate!(context.credentials, "sandbox"))
    assert.deepStrictEqual(connector.environments, { sandbox: "https://api.mercadopago.com", production: "https://api.mercadopago.com" })
  })
})

describe("parsers", () => {
  it("parseCreate reads the refund: composite id, Pending, the amount in the request's currency, raw kept", () => {
    const snapshot = ok(connector.create.parse(response(201, fixtureText("refund-in-process.json")), createRequest(), createContext()))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.deepStrictEqual([snapshot.status, snapshot.rawStatus], ["Pending", "in_process"])
    assert.deepStrictEqual([snapshot.amount?.amount, snapshot.amount?.currency], [1050, "BRL"])
    assert.strictEqual(snapshot.createdAt, Date.UTC(2021, 10, 24, 17, 58, 49, 312))
    assert.isUndefined(snapshot.settlement)
    assert.deepStrictEqual(snapshot.raw, fixtureJson("refund-in-process.json"))
  })

  it("parseCreate refuses an answer for another payment, another amount, or not a refund", () => {
    const other = { ...fixtureJson("refund-in-process.json"), payment_id: 1 }
    assert.strictEqual(failure(connector.create.parse(response(201, other), createRequest(), createContext()))._tag, "UnexpectedResponse")
    const amount = { ...fixtureJson("refund-in-process.json"), amount: 1050 }
    assert.strictEqual(failure(connector.create.parse(response(201, amount), createRequest(), createContext()))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, "{not json"), createRequest(), createContext()))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, { id: "abc" }), createRequest(), createContext()))._tag, "UnexpectedResponse")
  })

  it("parseCreate without an amount leaves the amount out (the refund carries no currency)", () => {
    const snapshot = ok(connector.create.parse(response(201, fixtureText("refund-in-process.json")), createRequest({ amount: undefined }), createContext()))
    assert.isUndefined(snapshot.amount)
  })

  it("parseGet finds the refund in the payment, in the payment's currency, with the settlement reference", () => {
    const snapshot = ok(connector.get!.parse(response(200, fixtureText("payment-with-refunds.json")), reference({ connectorRefundId: refundId }), context))
    assert.deepStrictEqual([snapshot.status, snapshot.rawStatus], ["Succeeded", "approved"])
    assert.deepStrictEqual([snapshot.amount?.amount, snapshot.amount?.currency], [1050, "BRL"])
    assert.strictEqual(snapshot.settlement?.traceReference, "123456789012")
    assert.strictEqual(snapshot.settlement?.traceReferenceType, "unique_sequence_number")
    assert.deepStrictEqual(snapshot.metadata, { order: "42" })
  })

  it("an undocumented status stays Unknown with its raw string; a missing refund is NotFound", () => {
    const unknown = ok(connector.get!.parse(response(200, fixtureText("payment-with-refunds.json")), reference({ connectorRefundId: `${paymentId}:1032332130` }), context))
    assert.deepStrictEqual([unknown.status, unknown.rawStatus], ["Unknown", "in_mediation"])
    const missing = failure(connector.get!.parse(response(200, fixtureText("payment-with-refunds.json")), reference({ connectorRefundId: `${paymentId}:1` }), context))
    assert.strictEqual(missing._tag, "NotFound")
  })

  it("maps every documented status", () => {
    const table = [["approved", "Succeeded"], ["in_process", "Pending"], ["authorized", "Pending"], ["rejected", "Failed"], ["cancelled", "Cancelled"], ["refunded", "Unknown"], [null, "Unknown"]] as const
    for (const [raw, status] of table) assert.strictEqual(MercadoPagoConnector.statusOf(raw).status, status, String(raw))
  })
})
