/**
 * The judgement of one merchant refund: each kind at its boundary, the order of precedence, and
 * which processor refund a ledger row stands for.
 */
import { assert, describe, it } from "@effect/vitest"
import { Matching } from "@refract/core"
import type { Ledger } from "@refract/core"

const day = 86_400_000
const now = 100 * day
const tolerances: Matching.Tolerances = { amountMinor: 0, status: "simple", pendingWindowMillis: 14 * day, lagMillis: 60_000 }

const ledger = (over: Partial<Ledger.LedgerEntry> = {}): Ledger.LedgerEntry => ({
  merchantRefundId: "m-1",
  amount: 1050,
  currency: "EUR",
  expectedStatus: "Succeeded",
  line: 2,
  ...over
})
const refund = (over: Partial<Matching.ProcessorRefund> = {}): Matching.ProcessorRefund => ({
  connectorRefundId: "re_1",
  merchantRefundId: "m-1",
  amount: { amount: 1050, currency: "EUR" },
  status: "Succeeded",
  rawStatus: "succeeded",
  createdAt: now - 2 * day,
  ...over
})
const kind = (l: Ledger.LedgerEntry | undefined, r: ReadonlyArray<Matching.ProcessorRefund>, t: Partial<Matching.Tolerances> = {}) =>
  Matching.judge(l, r, { ...tolerances, ...t }, now).kind

describe("Matching.judge", () => {
  it("matches a refund that agrees, and says which processor refund it matched", () => {
    const finding = Matching.judge(ledger(), [refund()], tolerances, now)
    assert.strictEqual(finding.kind, "matched")
    assert.strictEqual(finding.merchantRefundId, "m-1")
    assert.deepStrictEqual(finding.processor.map((r) => r.connectorRefundId), ["re_1"])
    assert.strictEqual(finding.detail, "")
  })

  it("amounts: equal within the tolerance, a mismatch one minor unit beyond it, either way", () => {
    assert.strictEqual(kind(ledger({ amount: 1051 }), [refund()]), "amount_mismatch")
    assert.strictEqual(kind(ledger({ amount: 1049 }), [refund()]), "amount_mismatch")
    assert.strictEqual(kind(ledger({ amount: 1052 }), [refund()], { amountMinor: 2 }), "matched")
    assert.strictEqual(kind(ledger({ amount: 1053 }), [refund()], { amountMinor: 2 }), "amount_mismatch")
    assert.strictEqual(kind(ledger({ amount: 1 }), [refund({ amount: undefined })]), "matched", "an amount the processor does not report is not compared")
    const detail = Matching.judge(ledger({ amount: 4550 }), [refund({ amount: { amount: 4500, currency: "EUR" } })], tolerances, now).detail
    assert.strictEqual(detail, "ledger 45.50 EUR, processor 45.00 EUR")
  })

  it("a currency mismatch comes before an amount mismatch", () => {
    assert.strictEqual(kind(ledger({ currency: "USD", amount: 1 }), [refund()]), "currency_mismatch")
  })

  it("statuses: simple by default, exact on request; an unrecognised status never matches", () => {
    assert.strictEqual(kind(ledger({ expectedStatus: "Failed" }), [refund({ status: "Cancelled", rawStatus: "canceled" })]), "matched")
    assert.strictEqual(kind(ledger({ expectedStatus: "Failed" }), [refund({ status: "Cancelled" })], { status: "exact" }), "status_mismatch")
    assert.strictEqual(kind(ledger({ expectedStatus: "Failed" }), [refund({ status: "Failed" })], { status: "exact" }), "matched")
    assert.strictEqual(kind(ledger({ expectedStatus: "Succeeded" }), [refund({ status: "Reversed" })]), "status_mismatch")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ status: "RequiresAction" })]), "matched")
    assert.strictEqual(kind(ledger(), [refund({ status: "Unknown", rawStatus: "mystery" })]), "status_mismatch")
    assert.include(Matching.judge(ledger(), [refund({ status: "Unknown", rawStatus: "mystery" })], tolerances, now).detail, "unrecognised (mystery)")
  })

  it("pending past its window, not a day before", () => {
    const pending = { status: "Pending" as const, rawStatus: "pending" }
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ ...pending, createdAt: now - 15 * day })]), "stale_pending")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ ...pending, createdAt: now - 14 * day })]), "matched")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ ...pending, createdAt: now - 14 * day - 1 })]), "stale_pending")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ status: "RequiresAction", createdAt: now - 20 * day })]), "stale_pending")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), [refund({ ...pending, createdAt: undefined })]), "matched")
    assert.strictEqual(kind(ledger(), [refund({ createdAt: now - 90 * day })]), "matched", "a settled refund is never stale")
    assert.include(Matching.judge(ledger({ expectedStatus: "Pending" }), [refund({ ...pending, createdAt: now - 20 * day })], tolerances, now).detail, "20 days")
  })

  it("missing at the processor only when money was expected to move, and only once past the lag", () => {
    assert.strictEqual(kind(ledger(), []), "missing_at_processor")
    assert.strictEqual(kind(ledger({ expectedStatus: "Pending" }), []), "missing_at_processor")
    assert.strictEqual(kind(ledger({ expectedStatus: "Failed" }), []), "matched")
    assert.strictEqual(kind(ledger({ expectedStatus: "Cancelled" }), []), "matched")
    assert.strictEqual(kind(ledger({ createdAt: now - 30_000 }), []), "too_recent")
    assert.strictEqual(kind(ledger({ createdAt: now - 60_000 }), []), "missing_at_processor")
    assert.strictEqual(kind(ledger({ createdAt: now - 59_999 }), []), "too_recent")
  })

  it("missing in the ledger, whatever the processor refunds say", () => {
    const finding = Matching.judge(undefined, [refund(), refund({ connectorRefundId: "re_2" })], tolerances, now)
    assert.strictEqual(finding.kind, "missing_in_ledger")
    assert.strictEqual(finding.processor.length, 2)
    assert.include(finding.detail, "re_1, re_2")
    const anonymous = Matching.judge(undefined, [refund({ merchantRefundId: undefined })], tolerances, now)
    assert.strictEqual(anonymous.merchantRefundId, undefined)
  })

  it("a duplicate is two refunds still moving money; a failed first attempt beside a success is not one", () => {
    const second = refund({ connectorRefundId: "re_2", createdAt: now - day })
    assert.strictEqual(kind(ledger(), [refund(), second]), "duplicate")
    assert.strictEqual(kind(ledger(), [refund({ status: "Pending" }), second]), "duplicate")
    assert.strictEqual(kind(ledger(), [refund({ status: "Unknown" }), second]), "duplicate", "an unrecognised status may still move money")
    for (const done of ["Failed", "Cancelled", "Reversed"] as const) {
      assert.strictEqual(kind(ledger(), [refund({ status: done }), second]), "matched", `${done} + Succeeded`)
    }
    const finding = Matching.judge(ledger(), [refund(), second, refund({ connectorRefundId: "re_3", status: "Failed" })], tolerances, now)
    assert.deepStrictEqual(finding.processor.map((r) => r.connectorRefundId), ["re_1", "re_2"])
    assert.include(finding.detail, "2 processor refunds")
  })

  it("judges the refund the ledger names, else the one still moving money, else the newest", () => {
    const failed = refund({ connectorRefundId: "re_old", status: "Failed", amount: { amount: 1, currency: "EUR" }, createdAt: now - 3 * day })
    const named = Matching.judge(ledger({ connectorRefundId: "re_old" }), [refund(), failed], tolerances, now)
    assert.strictEqual(named.processor[0]!.connectorRefundId, "re_old")
    assert.strictEqual(named.kind, "amount_mismatch")
    const live = Matching.judge(ledger(), [failed, refund()], tolerances, now)
    assert.strictEqual(live.processor[0]!.connectorRefundId, "re_1")
    const allFailed = [
      refund({ connectorRefundId: "re_a", status: "Failed", createdAt: now - 5 * day }),
      refund({ connectorRefundId: "re_b", status: "Failed", createdAt: now - day }),
      refund({ connectorRefundId: "re_c", status: "Failed", createdAt: now - 3 * day })
    ]
    assert.strictEqual(Matching.judge(ledger({ expectedStatus: "Failed" }), allFailed, tolerances, now).processor[0]!.connectorRefundId, "re_b")
  })

  it("says what differs, in words", () => {
    const detail = (l: Ledger.LedgerEntry | undefined, r: ReadonlyArray<Matching.ProcessorRefund>) => Matching.judge(l, r, tolerances, now).detail
    assert.strictEqual(detail(ledger({ currency: "USD" }), [refund()]), "ledger 10.50 USD, processor 10.50 EUR")
    assert.strictEqual(detail(ledger(), []), "the ledger expects Succeeded; the processor has no refund for it")
    assert.strictEqual(detail(ledger({ createdAt: now - 1 }), []), "not listed yet, within the processor's listing lag")
    assert.strictEqual(detail(ledger({ expectedStatus: "Failed" }), []), "failed in the ledger and never at the processor")
    assert.strictEqual(detail(ledger(), [refund({ status: "Failed", rawStatus: "failed" })]), "ledger Succeeded, processor Failed (failed)")
    assert.strictEqual(
      detail(undefined, [refund({ rawStatus: "succeeded" }), refund({ connectorRefundId: "re_2", rawStatus: "pending" })]),
      "the processor has re_1, re_2 (succeeded, pending); the ledger has no row for it"
    )
    assert.strictEqual(
      detail(ledger(), [refund(), refund({ connectorRefundId: "re_2", rawStatus: "pending", status: "Pending" })]),
      "2 processor refunds for one merchant refund id still move money: re_1 (succeeded), re_2 (pending)"
    )
  })

  it("a `#` key (a stored refund without a merchant refund id) is never shown as one", () => {
    const finding = Matching.judge(ledger({ merchantRefundId: "#re_9" }), [], tolerances, now)
    assert.strictEqual(finding.merchantRefundId, undefined)
    assert.strictEqual(Matching.judge(ledger({ merchantRefundId: "#re_9" }), [refund({ merchantRefundId: "m-7" })], tolerances, now).merchantRefundId, "m-7")
  })

  it("isDiscrepancy: all kinds but matched and too_recent", () => {
    assert.isFalse(Matching.isDiscrepancy("matched"))
    assert.isFalse(Matching.isDiscrepancy("too_recent"))
    for (const k of Matching.discrepancyKinds) assert.isTrue(Matching.isDiscrepancy(k))
  })

  it("money: minor units with the currency's exponent", () => {
    assert.strictEqual(Matching.money(1050, "EUR"), "10.50 EUR")
    assert.strictEqual(Matching.money(5, "EUR"), "0.05 EUR")
    assert.strictEqual(Matching.money(1050, "JPY"), "1050 JPY")
    assert.strictEqual(Matching.money(1005, "BHD"), "1.005 BHD")
    assert.strictEqual(Matching.money(-250, "USD"), "-2.50 USD")
  })
})
