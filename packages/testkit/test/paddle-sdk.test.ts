/**
 * Keeps the Paddle emulator honest: Paddle's official Node SDK (`@paddle/paddle-node-sdk` 3.10.0) drives it unchanged,
 * reads its entities into the SDK's classes, pages its lists, and turns its error bodies into the SDK's `ApiError`.
 *
 * Pointing the SDK at the emulator: `new Paddle(apiKey, { environment })` takes its base URL from
 * `API_ENVIRONMENT_TO_BASE_URL_MAP[environment] || environment` (`internal/api/client.js` `getBaseUrl`), so an
 * `environment` that is not `sandbox` or `production` IS the base URL. The emulator's URL is passed there; nothing
 * in the SDK is patched. (The option is typed as the `Environment` enum, hence the cast.)
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { PaddleEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { ApiError, type Environment, Paddle } from "@paddle/paddle-node-sdk"
import { rejection } from "./helpers.ts"


describe("official Paddle SDK (@paddle/paddle-node-sdk) against the emulator", () => {
  let emu: EmulatorHandle
  const sdk = (apiKey = emu.credentials["apiKey"]!) => new Paddle(apiKey, { environment: emu.url as unknown as Environment })

  beforeAll(async () => {
    emu = await PaddleEmulator.start({ clock: "manual" })
  })
  afterEach(() => {
    emu.reset()
  })
  afterAll(async () => {
    await emu.close()
  })

  it("creates a full refund and reads it back through the SDK's Adjustment class", async () => {
    const paddle = sdk()
    const txn = await emu.createPayment({ amount: 4_999, currency: "USD" })
    const created = await paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "requested by customer", type: "full" })
    assert.match(created.id, /^adj_[a-z\d]{26}$/)
    assert.strictEqual(created.status, "pending_approval")
    assert.strictEqual(created.transactionId, txn)
    assert.strictEqual(created.totals.total, "4999")
    assert.strictEqual(created.currencyCode, "USD")
    await emu.clock.advance(PaddleEmulator.numbers.timing.settleAfterMillis)
    const page = await paddle.adjustments.list({ id: [created.id] }).next()
    assert.strictEqual(page.length, 1)
    assert.strictEqual(page[0]!.status, "approved")
  })

  it("reads the transaction's line item with the SDK, then refunds part of it", async () => {
    const paddle = sdk()
    const txn = await emu.createPayment({ amount: 10_000, currency: "EUR" })
    const transaction = await paddle.transactions.get(txn)
    const itemId = transaction.details!.lineItems[0]!.id
    assert.strictEqual(itemId, PaddleEmulator.lineItemIdOf(txn))
    const created = await paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "partial", items: [{ itemId, type: "partial", amount: "2500" }] })
    assert.strictEqual(created.type, "partial")
    assert.strictEqual(created.items[0]!.amount, "2500")
    assert.strictEqual(emu.refunds()[0]!.amount, 2_500)
  })

  it("pages a list with the SDK's collection (next URLs on the emulator's origin)", async () => {
    const paddle = sdk()
    const made: Array<string> = []
    for (let i = 0; i < 3; i++) {
      const txn = await emu.createPayment({ amount: 1_000, currency: "USD" })
      made.push((await paddle.adjustments.create({ action: "refund", transactionId: txn, reason: `r${i}`, type: "full" })).id)
      await emu.clock.advance(5)
    }
    const seen: Array<string> = []
    for await (const adjustment of paddle.adjustments.list({ perPage: 2, orderBy: "id[ASC]" })) seen.push(adjustment.id)
    assert.deepStrictEqual(seen, made)
  })

  it("errors become ApiError with Paddle's type, code, detail and field errors", async () => {
    const paddle = sdk()
    const txn = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const over = await rejection(paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "too much", items: [{ itemId: PaddleEmulator.lineItemIdOf(txn), type: "partial", amount: "1001" }] }), ApiError)
    assert.strictEqual(over.code, "adjustment_amount_above_remaining_allowed")
    assert.strictEqual(over.type, "request_error")
    assert.include(over.detail, "Amount Left: 1000")
    const invalid = await rejection(paddle.adjustments.create({ action: "refund", transactionId: "txn_nope", reason: "x", type: "full" }), ApiError)
    assert.strictEqual(invalid.code, "invalid_field")
    assert.strictEqual(invalid.errors?.[0]?.field, "transaction_id")
    const missing = await rejection(paddle.adjustments.create({ action: "refund", transactionId: `txn_${"0".repeat(26)}`, reason: "x", type: "full" }), ApiError)
    assert.strictEqual(missing.code, "not_found")
    const denied = await rejection(sdk("pdl_sdbx_apikey_wrong").adjustments.create({ action: "refund", transactionId: txn, reason: "x", type: "full" }), ApiError)
    assert.strictEqual(denied.code, "invalid_token")
    await paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "first", type: "full" })
    const pending = await rejection(paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "second", type: "full" }), ApiError)
    assert.strictEqual(pending.code, "adjustment_pending_refund_request")
  })

  it("a 429 carries Retry-After into ApiError.retryAfter", async () => {
    const paddle = sdk()
    const txn = await emu.createPayment({ amount: 1_000, currency: "USD" })
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 4 }, { method: "POST", path: "/adjustments" })
    const limited = await rejection(paddle.adjustments.create({ action: "refund", transactionId: txn, reason: "x", type: "full" }), ApiError)
    assert.strictEqual(limited.code, "too_many_requests")
    assert.strictEqual(limited.retryAfter, 4)
  })
})
