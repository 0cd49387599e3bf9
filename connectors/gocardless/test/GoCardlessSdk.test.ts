/**
 * Our `Webhook-Signature` verifier and signer against GoCardless's official Node SDK (`gocardless-nodejs`
 * 10.1.2), both directions: `webhooks.parse(body, secret, signatureHeader)` is the SDK's oracle.
 * - SDK → ours: the SDK's published vector (gocardless-nodejs `src/webhooks.test.ts` with
 *   `src/fixtures/webhook_body.json`: secret, compact body, signature) is accepted by our verifier, and so is any
 *   delivery the SDK accepts;
 * - ours → SDK: bodies signed by our signer, and real emulator deliveries, are accepted by the SDK;
 * - negatives: a tampered body or another secret is refused by both (the SDK throws `InvalidSignatureError`).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { GoCardlessEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Redacted, Result } from "effect"
import * as webhooks from "gocardless-nodejs/webhooks"
import { GoCardlessWebhook } from "@refract/gocardless"

const ours = (body: string, signature: string, secret: string): Promise<boolean> =>
  Effect.runPromise(
    GoCardlessWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers: { "webhook-signature": signature }, body }), Redacted.make(secret)).pipe(
      Effect.as(true),
      Effect.catch(() => Effect.succeed(false))
    )
  )

const sdk = (body: string, signature: string, secret: string): boolean => {
  try {
    webhooks.parse(body, secret, signature)
    return true
  } catch (error) {
    if (error instanceof webhooks.InvalidSignatureError) return false
    throw error
  }
}

const verdicts = async (body: string, signature: string, secret: string) => ({ sdk: sdk(body, signature, secret), ours: await ours(body, signature, secret) })

/** The SDK's published webhook vector: its fixture body, serialized compactly as its test does. */
const vector = {
  secret: "ED7D658C-D8EB-4941-948B-3973214F2D49",
  signature: "2693754819d3e32d7e8fcb13c729631f316c6de8dc1cf634d6527f1c07276e7e",
  body: JSON.stringify({
    events: [
      {
        id: "EV00BD05S5VM2T",
        created_at: "2018-07-05T09:13:51.404Z",
        resource_type: "subscriptions",
        action: "created",
        links: { subscription: "SB0003JJQ2MR06" },
        details: { origin: "api", cause: "subscription_created", description: "Subscription created via the API." },
        metadata: {}
      },
      {
        id: "EV00BD05TB8K63",
        created_at: "2018-07-05T09:13:56.893Z",
        resource_type: "mandates",
        action: "created",
        links: { mandate: "MD000AMA19XGEC" },
        details: { origin: "api", cause: "mandate_created", description: "Mandate created via the API." },
        metadata: {}
      }
    ]
  })
}

describe("Webhook-Signature: our verifier and signer agree with gocardless-nodejs", () => {
  let emulator: EmulatorHandle

  beforeAll(async () => {
    emulator = await GoCardlessEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it("SDK → ours: the published vector verifies on both sides and parses into its two (non-refund) events", async () => {
    assert.deepStrictEqual(await verdicts(vector.body, vector.signature, vector.secret), { sdk: true, ours: true })
    assert.deepStrictEqual(await verdicts(vector.body, "NOTVERYCONVINCING", vector.secret), { sdk: false, ours: false })
    const events = Result.getOrThrow(GoCardlessWebhook.parseEvents({ body: new TextEncoder().encode(vector.body) }))
    assert.deepStrictEqual(events.map((e) => [e.eventId, e.eventType, e.refund, e.notice]), [
      ["EV00BD05S5VM2T", "subscriptions.created", undefined, undefined],
      ["EV00BD05TB8K63", "mandates.created", undefined, undefined]
    ])
    assert.deepStrictEqual(webhooks.parse(vector.body, vector.secret, vector.signature).map((e) => e.id), events.map((e) => e.eventId))
  })

  it("ours → SDK: our signer's signatures are accepted by webhooks.parse; tampering and other secrets are refused by both", async () => {
    for (const body of [vector.body, JSON.stringify({ events: [] }), "{\"events\":[{\"id\":\"EV1\",\"action\":\"paid\"}]}", "{\"é\":\"ü€😀\"}"]) {
      const signature = GoCardlessWebhook.signature(body, "our-endpoint-secret")
      assert.deepStrictEqual(await verdicts(body, signature, "our-endpoint-secret"), { sdk: true, ours: true }, body)
      assert.deepStrictEqual(await verdicts(`${body.slice(0, -1)} }`, signature, "our-endpoint-secret"), { sdk: false, ours: false })
      assert.deepStrictEqual(await verdicts(body, signature, "another-secret"), { sdk: false, ours: false })
    }
    assert.throws(() => webhooks.parse(vector.body, "wrong", vector.signature), webhooks.InvalidSignatureError as never)
  })

  it("emulator deliveries (the emulator's signer) pass both, and both refuse the tampered one", async () => {
    const pay = await emulator.createPayment({ amount: 2_000, currency: "GBP" })
    emulator.scriptOutcome(pay, "succeeded")
    const token = emulator.credentials["accessToken"]!
    const created = await fetch(`${emulator.url}/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "gocardless-version": "2015-07-06", "content-type": "application/json", "idempotency-key": "sdk-xcheck-1" },
      body: JSON.stringify({ refunds: { amount: 500, total_amount_confirmation: 500, links: { payment: pay } } })
    })
    assert.strictEqual(created.status, 201)
    const id = ((await created.json()) as { refunds: { id: string } }).refunds.id
    await emulator.advance(id)
    const signed = emulator.signedWebhook(id)
    const header = signed.headers["webhook-signature"]!
    assert.deepStrictEqual(await verdicts(signed.body, header, emulator.webhookSecret), { sdk: true, ours: true })
    const events = Result.getOrThrow(GoCardlessWebhook.parseEvents({ body: new TextEncoder().encode(signed.body) }))
    assert.strictEqual(events[0]!.refund?.status, "Succeeded")
    assert.strictEqual(webhooks.parse(signed.body, emulator.webhookSecret, header)[0]!.action, "paid")
    const tampered = emulator.signedWebhook(id, { tamper: true })
    assert.deepStrictEqual(await verdicts(tampered.body, tampered.headers["webhook-signature"]!, emulator.webhookSecret), { sdk: false, ours: false })
    assert.deepStrictEqual(await verdicts(signed.body, header, "not-the-endpoint-secret"), { sdk: false, ours: false })
  })
})
