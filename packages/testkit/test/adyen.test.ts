import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { AdyenEmulator } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, startReceiver, until } from "./helpers.ts"

interface NotificationItem {
  readonly additionalData: { readonly hmacSignature: string }
  readonly amount: { readonly currency: string; readonly value: number }
  readonly eventCode: string
  readonly eventDate: string
  readonly merchantAccountCode: string
  readonly merchantReference: string
  readonly originalReference: string
  readonly pspReference: string
  readonly reason: string
  readonly success: string
}

const itemOf = (body: string): NotificationItem => {
  const parsed = JSON.parse(body)
  assert.strictEqual(parsed.live, "false")
  assert.lengthOf(parsed.notificationItems, 1)
  return parsed.notificationItems[0].NotificationRequestItem
}

/** Independent recomputation of Adyen's HMAC (hex key, ":"-joined fields, base64). */
const expectedHmac = (item: NotificationItem, hexKey: string) =>
  createHmac("sha256", Buffer.from(hexKey, "hex"))
    .update(
      [
        item.pspReference,
        item.originalReference,
        item.merchantAccountCode,
        item.merchantReference,
        item.amount.value,
        item.amount.currency,
        item.eventCode,
        item.success
      ].join(":")
    )
    .digest("base64")

const client = (emu: EmulatorHandle) => ({
  refund: (psp: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${emu.url}/payments/${psp}/refunds`, {
      method: "POST",
      headers: { "x-api-key": emu.credentials.apiKey!, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body)
    }),
  raw: (psp: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${emu.url}/payments/${psp}/refunds`, {
      method: "POST",
      headers: { "x-api-key": emu.credentials.apiKey!, "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })
})

describe("Adyen emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver
  let merchantAccount: string

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "[accepted]" }))
    // A manual clock: refunds never move on their own; `advance` (or moving the clock) drives the notifications.
    emu = await AdyenEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
    merchantAccount = emu.credentials.merchantAccount!
  })
  afterEach(() => {
    emu.reset()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 200, body: "[accepted]" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  const body = (value: number, currency = "EUR", extra: Record<string, unknown> = {}) => ({
    merchantAccount,
    amount: { currency, value },
    ...extra
  })

  it("exposes the v71 base URL and test credentials", () => {
    assert.strictEqual(emu.name, "adyen")
    assert.strictEqual(emu.url, `${emu.origin}/v71`)
    assert.strictEqual(emu.webhookSecret, emu.credentials.hmacKey)
    assert.match(emu.webhookSecret, /^[0-9A-F]{64}$/)
  })

  describe("auth", () => {
    it("answers 401 with Adyen's security error for a wrong or missing key", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      for (const headers of [{ "x-api-key": "AQE_wrong" }, {}]) {
        const res = await request(`${emu.url}/payments/${psp}/refunds`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body(100))
        })
        assert.strictEqual(res.status, 401)
        assert.deepInclude(res.json, {
          status: 401,
          errorCode: "000",
          message: "HTTP Status Response - Unauthorized",
          errorType: "security"
        })
      }
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[0]!.headers["x-api-key"], "[REDACTED]")
    })

    it("accepts the web-service user over Basic auth", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const basic = Buffer.from(`${emu.credentials.username}:${emu.credentials.password}`).toString("base64")
      const res = await request(`${emu.url}/payments/${psp}/refunds`, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/json" },
        body: JSON.stringify(body(100))
      })
      assert.strictEqual(res.status, 201)
      assert.strictEqual(emu.requests()[0]!.headers["authorization"], "Basic [REDACTED]")
    })

    it("rejects an unknown merchant account with 403 901", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(psp, { ...body(100), merchantAccount: "SomebodyElse" })
      assert.strictEqual(res.status, 403)
      assert.deepInclude(res.json, { status: 403, errorCode: "901", message: "Invalid Merchant Account", errorType: "security" })
      assert.match(res.json.pspReference, /^[A-Z0-9]{16}$/)
    })
  })

  describe("create", () => {
    it("answers 201 received and records the refund", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR", reference: "order-7" })
      assert.match(psp, /^[A-Z0-9]{16}$/)
      const res = await api.refund(psp, body(250, "EUR", { reference: "refund-7", merchantRefundReason: "RETURN" }))
      assert.strictEqual(res.status, 201)
      const refund = res.json
      assert.strictEqual(refund.merchantAccount, merchantAccount)
      assert.strictEqual(refund.paymentPspReference, psp)
      assert.match(refund.pspReference, /^[A-Z0-9]{16}$/)
      assert.strictEqual(refund.reference, "refund-7")
      assert.strictEqual(refund.status, "received")
      assert.deepStrictEqual(refund.amount, { currency: "EUR", value: 250 })
      assert.strictEqual(refund.merchantRefundReason, "RETURN")
      const [state] = emu.refunds()
      assert.strictEqual(state!.id, refund.pspReference)
      assert.strictEqual(state!.status, "received")
      assert.strictEqual(state!.reference, "refund-7")
      await emu.flushWebhooks()
      assert.lengthOf(receiver.received, 0, "no notification before the outcome")
    })

    it("validates like Adyen: 400 702 for bad JSON, 422 for missing or bad fields, 422 167 for unknown payments", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const badJson = await api.refund(psp, "{\"merchantAccount\":")
      assert.strictEqual(badJson.status, 400)
      assert.deepInclude(badJson.json, { status: 400, errorCode: "702", errorType: "validation" })
      const noAmount = await api.refund(psp, { merchantAccount })
      assert.strictEqual(noAmount.status, 422)
      assert.deepInclude(noAmount.json, { errorCode: "100", message: "Required object 'amount' is not provided." })
      const noMerchant = await api.refund(psp, { amount: { currency: "EUR", value: 1 } })
      assert.strictEqual(noMerchant.status, 422)
      for (const value of [0, -5]) {
        const bad = await api.refund(psp, { merchantAccount, amount: { currency: "EUR", value } })
        assert.strictEqual(bad.status, 422)
        assert.deepInclude(bad.json, { errorCode: "137", errorType: "validation" })
      }
      // Not an int64 at all: the body cannot be read into PaymentRefundRequest (see test/adyen-request.test.ts).
      for (const value of [1.5, "100"]) {
        const bad = await api.refund(psp, { merchantAccount, amount: { currency: "EUR", value } })
        assert.strictEqual(bad.status, 400)
        assert.deepInclude(bad.json, { errorCode: "702", errorType: "validation" })
      }
      const badReason = await api.refund(psp, body(1, "EUR", { merchantRefundReason: "BORED" }))
      assert.strictEqual(badReason.status, 422)
      const unknown = await api.refund("ZZZZZZZZZZZZZZZZ", body(100))
      assert.strictEqual(unknown.status, 422)
      assert.deepInclude(unknown.json, { errorCode: "167", errorType: "validation" })
      assert.lengthOf(emu.refunds(), 0)
      const notFound = await request(`${emu.origin}/v71/payments`, { headers: { "x-api-key": emu.credentials.apiKey! } })
      assert.strictEqual(notFound.status, 404)
    })

    it("accepts an over-refund, then rejects it in the REFUND notification", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      await api.refund(psp, body(800))
      const res = await api.refund(psp, body(300))
      assert.strictEqual(res.status, 201)
      assert.strictEqual(res.json.status, "received")
      await emu.advance(res.json.pspReference)
      const item = itemOf(receiver.received[0]!.body)
      assert.strictEqual(item.eventCode, "REFUND")
      assert.strictEqual(item.success, "false")
      assert.strictEqual(item.reason, "Insufficient balance on payment")
      assert.strictEqual(item.pspReference, res.json.pspReference)
      // The doomed refund never held funds: 200 can still be refunded.
      const ok = await api.refund(psp, body(200))
      await emu.advance(ok.json.pspReference)
      assert.strictEqual(itemOf(receiver.received[1]!.body).success, "true")
    })

    it("rejects a refund in another currency asynchronously", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(psp, body(100, "USD"))
      assert.strictEqual(res.status, 201)
      await emu.advance(res.json.pspReference)
      const item = itemOf(receiver.received[0]!.body)
      assert.strictEqual(item.success, "false")
      assert.strictEqual(item.reason, "Modification in different currency than authorisation")
    })
  })

  describe("outcomes and notifications", () => {
    const expectations: ReadonlyArray<[Outcome, ReadonlyArray<[string, string]>, ReadonlyArray<string>]> = [
      ["succeeded", [["REFUND", "true"]], ["received", "refunded"]],
      ["failed", [["REFUND", "false"]], ["received", "rejected"]],
      ["canceled", [["REFUND", "false"]], ["received", "rejected"]],
      ["requires_action", [], ["received"]],
      ["succeeded_then_reversed", [["REFUND", "true"], ["REFUNDED_REVERSED", "true"]], [
        "received",
        "refunded",
        "refunded_reversed"
      ]],
      ["succeeded_then_failed", [["REFUND", "true"], ["REFUND_FAILED", "true"]], [
        "received",
        "refunded",
        "refund_failed"
      ]]
    ]
    for (const [outcome, events, statuses] of expectations) {
      it(`delivers signed notifications for ${outcome}`, async () => {
        const psp = await emu.createPayment({ amount: 1000, currency: "EUR", reference: "order-1" })
        emu.scriptOutcome(psp, outcome)
        const res = await api.refund(psp, body(400, "EUR", { reference: "refund-1" }))
        const id = res.json.pspReference
        for (let i = 0; i < 3; i++) await emu.advance(id)
        assert.deepStrictEqual(
          receiver.received.map((r) => {
            const item = itemOf(r.body)
            return [item.eventCode, item.success] as [string, string]
          }),
          [...events]
        )
        for (const delivery of receiver.received) {
          const item = itemOf(delivery.body)
          assert.strictEqual(item.additionalData.hmacSignature, expectedHmac(item, emu.webhookSecret))
          assert.isTrue(AdyenEmulator.verifyHmacSignature(item, emu.webhookSecret))
          assert.strictEqual(item.pspReference, id)
          assert.strictEqual(item.originalReference, psp)
          assert.strictEqual(item.merchantAccountCode, merchantAccount)
          assert.strictEqual(item.merchantReference, "refund-1")
          assert.deepStrictEqual(item.amount, { currency: "EUR", value: 400 })
          assert.match(item.eventDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
          if (item.success === "false") assert.notStrictEqual(item.reason, "")
          assert.strictEqual(delivery.headers["content-type"], "application/json")
        }
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), statuses)
        const deliveries = emu.webhookDeliveries()
        assert.lengthOf(deliveries, events.length)
        assert.isTrue(deliveries.every((d) => d.accepted && d.responseBody === "[accepted]"))
      })
    }

    it("uses the payment reference when the refund has none, and a scripted reason", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR", reference: "order-9" })
      emu.scriptOutcome(psp, "failed", { reason: "Refused" })
      const res = await api.refund(psp, body(100))
      await emu.advance(res.json.pspReference)
      const item = itemOf(receiver.received[0]!.body)
      assert.strictEqual(item.merchantReference, "order-9")
      assert.strictEqual(item.reason, "Refused")
    })

    it("records whether the receiver answered [accepted]", async () => {
      receiver.respond = () => ({ status: 200, body: "ok" })
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(psp, body(100))
      await emu.advance(res.json.pspReference)
      const [delivery] = emu.webhookDeliveries()
      assert.strictEqual(delivery!.status, 200)
      assert.strictEqual(delivery!.responseBody, "ok")
      assert.isFalse(delivery!.accepted)
    })

    it("lets time drive the notifications: REFUND after the settle delay, REFUNDED_REVERSED days later", async () => {
      const { settleAfterMillis, reversalAfterMillis } = AdyenEmulator.numbers.timing
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.scriptOutcome(psp, "succeeded_then_reversed")
      const res = await api.refund(psp, body(100))
      const createdAt = emu.clock.now()
      await emu.clock.advance(settleAfterMillis - 1)
      assert.lengthOf(receiver.received, 0, "nothing before the settle delay")
      await emu.clock.advance(1)
      // advance resolves once the notifications it caused were delivered.
      assert.deepStrictEqual(receiver.received.map((d) => itemOf(d.body).eventCode), ["REFUND"])
      await emu.clock.advance(reversalAfterMillis)
      const deliveries = receiver.received
      assert.deepStrictEqual(deliveries.map((d) => itemOf(d.body).eventCode), ["REFUND", "REFUNDED_REVERSED"])
      assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => [h.via, h.at - createdAt]), [
        ["create", 0],
        ["timer", settleAfterMillis],
        ["timer", settleAfterMillis + reversalAfterMillis]
      ])
      assert.strictEqual(itemOf(deliveries[0]!.body).pspReference, res.json.pspReference)
      // Event times come from the emulator clock, not the wall clock.
      assert.strictEqual(itemOf(deliveries[1]!.body).eventDate, AdyenEmulator.eventDate(createdAt + settleAfterMillis + reversalAfterMillis))
    })

    it("batches items for the same merchant account into one POST when asked", async () => {
      const batched = await AdyenEmulator.start({ clock: "manual", webhookUrl: receiver.url, batchNotifications: { windowMillis: 500 } })
      try {
        const psps = await Promise.all([1, 2, 3].map(() => batched.createPayment({ amount: 1000, currency: "EUR" })))
        const refunds: Array<string> = []
        for (const psp of psps) {
          refunds.push((await client(batched).refund(psp, { merchantAccount: batched.credentials.merchantAccount, amount: { currency: "EUR", value: 100 } })).json.pspReference)
        }
        for (const id of refunds) await batched.advance(id)
        assert.lengthOf(receiver.received, 0, "the batch waits for its window")
        await batched.clock.advance(500)
        assert.lengthOf(receiver.received, 1, "one POST")
        const items = JSON.parse(receiver.received[0]!.body).notificationItems.map((i: { NotificationRequestItem: NotificationItem }) => i.NotificationRequestItem)
        assert.deepStrictEqual(items.map((i: NotificationItem) => i.pspReference), refunds)
        for (const item of items) assert.strictEqual(item.additionalData.hmacSignature, expectedHmac(item, batched.webhookSecret))
        const [delivery] = batched.webhookDeliveries()
        assert.deepStrictEqual(delivery!.events.map((e) => e.refundId), refunds)
        assert.isTrue(delivery!.accepted)
        assert.isTrue(batched.webhookEvents().every((e) => e.acknowledged && e.attempts.length === 1))
      } finally {
        await batched.close()
      }
    })

    it("signedWebhook builds verifiable, tampered and foreign-key notifications", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(psp, body(100))
      const id = res.json.pspReference
      const good = itemOf(emu.signedWebhook(id).body)
      assert.strictEqual(good.eventCode, "REFUND")
      assert.strictEqual(good.additionalData.hmacSignature, expectedHmac(good, emu.webhookSecret))
      const tampered = itemOf(emu.signedWebhook(id, { tamper: true }).body)
      assert.strictEqual(tampered.amount.value, 101)
      assert.isFalse(AdyenEmulator.verifyHmacSignature(tampered, emu.webhookSecret))
      const otherKey = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
      const foreign = itemOf(emu.signedWebhook(id, { secret: otherKey, eventType: "REFUND_FAILED" }).body)
      assert.strictEqual(foreign.eventCode, "REFUND_FAILED")
      assert.isFalse(AdyenEmulator.verifyHmacSignature(foreign, emu.webhookSecret))
      assert.isTrue(AdyenEmulator.verifyHmacSignature(foreign, otherKey))
    })
  })

  describe("idempotency", () => {
    it("replays the first answer for the same key and echoes the key", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const first = await api.refund(psp, body(100), { "idempotency-key": "adyen-key-1" })
      const second = await api.refund(psp, body(100), { "idempotency-key": "adyen-key-1" })
      assert.strictEqual(second.status, 201)
      assert.strictEqual(second.text, first.text)
      assert.strictEqual(second.headers.get("idempotency-key"), "adyen-key-1")
      assert.strictEqual(first.headers.get("idempotency-key"), "adyen-key-1")
      // Adyen does not compare bodies: another body under the same key still gets the first answer.
      const other = await api.refund(psp, body(999), { "idempotency-key": "adyen-key-1" })
      assert.strictEqual(other.text, first.text)
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.refunds()[0]!.idempotencyKey, "adyen-key-1")
    })

    it("stores non-transient errors against the key", async () => {
      const first = await api.refund("ZZZZZZZZZZZZZZZZ", body(100), { "idempotency-key": "adyen-key-2" })
      assert.strictEqual(first.status, 422)
      const second = await api.refund("ZZZZZZZZZZZZZZZZ", body(100), { "idempotency-key": "adyen-key-2" })
      assert.strictEqual(second.text, first.text)
    })

    it("marks 5xx as Transient-Error and lets the same key run again", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "ServerError", status: 503 })
      const failed = await api.refund(psp, body(100), { "idempotency-key": "adyen-key-3" })
      assert.strictEqual(failed.status, 503)
      assert.strictEqual(failed.headers.get("transient-error"), "true")
      assert.deepInclude(failed.json, { status: 503, errorType: "internal" })
      const retried = await api.refund(psp, body(100), { "idempotency-key": "adyen-key-3" })
      assert.strictEqual(retried.status, 201)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("answers 422 704 while the first request with the key is in flight", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 250 })
      const slow = api.refund(psp, body(100), { "idempotency-key": "adyen-key-4" })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      const concurrent = await api.refund(psp, body(100), { "idempotency-key": "adyen-key-4" })
      assert.strictEqual(concurrent.status, 422)
      assert.deepInclude(concurrent.json, { errorCode: "704" })
      await emu.clock.advance(250)
      assert.strictEqual((await slow).status, 201)
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("faults", () => {
    it("RateLimit answers 429 with Retry-After", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 })
      const res = await api.refund(psp, body(100))
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "3")
      assert.strictEqual(res.json.status, 429)
      assert.lengthOf(emu.refunds(), 0)
    })

    it("DropBeforeRecord leaves no refund, DropAfterRecord exactly one (and a keyed retry replays it)", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "DropBeforeRecord" })
      assert.isFalse((await api.raw(psp, body(100), { "idempotency-key": "drop-a" })).ok)
      assert.lengthOf(emu.refunds(), 0)
      emu.injectFault({ _tag: "DropAfterRecord" })
      assert.isFalse((await api.raw(psp, body(100), { "idempotency-key": "drop-b" })).ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.refund(psp, body(100), { "idempotency-key": "drop-b" })
      assert.strictEqual(retry.status, 201)
      assert.strictEqual(retry.json.pspReference, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow answers late with the refund already recorded; MalformedBody answers 200 garbage", async () => {
      const psp = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 200 })
      const pending = api.refund(psp, body(100))
      await until(() => emu.refunds().length === 1, "the refund to be recorded")
      await emu.clock.advance(200)
      assert.strictEqual((await pending).status, 201)
      emu.injectFault({ _tag: "MalformedBody" }, { method: "POST", path: /\/refunds$/ })
      const malformed = await api.refund(psp, body(100))
      assert.strictEqual(malformed.status, 200)
      assert.isUndefined(malformed.json)
      assert.lengthOf(emu.refunds(), 2)
    })
  })
})
