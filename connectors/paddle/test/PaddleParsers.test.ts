import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { connector } from "@refract/paddle"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { adjustment, adjustmentId, context, createRequest, page, reference, transactionId } from "./helpers/Fixtures.ts"

const created = (body: unknown) => connector.create.parse(response(201, body), createRequest(), { ...context, idempotencyKey: "k" })
const got = (body: unknown, id = adjustmentId) => connector.get!.parse(response(200, body), reference(id), context)
const lookup = (body: unknown, merchantRefundId = "order-42-r1") =>
  connector.lookup!.parse(response(200, body), { merchantRefundId, connectorTransactionId: transactionId }, context)

describe("adjustment parsers", () => {
  it("create: the adjustment as a Pending snapshot with amount, ids, merchant refund id, reason and raw", () => {
    const s = ok(created({ data: adjustment(), meta: { request_id: "r" } }))
    assert.strictEqual(s.connectorRefundId, adjustmentId)
    assert.strictEqual(s.connectorTransactionId, transactionId)
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual([s.status, s.rawStatus], ["Pending", "pending_approval"])
    assert.deepStrictEqual([s.amount?.amount, s.amount?.currency], [1050, "USD"])
    assert.strictEqual(s.reason, "requested_by_customer")
    assert.strictEqual(s.createdAt, Date.UTC(2023, 7, 21, 14, 8, 43, 297))
    assert.strictEqual((s.raw as { id: string }).id, adjustmentId)
  })

  it("every documented status is mapped; an unknown one stays Unknown with its raw string", () => {
    const statusOf = (status: unknown) => ok(got(page([adjustment({ status })])))
    assert.strictEqual(statusOf("approved").status, "Succeeded")
    assert.strictEqual(statusOf("rejected").status, "Failed")
    assert.strictEqual(statusOf("reversed").status, "Reversed")
    assert.deepStrictEqual([statusOf("on_hold").status, statusOf("on_hold").rawStatus], ["Unknown", "on_hold"])
    assert.strictEqual(statusOf(null).status, "Unknown")
  })

  it("create refuses an answer about another transaction, another action or another currency", () => {
    assert.strictEqual(failure(created({ data: adjustment({ transaction_id: "txn_01h8bxpvx398a7zbawb77y0kp6" }) }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(created({ data: adjustment({ action: "credit" }) }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(created({ data: adjustment({ currency_code: "EUR", totals: { total: "1050", currency_code: "EUR" } }) }))._tag, "UnexpectedResponse")
  })

  it("undecodable bodies and amounts that are not minor units are UnexpectedResponse, never a crash", () => {
    assert.strictEqual(failure(created("not json"))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(created({ data: adjustment({ totals: { total: "10.50" } }) }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(created({ data: adjustment({ totals: { total: "-1" } }) }))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(created({ data: adjustment({ currency_code: "XXQ" }) }))._tag, "UnexpectedResponse")
  })

  it("get: an empty page is NotFound; another adjustment is UnexpectedResponse", () => {
    assert.strictEqual(failure(got(page([])))._tag, "NotFound")
    assert.strictEqual(failure(got(page([adjustment({ id: "adj_01h8c6tbrkpdd7vx61w7b1r0aq" })])))._tag, "UnexpectedResponse")
  })

  it("lookup: finds the refund by its reason marker, none on an exhaustive page, refuses to say none on a partial page", () => {
    const other = adjustment({ id: "adj_01h8c6tbrkpdd7vx61w7b1r0aq", reason: "manual refund from the dashboard" })
    const found = ok(lookup(page([other, adjustment()])))
    assert.isTrue(Option.isSome(found))
    assert.strictEqual(Option.getOrThrow(found).connectorRefundId, adjustmentId)
    assert.isTrue(Option.isNone(ok(lookup(page([other]), "order-43"))))
    assert.strictEqual(failure(lookup(page([other], true), "order-43"))._tag, "UnexpectedResponse")
    // A marker in a chargeback adjustment is not a refund this connector made.
    assert.isTrue(Option.isNone(ok(lookup(page([adjustment({ action: "chargeback" })])))))
  })
})

describe("listing", () => {
  const t = (iso: string) => Date.parse(iso)
  const window = { from: t("2023-08-21T14:00:00Z"), to: t("2023-08-21T15:00:00Z") }
  const at = (id: string, created: string) => adjustment({ id, created_at: created })
  const list = (body: unknown, cursor?: string) => connector.list!.page.parse(response(200, body), { window, pageSize: 3, ...(cursor ? { cursor } : {}) }, context)

  it("keeps only refunds created in [from, to), and goes on while Paddle has more and the page is not older than the window", () => {
    const p = ok(list(page([at("adj_01h8c6tbrkpdd7vx61w7b1r0a3", "2023-08-21T15:00:00.000000Z"), at("adj_01h8c6tbrkpdd7vx61w7b1r0a2", "2023-08-21T14:59:59.999999Z"), at("adj_01h8c6tbrkpdd7vx61w7b1r0a1", "2023-08-21T14:00:00.000000Z")], true)))
    assert.deepStrictEqual(p.refunds.map((r) => r.connectorRefundId), ["adj_01h8c6tbrkpdd7vx61w7b1r0a2", "adj_01h8c6tbrkpdd7vx61w7b1r0a1"])
    assert.strictEqual(p.next, "adj_01h8c6tbrkpdd7vx61w7b1r0a1")
  })

  it("stops once a page reaches before the window, or Paddle has no more", () => {
    const older = ok(list(page([at("adj_01h8c6tbrkpdd7vx61w7b1r0a1", "2023-08-21T14:30:00Z"), at("adj_01h8c6tbrkpdd7vx61w7b1r0a0", "2023-08-21T13:59:59Z")], true)))
    assert.strictEqual(older.next, undefined)
    assert.strictEqual(ok(list(page([at("adj_01h8c6tbrkpdd7vx61w7b1r0a1", "2023-08-21T14:30:00Z")], false))).next, undefined)
  })

  it("a page newer than the window lists nothing and still points further; non-refund adjustments are left out", () => {
    const p = ok(list(page([at("adj_01h8c6tbrkpdd7vx61w7b1r0a9", "2023-08-21T16:00:00Z"), adjustment({ id: "adj_01h8c6tbrkpdd7vx61w7b1r0a8", action: "chargeback", created_at: "2023-08-21T14:30:00Z" })], true)))
    assert.deepStrictEqual(p.refunds, [])
    assert.strictEqual(p.next, "adj_01h8c6tbrkpdd7vx61w7b1r0a8")
  })

  it("more items than asked for, or a body that is not a page, is UnexpectedResponse", () => {
    const four = ["a0", "a1", "a2", "a3"].map((s) => at(`adj_01h8c6tbrkpdd7vx61w7b1r0${s}`, "2023-08-21T14:30:00Z"))
    assert.strictEqual(failure(list(page(four)))._tag, "UnexpectedResponse")
    assert.strictEqual(failure(list({ data: "x" }))._tag, "UnexpectedResponse")
  })
})
