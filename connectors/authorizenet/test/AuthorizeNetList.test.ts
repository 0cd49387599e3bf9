import { assert, describe, it } from "@effect/vitest"
import { ConnectorTest } from "@refract/testkit"
import { AuthorizeNetConnector } from "@refract/authorizenet"
import * as F from "./helpers/Fixtures.ts"

const { ok, failure, response } = ConnectorTest
const window = { from: Date.parse("2026-12-01T00:00:00Z"), to: Date.parse("2026-12-02T00:00:00Z") }
const answer = (value: unknown) => response(200, F.wire(value))
const bodyOf = (request: { readonly body?: unknown }) => (request.body as { readonly value: Record<string, any> }).value

describe("listing by settled batch", () => {
  it("the first page asks for batches settled from the window's start to its end plus the settlement lag", () => {
    const body = bodyOf(ok(AuthorizeNetConnector.buildList({ window, pageSize: 2 }, F.buildContext)))["getSettledBatchListRequest"]
    assert.strictEqual(body.firstSettlementDate, "2026-11-30T23:59:59Z")
    assert.strictEqual(body.lastSettlementDate, "2026-12-04T00:00:01Z")
    assert.strictEqual(failure(AuthorizeNetConnector.buildList({ window: { from: 0, to: 29 * 86_400_000 }, pageSize: 2 }, F.buildContext))._tag, "InvalidRequest")
    assert.strictEqual(failure(AuthorizeNetConnector.buildList({ window, pageSize: 1001 }, F.buildContext))._tag, "InvalidRequest")
    assert.strictEqual(failure(AuthorizeNetConnector.buildList({ window, pageSize: 2, cursor: "nope" }, F.buildContext))._tag, "InvalidRequest")
  })

  it("batches become a cursor, oldest first; no batches, no next page", () => {
    const batches = { batchList: [{ ...F.batch, batchId: "22", settlementTimeUTC: "2026-12-03T04:00:00Z" }, { ...F.batch, batchId: "11" }], messages: F.ok }
    const page = ok(AuthorizeNetConnector.parseList(answer(batches), { window, pageSize: 2 }, F.buildContext))
    assert.deepStrictEqual(page.refunds, [])
    assert.strictEqual(page.next, "2.1.11-22")
    const none = ok(AuthorizeNetConnector.parseList(answer({ messages: { resultCode: "Ok", message: [{ code: "I00004", text: "No records found." }] } }), { window, pageSize: 2 }, F.buildContext))
    assert.isUndefined(none.next)
  })

  it("a batch page keeps the refunds created in the window, with the batch as settlement evidence, and walks pages then batches", () => {
    const cursor = "2.1.11-22"
    const request = bodyOf(ok(AuthorizeNetConnector.buildList({ window, pageSize: 2, cursor }, F.buildContext)))["getTransactionListRequest"]
    assert.deepStrictEqual([request.batchId, request.paging], ["11", { limit: 2, offset: 1 }])
    const transactions = {
      transactions: [
        F.summary("601", "refundSettledSuccessfully", "refract-a", "2026-12-01T10:00:00Z"),
        F.summary("602", "settledSuccessfully", "INV-9", "2026-12-01T11:00:00Z")
      ],
      totalNumInResultSet: 4,
      messages: F.ok
    }
    const page = ok(AuthorizeNetConnector.parseList(answer(transactions), { window, pageSize: 2, cursor }, F.buildContext))
    assert.deepStrictEqual(page.refunds.map((r) => r.connectorRefundId), ["601"], "the charge is left out")
    assert.strictEqual(page.refunds[0]!.status, "Succeeded")
    assert.strictEqual(page.refunds[0]!.settlement?.batchId, "11")
    assert.strictEqual(page.next, "2.2.11-22", "the batch has more")

    const last = {
      transactions: [
        F.summary("603", "settlementError", "refract-b", "2026-12-01T12:00:00Z"),
        F.summary("604", "settlementError", "INV-10", "2026-12-01T12:00:00Z"),
        F.summary("605", "refundSettledSuccessfully", "refract-c", "2026-11-30T23:59:59Z")
      ].slice(0, 2),
      totalNumInResultSet: 4,
      messages: F.ok
    }
    const second = ok(AuthorizeNetConnector.parseList(answer(last), { window, pageSize: 2, cursor: "2.2.11-22" }, F.buildContext))
    assert.deepStrictEqual(second.refunds.map((r) => [r.connectorRefundId, r.status]), [["603", "Failed"]], "a failed charge (no Refract invoice) is not a refund")
    assert.strictEqual(second.next, "2.1.22", "then the next batch")

    const outside = { transactions: [F.summary("605", "refundSettledSuccessfully", "refract-c", "2026-11-30T23:59:59Z")], totalNumInResultSet: 1, messages: F.ok }
    const end = ok(AuthorizeNetConnector.parseList(answer(outside), { window, pageSize: 2, cursor: "2.1.22" }, F.buildContext))
    assert.deepStrictEqual(end.refunds, [], "created before the window")
    assert.isUndefined(end.next)
  })

  it("cursors round-trip and refuse garbage", () => {
    const c = { limit: 1000, page: 3, batches: ["1", "22", "333"] }
    assert.deepStrictEqual(AuthorizeNetConnector.decodeCursor(AuthorizeNetConnector.encodeCursor(c)), c)
    for (const bad of ["", "0.1.1", "2.0.1", "1001.1.1", "2.1.", "2.1.a", "2.1.1--2"]) assert.isUndefined(AuthorizeNetConnector.decodeCursor(bad), bad)
  })
})
