import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { Money, Observe, Refund } from "@refract/core"

type SnapshotFields = ConstructorParameters<typeof Refund.RefundSnapshot>[0]

const snapshot = (fields: Partial<SnapshotFields> & Pick<SnapshotFields, "status">): Refund.RefundSnapshot =>
  new Refund.RefundSnapshot({ connectorRefundId: "re_1", rawStatus: fields.status.toLowerCase(), ...fields })

const request = new Refund.CreateRefundRequest({
  merchantRefundId: Refund.MerchantRefundId.make("order-1"),
  connectorTransactionId: "pay_req",
  amount: Money.make(1050, "USD"),
  reason: "duplicate"
})

const run = (input: Omit<Observe.ObserveInput, "connector" | "source"> & { source?: Observe.ObserveInput["source"] }) =>
  Observe.observe({ connector: "fake", source: "poll", ...input })

const ok = (result: ReturnType<typeof Observe.observe>): Observe.Observed => {
  if (Result.isFailure(result)) throw new Error(`expected an observation, got ${JSON.stringify(result.failure)}`)
  return result.success
}

describe("Observe.observe", () => {
  describe("time of the observation", () => {
    it("is the processor's occurredAt, else the observedAt, else now", () => {
      const base = { previous: undefined, now: 9_000 }
      assert.strictEqual(ok(run({ ...base, observedAt: 5_000, snapshot: snapshot({ status: "Pending", occurredAt: 3_000 }) })).refund.statusAt, 3_000)
      assert.strictEqual(ok(run({ ...base, observedAt: 5_000, snapshot: snapshot({ status: "Pending" }) })).refund.statusAt, 5_000)
      assert.strictEqual(ok(run({ ...base, snapshot: snapshot({ status: "Pending" }) })).refund.statusAt, 9_000)
    })

    it("decides which of two same-kind observations is newer (an older read does not replace a newer one)", () => {
      const first = ok(run({ previous: undefined, now: 1_000, snapshot: snapshot({ status: "Pending", rawStatus: "processing", occurredAt: 50_000 }) })).refund
      const older = ok(run({ previous: first, now: 60_000, snapshot: snapshot({ status: "Pending", rawStatus: "pending", occurredAt: 20_000 }) }))
      assert.strictEqual(older.transition._tag, "Unchanged")
      assert.strictEqual(older.refund.rawStatus, "processing")
      assert.strictEqual(older.refund.statusAt, 50_000)
    })
  })

  describe("the first observation", () => {
    it("creates the refund from the snapshot, stamped now", () => {
      const { refund, transition } = ok(run({
        previous: undefined,
        now: 7_000,
        snapshot: snapshot({ status: "Succeeded", rawStatus: "succeeded", connectorTransactionId: "pay_1", merchantRefundId: "m-1", amount: Money.make(500, "EUR"), reason: "other", occurredAt: 6_000 })
      }))
      assert.strictEqual(transition._tag, "Applied")
      assert.strictEqual(refund.connector, "fake")
      assert.strictEqual(refund.connectorRefundId, "re_1")
      assert.strictEqual(refund.connectorTransactionId, "pay_1")
      assert.strictEqual(refund.merchantRefundId, "m-1")
      assert.isTrue(Money.equals(refund.amount!, Money.make(500, "EUR")))
      assert.strictEqual(refund.reason, "other")
      assert.strictEqual(refund.status, "Succeeded")
      assert.strictEqual(refund.rawStatus, "succeeded")
      assert.strictEqual(refund.createdAt, 7_000)
      assert.strictEqual(refund.updatedAt, 7_000)
      assert.isUndefined(refund.unrecognisedStatus)
      assert.isUndefined(refund.failure)
      assert.deepStrictEqual(refund.evidence, { succeeded: { status: "Succeeded", rawStatus: "succeeded", at: 6_000 } })
    })

    it("takes the processor's creation time when it has one", () => {
      assert.strictEqual(ok(run({ previous: undefined, now: 7_000, snapshot: snapshot({ status: "Pending", createdAt: 2_000 }) })).refund.createdAt, 2_000)
    })

    it("fills what the snapshot lacks from the create request; the request's merchant id wins", () => {
      const { refund } = ok(run({
        previous: undefined,
        now: 7_000,
        source: "create",
        request,
        snapshot: snapshot({ status: "Pending", merchantRefundId: "from-processor" })
      }))
      assert.strictEqual(refund.merchantRefundId, "order-1")
      assert.strictEqual(refund.connectorTransactionId, "pay_req")
      assert.isTrue(Money.equals(refund.amount!, Money.make(1050, "USD")))
      assert.strictEqual(refund.reason, "duplicate")
    })

    it("an unknown status with nothing known fails with the raw status, for reads and webhooks", () => {
      for (const source of ["poll", "webhook"] as const) {
        const result = run({ previous: undefined, now: 1_000, source, snapshot: snapshot({ status: "Unknown", rawStatus: "weird" }) })
        assert.deepStrictEqual(Result.isFailure(result) ? result.failure : undefined, { rawStatus: "weird" })
      }
    })

    it("an unknown status in a create answer is Pending (the processor accepted it), with the answer kept", () => {
      const { refund, transition } = ok(run({
        previous: undefined,
        now: 9_000,
        observedAt: 4_000,
        source: "create",
        request,
        snapshot: snapshot({ status: "Unknown", rawStatus: "queued_for_review" })
      }))
      assert.strictEqual(transition._tag, "Unrecognised")
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(refund.rawStatus, "queued_for_review")
      assert.strictEqual(refund.unrecognisedStatus, "queued_for_review")
      assert.strictEqual(refund.statusAt, 4_000)
      assert.strictEqual(refund.updatedAt, 9_000)
      assert.deepStrictEqual(refund.evidence, { inFlight: { status: "Pending", rawStatus: "queued_for_review", at: 4_000 } })
    })
  })

  describe("later observations", () => {
    const first = ok(run({
      previous: undefined,
      now: 1_000,
      request,
      source: "create",
      snapshot: snapshot({ status: "Pending", connectorTransactionId: "pay_1", reason: "duplicate", createdAt: 900 })
    })).refund

    it("keep the merchant and processor refund ids of the first observation", () => {
      const { refund } = ok(run({
        previous: first,
        now: 2_000,
        snapshot: snapshot({ status: "Pending", connectorRefundId: "re_other", merchantRefundId: "other" })
      }))
      assert.strictEqual(refund.connectorRefundId, "re_1")
      assert.strictEqual(refund.merchantRefundId, "order-1")
    })

    it("take the payment id, amount and reason from the newest snapshot that has them", () => {
      const newer = ok(run({
        previous: first,
        now: 2_000,
        snapshot: snapshot({ status: "Pending", connectorTransactionId: "pay_2", amount: Money.make(700, "USD"), reason: "fraudulent" })
      })).refund
      assert.strictEqual(newer.connectorTransactionId, "pay_2")
      assert.strictEqual(newer.amount?.amount, 700)
      assert.strictEqual(newer.reason, "fraudulent")
      const silent = ok(run({ previous: newer, now: 3_000, snapshot: snapshot({ status: "Pending" }) })).refund
      assert.strictEqual(silent.connectorTransactionId, "pay_2")
      assert.strictEqual(silent.amount?.amount, 700)
      assert.strictEqual(silent.reason, "fraudulent")
    })

    it("keep the earliest creation time any snapshot reported", () => {
      const later = (createdAt: number | undefined) =>
        ok(run({ previous: first, now: 5_000, snapshot: snapshot({ status: "Pending", ...(createdAt === undefined ? {} : { createdAt }) }) })).refund.createdAt
      assert.strictEqual(later(500), 500)
      assert.strictEqual(later(950), 900)
      assert.strictEqual(later(undefined), 900)
      const unstamped = ok(run({ previous: undefined, now: 4_000, snapshot: snapshot({ status: "Pending" }) })).refund
      assert.strictEqual(ok(run({ previous: unstamped, now: 5_000, snapshot: snapshot({ status: "Pending", createdAt: 3_000 }) })).refund.createdAt, 3_000)
    })

    it("move updatedAt only when the status changes", () => {
      const same = ok(run({ previous: first, now: 2_000, snapshot: snapshot({ status: "Pending", rawStatus: "processing" }) }))
      assert.strictEqual(same.transition._tag, "Unchanged")
      assert.strictEqual(same.refund.updatedAt, 1_000)
      assert.strictEqual(same.refund.rawStatus, "processing")
      assert.strictEqual(same.refund.statusAt, 2_000)
      const moved = ok(run({ previous: same.refund, now: 3_000, snapshot: snapshot({ status: "Succeeded" }) }))
      assert.strictEqual(moved.transition._tag, "Applied")
      assert.strictEqual(moved.refund.updatedAt, 3_000)
    })

    it("an unknown status keeps the state, says what was seen, and the next known status clears it", () => {
      const odd = ok(run({ previous: first, now: 2_000, snapshot: snapshot({ status: "Unknown", rawStatus: "weird" }) }))
      assert.strictEqual(odd.transition._tag, "Unrecognised")
      assert.strictEqual(odd.refund.status, "Pending")
      assert.strictEqual(odd.refund.rawStatus, "pending")
      assert.strictEqual(odd.refund.unrecognisedStatus, "weird")
      assert.strictEqual(odd.refund.updatedAt, 1_000)
      const known = ok(run({ previous: odd.refund, now: 3_000, snapshot: snapshot({ status: "Pending" }) }))
      assert.isUndefined(known.refund.unrecognisedStatus)
    })

    it("carry the processor's failure details into the refund", () => {
      const failed = ok(run({ previous: first, now: 2_000, snapshot: snapshot({ status: "Failed", failure: new Refund.FailureDetails({ code: "expired_card", message: "Card expired" }) }) })).refund
      assert.strictEqual(failed.status, "Failed")
      assert.instanceOf(failed.failure, Refund.FailureDetails)
      assert.strictEqual(failed.failure?.code, "expired_card")
      assert.strictEqual(failed.failure?.message, "Card expired")
    })
  })

  describe("records without evidence", () => {
    const legacy = (fields: Partial<ConstructorParameters<typeof Refund.Refund>[0]>) =>
      new Refund.Refund({ connector: "fake", connectorRefundId: "re_1", status: "Failed", rawStatus: "failed", createdAt: 1_000, updatedAt: 20_000, ...fields })

    it("stand for their status at statusAt, else at updatedAt, with their failure details", () => {
      const failure = new Refund.FailureDetails({ code: "declined" })
      assert.deepStrictEqual(Observe.evidenceOfRefund(legacy({ statusAt: 10_000, failure })), { failed: { status: "Failed", rawStatus: "failed", at: 10_000, failure } })
      assert.deepStrictEqual(Observe.evidenceOfRefund(legacy({})), { failed: { status: "Failed", rawStatus: "failed", at: 20_000 } })
    })

    it("use their evidence when they have it", () => {
      const evidence = { inFlight: { status: "Pending" as const, rawStatus: "pending", at: 1_000 }, failed: { status: "Failed" as const, rawStatus: "failed", at: 3_000 } }
      assert.deepStrictEqual(Observe.evidenceOfRefund(legacy({ evidence })), evidence)
    })

    it("a Cancelled read older than the stored failure's time is stale; a newer one moves it", () => {
      const old = legacy({ statusAt: 10_000 })
      assert.strictEqual(ok(run({ previous: old, now: 30_000, snapshot: snapshot({ status: "Cancelled", occurredAt: 5_000 }) })).refund.status, "Failed")
      assert.strictEqual(ok(run({ previous: old, now: 30_000, snapshot: snapshot({ status: "Cancelled", occurredAt: 15_000 }) })).refund.status, "Cancelled")
      // without statusAt, updatedAt (20 s) is the failure's time
      assert.strictEqual(ok(run({ previous: legacy({}), now: 30_000, snapshot: snapshot({ status: "Cancelled", occurredAt: 15_000 }) })).refund.status, "Failed")
    })
  })

  describe("metadata and the raw object", () => {
    const withMetadata = new Refund.CreateRefundRequest({ ...request, metadata: { order: "from-request" } })

    it("metadata: the processor's answer, else what was known, else what the create sent", () => {
      const sent = ok(run({ previous: undefined, now: 1_000, source: "create", request: withMetadata, snapshot: snapshot({ status: "Pending" }) })).refund
      assert.deepStrictEqual(sent.metadata, { order: "from-request" })
      const answered = ok(run({ previous: sent, now: 2_000, snapshot: snapshot({ status: "Pending", metadata: { order: "from-processor" } }) })).refund
      assert.deepStrictEqual(answered.metadata, { order: "from-processor" })
      // A later read without metadata (a webhook that carries none) keeps what was known.
      const kept = ok(run({ previous: answered, now: 3_000, request: withMetadata, snapshot: snapshot({ status: "Succeeded" }) })).refund
      assert.deepStrictEqual(kept.metadata, { order: "from-processor" })
      const none = ok(run({ previous: undefined, now: 1_000, snapshot: snapshot({ status: "Pending" }) })).refund
      assert.isUndefined(none.metadata)
    })

    it("raw: the latest object the processor sent, else the one before", () => {
      const first = ok(run({ previous: undefined, now: 1_000, snapshot: snapshot({ status: "Pending", raw: { id: "re_1", status: "pending" } }) })).refund
      assert.deepStrictEqual(first.raw, { id: "re_1", status: "pending" })
      const later = ok(run({ previous: first, now: 2_000, snapshot: snapshot({ status: "Succeeded", raw: { id: "re_1", status: "succeeded" } }) })).refund
      assert.deepStrictEqual(later.raw, { id: "re_1", status: "succeeded" })
      const without = ok(run({ previous: later, now: 3_000, snapshot: snapshot({ status: "Succeeded" }) })).refund
      assert.deepStrictEqual(without.raw, { id: "re_1", status: "succeeded" })
      assert.isUndefined(ok(run({ previous: undefined, now: 1_000, snapshot: snapshot({ status: "Pending" }) })).refund.raw)
    })
  })
})
