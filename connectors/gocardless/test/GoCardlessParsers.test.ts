import { assert, describe, it } from "@effect/vitest"
import { GoCardlessConnector, GoCardlessWebhook } from "@refract/gocardless"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { Option } from "effect"
import { createRequest, list, paymentId, reference, refund, refundId } from "./helpers/Fixtures.ts"

const get = (body: unknown) => GoCardlessConnector.parseGet(response(200, body), reference({ connectorRefundId: refundId }))

describe("GoCardless response parsers", () => {
  it("every documented status maps; an unknown one stays Unknown with its raw text", () => {
    const expected: Record<string, string> = {
      created: "Pending",
      pending_submission: "Pending",
      submitted: "Pending",
      paid: "Succeeded",
      cancelled: "Cancelled",
      bounced: "Failed",
      funds_returned: "Failed"
    }
    for (const [raw, status] of Object.entries(expected)) {
      const snapshot = ok(get({ refunds: refund({ status: raw }) }))
      assert.strictEqual(snapshot.status, status, raw)
      assert.strictEqual(snapshot.rawStatus, raw)
    }
    for (const raw of ["refund_settled", "PAID", "constructor", "__proto__"]) {
      const snapshot = ok(get({ refunds: refund({ status: raw }) }))
      assert.strictEqual(snapshot.status, "Unknown")
      assert.strictEqual(snapshot.rawStatus, raw)
    }
    assert.strictEqual(ok(get({ refunds: refund({ status: null }) })).status, "Unknown")
    assert.strictEqual(GoCardlessWebhook.statusOf(undefined).rawStatus, "null")
  })

  it("create: the refund with amount, ids, creation time, metadata without the reserved key, raw and settlement reference", () => {
    const snapshot = ok(GoCardlessConnector.parseCreate(response(201, { refunds: refund() }), createRequest()))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual({ amount: snapshot.amount?.amount, currency: snapshot.amount?.currency }, { amount: 1050, currency: "GBP" })
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.createdAt, Date.parse("2026-11-30T10:15:20.123Z"))
    assert.deepStrictEqual(snapshot.metadata, { order: "42" })
    assert.deepStrictEqual(snapshot.settlement?.traceReference, "ACME-REFUND")
    assert.strictEqual(snapshot.settlement?.traceReferenceType, "bank_reference")
    assert.deepStrictEqual((snapshot.raw as { id: string }).id, refundId)
  })

  it("amounts keep the currency's exponent (JPY 0, KWD 3); an unknown currency is refused", () => {
    assert.strictEqual(ok(get({ refunds: refund({ currency: "JPY", amount: 1234 }) })).amount?.toString(), "1234 JPY")
    assert.strictEqual(ok(get({ refunds: refund({ currency: "KWD", amount: 1234 }) })).amount?.toString(), "1.234 KWD")
    assert.strictEqual(failure(get({ refunds: refund({ currency: "XXZ" }) }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(get({ refunds: refund({ amount: 10.5 }) }))._tag, "UnexpectedResponse")
  })

  it("bad bodies are UnexpectedResponse, never a crash", () => {
    for (const body of ["", "not json", "{}", "[]", JSON.stringify({ refunds: null }), JSON.stringify({ refunds: { id: refundId } }), JSON.stringify({ refunds: refund({ id: "bad id" }) })]) {
      assert.strictEqual(failure(GoCardlessConnector.parseGet(response(200, body), reference({ connectorRefundId: refundId })))._tag, "UnexpectedResponse", body)
    }
    assert.strictEqual(failure(get({ refunds: refund({ id: "RF00OTHER00000" }) }))._tag, "UnexpectedResponse")
    // A bad creation time is dropped, not a failed parse.
    assert.isUndefined(ok(get({ refunds: refund({ created_at: "2026-02-30T00:00:00Z" }) })).createdAt)
  })

  it("create: a refund of another payment or in another currency is reported, not returned", () => {
    assert.strictEqual(failure(GoCardlessConnector.parseCreate(response(201, { refunds: refund({ links: { payment: "PM00OTHER00000" } }) }), createRequest()))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(GoCardlessConnector.parseCreate(response(201, { refunds: refund({ currency: "EUR" }) }), createRequest()))._tag, "UnexpectedResponse")
  })

  it("lookup: finds the payment's refund by metadata.merchant_refund_id, else none", () => {
    const lookup = { merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }
    const other = refund({ id: "RF00OTHER00000", metadata: { merchant_refund_id: "order-42-r0" } })
    const found = ok(GoCardlessConnector.parseLookup(response(200, list([other, refund({ status: "paid" })])), lookup))
    assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
    assert.strictEqual(Option.getOrThrow(found).status, "Succeeded")
    assert.isTrue(Option.isNone(ok(GoCardlessConnector.parseLookup(response(200, list([other])), lookup))))
    assert.isTrue(Option.isNone(ok(GoCardlessConnector.parseLookup(response(200, list([])), lookup))))
    assert.isTrue(Option.isNone(ok(GoCardlessConnector.parseLookup(response(200, list([refund({ metadata: {} })])), lookup))))
    assert.strictEqual(failure(GoCardlessConnector.parseLookup(response(200, { refunds: "x" }), lookup))._tag, "UnexpectedResponse")
    // A full page with more after it cannot prove absence; a match on it still counts.
    assert.strictEqual(failure(GoCardlessConnector.parseLookup(response(200, list([other], "RF00OTHER00000")), lookup))._tag, "UnexpectedResponse")
    assert.isTrue(Option.isSome(ok(GoCardlessConnector.parseLookup(response(200, list([refund()], "RF00XYZ0123456")), lookup))))
  })

  it("list: keeps refunds created in [from, to) and hands on meta.cursors.after", () => {
    const window = { from: Date.parse("2026-11-30T00:00:00.000Z"), to: Date.parse("2026-12-01T00:00:00.000Z") }
    const inside = refund({ id: "RF00INSIDE0001" })
    const atEnd = refund({ id: "RF00ATEND00001", created_at: "2026-12-01T00:00:00.000Z" })
    const atStart = refund({ id: "RF00ATSTART001", created_at: "2026-11-30T00:00:00.000Z" })
    const page = ok(GoCardlessConnector.parseList(response(200, list([atEnd, inside, atStart], "RF00ATSTART001")), { window, pageSize: 3 }))
    assert.deepStrictEqual(page.refunds.map((r) => r.connectorRefundId), ["RF00INSIDE0001", "RF00ATSTART001"])
    assert.strictEqual(page.next, "RF00ATSTART001")
    const last = ok(GoCardlessConnector.parseList(response(200, list([inside])), { window, pageSize: 3 }))
    assert.isUndefined(last.next)
    assert.strictEqual(failure(GoCardlessConnector.parseList(response(200, list([inside], "../x")), { window, pageSize: 3 }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(GoCardlessConnector.parseList(response(200, { refunds: [] }), { window, pageSize: 3 }))._tag, "UnexpectedResponse")
  })
})
