import { assert, describe, it } from "@effect/vitest"
import { Idempotency, ProcessorHttp } from "@refract/core"
import { Option, Redacted } from "effect"
import { BraintreeConnector, connector } from "@refract/braintree"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { context, createContext, createRequest, fixtureText, merchantId, privateKey, publicKey, reference, refundId, saleId } from "./helpers/Fixtures.ts"

const jsonOf = (request: ProcessorHttp.ProcessorRequest): unknown =>
  request.body?._tag === "Json" ? request.body.value : assert.fail("expected a JSON body")

describe("request builders", () => {
  it("create: POST /merchants/{mid}/transactions/{sale}/refund with the decimal amount and the key as order_id", () => {
    const request = ok(BraintreeConnector.buildCreate(createRequest(), createContext()))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, `/merchants/${merchantId}/transactions/${saleId}/refund`)
    assert.deepStrictEqual(jsonOf(request), { transaction: { amount: "10.50", order_id: "refract-order-42-r1" } })
  })

  it("create: amounts in major units with the currency's exponent (JPY 0, KWD 3); no amount for a full refund", () => {
    const jpy = ok(BraintreeConnector.buildCreate(createRequest({ amount: { amount: 1050, currency: "JPY" } }), createContext()))
    assert.deepStrictEqual(jsonOf(jpy), { transaction: { amount: "1050", order_id: "refract-order-42-r1" } })
    const kwd = ok(BraintreeConnector.buildCreate(createRequest({ amount: { amount: 1230, currency: "KWD" } }), createContext()))
    assert.deepStrictEqual(jsonOf(kwd), { transaction: { amount: "1.230", order_id: "refract-order-42-r1" } })
    const full = ok(BraintreeConnector.buildCreate(createRequest({ amount: undefined }), createContext()))
    assert.deepStrictEqual(jsonOf(full), { transaction: { order_id: "refract-order-42-r1" } })
  })

  it("create: malformed sale ids, metadata (Braintree has none) are InvalidRequest", () => {
    for (const id of ["pay_123", "a.b", "x:y", "x@y", "x".repeat(65)]) {
      const error = failure(BraintreeConnector.buildCreate(createRequest({ connectorTransactionId: id }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest", id)
    }
    const meta = failure(BraintreeConnector.buildCreate(createRequest({ metadata: { order: "42" } }), createContext()))
    assert.strictEqual(meta._tag === "InvalidRequest" ? meta.field : undefined, "metadata")
  })

  it("get: GET /merchants/{mid}/transactions/{refund}; a malformed id never reaches Braintree", () => {
    const request = ok(BraintreeConnector.buildGet(reference({ connectorRefundId: refundId }), context))
    assert.strictEqual(request.method, "GET")
    assert.strictEqual(request.path, `/merchants/${merchantId}/transactions/${refundId}`)
    assert.strictEqual(failure(BraintreeConnector.buildGet(reference({ connectorRefundId: "re_1.2" }), context))._tag, "InvalidRequest")
  })

  it("lookup: searches credits by the order id the create stored (the derived key)", () => {
    const request = ok(BraintreeConnector.buildLookup({ merchantRefundId: "order-42-r1", connectorTransactionId: saleId }, context))
    assert.strictEqual(request.path, `/merchants/${merchantId}/transactions/advanced_search`)
    assert.deepStrictEqual(jsonOf(request), { search: { order_id: { is: "refract-order-42-r1" }, type: ["credit"] } })
    assert.strictEqual(BraintreeConnector.orderIdOf("order-42-r1"), Idempotency.derive("order-42-r1", connector.idempotencyKey))
    // A merchant refund id with characters outside the key pattern is hashed, identically on create and lookup.
    assert.match(BraintreeConnector.orderIdOf("order 42/ü"), /^refract-[A-Za-z0-9_-]+$/)
  })

  it("auth: Basic public:private, X-ApiVersion 6, XML answers; the header is Redacted", () => {
    if (connector.auth._tag !== "Static") return assert.fail("static auth")
    const headers = connector.auth.headers(context.credentials)
    assert.strictEqual(headers["X-ApiVersion"], "6")
    assert.strictEqual(headers["Accept"], "application/xml")
    const auth = headers["Authorization"]!
    assert.isTrue(Redacted.isRedacted(auth))
    assert.strictEqual(ProcessorHttp.revealHeader(auth), `Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString("base64")}`)
    assert.notInclude(String(auth), privateKey)
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
  })

  it("declares the real gateway hosts and no idempotency window", () => {
    assert.deepStrictEqual(connector.environments, {
      sandbox: "https://api.sandbox.braintreegateway.com",
      production: "https://api.braintreegateway.com"
    })
    assert.strictEqual(connector.idempotencyKey.windowMillis, 0)
    assert.isTrue(connector.credentials.privateKey.secret)
  })
})

describe("response parsers", () => {
  const created = response(201, fixtureText("refund-submitted.xml"), { "content-type": "application/xml; charset=utf-8" })

  it("create: the credit transaction → a pending snapshot with amount, ids, times and raw", () => {
    const snapshot = ok(BraintreeConnector.parseCreate(created, createRequest()))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, saleId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, "submitted_for_settlement")
    assert.deepStrictEqual([snapshot.amount?.amount, snapshot.amount?.currency], [1050, "USD"])
    assert.strictEqual(snapshot.createdAt, Date.UTC(2026, 11, 1, 10))
    assert.strictEqual(snapshot.settlement, undefined)
    assert.strictEqual((snapshot.raw as Record<string, unknown>)["order-id"], "refract-order-42-r1")
    assert.strictEqual((snapshot.raw as Record<string, unknown>)["settlement-batch-id"], null)
  })

  it("create: another sale, another currency, a sale instead of a credit, or no XML are UnexpectedResponse", () => {
    assert.strictEqual(failure(BraintreeConnector.parseCreate(created, createRequest({ connectorTransactionId: "othersale1" })))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(BraintreeConnector.parseCreate(created, createRequest({ amount: { amount: 1050, currency: "EUR" } })))._tag, "UnexpectedResponse")
    const sale = response(200, fixtureText("refund-submitted.xml").replace("<type>credit</type>", "<type>sale</type>"))
    assert.strictEqual(failure(BraintreeConnector.parseCreate(sale, createRequest()))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(BraintreeConnector.parseCreate(response(201, "<transaction><id>k4t9p2qz</id>"), createRequest()))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(BraintreeConnector.parseCreate(response(201, "{}"), createRequest()))._tag, "UnexpectedResponse")
  })

  it("get: a settled refund with its settlement evidence (batch, settled time, ARN)", () => {
    const snapshot = ok(BraintreeConnector.parseGet(response(200, fixtureText("refund-settled.xml")), reference({ connectorRefundId: refundId })))
    assert.strictEqual(snapshot.status, "Succeeded")
    assert.strictEqual(snapshot.settlement?.batchId, "2026-12-02_acme_usd")
    assert.strictEqual(snapshot.settlement?.settledAt, Date.UTC(2026, 11, 2, 2))
    assert.strictEqual(snapshot.settlement?.traceReference, "74523456789012345678901")
    assert.strictEqual(snapshot.settlement?.traceReferenceType, "arn")
    assert.strictEqual(failure(BraintreeConnector.parseGet(response(200, fixtureText("refund-settled.xml")), reference({ connectorRefundId: "zzzz9999" })))._tag, "UnexpectedResponse")
  })

  it("get: an unknown status stays Unknown with its raw value; a failed one carries the processor response", () => {
    const odd = ok(BraintreeConnector.parseGet(
      response(200, fixtureText("refund-submitted.xml").replace("<status>submitted_for_settlement</status>", "<status>brand_new_status</status>")),
      reference({ connectorRefundId: refundId })
    ))
    assert.deepStrictEqual([odd.status, odd.rawStatus], ["Unknown", "brand_new_status"])
    const declined = ok(BraintreeConnector.parseGet(
      response(200, fixtureText("refund-submitted.xml").replace("<status>submitted_for_settlement</status>", "<status>processor_declined</status>").replace("1000", "2000").replace("Approved", "Do Not Honor")),
      reference({ connectorRefundId: refundId })
    ))
    assert.strictEqual(declined.status, "Failed")
    assert.deepStrictEqual([declined.failure?.code, declined.failure?.message], ["2000", "Do Not Honor"])
  })

  const page = (...transactions: ReadonlyArray<string>) =>
    response(200, `<?xml version="1.0" encoding="UTF-8"?>\n<credit-card-transactions type="collection"><current-page-number type="integer">1</current-page-number>${transactions.join("")}</credit-card-transactions>`)
  const tx = (id: string, orderId: string, sale = saleId) =>
    `<transaction><id>${id}</id><status>submitted_for_settlement</status><type>credit</type><amount>1.00</amount><currency-iso-code>USD</currency-iso-code><order-id>${orderId}</order-id><refunded-transaction-id>${sale}</refunded-transaction-id></transaction>`
  const lookup = { merchantRefundId: "order-42-r1", connectorTransactionId: saleId }

  it("lookup: finds the credit of the sale with the order id; none on an empty page", () => {
    const found = ok(BraintreeConnector.parseLookup(page(tx("aaaa1111", "refract-other"), tx("bbbb2222", "refract-order-42-r1")), lookup))
    assert.strictEqual(Option.getOrThrow(found).connectorRefundId, "bbbb2222")
    assert.strictEqual(Option.getOrThrow(found).merchantRefundId, "order-42-r1")
    assert.isTrue(Option.isNone(ok(BraintreeConnector.parseLookup(page(), lookup))))
    // Another sale's refund under the same order id is not this refund.
    assert.isTrue(Option.isNone(ok(BraintreeConnector.parseLookup(page(tx("cccc3333", "refract-order-42-r1", "othersale")), lookup))))
  })

  it("lookup: two matches, a full page without a match, or a body that is not a page are errors, never a guess", () => {
    assert.strictEqual(failure(BraintreeConnector.parseLookup(page(tx("aaaa1111", "refract-order-42-r1"), tx("bbbb2222", "refract-order-42-r1")), lookup))._tag, "UnexpectedResponse")
    const full = page(...Array.from({ length: BraintreeConnector.SEARCH_PAGE_SIZE }, (_, i) => tx(`x${String(i).padStart(7, "0")}`, "refract-other")))
    assert.strictEqual(failure(BraintreeConnector.parseLookup(full, lookup))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(BraintreeConnector.parseLookup(response(200, "<search-results/>"), lookup))._tag, "UnexpectedResponse")
  })
})
