/**
 * Keeps the Checkout.com emulator honest against artifacts nobody here wrote:
 *
 * 1. Checkout's official Node SDK, `checkout-sdk-node` 5.2.1, drives the emulator unchanged through its documented
 *    custom-host option (`new Checkout(secretKey, { host })`, `AuthBuilder.setupCustomHost`): `payments.refund`
 *    with every member of today's refund request, `payments.getActions`, `payments.get`, and every error parsed by
 *    the SDK's `determineError` into its own classes (`ValidationError`, `NotFoundError`, `AuthenticationError`,
 *    `ActionNotAllowed`, `TooManyRequestsError`, `BadGateway`, `ApiError`).
 * 2. No official Checkout SDK signs or verifies `Cko-Signature` (checkout-sdk-node 5.2.1 has no HMAC code; the Java,
 *    .NET, Go and Python SDKs only *configure* a workflow webhook's `signature: { key, method: "HMACSHA256" }`), and
 *    Checkout publishes no signature vector (processors.md §11). The deliveries are checked with an HMAC written
 *    from Checkout's docs and against the SDK's own webhook artifacts: its `WebhookPayload` type and
 *    `safeParseWebhook`, and the `payment_refunded` sample of
 *    https://www.checkout.com/docs/workflows/webhook-event-types/payment_refunded.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { CheckoutEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Checkout } from "checkout-sdk-node"
import {
  ActionNotAllowed,
  ApiError,
  AuthenticationError,
  BadGateway,
  NotFoundError,
  TooManyRequestsError,
  ValidationError
} from "checkout-sdk-node/dist/services/errors.js"
import { safeParseWebhook } from "checkout-sdk-node/dist/services/webhook-utils.js"
import type { WebhookPayload } from "checkout-sdk-node/dist/services/webhook-utils.js"
import { createHmac } from "node:crypto"
import { type Receiver, startReceiver, until } from "./helpers.ts"

/** What the SDK's error classes carry (their typings leave `http_code` and `body` out on some of them). */
const httpCode = (error: unknown): unknown => (error as { readonly http_code?: unknown }).http_code
const bodyOf = (error: unknown): any => (error as { readonly body?: unknown }).body

const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the SDK call to fail")
}

/** Today's refund request with every member (values shaped as in the Go SDK's sandbox test). */
const fullRequest = (amount: number, captureActionId: string) => ({
  amount,
  reference: "ORD-5023-4E89",
  metadata: { coupon_code: "NY2018", partner_id: 123989 },
  capture_action_id: captureActionId,
  amount_allocations: [{ id: "ent_w4jelhppmfiufdnatam37wrfc4", amount, reference: "ORD-5023-4E89" }],
  items: [{ name: "OrderTest", quantity: 1, unit_price: amount, total_amount: amount, type: "physical" }],
  destination: {
    account_type: "savings",
    account_number: "13654567455",
    bank_code: "23-456",
    iban: "HU93116000060000000012345676",
    country: "GB",
    account_holder: { type: "individual", first_name: "John", last_name: "Smith" },
    bank: { name: "Lloyds TSB", branch: "Bournemouth" }
  }
})

describe("official checkout-sdk-node against the emulator", () => {
  let emu: EmulatorHandle
  let cko: Checkout
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await CheckoutEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    cko = new Checkout(emu.credentials.secretKey!, { host: emu.url })
  })
  afterEach(async () => {
    // Deliveries a test caused may still be in flight: let them land before the next test's receiver starts empty.
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  const captureOf = async (paymentId: string): Promise<string> => {
    const actions = (await cko.payments.getActions(paymentId)) as ReadonlyArray<any>
    return actions.find((a) => a.type === "Capture").id
  }

  it("refunds with every member of the request; the Refund action appears once processed", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    const accepted: any = await cko.payments.refund(pay, fullRequest(400, await captureOf(pay)), "sdk-key-1")
    assert.match(accepted.action_id, /^act_[a-z2-7]{26}$/)
    assert.strictEqual(accepted.reference, "ORD-5023-4E89")
    assert.strictEqual(accepted._links.payment.href, `${emu.url}/payments/${pay}`)
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.strictEqual(post.headers["cko-idempotency-key"], "sdk-key-1")
    assert.strictEqual(post.headers["authorization"], "[REDACTED]", "the SDK sends the secret key, redacted in the log")

    const before = (await cko.payments.getActions(pay)) as ReadonlyArray<any>
    assert.deepStrictEqual(before.map((a) => a.type), ["Capture", "Authorization"], "not processed yet")
    await emu.clock.advance(CheckoutEmulator.numbers.timing.settleAfterMillis)
    const after = (await cko.payments.getActions(pay)) as ReadonlyArray<any>
    const refund = after.find((a) => a.id === accepted.action_id)
    assert.deepInclude(refund, { type: "Refund", amount: 400, approved: true, response_code: "10000", reference: "ORD-5023-4E89" })
    assert.deepStrictEqual(refund.metadata, { coupon_code: "NY2018", partner_id: 123989 })

    const payment: any = await cko.payments.get(pay)
    assert.strictEqual(payment.status, "Partially Refunded")
    assert.deepInclude(payment.balances, { total_refunded: 400, available_to_refund: 600 })
  })

  it("refunds what is left without a body, and replays a key's first answer", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    const first: any = await cko.payments.refund(pay, undefined, "sdk-key-2")
    const again: any = await cko.payments.refund(pay, { amount: 1 }, "sdk-key-2")
    assert.strictEqual(again.action_id, first.action_id)
    assert.lengthOf(emu.refunds(), 1)
    assert.strictEqual(emu.refunds()[0]!.amount, 1000)
  })

  it("raises ValidationError with Checkout's error_codes for members and values it refuses", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    const invalid = await failure(cko.payments.refund(pay, { amount: 1.5, reference: "x".repeat(51), reason: "duplicate" }))
    assert.instanceOf(invalid, ValidationError)
    assert.strictEqual(httpCode(invalid), 422)
    assert.strictEqual(bodyOf(invalid).error_type, "request_invalid")
    assert.deepStrictEqual(bodyOf(invalid).error_codes, ["request_invalid", "amount_invalid", "reference_invalid"])
    assert.match(bodyOf(invalid).request_id, /^[0-9a-f-]{36}$/)

    const items = await failure(cko.payments.refund(pay, { items: [{ name: "x", quantity: 0 }] }))
    assert.instanceOf(items, ValidationError)
    assert.deepStrictEqual(bodyOf(items).error_codes, ["items_invalid"])

    const over = await failure(cko.payments.refund(pay, { amount: 1001 }))
    assert.instanceOf(over, ValidationError)
    assert.deepStrictEqual(bodyOf(over), { request_id: bodyOf(over).request_id, error_type: "processing_error", error_codes: ["amount_exceeds_balance"] })
    assert.lengthOf(emu.refunds(), 0)
  })

  it("raises NotFoundError, AuthenticationError and ActionNotAllowed for Checkout's empty-bodied answers", async () => {
    const unknown = `pay_${"a".repeat(26)}`
    for (const call of [() => cko.payments.refund(unknown, { amount: 1 }), () => cko.payments.getActions(unknown), () => cko.payments.get(unknown)]) {
      const error = await failure(call())
      assert.instanceOf(error, NotFoundError)
      assert.strictEqual(httpCode(error), 404)
    }
    const wrongKey = new Checkout("sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", { host: emu.url })
    const auth = await failure(wrongKey.payments.getActions(unknown))
    assert.instanceOf(auth, AuthenticationError)
    assert.strictEqual(httpCode(auth), 401)

    const pay = await emu.createPayment({ amount: 500, currency: "GBP" })
    await cko.payments.refund(pay)
    const nothingLeft = await failure(cko.payments.refund(pay, { amount: 1 }))
    assert.instanceOf(nothingLeft, ActionNotAllowed)
    assert.strictEqual(httpCode(nothingLeft), 403)
    assert.strictEqual(bodyOf(nothingLeft).error_type, "action_not_allowed")
  })

  it("raises TooManyRequestsError for a concurrent request with the same key and for rate limits", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    emu.injectFault({ _tag: "Slow", delayMillis: 300 }, { method: "POST" })
    const slow = cko.payments.refund(pay, { amount: 100 }, "sdk-busy")
    await until(() => emu.refunds().length === 1, "the slow request to be handled")
    const busy = await failure(cko.payments.refund(pay, { amount: 100 }, "sdk-busy"))
    assert.instanceOf(busy, TooManyRequestsError)
    assert.strictEqual(httpCode(busy), 429)
    assert.strictEqual(bodyOf(busy).error_type, "too_many_requests")
    await emu.clock.advance(300)
    assert.match(((await slow) as any).action_id, /^act_/)

    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 }, { method: "POST" })
    const limited = await failure(cko.payments.refund(pay, { amount: 100 }))
    assert.instanceOf(limited, TooManyRequestsError)
    assert.strictEqual(bodyOf(limited).error_type, "too_many_requests")
    assert.lengthOf(emu.refunds(), 1)
  })

  it("raises BadGateway for 502 and ApiError for other 5xx", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    emu.injectFault({ _tag: "ServerError", status: 502 }, { method: "POST" })
    assert.instanceOf(await failure(cko.payments.refund(pay, { amount: 100 })), BadGateway)
    emu.injectFault({ _tag: "ServerError", status: 500 }, { method: "POST" })
    const internal = await failure(cko.payments.refund(pay, { amount: 100 }))
    assert.instanceOf(internal, ApiError)
    assert.strictEqual(httpCode(internal), 500)
    assert.lengthOf(emu.refunds(), 0)
    // 5xx answers are not stored under the key: a retry with it runs as new.
    await cko.payments.refund(pay, { amount: 100 }, "sdk-after-5xx")
    assert.lengthOf(emu.refunds(), 1)
  })

  it("deliveries carry Cko-Signature = hex HMAC-SHA256(key, raw body) and the documented payment_refunded shape", async () => {
    const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
    const accepted: any = await cko.payments.refund(pay, { amount: 250, reference: "R-1", metadata: { order: "42" } })
    await emu.clock.advance(CheckoutEmulator.numbers.timing.settleAfterMillis)
    await emu.flushWebhooks()
    assert.deepStrictEqual(receiver.received.map((d) => JSON.parse(d.body).type), ["payment_refund_pending", "payment_refunded"])
    for (const delivery of receiver.received) {
      const expected = createHmac("sha256", emu.webhookSecret).update(delivery.body).digest("hex")
      assert.strictEqual(delivery.headers["cko-signature"], expected)
      const parsed = safeParseWebhook(delivery.body)
      assert.isFalse(parsed.wasTransformed)
      const payload: WebhookPayload = parsed.webhook!
      assert.match(payload.id, /^evt_/)
      assert.strictEqual(payload._links?.self.href, `${emu.url}/workflows/events/${payload.id}`)
    }
    const refunded = JSON.parse(receiver.received[1]!.body)
    // The members and their order in Checkout's published payment_refunded sample (docs page above).
    assert.deepStrictEqual(Object.keys(refunded), ["id", "type", "version", "created_on", "data", "_links"])
    assert.deepStrictEqual(Object.keys(refunded.data), [
      "id", "action_id", "reference", "amount", "processed_on", "response_code", "response_summary",
      "balances", "metadata", "currency", "processing", "event_links"
    ])
    assert.deepStrictEqual(Object.keys(refunded.data.balances), [
      "total_authorized", "total_voided", "available_to_void", "total_captured", "available_to_capture", "total_refunded", "available_to_refund"
    ])
    assert.deepStrictEqual(Object.keys(refunded._links), ["self", "subject", "payment", "payment_actions"])
    assert.deepInclude(refunded.data, { id: pay, action_id: accepted.action_id, amount: 250, response_code: "10000", currency: "EUR" })
  })
})
