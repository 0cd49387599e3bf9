/**
 * Webhook signatures cross-checked with Braintree's official Node SDK (`braintree` 3.40.0), both ways:
 * - the SDK's signer (`webhookTesting.sampleNotification(kind, id)`, which signs `bt_payload` + "\n" with
 *   `<public_key>|hex(HMAC-SHA1(SHA1(private_key), payload))`) → our verifier and parser;
 * - our signer (the emulator's deliveries and {@link BraintreeWebhook.signatureParam}) → the SDK's
 *   `webhookNotification.parse(signature, payload)`;
 * plus negatives (tampered payload, wrong private key, other public key) on both sides, and the published
 * vector B1 (`verify(challenge)` in braintree_node `test/unit/braintree/webhook_notification_gateway_spec.js`).
 */
import { describe, expect, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { BraintreeEmulator } from "@refract/testkit"
import { Effect, Redacted, Result } from "effect"
import { createRequire } from "node:module"
import { BraintreeWebhook } from "@refract/braintree"

interface SdkGateway {
  readonly webhookTesting: { sampleNotification(kind: string, id: string): { readonly bt_signature: string; readonly bt_payload: string } }
  readonly webhookNotification: {
    parse(signature: string, payload: string): Promise<{ readonly kind: string; readonly transaction?: { readonly id: string; readonly status: string; readonly amount: string } }>
    verify(challenge: string): string
  }
}
interface Braintree {
  readonly BraintreeGateway: new(config: Record<string, unknown>) => SdkGateway
  readonly Environment: { readonly Sandbox: unknown }
}
const braintree = createRequire(import.meta.url)("braintree") as Braintree

const publicKey = "integration_public_key"
const privateKey = "integration_private_key"
const gateway = (priv = privateKey, pub = publicKey) =>
  new braintree.BraintreeGateway({ environment: braintree.Environment.Sandbox, merchantId: "integration_merchant_id", publicKey: pub, privateKey: priv })

const request = (form: { readonly bt_signature: string; readonly bt_payload: string }) =>
  WebhookEvent.makeRawRequest({
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ bt_signature: form.bt_signature, bt_payload: form.bt_payload }).toString()
  })

const verify = (raw: ReturnType<typeof request>, priv = privateKey, pub = publicKey) =>
  BraintreeWebhook.verifySignature(raw, pub, Redacted.make(priv))

describe("braintree SDK cross-checks", () => {
  it("published vector B1: the SDK's verify(challenge) is our HMAC-SHA1 keyed with SHA1(private key)", () => {
    const challenge = "20f9f8ed05f77439fe955c977e4c8a53"
    expect(gateway().webhookNotification.verify(challenge)).toBe("integration_public_key|d9b899556c966b3f06945ec21311865d35df3ce4")
    expect(BraintreeWebhook.signatureParam(publicKey, privateKey, challenge)).toBe("integration_public_key|d9b899556c966b3f06945ec21311865d35df3ce4")
  })

  it.effect("SDK sample refund_failed → our verifier and parser (a failed refund, event id from the signed payload)", () =>
    Effect.gen(function*() {
      const sample = gateway().webhookTesting.sampleNotification("refund_failed", "refundsample1")
      const raw = request(sample)
      yield* verify(raw)
      const events = BraintreeWebhook.parseEvents(raw)
      expect(Result.isSuccess(events)).toBe(true)
      const [event] = Result.getOrThrow(events)
      expect(event!.eventType).toBe("refund_failed")
      expect(event!.refund?.connectorRefundId).toBe("refundsample1")
      expect(event!.refund?.status).toBe("Failed")
      expect(event!.refund?.rawStatus).toBe("processor_declined")
      // The sample carries no currency: no amount is invented.
      expect(event!.refund?.amount).toBeUndefined()
      expect(event!.eventId.startsWith("refund_failed:refundsample1:")).toBe(true)
    }))

  it.effect("SDK sample transaction_settled of a sale → verified, an event without a refund", () =>
    Effect.gen(function*() {
      const raw = request(gateway().webhookTesting.sampleNotification("transaction_settled", "salesample1"))
      yield* verify(raw)
      const [event] = Result.getOrThrow(BraintreeWebhook.parseEvents(raw))
      expect(event!.eventType).toBe("transaction_settled")
      expect(event!.refund).toBeUndefined()
    }))

  it.effect("SDK samples with a wrong private key, another public key, or a tampered payload are refused", () =>
    Effect.gen(function*() {
      const sample = gateway().webhookTesting.sampleNotification("refund_failed", "refundsample2")
      const wrongKey = yield* Effect.flip(verify(request(sample), "another_private_key"))
      expect(wrongKey.reason._tag).toBe("InvalidSignature")
      const otherPublic = yield* Effect.flip(verify(request(sample), privateKey, "other_public_key"))
      expect(otherPublic.reason._tag).toBe("InvalidSignature")
      const xml = Buffer.from(sample.bt_payload, "base64").toString("utf8").replace("processor_declined", "settled")
      const tampered = { ...sample, bt_payload: `${Buffer.from(xml).toString("base64")}\n` }
      expect((yield* Effect.flip(verify(request(tampered)))).reason._tag).toBe("InvalidSignature")
    }))

  it("our signer → the SDK's parse accepts it; tampered or wrongly keyed ones are refused by the SDK", async () => {
    const payload = `${Buffer.from("<notification><timestamp type=\"datetime\">2026-12-06T04:00:00Z</timestamp><kind>transaction_settled</kind><subject><transaction><id>ourrefund1</id><status>settled</status><type>credit</type><amount>12.50</amount><currency-iso-code>USD</currency-iso-code></transaction></subject></notification>").toString("base64")}\n`
    const sig = BraintreeWebhook.signatureParam(publicKey, privateKey, payload)
    const parsed = await gateway().webhookNotification.parse(sig, payload)
    expect(parsed.kind).toBe("transaction_settled")
    expect(parsed.transaction?.id).toBe("ourrefund1")
    expect(parsed.transaction?.amount).toBe("12.50")
    await expect(gateway().webhookNotification.parse(BraintreeWebhook.signatureParam(publicKey, "not_the_key", payload), payload)).rejects.toMatchObject({
      type: "invalidSignatureError"
    })
    const tampered = payload.replace(/^./, (c) => (c === "P" ? "Q" : "P"))
    await expect(gateway().webhookNotification.parse(sig, tampered)).rejects.toMatchObject({ type: "invalidSignatureError" })
  })

  it("the emulator's deliveries → the SDK's parse, and → our verifier and parser, to the same refund", async () => {
    const emu = await BraintreeEmulator.start({ clock: "manual" })
    try {
      const sdk = gateway(emu.credentials["privateKey"]!, emu.credentials["publicKey"]!)
      const sale = await emu.createPayment({ amount: 5_000, currency: "EUR" })
      // A refund through the emulator's own API, then settled on its clock.
      const response = await fetch(`${emu.url}/merchants/${emu.credentials["merchantId"]}/transactions/${sale}/refund`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${emu.credentials["publicKey"]}:${emu.credentials["privateKey"]}`).toString("base64")}`,
          "x-apiversion": "6",
          "content-type": "application/json"
        },
        body: JSON.stringify({ transaction: { amount: "20.00", order_id: "refract-sdk-cross" } })
      })
      expect(response.status).toBe(201)
      const refundId = emu.refunds()[0]!.id
      await emu.advance(refundId)
      const signed = emu.signedWebhook(refundId)
      const form = new URLSearchParams(signed.body)
      const viaSdk = await sdk.webhookNotification.parse(form.get("bt_signature")!, form.get("bt_payload")!)
      expect(viaSdk.kind).toBe("transaction_settled")
      expect(viaSdk.transaction?.id).toBe(refundId)
      expect(viaSdk.transaction?.status).toBe("settled")
      const raw = WebhookEvent.makeRawRequest({ headers: signed.headers, body: signed.body })
      await Effect.runPromise(verify(raw, emu.credentials["privateKey"]!, emu.credentials["publicKey"]!))
      const [event] = Result.getOrThrow(BraintreeWebhook.parseEvents(raw))
      expect(event!.refund?.connectorRefundId).toBe(refundId)
      expect(event!.refund?.status).toBe("Succeeded")
      expect(event!.refund?.amount?.amount).toBe(2_000)
      expect(event!.refund?.amount?.currency).toBe("EUR")
      expect(event!.refund?.connectorTransactionId).toBe(sale)
      expect(event!.refund?.settlement?.batchId).toMatch(/^\d{4}-\d{2}-\d{2}_/)
      const tampered = emu.signedWebhook(refundId, { tamper: true })
      const t = new URLSearchParams(tampered.body)
      await expect(sdk.webhookNotification.parse(t.get("bt_signature")!, t.get("bt_payload")!)).rejects.toMatchObject({ type: "invalidSignatureError" })
      const tamperedRaw = WebhookEvent.makeRawRequest({ headers: tampered.headers, body: tampered.body })
      const refused = await Effect.runPromise(Effect.flip(verify(tamperedRaw, emu.credentials["privateKey"]!, emu.credentials["publicKey"]!)))
      expect(refused.reason._tag).toBe("InvalidSignature")
    } finally {
      await emu.close()
    }
  })
})
