import { assert, describe, it } from "@effect/vitest"
import { ConnectorTest } from "@refract/testkit"
import { AuthorizeNetConnector } from "@refract/authorizenet"
import { Option } from "effect"
import * as F from "./helpers/Fixtures.ts"

const { ok, failure, response } = ConnectorTest
const answer = (value: unknown) => response(200, F.wire(value))

describe("parseCreate", () => {
  it("an approved refund (BOM and all) is Pending with the requested amount", () => {
    const s = ok(AuthorizeNetConnector.parseCreate(answer(F.createApproved), F.createRequest()))
    assert.strictEqual(s.connectorRefundId, F.refundId)
    assert.strictEqual(s.connectorTransactionId, F.payment)
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.strictEqual(s.status, "Pending")
    assert.strictEqual(s.rawStatus, "refundPendingSettlement")
    assert.deepStrictEqual([s.amount?.amount, s.amount?.currency], [1050, "USD"])
  })

  it("a duplicate naming the original transaction is that refund", () => {
    const s = ok(AuthorizeNetConnector.parseCreate(answer(F.duplicateOfOriginal), F.createRequest()))
    assert.strictEqual(s.connectorRefundId, F.refundId)
    assert.strictEqual(s.rawStatus, "duplicateOfOriginal")
    assert.strictEqual(s.status, "Pending")
  })

  it("refusals are typed: 54 NotRefundable, 55 AmountTooLarge, a duplicate without details DuplicateRequest, E00007 Authentication", () => {
    const kind = (value: unknown) => {
      const e = failure(AuthorizeNetConnector.parseCreate(answer(value), F.createRequest()))
      return e._tag === "RefundRejected" ? `${e._tag}:${e.kind}` : e._tag
    }
    assert.strictEqual(kind(F.declined54), "RefundRejected:NotRefundable")
    assert.strictEqual(kind(F.declined55), "RefundRejected:AmountTooLarge")
    assert.strictEqual(kind(F.duplicateNoDetails), "RefundRejected:DuplicateRequest")
    assert.strictEqual(kind(F.authFailed), "Authentication")
  })

  it("an undecodable body, or a refund of another transaction, is UnexpectedResponse", () => {
    assert.strictEqual(failure(AuthorizeNetConnector.parseCreate(response(200, `${F.BOM}{"transactionRes`), F.createRequest()))._tag, "UnexpectedResponse")
    const other = { ...F.createApproved, transactionResponse: { ...F.createApproved.transactionResponse, refTransID: "99999" } }
    assert.strictEqual(failure(AuthorizeNetConnector.parseCreate(answer(other), F.createRequest()))._tag, "UnexpectedResponse")
  })
})

describe("parseGet", () => {
  const get = (value: unknown) => AuthorizeNetConnector.parseGet(answer(value), F.reference({ connectorRefundId: F.refundId }), F.buildContext)

  it("maps every refund status; unknown ones stay Unknown with the raw string", () => {
    const table: ReadonlyArray<readonly [string, string]> = [
      ["refundPendingSettlement", "Pending"],
      ["refundSettledSuccessfully", "Succeeded"],
      ["settlementError", "Failed"],
      ["declined", "Failed"],
      ["generalError", "Failed"],
      ["communicationError", "Failed"],
      ["voided", "Cancelled"],
      ["underReview", "Unknown"],
      ["constructor", "Unknown"]
    ]
    for (const [raw, status] of table) {
      const s = ok(get(F.details(raw)))
      assert.strictEqual(s.status, status, raw)
      assert.strictEqual(s.rawStatus, raw)
    }
    assert.strictEqual(ok(get(F.details("settlementError"))).failure?.code, "settlementError")
  })

  it("reads amount in the account currency, creation time, the payment reference and the batch as settlement evidence", () => {
    const s = ok(get(F.details("refundSettledSuccessfully", { batch: F.batch })))
    assert.deepStrictEqual([s.amount?.amount, s.amount?.currency], [1050, "USD"])
    assert.strictEqual(s.createdAt, Date.parse("2026-12-01T10:15:30.123Z"))
    assert.strictEqual(s.connectorTransactionId, F.payment)
    assert.strictEqual(s.settlement?.batchId, "12345678")
    assert.strictEqual(s.settlement?.settledAt, Date.parse("2026-12-02T04:00:12Z"))
    assert.strictEqual((s.raw as { transId: string }).transId, F.refundId)
    const eur = ConnectorTest.contexts(ConnectorTest.credentials(AuthorizeNetConnector.connector, { apiLoginId: F.apiLoginId, transactionKey: F.transactionKey, currency: "EUR" }))
    const inEur = ok(AuthorizeNetConnector.parseGet(answer(F.details("refundPendingSettlement")), F.reference({ connectorRefundId: F.refundId }), eur.buildContext))
    assert.strictEqual(inEur.amount?.currency, "EUR")
  })

  it("a charge is not a refund; another transaction id, E00040 and garbage are errors", () => {
    const charge = F.details("settledSuccessfully")
    ;(charge.transaction as Record<string, unknown>)["transactionType"] = "authCaptureTransaction"
    assert.strictEqual(failure(get(charge))._tag, "UnexpectedResponse")
    const other = F.details("voided")
    ;(other.transaction as Record<string, unknown>)["transId"] = "5"
    assert.strictEqual(failure(get(other))._tag, "UnexpectedResponse")
    const missing = failure(get(F.notFound))
    assert.strictEqual(missing._tag, "NotFound")
    assert.strictEqual(failure(get("not json"))._tag, "UnexpectedResponse")
  })
})

describe("parseLookup", () => {
  const lookup = (value: unknown, merchantRefundId = "order-42-r1") =>
    AuthorizeNetConnector.parseLookup(answer(value), { merchantRefundId, connectorTransactionId: F.payment }, F.buildContext)
  const list = (transactions: ReadonlyArray<unknown>, total = transactions.length) => ({ transactions, totalNumInResultSet: total, messages: F.ok })

  it("finds the refund by the invoice number its create wrote", () => {
    const found = Option.getOrThrow(ok(lookup(list([F.summary("601", "authorizedPendingCapture", "INV-1"), F.summary(F.refundId, "refundPendingSettlement", "refract-order-42-r1")]))))
    assert.strictEqual(found.connectorRefundId, F.refundId)
    assert.strictEqual(found.merchantRefundId, "order-42-r1")
    assert.strictEqual(found.connectorTransactionId, F.payment)
    assert.strictEqual(found.status, "Pending")
  })

  it("none when absent from a complete list (also 'No records found'); an error when the list was cut", () => {
    assert.isTrue(Option.isNone(ok(lookup(list([F.summary("601", "refundPendingSettlement", "other")])))))
    assert.isTrue(Option.isNone(ok(lookup({ totalNumInResultSet: 0, messages: { resultCode: "Ok", message: [{ code: "I00004", text: "No records found." }] } }))))
    assert.strictEqual(failure(lookup(list([F.summary("601", "refundPendingSettlement", "other")], 1001)))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(lookup(F.authFailed))._tag, "Authentication")
  })
})
