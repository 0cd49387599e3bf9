/**
 * A refund that succeeded and then failed, as Stripe announces it (the emulator renders events from Stripe's
 * event reference): `refund.failed` carries no `previous_attributes` ("only included in events of type
 * `*.updated`", stripe-node `Event.Data.previous_attributes`), and the `refund.updated` of the same change says
 * the refund was `succeeded`. The connector must read the reversal from that `refund.updated`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Exit, Redacted, Result } from "effect"
import { StripeWebhook } from "@refract/stripe"

describe("a Stripe reversal, event by event", () => {
  let emu: EmulatorHandle
  let refundId: string

  beforeAll(async () => {
    emu = await StripeEmulator.start({ clock: "manual" })
    const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
    emu.scriptOutcome(pi, "succeeded_then_reversed")
    const res = await fetch(`${emu.url}/v1/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: `payment_intent=${pi}&metadata[merchant_refund_id]=mr-rev-1`
    })
    refundId = ((await res.json()) as { id: string }).id
    await emu.advance(refundId)
    await emu.advance(refundId)
  })
  afterAll(() => emu.close())

  /** Verifies the emulator's delivery of `eventType` with the connector and parses it. */
  const received = (eventType: string) => {
    const t = Math.floor(emu.clock.now() / 1000)
    const delivery = emu.signedWebhook(refundId, { eventType, timestampSeconds: t })
    const request = WebhookEvent.makeRawRequest({ headers: delivery.headers, body: delivery.body })
    const verified = Effect.runSyncExit(StripeWebhook.verifySignature(request, Redacted.make(emu.webhookSecret), { now: t * 1000 }))
    assert.isTrue(Exit.isSuccess(verified), `${eventType} verifies`)
    const parsed = StripeWebhook.parseEvents(request)
    assert.isTrue(Result.isSuccess(parsed))
    return { body: JSON.parse(delivery.body), events: Result.isSuccess(parsed) ? parsed.success : [] }
  }

  it("refund.failed has no previous_attributes: on its own it reads as a failure", () => {
    const { body, events } = received("refund.failed")
    assert.notProperty(body.data, "previous_attributes")
    assert.strictEqual(events[0]!.refund?.status, "Failed")
    assert.strictEqual(events[0]!.refund?.failure?.code, "expired_or_canceled_card")
  })

  it("refund.updated says it was succeeded: a reversal", () => {
    const { body, events } = received("refund.updated")
    assert.strictEqual(body.data.previous_attributes.status, "succeeded")
    assert.strictEqual(events[0]!.refund?.status, "Reversed")
    assert.strictEqual(events[0]!.refund?.merchantRefundId, "mr-rev-1")
  })
})
