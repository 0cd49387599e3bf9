import { assert, describe, it } from "@effect/vitest"
import { ConnectorTest } from "@refract/testkit"
import { AuthorizeNetConnector } from "@refract/authorizenet"
import { Idempotency } from "@refract/core"
import { buildContext, createContext, createRequest, lastFour, payment, reference, refundId, transactionKey, transId } from "./helpers/Fixtures.ts"

const { ok, failure } = ConnectorTest
const bodyOf = (request: { readonly body?: unknown }) => (request.body as { readonly value: Record<string, any> }).value

describe("create request", () => {
  it("is a refundTransaction with the decimal amount, the card's last four, refTransId, the invoice number and the duplicate window, in schema order", () => {
    const request = ok(AuthorizeNetConnector.buildCreate(createRequest({ metadata: { b: "2", a: "1" } }), createContext()))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, "/xml/v1/request.api")
    const body = bodyOf(request)
    assert.deepStrictEqual(Object.keys(body), ["createTransactionRequest"])
    const root = body["createTransactionRequest"]
    assert.deepStrictEqual(Object.keys(root), ["merchantAuthentication", "transactionRequest"])
    assert.deepStrictEqual(root.merchantAuthentication, { name: "5KP3u95bQpv", transactionKey })
    const tr = root.transactionRequest
    assert.deepStrictEqual(Object.keys(tr), ["transactionType", "amount", "currencyCode", "payment", "refTransId", "order", "transactionSettings", "userFields"])
    assert.strictEqual(tr.transactionType, "refundTransaction")
    assert.strictEqual(tr.amount, "10.50")
    assert.strictEqual(tr.currencyCode, "USD")
    assert.deepStrictEqual(tr.payment, { creditCard: { cardNumber: lastFour, expirationDate: "XXXX" } })
    assert.strictEqual(tr.refTransId, transId)
    assert.deepStrictEqual(tr.order, { invoiceNumber: "refract-order-42-r1", description: "refund refract-order-42-r1" })
    assert.deepStrictEqual(tr.transactionSettings, { setting: [{ settingName: "duplicateWindow", settingValue: "28800" }] })
    assert.deepStrictEqual(tr.userFields, { userField: [{ name: "a", value: "1" }, { name: "b", value: "2" }] })
  })

  it("amounts use the currency's exponent (JPY 0, KWD 3 decimals)", () => {
    const jpy = bodyOf(ok(AuthorizeNetConnector.buildCreate(createRequest({ amount: { amount: 1234, currency: "JPY" } }), createContext())))
    assert.strictEqual(jpy["createTransactionRequest"].transactionRequest.amount, "1234")
    const kwd = bodyOf(ok(AuthorizeNetConnector.buildCreate(createRequest({ amount: { amount: 1234, currency: "KWD" } }), createContext())))
    assert.strictEqual(kwd["createTransactionRequest"].transactionRequest.amount, "1.234")
  })

  it("a key longer than 20 characters is written as R + 19 hex digits of its SHA-256, deterministically", () => {
    const key = Idempotency.derive("a-rather-long-merchant-refund-id-0001", AuthorizeNetConnector.idempotencyKeyRules)
    assert.isAbove(key.length, 20)
    const invoice = bodyOf(ok(AuthorizeNetConnector.buildCreate(createRequest(), createContext(key))))["createTransactionRequest"].transactionRequest.order.invoiceNumber
    assert.match(invoice, /^R[0-9a-f]{19}$/)
    assert.strictEqual(invoice, AuthorizeNetConnector.invoiceNumberOf(key))
    assert.notStrictEqual(AuthorizeNetConnector.invoiceNumberOf(`${key}x`), invoice)
    assert.isTrue(AuthorizeNetConnector.isRefractInvoiceNumber(invoice))
    assert.isFalse(AuthorizeNetConnector.isRefractInvoiceNumber("INV-2026-0001"))
  })

  it("refuses a payment reference without the card's last four, and a missing amount, before anything is sent", () => {
    for (const bad of [transId, `${transId}:111`, `${transId}:11a1`, `abc:${lastFour}`, `${transId}:${lastFour}:x`]) {
      const error = failure(AuthorizeNetConnector.buildCreate(createRequest({ connectorTransactionId: bad }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual(error._tag === "InvalidRequest" ? error.field : "", "connectorTransactionId")
    }
    const noAmount = failure(AuthorizeNetConnector.buildCreate(createRequest({ amount: undefined }), createContext()))
    assert.strictEqual(noAmount._tag === "InvalidRequest" ? noAmount.field : "", "amount")
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]))
    assert.strictEqual(failure(AuthorizeNetConnector.buildCreate(createRequest({ metadata: tooMany }), createContext()))._tag, "InvalidRequest")
  })
})

describe("get and lookup requests", () => {
  it("get is getTransactionDetailsRequest with the refund's transId; a non-numeric id is refused", () => {
    const body = bodyOf(ok(AuthorizeNetConnector.buildGet(reference({ connectorRefundId: refundId }), buildContext)))
    assert.deepStrictEqual(Object.keys(body["getTransactionDetailsRequest"]), ["merchantAuthentication", "transId"])
    assert.strictEqual(body["getTransactionDetailsRequest"].transId, refundId)
    for (const bad of ["re_123", "0", "12a", "1".repeat(21)]) {
      assert.strictEqual(failure(AuthorizeNetConnector.buildGet(reference({ connectorRefundId: bad }), buildContext))._tag, "InvalidRequest")
    }
  })

  it("lookup reads the unsettled transactions, newest first, a full page", () => {
    const body = bodyOf(ok(AuthorizeNetConnector.buildLookup({ merchantRefundId: "order-42-r1", connectorTransactionId: payment }, buildContext)))
    assert.deepStrictEqual(body["getUnsettledTransactionListRequest"].sorting, { orderBy: "submitTimeUTC", orderDescending: true })
    assert.deepStrictEqual(body["getUnsettledTransactionListRequest"].paging, { limit: 1000, offset: 1 })
    assert.strictEqual(failure(AuthorizeNetConnector.buildLookup({ merchantRefundId: "x", connectorTransactionId: "nope" }, buildContext))._tag, "InvalidRequest")
  })

  it("the transaction key is only in the body: no header carries a secret", () => {
    const request = ok(AuthorizeNetConnector.buildGet(reference({ connectorRefundId: refundId }), buildContext))
    assert.isUndefined(request.headers)
    assert.deepStrictEqual(AuthorizeNetConnector.connector.auth._tag === "Static" ? AuthorizeNetConnector.connector.auth.headers(buildContext.credentials) : undefined, {})
    assert.notInclude(JSON.stringify(buildContext.credentials), transactionKey, "decoded credentials keep the key Redacted")
  })
})
