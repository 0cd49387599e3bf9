/**
 * Keeps the Adyen emulator honest: Adyen's official Node library (@adyen/api-library 32.1.0) must work against
 * it unchanged. The library only speaks HTTPS to Adyen's hosts, so it goes through a TLS front on loopback
 * (`startTlsProxy`) and its modifications service is pointed at that front.
 */
import { Client, CheckoutAPI, EnvironmentEnum, HttpClientException, hmacValidator, Types } from "@adyen/api-library"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { AdyenEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { readFileSync } from "node:fs"
import { type Receiver, startReceiver, startTlsProxy, type TlsProxy } from "./helpers.ts"

type ModificationsApi = CheckoutAPI["ModificationsApi"]
type PaymentRefundRequest = Types.checkout.PaymentRefundRequest
type NotificationItem = Types.notification.NotificationRequestItem

const NotificationRequestItem = Types.notification.NotificationRequestItem

describe("official Adyen library against the emulator", () => {
  let emu: EmulatorHandle
  let proxy: TlsProxy
  let receiver: Receiver

  /**
   * The library's modifications service, as an integration builds it, pointed at the emulator. The library has no
   * setting for another host: its `baseUrl` (https://checkout-test.adyen.com/v72 in TEST) gets the proxy's origin.
   * `certificatePath: "unencrypted"` is the library's own switch for a server whose certificate it cannot check.
   */
  const modifications = (credentials: { apiKey?: string; username?: string; password?: string } = { apiKey: emu.credentials.apiKey! }): ModificationsApi => {
    const client = new Client({ ...credentials, environment: EnvironmentEnum.TEST, certificatePath: "unencrypted" })
    const api = new CheckoutAPI(client).ModificationsApi
    const target = api as unknown as { baseUrl: string }
    target.baseUrl = target.baseUrl.replace("https://checkout-test.adyen.com", proxy.url)
    return api
  }

  const refundRequest = (value: number, extra: Partial<PaymentRefundRequest> = {}): PaymentRefundRequest => ({
    merchantAccount: emu.credentials.merchantAccount!,
    amount: { currency: "EUR", value },
    ...extra
  })

  /** The library's error for a call that must fail. */
  const failure = async (call: Promise<unknown>): Promise<HttpClientException> => {
    const error = await call.then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, HttpClientException)
    return error as HttpClientException
  }

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "[accepted]" }))
    emu = await AdyenEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    proxy = await startTlsProxy(emu.origin)
  })
  afterEach(() => {
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await proxy.close()
    await emu.close()
    await receiver.close()
  })

  it("refundCapturedPayment creates a refund: 201 received, the library's own response type, the key echoed", async () => {
    const psp = await emu.createPayment({ amount: 5000, currency: "EUR", reference: "order-1" })
    const request = refundRequest(1200, {
      reference: "refund-1",
      merchantRefundReason: Types.checkout.PaymentRefundRequest.MerchantRefundReasonEnum.CustomerRequest
    })
    const response = await modifications().refundCapturedPayment(psp, request, { idempotencyKey: "adyen-sdk-1" })
    assert.strictEqual(response.status, Types.checkout.PaymentRefundResponse.StatusEnum.Received)
    assert.strictEqual(response.paymentPspReference, psp)
    assert.match(response.pspReference, /^[A-Z0-9]{16}$/)
    assert.deepStrictEqual(response.amount, { currency: "EUR", value: 1200 })
    assert.strictEqual(response.reference, "refund-1")
    assert.strictEqual(response.merchantRefundReason, "CUSTOMER REQUEST")
    const sent = emu.requests().at(-1)!
    assert.strictEqual(sent.path, `/v72/payments/${psp}/refunds`, "the library's own API version")
    assert.strictEqual(sent.headers["idempotency-key"], "adyen-sdk-1")
    assert.strictEqual(sent.headers["x-api-key"], "[REDACTED]")
    const replay = await modifications().refundCapturedPayment(psp, request, { idempotencyKey: "adyen-sdk-1" })
    assert.strictEqual(replay.pspReference, response.pspReference)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("authenticates the library's Basic credentials for a web-service user too", async () => {
    const psp = await emu.createPayment({ amount: 5000, currency: "EUR" })
    const response = await modifications({ username: emu.credentials.username!, password: emu.credentials.password! })
      .refundCapturedPayment(psp, refundRequest(100))
    assert.strictEqual(response.status, "received")
  })

  it("the library parses every error body into HttpClientException with Adyen's status, errorCode and errorType", async () => {
    const psp = await emu.createPayment({ amount: 5000, currency: "EUR" })
    const cases: ReadonlyArray<readonly [string, Promise<unknown>, number, string, string]> = [
      ["wrong key", modifications({ apiKey: "AQE_not_the_key" }).refundCapturedPayment(psp, refundRequest(100)), 401, "000", "security"],
      ["other merchant account", modifications().refundCapturedPayment(psp, { ...refundRequest(100), merchantAccount: "Other" }), 403, "901", "security"],
      ["zero amount", modifications().refundCapturedPayment(psp, refundRequest(0)), 422, "137", "validation"],
      ["lower-case currency", modifications().refundCapturedPayment(psp, { ...refundRequest(100), amount: { currency: "eur", value: 100 } }), 422, "137", "validation"],
      ["unknown payment", modifications().refundCapturedPayment("ZZZZZZZZZZZZZZZZ", refundRequest(100)), 422, "167", "validation"],
      ["over-long reference", modifications().refundCapturedPayment(psp, refundRequest(100, { reference: "r".repeat(81) })), 422, "000", "validation"],
      [
        "a split without its required type",
        modifications().refundCapturedPayment(psp, refundRequest(100, { splits: [{ account: "BA1" } as Types.checkout.Split] })),
        422,
        "000",
        "validation"
      ]
    ]
    for (const [name, call, status, errorCode, errorType] of cases) {
      const error = await failure(call)
      assert.strictEqual(error.statusCode, status, name)
      assert.strictEqual(error.errorCode, errorCode, name)
      assert.strictEqual(error.apiError?.errorType, errorType, name)
      assert.strictEqual(error.apiError?.status, status, name)
      assert.match(error.apiError?.pspReference ?? "", /^[A-Z0-9]{16}$/, name)
      assert.include(error.message, `HTTP Exception: ${status}.`, name)
    }
    assert.lengthOf(emu.refunds(), 0)
  })

  it("the library surfaces a structural refusal (400 702) and the transient-error header of a 5xx", async () => {
    const psp = await emu.createPayment({ amount: 5000, currency: "EUR" })
    // The library's types say int64; a caller that passes a string anyway gets Adyen's structural refusal.
    const typed = await failure(
      modifications().refundCapturedPayment(psp, { ...refundRequest(100), amount: { currency: "EUR", value: "100" as unknown as number } })
    )
    assert.strictEqual(typed.statusCode, 400)
    assert.strictEqual(typed.errorCode, "702")
    assert.strictEqual(typed.apiError?.message, "The 'amount.value' field is invalid. Expected an integer (int64)")
    emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST" })
    const transient = await failure(modifications().refundCapturedPayment(psp, refundRequest(100), { idempotencyKey: "k-503" }))
    assert.strictEqual(transient.statusCode, 503)
    assert.strictEqual(transient.responseHeaders?.["transient-error"], "true")
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { method: "POST" })
    const limited = await failure(modifications().refundCapturedPayment(psp, refundRequest(100)))
    assert.strictEqual(limited.statusCode, 429)
    assert.strictEqual(limited.responseHeaders?.["retry-after"], "3")
    assert.lengthOf(emu.refunds(), 0)
  })

  it("HmacValidator verifies every notification item the emulator signs, batched or not, for every refund event", async () => {
    const batched = await AdyenEmulator.start({ clock: "manual", webhookUrl: receiver.url, batchNotifications: { windowMillis: 1_000, maxItems: 10 } })
    try {
      const outcomes = ["succeeded", "failed", "succeeded_then_failed", "succeeded_then_reversed"] as const
      for (const outcome of outcomes) {
        const psp = await batched.createPayment({ amount: 1000, currency: "EUR", reference: `order-${outcome}` })
        batched.scriptOutcome(psp, outcome)
        const res = await fetch(`${batched.url}/payments/${psp}/refunds`, {
          method: "POST",
          headers: { "x-api-key": batched.credentials.apiKey!, "content-type": "application/json" },
          body: JSON.stringify({ merchantAccount: batched.credentials.merchantAccount, amount: { currency: "EUR", value: 500 } })
        })
        assert.strictEqual(res.status, 201)
      }
      await batched.clock.advance(AdyenEmulator.numbers.timing.settleAfterMillis + 1_000)
      await batched.clock.advance(AdyenEmulator.numbers.timing.reversalAfterMillis + 1_000)
      const validator = new hmacValidator()
      const hmacKey = batched.webhookSecret
      const items: Array<NotificationItem> = []
      for (const delivery of receiver.received) {
        const body = JSON.parse(delivery.body) as { live: string; notificationItems: ReadonlyArray<{ NotificationRequestItem: NotificationItem }> }
        assert.strictEqual(body.live, "false")
        items.push(...body.notificationItems.map((wrapper) => wrapper.NotificationRequestItem))
      }
      assert.isBelow(receiver.received.length, items.length, "some POSTs carry several items")
      assert.deepStrictEqual(items.map((i) => `${i.eventCode}:${i.success}`).toSorted(), [
        "REFUND:false",
        "REFUND:true",
        "REFUND:true",
        "REFUND:true",
        "REFUNDED_REVERSED:true",
        "REFUND_FAILED:true"
      ])
      const known = new Set(NotificationRequestItem.getAttributeTypeMap().map((a) => a.baseName))
      for (const item of items) {
        assert.isTrue(validator.validateHMAC(item, hmacKey), `${item.eventCode} verifies`)
        assert.strictEqual(validator.calculateHmac(item, hmacKey), item.additionalData?.["hmacSignature"])
        assert.isFalse(validator.validateHMAC({ ...item, amount: { ...item.amount, value: item.amount.value! + 1 } }, hmacKey))
        assert.isFalse(validator.validateHMAC(item, "00".repeat(32)))
        // Every field is one the library's NotificationRequestItem knows, with the values its enums allow.
        for (const key of Object.keys(item)) assert.isTrue(known.has(key), `unknown field ${key}`)
        assert.include(Object.values(NotificationRequestItem.EventCodeEnum), item.eventCode)
        assert.include(Object.values(NotificationRequestItem.SuccessEnum), item.success)
        assert.match(item.eventDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/)
      }
    } finally {
      await batched.close()
    }
  })

  it("HmacValidator and the emulator's verifier agree on Adyen's published vectors", () => {
    // processors.md §11 A6–A9: byte-exact copies of Adyen/adyen-ruby-api-library's webhook mocks.
    const key = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"
    const validator = new hmacValidator()
    for (const name of ["backslash", "colon", "forwardslash", "mixed"]) {
      const text = readFileSync(new URL(`./fixtures/webhooks/adyen/ruby_${name}_webhook.json`, import.meta.url), "utf8")
      // Each file is one NotificationRequestItem.
      const item = JSON.parse(text) as NotificationItem
      assert.isTrue(validator.validateHMAC(item, key), name)
      assert.isTrue(AdyenEmulator.verifyHmacSignature(item as Parameters<typeof AdyenEmulator.verifyHmacSignature>[0], key), name)
      assert.strictEqual(AdyenEmulator.hmacSignature(item as Parameters<typeof AdyenEmulator.hmacSignature>[0], key), validator.calculateHmac(item, key))
    }
  })
})
