/**
 * `Refund.makeSnapshot` checks by hand what `new RefundSnapshot` checks by schema: on random fields,
 * valid and hostile alike, both accept the same ones and build equal snapshots.
 */
import { assert, describe, it } from "@effect/vitest"
import { Equal, Schema } from "effect"
import { Money, Refund } from "@refract/core"

const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** The first value (valid in every pool) most of the time, so valid snapshots come up too. */
const pick = <A>(random: () => number, values: ReadonlyArray<A>): A => (random() < 0.6 ? values[0]! : values[Math.floor(random() * values.length)]!)

const ids = ["re_1", "pi_3Qw.x:y|z@w-1", "", " re_1", "re/1", "re 1", "a".repeat(255), "a".repeat(256), "é", 42, null]
const statuses = ["Pending", "Succeeded", "Unknown", "Reversed", "pending", "", 1]
const numbers = [0, 1_764_900_000_000, -1, 1.5, Number.NaN, Infinity, "1", null]
const strings = ["x", "", "succeeded", 3, null]

const field = (random: () => number, values: ReadonlyArray<unknown>, optional: boolean): unknown =>
  optional && random() < 0.4 ? undefined : pick(random, values)

const attempt = (build: () => Refund.RefundSnapshot): Refund.RefundSnapshot | "refused" => {
  try {
    return build()
  } catch {
    return "refused"
  }
}

describe("makeSnapshot", () => {
  it("accepts and refuses what the constructor does, and builds the same snapshot", () => {
    const random = rng(20261205)
    let accepted = 0
    for (let i = 0; i < 3000; i++) {
      const fields: Record<string, unknown> = {
        connectorRefundId: field(random, ids, false),
        connectorTransactionId: field(random, ids, true),
        merchantRefundId: field(random, strings, true),
        amount: field(random, [Money.make(1050, "EUR"), { amount: 1050, currency: "EUR" }, 1050], true),
        status: field(random, statuses, false),
        rawStatus: field(random, strings, false),
        reason: field(random, strings, true),
        failure: field(random, [new Refund.FailureDetails({ code: "x" }), { code: "x" }], true),
        occurredAt: field(random, numbers, true),
        createdAt: field(random, numbers, true),
        metadata: field(random, [{ a: "b" }, {}, { a: 1 }, [], "m"], true),
        settlement: field(random, [new Refund.Settlement({ traceReference: "746" }), { traceReference: "746" }], true),
        ...(random() < 0.05 ? { extra: "field" } : {})
      }
      const byHand = attempt(() => Refund.makeSnapshot(fields as any))
      const bySchema = attempt(() => new Refund.RefundSnapshot(fields as any))
      const label = JSON.stringify(fields, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v))
      if (bySchema === "refused") {
        assert.strictEqual(byHand, "refused", `the schema refuses, makeSnapshot accepts: ${label}`)
        continue
      }
      assert.notStrictEqual(byHand, "refused", `the schema accepts, makeSnapshot refuses: ${label}`)
      const built = byHand as Refund.RefundSnapshot
      accepted++
      assert.isTrue(built instanceof Refund.RefundSnapshot)
      assert.isTrue(Equal.equals(built, bySchema), label)
      assert.strictEqual(JSON.stringify(built), JSON.stringify(bySchema))
      assert.isTrue(Schema.is(Refund.RefundSnapshot)(built))
    }
    assert.isAbove(accepted, 50, "the generator must produce valid snapshots too")
  })
})
