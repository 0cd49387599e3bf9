/**
 * Ledger rows: every column read as documented, every bad value refused with its line and a reason
 * that names the column, never guessed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { Ledger } from "@refract/core"

const ok = (row: Ledger.RawRow) => {
  const entry = Ledger.entryOf(row, 9)
  if (Result.isFailure(entry)) throw new Error(entry.failure.message)
  return entry.success
}
const refused = (row: Ledger.RawRow) => {
  const entry = Ledger.entryOf(row, 9)
  if (Result.isSuccess(entry)) throw new Error(`accepted ${JSON.stringify(row)}`)
  assert.strictEqual(entry.failure.line, 9)
  return entry.failure.message
}
const base = { merchantRefundId: "order-1", amountMinor: "1050", currency: "eur", status: "Succeeded" }

describe("Ledger.entryOf", () => {
  it("reads every field", () => {
    assert.deepStrictEqual(ok({ ...base, connectorRefundId: " re_1 ", createdAt: "2026-11-03T10:00:00Z", connector: "Stripe" }), {
      merchantRefundId: "order-1",
      amount: 1050,
      currency: "EUR",
      expectedStatus: "Succeeded",
      connectorRefundId: "re_1",
      createdAt: Date.parse("2026-11-03T10:00:00Z"),
      connector: "stripe",
      line: 9
    })
    assert.strictEqual(ok({ ...base, createdAt: "1764930000000" }).createdAt, 1764930000000)
    assert.strictEqual(ok({ ...base, createdAt: "2026-11-03" }).createdAt, Date.parse("2026-11-03"))
    assert.strictEqual(ok({ ...base, createdAt: "" }).createdAt, undefined)
  })

  it("converts decimal amounts exactly by the currency's exponent, and prefers amount_minor", () => {
    assert.strictEqual(ok({ ...base, amountMinor: undefined, amount: "10.50" }).amount, 1050)
    assert.strictEqual(ok({ ...base, amountMinor: undefined, amount: "1050", currency: "JPY" }).amount, 1050)
    assert.strictEqual(ok({ ...base, amountMinor: undefined, amount: "1.005", currency: "BHD" }).amount, 1005)
    assert.strictEqual(ok({ ...base, amountMinor: "7", amount: "99.00" }).amount, 7)
    assert.strictEqual(ok({ ...base, amountMinor: "", amount: "0.07" }).amount, 7)
    assert.strictEqual(ok({ ...base, amountMinor: 1050 }).amount, 1050)
  })

  it("reads every status name, in any case", () => {
    const names: Record<string, string> = {
      pending: "Pending",
      REQUIRES_ACTION: "RequiresAction",
      requiresaction: "RequiresAction",
      succeeded: "Succeeded",
      Success: "Succeeded",
      failed: "Failed",
      cancelled: "Cancelled",
      canceled: "Cancelled",
      reversed: "Reversed"
    }
    for (const [name, status] of Object.entries(names)) assert.strictEqual(ok({ ...base, status: ` ${name} ` }).expectedStatus, status)
    assert.strictEqual(Ledger.parseStatus("succeded"), undefined)
  })

  it("refuses each bad value, naming it", () => {
    assert.match(refused({ ...base, merchantRefundId: " " }), /merchant_refund_id is empty/)
    assert.match(refused({ ...base, merchantRefundId: "has space" }), /"has space" is not a merchant refund id/)
    assert.match(refused({ ...base, merchantRefundId: "-starts-with-dash" }), /not a merchant refund id/)
    assert.match(refused({ ...base, merchantRefundId: "x".repeat(65) }), /not a merchant refund id/)
    assert.match(refused({ ...base, currency: "EURO" }), /currency "EURO" is not an ISO 4217 code/)
    assert.match(refused({ ...base, currency: undefined }), /currency "" is not/)
    assert.match(refused({ ...base, amountMinor: "10.50" }), /amount_minor "10.50" is not a whole number/)
    assert.match(refused({ ...base, amountMinor: "-5" }), /amount_minor "-5"/)
    assert.match(refused({ ...base, amountMinor: "1".repeat(16) }), /not a whole number/)
    assert.match(refused({ ...base, amountMinor: undefined, amount: "10.501" }), /^amount: /)
    assert.match(refused({ ...base, amountMinor: undefined, amount: "1,000.00" }), /^amount: /)
    assert.match(refused({ ...base, amountMinor: undefined }), /amount_minor \(or amount\) is empty/)
    assert.match(refused({ ...base, status: "done" }), /status "done" is not one of pending, /)
    assert.match(refused({ ...base, status: undefined }), /status "" is not one of/)
    assert.match(refused({ ...base, connectorRefundId: "re/1" }), /connector_refund_id is not a processor id/)
    assert.match(refused({ ...base, createdAt: "yesterday" }), /created_at "yesterday" is neither ISO 8601 nor epoch ms/)
    assert.match(refused({ ...base, createdAt: "12345" }), /created_at "12345"/)
  })
})

describe("Ledger.csvColumns", () => {
  it("binds columns by name in any order and case, the first of duplicates, extra columns ignored", () => {
    const bound = Ledger.csvColumns([" Status", "extra", "CURRENCY", "amount", "merchant_refund_id", "expected_status", "connector_refund_id", "created_at", "connector"])
    if (Result.isFailure(bound)) throw new Error(bound.failure)
    assert.deepStrictEqual(bound.success(["succeeded", "x", "EUR", "1.00", "m-1", "failed", "re_1", "2026-11-01", "stripe"]), {
      status: "succeeded",
      currency: "EUR",
      amount: "1.00",
      merchantRefundId: "m-1",
      connectorRefundId: "re_1",
      createdAt: "2026-11-01",
      connector: "stripe"
    })
  })

  it("names every required column the header lacks", () => {
    const missing = Ledger.csvColumns(["id", "value"])
    assert.isTrue(Result.isFailure(missing))
    if (Result.isFailure(missing)) {
      for (const name of ["merchant_refund_id", "currency", "status", "amount_minor"]) assert.include(missing.failure, name)
      assert.include(missing.failure, "\"id\", \"value\"")
    }
    assert.isTrue(Result.isSuccess(Ledger.csvColumns(["merchant_refund_id", "amount_minor", "currency", "status"])))
    assert.isTrue(Result.isFailure(Ledger.csvColumns(["merchant_refund_id", "currency", "status"])))
  })
})

describe("Ledger.jsonRow", () => {
  it("reads snake_case and camelCase, and Refract's money objects", () => {
    const row = Ledger.jsonRow(JSON.stringify({ merchantRefundId: "m-1", amount: { amount: 1050, currency: "EUR" }, expectedStatus: "succeeded", connector_refund_id: "re_1" }))
    if (Result.isFailure(row)) throw new Error(row.failure)
    assert.deepStrictEqual(row.success, { merchantRefundId: "m-1", amountMinor: "1050", currency: "EUR", status: "succeeded", connectorRefundId: "re_1" })
    const snake = Ledger.jsonRow(JSON.stringify({ merchant_refund_id: "m-2", amount: "10.50", currency: "EUR", status: "pending", unknown: 1 }))
    if (Result.isFailure(snake)) throw new Error(snake.failure)
    assert.deepStrictEqual(snake.success, { merchantRefundId: "m-2", amount: "10.50", currency: "EUR", status: "pending" })
  })

  it("refuses what is not an object, and a bare number as the amount", () => {
    assert.deepStrictEqual(Ledger.jsonRow("{"), Result.fail("not valid JSON"))
    assert.deepStrictEqual(Ledger.jsonRow("[1]"), Result.fail("not a JSON object"))
    assert.deepStrictEqual(Ledger.jsonRow("null"), Result.fail("not a JSON object"))
    const number = Ledger.jsonRow(JSON.stringify({ merchant_refund_id: "m", amount: 1050 }))
    assert.isTrue(Result.isFailure(number) && number.failure.includes("JSON number"))
  })
})
