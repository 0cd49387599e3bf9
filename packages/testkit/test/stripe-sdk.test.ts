/**
 * Keeps the Stripe emulator honest: the official `stripe` SDK (23.1.0) must work against it unchanged.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import Stripe from "stripe"
import { type Receiver, startReceiver } from "./helpers.ts"

describe("official stripe SDK against the emulator", () => {
  let emu: EmulatorHandle
  let stripe: Stripe
  let receiver: Receiver

  const sdk = (key: string, maxNetworkRetries = 0) =>
    new Stripe(key, { host: "127.0.0.1", port: emu.port, protocol: "http", maxNetworkRetries })

  beforeAll(async () => {
    emu = await StripeEmulator.start()
    stripe = sdk(emu.credentials.apiKey!)
    receiver = await startReceiver()
  })
  afterEach(() => {
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("creates, retrieves (pending → succeeded) and lists refunds", async () => {
    const pi = await emu.createPayment({ amount: 2500, currency: "usd" })
    const refund = await stripe.refunds.create({
      payment_intent: pi,
      amount: 1000,
      reason: "requested_by_customer",
      metadata: { merchant_refund_id: "mr_sdk_1" }
    })
    assert.strictEqual(refund.object, "refund")
    assert.strictEqual(refund.status, "pending")
    assert.strictEqual(refund.amount, 1000)
    assert.strictEqual(refund.currency, "usd")
    assert.strictEqual(refund.metadata?.["merchant_refund_id"], "mr_sdk_1")
    assert.match(refund.lastResponse.requestId, /^req_/)
    assert.strictEqual((await stripe.refunds.retrieve(refund.id)).status, "pending")
    assert.strictEqual((await stripe.refunds.retrieve(refund.id)).status, "pending", "reads never move a refund")
    // A real clock can be skipped ahead too (signatures stay within the SDK's tolerance of its wall clock).
    await emu.clock.advance(StripeEmulator.numbers.timing.settleAfterMillis)
    assert.strictEqual((await stripe.refunds.retrieve(refund.id)).status, "succeeded")
    const list = await stripe.refunds.list({ payment_intent: pi })
    assert.deepStrictEqual(list.data.map((r) => r.id), [refund.id])
    assert.isFalse(list.has_more)
    // The SDK sent its own Idempotency-Key on the POST.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.match(post.headers["idempotency-key"] ?? "", /^stripe-node-retry-/)
    assert.strictEqual(emu.refunds()[0]!.idempotencyKey, post.headers["idempotency-key"])
  })

  it("creates refunds of a charge with reason, metadata and the idempotencyKey option; updates their metadata", async () => {
    const pi = await emu.createPayment({ amount: 4000, currency: "eur" })
    const charge = `ch_${pi.slice(3)}`
    const params: Stripe.RefundCreateParams = { charge, amount: 1500, reason: "fraudulent", metadata: { order: "42" } }
    const refund = await stripe.refunds.create(params, { idempotencyKey: "sdk-charge-1" })
    assert.strictEqual(refund.charge, charge)
    assert.strictEqual(refund.payment_intent, pi)
    assert.strictEqual(refund.currency, "eur", "a refund takes the charge's currency")
    assert.strictEqual(refund.reason, "fraudulent")
    assert.strictEqual(emu.requests()[0]!.headers["idempotency-key"], "sdk-charge-1")
    const replay = await stripe.refunds.create(params, { idempotencyKey: "sdk-charge-1" })
    assert.strictEqual(replay.id, refund.id)
    assert.lengthOf(emu.refunds(), 1)
    const updated = await stripe.refunds.update(refund.id, { metadata: { order: "", note: "checked" } })
    assert.deepStrictEqual(updated.metadata, { note: "checked" })
    const expanded = await stripe.refunds.retrieve(refund.id, { expand: ["charge"] })
    assert.strictEqual((expanded.charge as Stripe.Charge).amount_refunded, 1500)
  })

  it("surfaces Stripe's 400 parameter_unknown for currency as StripeInvalidRequestError with code and param", async () => {
    const pi = await emu.createPayment({ amount: 2500, currency: "usd" })
    // stripe-node's RefundCreateParams still declares `currency` (stripe/stripe-node#1804), so the SDK sends it.
    for (const target of [{ payment_intent: pi }, { charge: `ch_${pi.slice(3)}` }]) {
      const error = await stripe.refunds.create({ ...target, amount: 1000, currency: "usd" }).catch((e: unknown) => e)
      assert.instanceOf(error, Stripe.errors.StripeInvalidRequestError)
      const e = error as Stripe.errors.StripeInvalidRequestError
      assert.strictEqual(e.statusCode, 400)
      assert.strictEqual(e.type, "StripeInvalidRequestError")
      assert.strictEqual(e.code, "parameter_unknown")
      assert.strictEqual(e.param, "currency")
      assert.strictEqual(e.message, "Received unknown parameter: currency")
      assert.strictEqual((e.raw as { type?: string }).type, "invalid_request_error")
      assert.strictEqual(e.doc_url, "https://stripe.com/docs/error-codes/parameter-unknown")
      assert.match(e.requestId ?? "", /^req_/)
    }
    assert.lengthOf(emu.refunds(), 0)
  })

  it("lists and retrieves events through stripe.events, with Stripe's filters and auto-pagination", async () => {
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    emu.scriptOutcome(pi, "succeeded_then_reversed")
    const since = Math.floor(emu.clock.now() / 1000)
    const refund = await stripe.refunds.create({ payment_intent: pi })
    await emu.advance(refund.id)
    await emu.advance(refund.id)
    const all = await stripe.events.list({ created: { gte: since } })
    assert.deepStrictEqual(all.data.map((e) => e.type), [
      "charge.refund.updated",
      "refund.updated",
      "refund.failed",
      "charge.refund.updated",
      "refund.updated",
      "refund.created",
      "charge.refunded"
    ])
    const updates = await stripe.events.list({ type: "refund.updated" })
    assert.lengthOf(updates.data, 2)
    const reversal = updates.data[0]!
    assert.strictEqual((reversal.data.object as Stripe.Refund).status, "failed")
    assert.strictEqual((reversal.data.previous_attributes as Partial<Stripe.Refund>).status, "succeeded")
    const chosen = await stripe.events.list({ types: ["refund.failed", "refund.created"], delivery_success: true })
    assert.deepStrictEqual(chosen.data.map((e) => e.type), ["refund.failed", "refund.created"])
    assert.isUndefined(chosen.data[0]!.data.previous_attributes, "refund.failed has no previous_attributes")
    const paged = await stripe.events.list({ limit: 2 }).autoPagingToArray({ limit: 100 })
    assert.deepStrictEqual(paged.map((e) => e.id), all.data.map((e) => e.id))
    const one = await stripe.events.retrieve(reversal.id)
    assert.deepStrictEqual(one.data, reversal.data)
    const missing = await stripe.events.retrieve("evt_missing").catch((e: unknown) => e)
    assert.instanceOf(missing, Stripe.errors.StripeInvalidRequestError)
    assert.strictEqual((missing as Stripe.errors.StripeError).code, "resource_missing")
    const both = await stripe.events.list({ type: "refund.updated", types: ["refund.failed"] }).catch((e: unknown) => e)
    assert.strictEqual((both as Stripe.errors.StripeError).code, "parameters_exclusive")
  })

  it("cancels a refund that requires action", async () => {
    const pi = await emu.createPayment({ amount: 2500, currency: "usd" })
    emu.scriptOutcome(pi, "requires_action")
    const refund = await stripe.refunds.create({ payment_intent: pi })
    await emu.advance(refund.id)
    const canceled = await stripe.refunds.cancel(refund.id)
    assert.strictEqual(canceled.status, "canceled")
    assert.strictEqual(canceled.id, refund.id)
    // The SDK sends its own Idempotency-Key on every POST (stripe-node-retry-<uuid>).
    const sent = emu.requests().filter((r) => r.path === `/v1/refunds/${refund.id}/cancel`)
    assert.strictEqual(sent.length, 1)
    assert.match(sent[0]!.headers["idempotency-key"] ?? "", /^stripe-node-retry-/)
    // Cancelling it again is Stripe's refusal, which the SDK raises as StripeInvalidRequestError.
    const again = await stripe.refunds.cancel(refund.id).catch((e: unknown) => e)
    assert.instanceOf(again, Stripe.errors.StripeInvalidRequestError)
    assert.strictEqual((again as Stripe.errors.StripeError).statusCode, 400)
    assert.isUndefined((again as Stripe.errors.StripeError).code)
    assert.match((again as Stripe.errors.StripeError).message, /status of canceled/)
    const retrieved = await stripe.refunds.retrieve(refund.id)
    assert.strictEqual(retrieved.status, "canceled")
  })

  it("refuses to cancel a pending refund and unknown cancel parameters", async () => {
    const pi = await emu.createPayment({ amount: 2500, currency: "usd" })
    emu.scriptOutcome(pi, "requires_action")
    const refund = await stripe.refunds.create({ payment_intent: pi })
    const early = await stripe.refunds.cancel(refund.id).catch((e: unknown) => e)
    assert.instanceOf(early, Stripe.errors.StripeInvalidRequestError)
    assert.match((early as Stripe.errors.StripeError).message, /status of pending/)
    const unknown = await stripe.refunds.cancel(refund.id, { metadata: { a: "1" } } as never).catch((e: unknown) => e)
    assert.strictEqual((unknown as Stripe.errors.StripeError).code, "parameter_unknown")
    assert.strictEqual((await stripe.refunds.retrieve(refund.id)).status, "pending")
  })

  it("raises StripeInvalidRequestError with Stripe's codes", async () => {
    const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
    const tooLarge = await stripe.refunds.create({ payment_intent: pi, amount: 5000 }).catch((e: unknown) => e)
    assert.instanceOf(tooLarge, Stripe.errors.StripeInvalidRequestError)
    assert.strictEqual((tooLarge as Stripe.errors.StripeError).code, "amount_too_large")
    assert.strictEqual((tooLarge as Stripe.errors.StripeError).param, "amount")
    assert.strictEqual((tooLarge as Stripe.errors.StripeError).statusCode, 400)

    const missing = await stripe.refunds.retrieve("re_doesnotexist").catch((e: unknown) => e)
    assert.instanceOf(missing, Stripe.errors.StripeInvalidRequestError)
    assert.strictEqual((missing as Stripe.errors.StripeError).code, "resource_missing")
    assert.strictEqual((missing as Stripe.errors.StripeError).statusCode, 404)

    await stripe.refunds.create({ payment_intent: pi })
    const again = await stripe.refunds.create({ charge: `ch_${pi.slice(3)}` }).catch((e: unknown) => e)
    assert.strictEqual((again as Stripe.errors.StripeError).code, "charge_already_refunded")
  })

  it("raises StripeAuthenticationError for a wrong key", async () => {
    const error = await sdk("sk_test_wrong_key_123456789").refunds.list().catch((e: unknown) => e)
    assert.instanceOf(error, Stripe.errors.StripeAuthenticationError)
    assert.match((error as Error).message, /^Invalid API Key provided: sk_test_\*+6789$/)
  })

  it("replays an idempotent request and raises StripeIdempotencyError on mismatch", async () => {
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    const first = await stripe.refunds.create({ payment_intent: pi, amount: 500 }, { idempotencyKey: "sdk-key-1" })
    const second = await stripe.refunds.create({ payment_intent: pi, amount: 500 }, { idempotencyKey: "sdk-key-1" })
    assert.strictEqual(second.id, first.id)
    assert.strictEqual(second.lastResponse.headers["idempotent-replayed"], "true")
    assert.lengthOf(emu.refunds(), 1)
    const mismatch = await stripe.refunds
      .create({ payment_intent: pi, amount: 600 }, { idempotencyKey: "sdk-key-1" })
      .catch((e: unknown) => e)
    assert.instanceOf(mismatch, Stripe.errors.StripeIdempotencyError)
  })

  it("raises StripeRateLimitError on an injected 429", async () => {
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 })
    const error = await stripe.refunds.list().catch((e: unknown) => e)
    assert.instanceOf(error, Stripe.errors.StripeRateLimitError)
    assert.strictEqual((error as Stripe.errors.StripeError).code, "rate_limit")
  })

  it("survives a dropped answer: the SDK retries with its key and gets the replay", async () => {
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    emu.injectFault({ _tag: "DropAfterRecord" }, { method: "POST", path: "/v1/refunds" })
    const refund = await sdk(emu.credentials.apiKey!, 1).refunds.create({ payment_intent: pi, amount: 700 })
    assert.lengthOf(emu.refunds(), 1)
    assert.strictEqual(refund.id, emu.refunds()[0]!.id)
    const posts = emu.requests().filter((r) => r.method === "POST")
    assert.lengthOf(posts, 2)
    assert.strictEqual(posts[0]!.headers["idempotency-key"], posts[1]!.headers["idempotency-key"])
  })

  it("retries a 5xx (Stripe-Should-Retry: true) and creates exactly one refund", async () => {
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    emu.injectFault({ _tag: "ServerError" }, { method: "POST" })
    const refund = await sdk(emu.credentials.apiKey!, 1).refunds.create({ payment_intent: pi })
    assert.strictEqual(refund.amount, 3000)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("stripe.webhooks.constructEvent accepts the emulator's deliveries", async () => {
    emu.setWebhookUrl(receiver.url)
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    emu.scriptOutcome(pi, "failed")
    const refund = await stripe.refunds.create({ payment_intent: pi })
    await emu.advance(refund.id)
    await emu.flushWebhooks()
    assert.lengthOf(receiver.received, 5)
    const types: Array<string> = []
    for (const delivery of receiver.received) {
      const event = stripe.webhooks.constructEvent(
        delivery.body,
        String(delivery.headers["stripe-signature"]),
        emu.webhookSecret
      )
      types.push(event.type)
      if (event.type === "refund.failed") {
        assert.strictEqual((event.data.object as Stripe.Refund).id, refund.id)
        assert.strictEqual((event.data.object as Stripe.Refund).failure_reason, "declined")
      }
    }
    assert.deepStrictEqual(types, [
      "charge.refunded",
      "refund.created",
      "refund.failed",
      "refund.updated",
      "charge.refund.updated"
    ])
  })

  it("constructEvent rejects tampered, foreign-secret and stale signatures", async () => {
    const pi = await emu.createPayment({ amount: 3000, currency: "usd" })
    const refund = await stripe.refunds.create({ payment_intent: pi })
    const good = emu.signedWebhook(refund.id)
    const event = stripe.webhooks.constructEvent(good.body, good.headers["stripe-signature"]!, emu.webhookSecret)
    assert.strictEqual(event.type, "refund.updated")
    const attempts = [
      emu.signedWebhook(refund.id, { tamper: true }),
      emu.signedWebhook(refund.id, { secret: "whsec_somebody_else" }),
      emu.signedWebhook(refund.id, { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 })
    ]
    for (const attempt of attempts) {
      assert.throws(
        () => stripe.webhooks.constructEvent(attempt.body, attempt.headers["stripe-signature"]!, emu.webhookSecret),
        Stripe.errors.StripeSignatureVerificationError
      )
    }
    // The SDK's own test header generator agrees with the emulator's signer.
    const payload = good.body
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: emu.webhookSecret, timestamp: 1_700_000_000 })
    assert.strictEqual(header, StripeEmulator.signatureHeader(payload, emu.webhookSecret, 1_700_000_000))
  })
})
