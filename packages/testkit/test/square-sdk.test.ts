/**
 * Keeps the Square emulator honest: Square's official Node SDK (`square` 46.0.0, square-nodejs-sdk) must work
 * against it unchanged (`new SquareClient({ token, baseUrl })`), raise `SquareError` with Square's `errors[]`
 * for its refusals, and accept its webhook signatures with `WebhooksHelper.verifySignature`.
 *
 * The SDK pins `Square-Version: 2026-09-16`, newer than the spec the emulator serves (2025-08-20); the emulator
 * answers any well-formed version and echoes it.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { SquareClient, SquareError, WebhooksHelper } from "square"
import { type Receiver, rejection, startReceiver } from "./helpers.ts"


let keys = 0
const newKey = () => `sdk-${Date.now().toString(36)}-${keys++}`

describe("official square SDK (square-nodejs-sdk) against the emulator", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  const sdk = (token = emu.credentials.accessToken!, maxRetries = 0) => new SquareClient({ token, baseUrl: emu.url, maxRetries })

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await SquareEmulator.start({ clock: "manual", webhookUrl: receiver.url, listLagMillis: 0 })
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

  it("refunds.refundPayment creates, refunds.get reads (PENDING → COMPLETED), refunds.list pages", async () => {
    const square = sdk()
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "USD" })
    const created = await square.refunds.refundPayment({
      idempotencyKey: newKey(),
      amountMoney: { amount: BigInt(1_000), currency: "USD" },
      paymentId,
      reason: "Requested by customer",
      teamMemberId: "TMoK_jBpFrvEQDOE"
    })
    const refund = created.refund!
    assert.strictEqual(refund.status, "PENDING")
    assert.strictEqual(refund.amountMoney?.amount, BigInt(1_000))
    assert.strictEqual(refund.amountMoney?.currency, "USD")
    assert.strictEqual(refund.paymentId, paymentId)
    assert.strictEqual(refund.reason, "Requested by customer")
    assert.strictEqual(refund.teamMemberId, "TMoK_jBpFrvEQDOE")
    assert.match(refund.id!, new RegExp(`^${paymentId}_`))
    // What the SDK put on the wire passed the strict RefundPaymentRequest check as sent.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.deepStrictEqual(Object.keys(JSON.parse(post.body)).toSorted(), ["amount_money", "idempotency_key", "payment_id", "reason", "team_member_id"])
    assert.strictEqual(post.headers["square-version"], "2026-09-16")

    assert.strictEqual((await square.refunds.get({ refundId: refund.id! })).refund?.status, "PENDING")
    assert.strictEqual((await square.refunds.get({ refundId: refund.id! })).refund?.status, "PENDING", "reads never move a refund")
    await emu.clock.advance(SquareEmulator.numbers.timing.settleAfterMillis)
    assert.strictEqual((await square.refunds.get({ refundId: refund.id! })).refund?.status, "COMPLETED")

    const second = (await square.refunds.refundPayment({
      idempotencyKey: newKey(),
      amountMoney: { amount: BigInt(500), currency: "USD" },
      paymentId
    })).refund!
    // limit=1 makes the SDK follow the emulator's cursor from page to page.
    const page = await square.refunds.list({ sortOrder: "ASC", limit: 1 })
    const ids: Array<string> = []
    for await (const item of page) ids.push(item.id!)
    assert.deepStrictEqual(ids, [refund.id, second.id])
    const completed = await square.refunds.list({ status: "COMPLETED", sourceType: "CARD" })
    assert.deepStrictEqual(completed.data.map((r) => r.id), [refund.id])
    const later = new Date(emu.clock.now() + 60_000).toISOString()
    assert.lengthOf((await square.refunds.list({ beginTime: later, endTime: new Date(emu.clock.now() + 120_000).toISOString() })).data, 0)
  })

  it("replays a request under the same idempotency_key and refuses another body under it", async () => {
    const square = sdk()
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "USD" })
    const idempotencyKey = newKey()
    const first = await square.refunds.refundPayment({ idempotencyKey, amountMoney: { amount: BigInt(700), currency: "USD" }, paymentId })
    const again = await square.refunds.refundPayment({ idempotencyKey, amountMoney: { amount: BigInt(700), currency: "USD" }, paymentId })
    assert.strictEqual(again.refund?.id, first.refund?.id)
    assert.lengthOf(emu.refunds(), 1)
    const reused = await rejection(square.refunds.refundPayment({ idempotencyKey, amountMoney: { amount: BigInt(800), currency: "USD" }, paymentId }), SquareError)
    assert.strictEqual(reused.statusCode, 400)
    assert.deepStrictEqual(reused.errors, [{
      category: "INVALID_REQUEST_ERROR",
      code: "IDEMPOTENCY_KEY_REUSED",
      detail: "Refund request idempotency key was previously used for a different amount",
      field: "idempotency_key"
    }])
  })

  it("raises SquareError with Square's errors[] for refusals", async () => {
    const square = sdk()
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const money = (amount: number, currency: "USD" | "EUR" = "USD") => ({ amount: BigInt(amount), currency })

    const over = await rejection(square.refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: money(1_001), paymentId }), SquareError)
    assert.strictEqual(over.statusCode, 400)
    assert.deepStrictEqual(over.errors, [{
      category: "REFUND_ERROR",
      code: "REFUND_AMOUNT_INVALID",
      detail: "The requested refund amount exceeds the amount available to refund.",
      field: "amount_money.amount"
    }])

    const unknownPayment = await rejection(square.refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: money(100), paymentId: "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY" }), SquareError)
    assert.strictEqual(unknownPayment.statusCode, 404)
    assert.deepInclude(unknownPayment.errors[0], { category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND" })

    const unknownRefund = await rejection(square.refunds.get({ refundId: "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY_nope" }), SquareError)
    assert.strictEqual(unknownRefund.statusCode, 404)
    assert.strictEqual(unknownRefund.errors[0]?.code, "NOT_FOUND")

    const emptyKey = await rejection(square.refunds.refundPayment({ idempotencyKey: "", amountMoney: money(100), paymentId }), SquareError)
    assert.deepInclude(emptyKey.errors[0], { code: "VALUE_TOO_SHORT", field: "idempotency_key" })

    const currency = await rejection(square.refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: money(100, "EUR"), paymentId }), SquareError)
    assert.deepInclude(currency.errors[0], { code: "CURRENCY_MISMATCH", field: "amount_money.currency" })

    // Several problems at once arrive as several SDK errors.
    const unlinked = await rejection(square.refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: money(100), paymentId, unlinked: true }), SquareError)
    assert.deepStrictEqual(unlinked.errors.map((e) => `${e.code} ${e.field}`), [
      "CONFLICTING_PARAMETERS payment_id",
      "MISSING_REQUIRED_PARAMETER destination_id",
      "MISSING_REQUIRED_PARAMETER location_id"
    ])

    // The SDK strips unknown body properties itself, but query parameters can be added: they are refused.
    const query = await rejection(square.refunds.list({}, { queryParams: { payment_id: paymentId } }), SquareError)
    assert.deepInclude(query.errors[0], { code: "UNKNOWN_QUERY_PARAMETER", field: "payment_id" })
    const sort = await rejection(square.refunds.list({ sortOrder: "asc" }), SquareError)
    assert.strictEqual(sort.errors[0]?.code, "INVALID_SORT_ORDER")
    const time = await rejection(square.refunds.list({ beginTime: "last tuesday" }), SquareError)
    assert.strictEqual(time.errors[0]?.code, "INVALID_TIME")
    assert.lengthOf(emu.refunds(), 0)
  })

  it("raises SquareError for a wrong token, a 429 and a malformed Square-Version", async () => {
    const wrong = await rejection(sdk("EAAAwrongWrongWrongWrong").refunds.list(), SquareError)
    assert.strictEqual(wrong.statusCode, 401)
    assert.deepStrictEqual(wrong.errors, [{ category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED", detail: "This request could not be authorized." }])
    assert.notInclude(wrong.message, "EAAAwrong")

    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 })
    const limited = await rejection(sdk().refunds.list(), SquareError)
    assert.strictEqual(limited.statusCode, 429)
    assert.deepInclude(limited.errors[0], { category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED" })

    const version = await rejection(sdk().refunds.list({}, { headers: { "Square-Version": "2025-8-20" } }), SquareError)
    assert.strictEqual(version.statusCode, 400)
    assert.strictEqual(version.errors[0]?.code, "INVALID_SQUARE_VERSION_FORMAT")
  })

  it("retries a 5xx (Fern's retry) and creates exactly one refund", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "USD" })
    emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", path: "/v2/refunds" })
    const created = await sdk(undefined, 1).refunds.refundPayment({
      idempotencyKey: newKey(),
      amountMoney: { amount: BigInt(300), currency: "USD" },
      paymentId
    })
    assert.strictEqual(created.refund?.status, "PENDING")
    assert.lengthOf(emu.refunds(), 1)
    assert.lengthOf(emu.requests().filter((r) => r.method === "POST"), 2)
  })

  it("WebhooksHelper.verifySignature accepts every delivery the emulator signs, and refuses altered ones", async () => {
    const square = sdk()
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const refund = (await square.refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: { amount: BigInt(400), currency: "USD" }, paymentId })).refund!
    await emu.advance(refund.id!)
    await emu.flushWebhooks()
    assert.lengthOf(receiver.received, 2)
    const verify = (requestBody: string, signatureHeader: string, notificationUrl = receiver.url, signatureKey = emu.webhookSecret) =>
      WebhooksHelper.verifySignature({ requestBody, signatureHeader, signatureKey, notificationUrl })
    const types: Array<string> = []
    for (const delivery of receiver.received) {
      const header = String(delivery.headers["x-square-hmacsha256-signature"])
      assert.isTrue(await verify(delivery.body, header))
      assert.isFalse(await verify(delivery.body, header, `${receiver.url}/other`))
      assert.isFalse(await verify(delivery.body, header, receiver.url, "someone-elses-key"))
      types.push((JSON.parse(delivery.body) as { type: string }).type)
    }
    assert.deepStrictEqual(types, ["refund.created", "refund.updated"])
    const tampered = emu.signedWebhook(refund.id!, { tamper: true })
    assert.isFalse(await verify(tampered.body, tampered.headers["x-square-hmacsha256-signature"]!))
    // Without a receiver URL the emulator signs for its constant default notification URL.
    emu.setWebhookUrl(undefined)
    const offline = emu.signedWebhook(refund.id!)
    assert.isTrue(await verify(offline.body, offline.headers["x-square-hmacsha256-signature"]!, SquareEmulator.defaultNotificationUrl))
  })

  it("Q1–Q3: the SDK accepts what the emulator signs for Square's published vectors, and both refuse the negatives", async () => {
    // square-nodejs-sdk tests/integration/webhooks.test.ts (processors.md §11).
    const q1 = {
      key: "Ibxx_5AKakO-3qeNVR61Dw",
      url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
      body: "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
      header: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
    }
    const vectors = [
      q1,
      { key: "signature-key", url: "https://webhook.site/webhooks", body: "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}", header: "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=" },
      { key: "signature-key", url: "https://webhook.site/webhooks", body: "{\"data\":{\"type\":\"webhooks\",\"id\":\">id<\"}}", header: "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=" }
    ]
    for (const v of vectors) {
      assert.strictEqual(SquareEmulator.signature(v.url, v.body, v.key), v.header)
      assert.isTrue(await WebhooksHelper.verifySignature({ requestBody: v.body, signatureHeader: v.header, signatureKey: v.key, notificationUrl: v.url }))
      assert.isTrue(SquareEmulator.verifySignature(v.body, v.header, v.key, v.url))
    }
    const negatives = [
      { ...q1, url: "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9" },
      { ...q1, key: "MCmhFRxGX82xMwg5FsaoQA" },
      { ...q1, header: "1z2n3DEJJiUPKcPzQo1ftvbxGdw=" },
      { ...q1, body: q1.body.replace("2022-07-13", "2022-06-13") },
      { ...q1, body: JSON.stringify(JSON.parse(q1.body), null, 4) }
    ]
    for (const n of negatives) {
      assert.isFalse(await WebhooksHelper.verifySignature({ requestBody: n.body, signatureHeader: n.header, signatureKey: n.key, notificationUrl: n.url }))
      assert.isFalse(SquareEmulator.verifySignature(n.body, n.header, n.key, n.url))
    }
    // An empty key or URL throws in both.
    await rejection(WebhooksHelper.verifySignature({ requestBody: q1.body, signatureHeader: q1.header, signatureKey: "", notificationUrl: q1.url }), SquareError)
    await rejection(WebhooksHelper.verifySignature({ requestBody: q1.body, signatureHeader: q1.header, signatureKey: q1.key, notificationUrl: "" }), SquareError)
    assert.throws(() => SquareEmulator.verifySignature(q1.body, q1.header, "", q1.url))
    assert.throws(() => SquareEmulator.verifySignature(q1.body, q1.header, q1.key, ""))
  })
})
