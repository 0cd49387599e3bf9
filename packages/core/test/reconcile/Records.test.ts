/**
 * The workspace's line formats give back what was written: a snapshot through `encodeTruth` /
 * `decodeTruth` / `snapshotOf` is the snapshot without its raw object and metadata; a ledger row is itself.
 */
import { assert, describe, it } from "@effect/vitest"
import { Equal } from "effect"
import { Money, Refund } from "@refract/core"
import * as Records from "@refract/core/reconcile/Records"

describe("Records", () => {
  it("round-trips a snapshot, every field set or unset", () => {
    const full = new Refund.RefundSnapshot({
      connectorRefundId: "re_1",
      connectorTransactionId: "pi_1",
      merchantRefundId: "order-1",
      amount: Money.make(1050, "EUR"),
      status: "Reversed",
      rawStatus: "failed",
      reason: "requested_by_customer",
      failure: new Refund.FailureDetails({ code: "expired_or_canceled_card", message: "the card \"expired\"" }),
      occurredAt: 1_764_900_000_000,
      createdAt: 1_764_800_000_000,
      settlement: new Refund.Settlement({ traceReference: "74610000000000000000001", traceReferenceType: "arn", settledAt: 1_764_950_000_000, batchId: "42" }),
      metadata: { note: "dropped" },
      raw: { dropped: true }
    })
    const bare = new Refund.RefundSnapshot({ connectorRefundId: "re_2", status: "Unknown", rawStatus: "weird" })
    // Each optional group with only one of its fields set.
    const partial = [
      new Refund.RefundSnapshot({ ...bare, settlement: new Refund.Settlement({ batchId: "7" }) }),
      new Refund.RefundSnapshot({ ...bare, settlement: new Refund.Settlement({ traceReferenceType: "arn" }) }),
      new Refund.RefundSnapshot({ ...bare, settlement: new Refund.Settlement({ settledAt: 5 }) }),
      new Refund.RefundSnapshot({ ...bare, failure: new Refund.FailureDetails({ code: "declined" }) }),
      new Refund.RefundSnapshot({ ...bare, failure: new Refund.FailureDetails({ message: "no" }) })
    ]
    for (const snapshot of [full, bare, ...partial]) {
      const line = Records.encodeTruth("key,with\"quote", snapshot)
      const { key, record } = Records.decodeTruth(line)
      assert.strictEqual(key, "key,with\"quote")
      const rebuilt = Records.snapshotOf(record)
      assert.isTrue(rebuilt instanceof Refund.RefundSnapshot)
      for (const field of Object.keys(Refund.RefundSnapshot.fields) as Array<keyof Refund.RefundSnapshot>) {
        const expected = field === "metadata" || field === "raw" ? undefined : snapshot[field]
        assert.isTrue(Equal.equals(rebuilt[field], expected), `${field} in ${line}`)
      }
      assert.strictEqual(Records.decodeTruth(Records.rekeyTruth(line, "other")).key, "other")
    }
  })

  it("round-trips a ledger row", () => {
    const rows = [
      { merchantRefundId: "m-1", amount: 1050, currency: "EUR", expectedStatus: "Succeeded" as const, connectorRefundId: "re_1", createdAt: 5, connector: "stripe", line: 7 },
      { merchantRefundId: "m-2", amount: 0, currency: "JPY", expectedStatus: "Pending" as const, connectorRefundId: undefined, createdAt: undefined, connector: undefined, line: 8 }
    ]
    for (const row of rows) assert.deepStrictEqual(Records.decodeLedger(Records.encodeLedger(row)), row)
  })
})
