/**
 * `trusted` builds the object `new C(fields, { disableChecks: true })` builds. If an Effect upgrade
 * changes how Schema classes hold their fields, these fail before anything else does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Equal, Hash, Schema } from "effect"
import { Money, Refund, RefundStore } from "@refract/core"
import { trusted } from "@refract/core/refund/Trusted"

const usd = Money.fromMinor(1050, "USD")
if (usd._tag !== "Success") throw new Error("money")

const fields = {
  connector: "stripe",
  merchantRefundId: "order-1",
  connectorRefundId: "re_1",
  connectorTransactionId: "ch_1",
  amount: usd.success,
  status: "Succeeded" as const,
  rawStatus: "succeeded",
  reason: undefined,
  failure: new Refund.FailureDetails({ code: "declined", message: "no" }),
  statusAt: 1_764_900_000_000,
  createdAt: 1_764_800_000_000,
  updatedAt: 1_764_900_000_000,
  metadata: { order: "42" },
  settlement: new Refund.Settlement({ traceReference: "74610000000000000000001", traceReferenceType: "arn" }),
  raw: { id: "re_1", nested: [1, "two", null] }
}

describe("trusted", () => {
  it("gives the object the constructor gives: equal, same hash, instance, valid, same JSON and encoding, same own keys", () => {
    const constructed = new Refund.Refund(fields, { disableChecks: true })
    const built = trusted(Refund.Refund, fields)
    assert.isTrue(built instanceof Refund.Refund)
    assert.isTrue(Equal.equals(constructed, built))
    assert.strictEqual(Hash.hash(constructed), Hash.hash(built))
    assert.isTrue(Schema.is(Refund.Refund)(built))
    assert.strictEqual(JSON.stringify(built), JSON.stringify(constructed))
    assert.deepStrictEqual(Schema.encodeSync(Refund.Refund)(built), Schema.encodeSync(Refund.Refund)(constructed))
    assert.deepStrictEqual(Object.keys(built), Object.keys(constructed))
    assert.deepStrictEqual(Object.getOwnPropertySymbols(built), Object.getOwnPropertySymbols(constructed))
    assert.strictEqual(built.simpleStatus, "SUCCEEDED")
    assert.strictEqual(String(built), String(constructed))
    assert.deepStrictEqual(Refund.Refund.fromJSON(JSON.stringify(built)), Refund.Refund.fromJSON(JSON.stringify(constructed)))
  })

  it("differs from another refund where the fields differ", () => {
    const other = trusted(Refund.Refund, { ...fields, status: "Failed", rawStatus: "failed" })
    assert.isFalse(Equal.equals(other, new Refund.Refund(fields, { disableChecks: true })))
  })

  it("the store's snapshot of a refund is the snapshot the constructor gives", () => {
    const refund = new Refund.Refund(fields)
    const snapshot = RefundStore.snapshotOf(refund)
    assert.isTrue(snapshot instanceof Refund.RefundSnapshot)
    assert.isTrue(Schema.is(Refund.RefundSnapshot)(snapshot))
    assert.isTrue(Equal.equals(snapshot, new Refund.RefundSnapshot({
      connectorRefundId: "re_1",
      connectorTransactionId: "ch_1",
      merchantRefundId: "order-1",
      amount: usd.success,
      status: "Succeeded",
      rawStatus: "succeeded",
      reason: undefined,
      failure: fields.failure,
      occurredAt: fields.statusAt,
      createdAt: fields.createdAt,
      settlement: fields.settlement
    })))
  })
})
