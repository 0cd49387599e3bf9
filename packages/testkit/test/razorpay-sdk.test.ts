/**
 * Keeps the Razorpay emulator honest: Razorpay's official Node SDK (`razorpay` 2.9.8, razorpay-node) must work
 * against it unchanged, parse its errors into the SDK's `{ statusCode, error }` rejections, and accept its
 * webhook signatures with `validateWebhookSignature`.
 *
 * razorpay-node has no host option: `new Razorpay()` hard-codes `hostUrl: 'https://api.razorpay.com'` into
 * an axios instance (`dist/api.js` `_createConfig` → `baseURL`). The tests point that instance's
 * `defaults.baseURL` at the emulator; every path (`/v1/...`) is still the SDK's own.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { RazorpayEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import Razorpay from "razorpay"
import { type Receiver, rejection, startReceiver } from "./helpers.ts"

/** The SDK's rejection (`dist/api.js` `normalizeError`). */
interface SdkError {
  readonly statusCode: number
  readonly error: {
    readonly code: string
    readonly description: string
    readonly field?: string
    readonly source?: string
    readonly step?: string
    readonly reason?: string
    readonly metadata?: Record<string, string>
  }
}


describe("official razorpay SDK (razorpay-node) against the emulator", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  const sdk = (keyId = emu.credentials.keyId!, keySecret = emu.credentials.keySecret!) => {
    const instance = new Razorpay({ key_id: keyId, key_secret: keySecret })
    // The SDK's axios instance, created with Razorpay's host; only the origin changes.
    ;(instance.api as unknown as { rq: { defaults: { baseURL: string } } }).rq.defaults.baseURL = emu.url
    return instance
  }

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await RazorpayEmulator.start({ clock: "manual", webhookUrl: receiver.url })
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("payments.refund creates, refunds.fetch / payments.fetchRefund read, and the lists page", async () => {
    const razorpay = sdk()
    const pay = await emu.createPayment({ amount: 50_000, currency: "INR" })
    const refund = await razorpay.payments.refund(pay, {
      amount: 20_000,
      speed: "normal",
      notes: { merchant_refund_id: "mr_sdk_1", attempt: 1 },
      receipt: "Receipt No. 31"
    })
    assert.match(refund.id, /^rfnd_[A-Za-z0-9]{14}$/)
    assert.deepInclude(refund, {
      entity: "refund",
      amount: 20_000,
      currency: "INR",
      payment_id: pay,
      receipt: "Receipt No. 31",
      status: "pending",
      speed_requested: "normal",
      speed_processed: "normal"
    })
    assert.deepStrictEqual(refund.notes, { merchant_refund_id: "mr_sdk_1", attempt: 1 })
    // What the SDK put on the wire passed the strict parameter check as sent.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.strictEqual(post.path, `/v1/payments/${pay}/refund`)
    assert.include(post.headers["content-type"] ?? "", "application/json")
    assert.match(post.headers["user-agent"] ?? "", /^razorpay-node@2\.9\.8$/)

    assert.strictEqual((await razorpay.refunds.fetch(refund.id)).status, "pending")
    assert.strictEqual((await razorpay.refunds.fetch(refund.id)).status, "pending", "reads never move a refund")
    await emu.clock.advance(RazorpayEmulator.numbers.timing.settleAfterMillis)
    const processed = await razorpay.refunds.fetch(refund.id)
    assert.strictEqual(processed.status, "processed")
    assert.match(String(processed.acquirer_data?.["arn"]), /^\d{14}$/)
    assert.strictEqual((await razorpay.refunds.fetch(refund.id, { payment_id: pay })).id, refund.id)
    assert.strictEqual((await razorpay.payments.fetchRefund(pay, refund.id)).status, "processed")

    // The optimum (instant) variant and the rest of the payment.
    const instant = await razorpay.payments.refund(pay, { amount: "100" as unknown as number, speed: "optimum" })
    assert.deepInclude(instant, { amount: 100, speed_requested: "optimum", speed_processed: "instant" })
    const rest = await razorpay.payments.refund(pay, {})
    assert.strictEqual(rest.amount, 50_000 - 20_000 - 100)

    const forPayment = await razorpay.payments.fetchMultipleRefund(pay, { count: 2 })
    assert.strictEqual(forPayment.entity, "collection")
    assert.deepStrictEqual(forPayment.items.map((r) => r.id), [rest.id, instant.id])
    // refunds.all always sends count and skip (defaults 10 and 0); from/to as unix seconds.
    const all = await razorpay.refunds.all({ skip: 1 })
    assert.deepStrictEqual(all.items.map((r) => r.id), [instant.id, refund.id])
    const now = Math.floor(emu.clock.now() / 1000)
    assert.lengthOf((await razorpay.refunds.all({ from: now + 60, to: now + 120 })).items, 0)

    const edited = await razorpay.refunds.edit(refund.id, { notes: { note_key: "Beam me up" } })
    assert.deepStrictEqual(edited.notes, { note_key: "Beam me up" })
  })

  it("rejects with { statusCode, error } carrying Razorpay's code, description and field", async () => {
    const razorpay = sdk()
    const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })

    const over = await rejection<SdkError>(razorpay.payments.refund(pay, { amount: 5_000 }))
    assert.strictEqual(over.statusCode, 400)
    assert.deepStrictEqual(over.error, {
      code: "BAD_REQUEST_ERROR",
      description: "The refund amount provided is greater than amount captured",
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      metadata: {}
    })

    // A parameter the reference does not list, sent through the SDK (which forwards params as given).
    const unknown = await rejection<SdkError>(razorpay.payments.refund(pay, { amount: 100, currency: "INR" } as never))
    assert.strictEqual(unknown.statusCode, 400)
    assert.strictEqual(unknown.error.description, "currency is/are not required and should not be sent")
    assert.isUndefined(unknown.error.field)

    const speed = await rejection<SdkError>(razorpay.payments.refund(pay, { amount: 100, speed: "instant" as never }))
    assert.strictEqual(speed.error.description, "The selected speed is invalid.")
    assert.strictEqual(speed.error.field, "speed")

    const notes = await rejection<SdkError>(
      razorpay.payments.refund(pay, { notes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])) })
    )
    assert.strictEqual(notes.error.field, "notes")

    const missing = await rejection<SdkError>(razorpay.refunds.fetch("rfnd_AAAAAAAAAAAAAA"))
    assert.strictEqual(missing.statusCode, 400)
    assert.strictEqual(missing.error.description, "The id provided does not exist")

    const malformed = await rejection<SdkError>(razorpay.payments.refund("pay_short", { amount: 100 }))
    assert.strictEqual(malformed.error.description, "pay_short is not a valid id")

    await razorpay.payments.refund(pay, {})
    const full = await rejection<SdkError>(razorpay.payments.refund(pay, { amount: 100 }))
    assert.strictEqual(full.error.description, "The payment has been fully refunded already")

    const count = await rejection<SdkError>(razorpay.refunds.all({ count: 101 }))
    assert.strictEqual(count.error.description, "The count may not be greater than 100.")
    assert.lengthOf(emu.refunds(), 1)
  })

  it("rejects wrong keys with 401 and never echoes the secret", async () => {
    const wrongKey = await rejection<SdkError>(sdk("rzp_test_WrongKeyId0000").refunds.all())
    assert.strictEqual(wrongKey.statusCode, 401)
    assert.strictEqual(wrongKey.error.description, "The api key provided is invalid")
    const wrongSecret = await rejection<SdkError>(sdk(undefined, "NotTheSecret000000000000").refunds.all())
    assert.strictEqual(wrongSecret.statusCode, 401)
    assert.strictEqual(wrongSecret.error.description, "The api secret provided is invalid")
    assert.notInclude(JSON.stringify(wrongSecret), "NotTheSecret")
  })

  it("surfaces injected 429 and 5xx answers as the SDK's rejections", async () => {
    const razorpay = sdk()
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 })
    const limited = await rejection<SdkError>(razorpay.refunds.all())
    assert.strictEqual(limited.statusCode, 429)
    assert.strictEqual(limited.error.code, "BAD_REQUEST_ERROR")
    emu.injectFault({ _tag: "ServerError", status: 503 })
    const down = await rejection<SdkError>(razorpay.refunds.all())
    assert.strictEqual(down.statusCode, 503)
    assert.strictEqual(down.error.code, "SERVER_ERROR")
  })

  it("validateWebhookSignature accepts every delivery the emulator signs, and refuses altered ones", async () => {
    const razorpay = sdk()
    const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
    emu.scriptOutcome(pay, "failed")
    const refund = await razorpay.payments.refund(pay, { amount: 2_500 })
    await emu.advance(refund.id)
    await emu.flushWebhooks()
    assert.lengthOf(receiver.received, 2)
    const events: Array<string> = []
    for (const delivery of receiver.received) {
      const signature = String(delivery.headers["x-razorpay-signature"])
      assert.isTrue(Razorpay.validateWebhookSignature(delivery.body, signature, emu.webhookSecret))
      assert.isFalse(Razorpay.validateWebhookSignature(delivery.body, signature, "someone-elses-secret"))
      events.push((JSON.parse(delivery.body) as { event: string }).event)
    }
    assert.deepStrictEqual(events, ["refund.created", "refund.failed"])
    const tampered = emu.signedWebhook(refund.id, { tamper: true })
    assert.isFalse(Razorpay.validateWebhookSignature(tampered.body, tampered.headers["x-razorpay-signature"]!, emu.webhookSecret))
    const foreign = emu.signedWebhook(refund.id, { secret: "another-secret" })
    assert.isFalse(Razorpay.validateWebhookSignature(foreign.body, foreign.headers["x-razorpay-signature"]!, emu.webhookSecret))
    assert.isTrue(Razorpay.validateWebhookSignature(foreign.body, foreign.headers["x-razorpay-signature"]!, "another-secret"))
  })

  it("R1: the SDK and the emulator agree on razorpay-node's published vector", () => {
    // razorpay-node test/utils/razorpay-utils.spec.js (processors.md §11, R1).
    const body = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}"
    const signature = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"
    assert.isTrue(Razorpay.validateWebhookSignature(body, signature, "123456"))
    assert.isFalse(Razorpay.validateWebhookSignature(body, "sdfafds", "123456"))
    assert.strictEqual(RazorpayEmulator.signature(body, "123456"), signature)
    // Whatever the emulator signs, the SDK accepts (unicode and empty bodies included).
    for (const [text, secret] of [["", "s"], ["{\"note\":\"₹ 😀\"}", "rzp_emulator_webhook_secret"], ["x".repeat(5_000), "k"]] as const) {
      assert.isTrue(Razorpay.validateWebhookSignature(text, RazorpayEmulator.signature(text, secret), secret), text.slice(0, 20))
    }
  })
})
