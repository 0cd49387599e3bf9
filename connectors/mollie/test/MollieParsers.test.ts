import { assert, describe, it } from "@effect/vitest"
import { Money } from "@refract/core"
import { Option } from "effect"
import { connector, MollieWebhook } from "@refract/mollie"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { context, createRequest, fixtureJson, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const ref = reference({ connectorRefundId: refundId, connectorTransactionId: paymentId })
const refund = (over: Record<string, unknown> = {}) => ({ ...fixtureJson("refund-pending.json"), ...over })
const page = (refunds: ReadonlyArray<unknown>, next?: string) => ({
  count: refunds.length,
  _embedded: { refunds },
  _links: { self: { href: "x" }, previous: null, next: next === undefined ? null : { href: next, type: "application/hal+json" } }
})

describe("create answer", () => {
  it("reads the docs' example refund: amount from the decimal string, status, creation time, metadata and raw", () => {
    const snapshot = ok(connector.create.parse(response(201, fixtureJson("refund-pending.json")), createRequest({ amount: { amount: 595, currency: "EUR" } }), { ...context, idempotencyKey: "k" }))
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.isTrue(Money.equals(snapshot.amount!, Money.make(595, "EUR")))
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, "pending")
    assert.strictEqual(snapshot.createdAt, Date.UTC(2018, 2, 14, 17, 9, 2))
    assert.strictEqual(snapshot.occurredAt, snapshot.createdAt)
    assert.deepStrictEqual(snapshot.metadata, { bookkeeping_id: "12345" })
    assert.strictEqual((snapshot.raw as { id: string }).id, refundId)
    assert.isUndefined(snapshot.settlement)
  })

  it("refuses an answer about another payment, another amount, or that is not a refund", () => {
    const input = createRequest({ amount: { amount: 595, currency: "EUR" } })
    const ctx = { ...context, idempotencyKey: "k" }
    assert.strictEqual(failure(connector.create.parse(response(201, refund({ paymentId: "tr_other" })), input, ctx))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, refund({ amount: { currency: "EUR", value: "5.96" } })), input, ctx))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, "{\"resource\":\"refund\""), input, ctx))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, refund({ amount: { currency: "EUR", value: 5.95 } })), input, ctx))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, refund({ amount: { currency: "EUR", value: "5.9.5" } })), input, ctx))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.create.parse(response(201, refund({ amount: { currency: "XXY", value: "5.95" } })), input, ctx))._tag, "UnexpectedResponse")
  })
})

describe("status read", () => {
  it("maps every documented status, and keeps an unknown one Unknown with its raw value", () => {
    const expected: Record<string, string> = {
      queued: "Pending",
      pending: "Pending",
      processing: "Pending",
      refunded: "Succeeded",
      failed: "Failed",
      canceled: "Cancelled",
      reversed: "Unknown",
      constructor: "Unknown"
    }
    for (const [status, unified] of Object.entries(expected)) {
      const snapshot = ok(connector.get!.parse(response(200, refund({ status })), ref, context))
      assert.strictEqual(snapshot.status, unified, status)
      assert.strictEqual(snapshot.rawStatus, status)
    }
    const missing = ok(connector.get!.parse(response(200, refund({ status: null })), ref, context))
    assert.strictEqual(missing.status, "Unknown")
  })

  it("carries settlement evidence: the acquirer reference and the settlement id", () => {
    const snapshot = ok(connector.get!.parse(response(200, fixtureJson("refund-refunded.json")), ref, context))
    assert.strictEqual(snapshot.status, "Succeeded")
    assert.strictEqual(snapshot.settlement?.traceReference, "74987654321098765432109")
    assert.strictEqual(snapshot.settlement?.traceReferenceType, "acquirer-reference")
    assert.strictEqual(snapshot.settlement?.batchId, "stl_jDk30akdN")
    assert.isUndefined(snapshot.metadata, "only merchant_refund_id: no caller metadata")
  })

  it("refuses an answer about another refund", () => {
    assert.strictEqual(failure(connector.get!.parse(response(200, refund({ id: "re_other" })), ref, context))._tag, "UnexpectedResponse")
  })

  it("ignores a nonsensical creation time instead of storing it", () => {
    const snapshot = ok(connector.get!.parse(response(200, refund({ createdAt: "2018-02-30T00:00:00+00:00" })), ref, context))
    assert.isUndefined(snapshot.createdAt)
  })
})

describe("cancel answer", () => {
  it("204 No Content is Mollie saying the refund is canceled", () => {
    const snapshot = ok(connector.cancel!.parse(response(204, ""), ref, { ...context, idempotencyKey: "k" }))
    assert.strictEqual(snapshot.status, "Cancelled")
    assert.strictEqual(snapshot.rawStatus, "canceled")
    assert.strictEqual(snapshot.connectorRefundId, refundId)
  })
  it("a 2xx with a body is read as the refund", () => {
    const snapshot = ok(connector.cancel!.parse(response(200, refund({ status: "canceled" })), ref, { ...context, idempotencyKey: "k" }))
    assert.strictEqual(snapshot.status, "Cancelled")
  })
})

describe("lookup", () => {
  const input = { merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }
  it("finds the refund by metadata.merchant_refund_id", () => {
    const found = ok(connector.lookup!.parse(response(200, page([refund({ id: "re_a", metadata: { merchant_refund_id: "x" } }), refund()])), input, context))
    assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
  })
  it("says none only when Mollie has no further page", () => {
    assert.isTrue(Option.isNone(ok(connector.lookup!.parse(response(200, page([refund({ metadata: null })])), input, context))))
    const more = connector.lookup!.parse(response(200, page([refund({ metadata: {} })], `https://api.mollie.com/v2/payments/${paymentId}/refunds?from=re_b&limit=250`)), input, context)
    assert.strictEqual(failure(more)._tag, "UnexpectedResponse")
  })
  it("refuses a listed refund of another payment, and a body that is not a list", () => {
    assert.strictEqual(failure(connector.lookup!.parse(response(200, page([refund({ paymentId: "tr_other" })])), input, context))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.lookup!.parse(response(200, { refunds: [] }), input, context))._tag, "UnexpectedResponse")
  })
})

describe("listing", () => {
  const at = (iso: string) => `${iso}+00:00`
  const window = { from: Date.UTC(2026, 0, 1, 12), to: Date.UTC(2026, 0, 1, 13) }
  const item = (id: string, iso: string) => refund({ id, createdAt: at(iso) })

  it("keeps refunds created in the window, passes over newer ones, and continues from Mollie's next link", () => {
    const result = ok(connector.list!.page.parse(
      response(200, page([item("re_new", "2026-01-01T13:00:00"), item("re_in1", "2026-01-01T12:59:59"), item("re_in2", "2026-01-01T12:00:00")], "https://api.mollie.com/v2/refunds?from=re_next&limit=3")),
      { window, pageSize: 3 },
      context
    ))
    assert.deepStrictEqual(result.refunds.map((r) => r.connectorRefundId), ["re_in1", "re_in2"])
    assert.strictEqual(result.next, "re_next")
  })

  it("ends the walk at the first refund older than the window (newest first: the rest is older still)", () => {
    const result = ok(connector.list!.page.parse(
      response(200, page([item("re_in", "2026-01-01T12:30:00"), item("re_old", "2026-01-01T11:59:59")], "https://api.mollie.com/v2/refunds?from=re_older&limit=2")),
      { window, pageSize: 2 },
      context
    ))
    assert.deepStrictEqual(result.refunds.map((r) => r.connectorRefundId), ["re_in"])
    assert.isUndefined(result.next)
  })

  it("ends without next on the last page, and refuses a next link without a refund id or an oversized page", () => {
    assert.isUndefined(ok(connector.list!.page.parse(response(200, page([])), { window, pageSize: 5 }, context)).next)
    assert.strictEqual(failure(connector.list!.page.parse(response(200, page([], "https://api.mollie.com/v2/refunds?limit=5")), { window, pageSize: 5 }, context))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(connector.list!.page.parse(response(200, page([refund(), refund()])), { window, pageSize: 1 }, context))._tag, "UnexpectedResponse")
  })
})

describe("settlement evidence helper", () => {
  it("is absent without reference or settlement, and never built from blank strings", () => {
    const base = MollieWebhook.settlementOf({ id: refundId, amount: { currency: "EUR", value: "1.00" } })
    assert.isUndefined(base)
    assert.isUndefined(MollieWebhook.settlementOf({ id: refundId, amount: { currency: "EUR", value: "1.00" }, settlementId: " ", externalReference: { id: "" } }))
  })
})
