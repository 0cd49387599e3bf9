import { assert, describe, it } from "@effect/vitest"
import type { Refund } from "@refract/core"
import { Option, Result } from "effect"
import { RazorpaySchema, RazorpayWebhook, connector } from "@refract/razorpay"
import { failure, ok, response } from "@refract/testkit/connector/ConnectorTest"
import { context, createContext, createRequest, fixtureJson, fixtureText, paymentId, reference, refundId } from "./helpers/Fixtures.ts"

const parseGet = (fixture: string, ref = reference(fixtureJson(fixture).id)) => connector.get!.parse(response(200, fixtureText(fixture)), ref, context)

const snapshotOf = (result: Result.Result<Refund.RefundSnapshot, unknown>): Refund.RefundSnapshot => {
  if (Result.isFailure(result)) assert.fail(`expected a snapshot, got ${JSON.stringify(result.failure)}`)
  return result.success
}

const lookup = (body: unknown, merchantRefundId = "order-42-r1") =>
  connector.lookup!.parse(response(200, body), { merchantRefundId, connectorTransactionId: paymentId }, context)

describe("refund entity parser", () => {
  it("create: a pending refund becomes a snapshot with money, ids, merchant id and times", () => {
    const s = snapshotOf(connector.create.parse(response(200, fixtureText("refund-pending.json")), createRequest(), createContext()))
    assert.strictEqual(s.connectorRefundId, refundId)
    assert.strictEqual(s.connectorTransactionId, paymentId)
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual({ amount: s.amount?.amount, currency: s.amount?.currency }, { amount: 1050, currency: "INR" })
    assert.strictEqual(s.amount?.decimal, "10.50")
    assert.strictEqual(s.status, "Pending")
    assert.strictEqual(s.rawStatus, "pending")
    assert.strictEqual(s.failure, undefined)
    assert.strictEqual(s.createdAt, 1763812800 * 1000)
    assert.strictEqual(s.occurredAt, 1763812800 * 1000)
  })

  it("maps every documented status; a status read carries no processor time for the state", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["refund-pending.json", "Pending", "pending"],
      ["refund-processed.json", "Succeeded", "processed"],
      ["refund-failed.json", "Failed", "failed"]
    ]
    for (const [fixture, status, raw] of cases) {
      const s = snapshotOf(parseGet(fixture))
      assert.strictEqual(s.status, status, fixture)
      assert.strictEqual(s.rawStatus, raw, fixture)
      assert.strictEqual(s.occurredAt, undefined, fixture)
      assert.strictEqual(s.createdAt, 1763812800 * 1000)
    }
  })

  it("null and unknown statuses are Unknown with the raw string, never a guess", () => {
    const unknown = snapshotOf(parseGet("refund-status-unknown.json"))
    assert.strictEqual(unknown.status, "Unknown")
    assert.strictEqual(unknown.rawStatus, "on_hold")
    const nullStatus = snapshotOf(parseGet("refund-status-null.json"))
    assert.strictEqual(nullStatus.status, "Unknown")
    assert.strictEqual(nullStatus.rawStatus, "null")
    assert.strictEqual(RazorpayWebhook.statusOf("Processed").status, "Unknown", "statuses are case-sensitive")
    assert.strictEqual(RazorpayWebhook.statusOf("created").status, "Unknown", "created is not a documented refund status")
    assert.strictEqual(RazorpayWebhook.statusOf(undefined).status, "Unknown")
  })

  it("reads notes given as [] (empty) and numeric note values; falls back to receipt for the merchant id", () => {
    const empty = snapshotOf(parseGet("refund-notes-empty.json"))
    assert.strictEqual(empty.merchantRefundId, undefined)
    assert.strictEqual(empty.connectorTransactionId, "pay_HeGCvvjQIAjsvZ")
    assert.deepStrictEqual(RazorpaySchema.notesOf([]), {})
    assert.deepStrictEqual(RazorpaySchema.notesOf({ a: "x", n: 42, o: { nested: true }, z: null }), { a: "x", n: "42" })
    const numeric = snapshotOf(parseGet("refund-numeric-notes.json"))
    assert.strictEqual(numeric.merchantRefundId, "order-42-r1")
    const receiptOnly = fixtureJson("refund-notes-empty.json")
    const withReceipt = snapshotOf(connector.get!.parse(response(200, { ...receiptOnly, receipt: "order-7" }), reference(receiptOnly.id), context))
    assert.strictEqual(withReceipt.merchantRefundId, "order-7")
  })

  it("currencies keep their exponent: JPY 5000 is ¥5000, KWD 1230 is 1.230", () => {
    const jpy = snapshotOf(parseGet("refund-jpy.json"))
    assert.strictEqual(jpy.amount?.currency, "JPY")
    assert.strictEqual(jpy.amount?.decimal, "5000")
    const kwd = snapshotOf(parseGet("refund-kwd.json"))
    assert.strictEqual(kwd.amount?.decimal, "1.230")
  })

  it("malformed bodies, unknown currencies and non-JSON are UnexpectedResponse, never a throw", () => {
    for (const body of [fixtureText("refund-malformed.json"), fixtureText("refund-unknown-currency.json"), "<html>502</html>", "", "null", "[]", `{"id":"${refundId}"}`]) {
      const reason = failure(connector.get!.parse(response(200, body), reference(refundId), context))
      assert.strictEqual(reason._tag, "UnexpectedResponse", body.slice(0, 30))
      const created = failure(connector.create.parse(response(200, body), createRequest(), createContext()))
      assert.strictEqual(created._tag, "UnexpectedResponse")
    }
    const negative = failure(connector.get!.parse(response(200, { ...fixtureJson("refund-pending.json"), amount: -1 }), reference(refundId), context))
    assert.strictEqual(negative._tag, "UnexpectedResponse")
    const fractional = failure(connector.get!.parse(response(200, { ...fixtureJson("refund-pending.json"), amount: 10.5 }), reference(refundId), context))
    assert.strictEqual(fractional._tag, "UnexpectedResponse")
  })

  it("an absurd created_at is dropped (never Infinity); a refund without created_at still parses", () => {
    const absurd = snapshotOf(
      connector.create.parse(response(200, JSON.stringify({ ...fixtureJson("refund-pending.json"), created_at: 1e306 })), createRequest(), createContext())
    )
    assert.isUndefined(absurd.occurredAt)
    assert.isUndefined(absurd.createdAt)
    const { created_at: _, ...withoutCreated } = fixtureJson("refund-pending.json")
    const missing = snapshotOf(connector.create.parse(response(200, JSON.stringify(withoutCreated)), createRequest(), createContext()))
    assert.strictEqual(missing.status, "Pending")
    assert.isUndefined(missing.createdAt)
  })

  it("get: an answer about another refund is UnexpectedResponse", () => {
    const reason = failure(connector.get!.parse(response(200, fixtureText("refund-pending.json")), reference("rfnd_Other00000001a"), context))
    assert.strictEqual(reason._tag, "UnexpectedResponse")
  })

  it("create: a refund of another payment, or in another currency than asked, is UnexpectedResponse naming the refund", () => {
    const otherPayment = failure(connector.create.parse(
      response(200, fixtureText("refund-pending.json")),
      createRequest({ connectorTransactionId: "pay_HeGCvvjQIAjsvZ" }),
      createContext()
    ))
    assert.strictEqual(otherPayment._tag, "UnexpectedResponse")
    const otherCurrency = failure(connector.create.parse(
      response(200, fixtureText("refund-pending.json")),
      createRequest({ amount: { amount: 1050, currency: "USD" } }),
      createContext()
    ))
    assert.strictEqual(otherCurrency._tag, "UnexpectedResponse")
    assert.include(otherCurrency.message, refundId)
    assert.include(otherCurrency.message, "INR")
  })
})

describe("lookup parser", () => {
  it("finds the refund by notes.merchant_refund_id", () => {
    const found = ok(lookup(fixtureText("refund-collection.json")))
    assert.isTrue(Option.isSome(found))
    const s = Option.getOrThrow(found)
    assert.strictEqual(s.connectorRefundId, refundId)
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.strictEqual(s.status, "Pending")
  })

  it("finds a refund by receipt when its notes do not carry the id", () => {
    const s = Option.getOrThrow(ok(lookup(fixtureText("refund-collection.json"), "order-43-r1")))
    assert.strictEqual(s.connectorRefundId, "rfnd_Receipt0000001")
    assert.strictEqual(s.amount?.amount, 300)
  })

  it("answers none when the listed refunds do not include it", () => {
    assert.isTrue(Option.isNone(ok(lookup(fixtureText("refund-collection.json"), "order-99-r1"))))
    assert.isTrue(Option.isNone(ok(lookup(fixtureText("refund-collection-empty.json")))))
  })

  it("refuses to answer none from a full page (the refund may be on the next one)", () => {
    const other = fixtureJson("refund-collection.json").items[0]
    const items = Array.from({ length: 100 }, () => other)
    const reason = failure(lookup({ entity: "collection", count: 100, items }, "order-99-r1"))
    assert.strictEqual(reason._tag, "UnexpectedResponse")
    // ...but a match on a full page is still a match
    assert.isTrue(Option.isSome(ok(lookup({ entity: "collection", count: 100, items }, "order-41-r1"))))
  })

  it("an undecodable collection is UnexpectedResponse", () => {
    for (const body of ["{}", `{"entity":"collection","items":[{"id":"x"}]}`, "nope"]) {
      assert.strictEqual(failure(lookup(body))._tag, "UnexpectedResponse", body)
    }
  })
})
