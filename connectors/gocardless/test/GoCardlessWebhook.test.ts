import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { GoCardlessWebhook } from "@refract/gocardless"
import { Effect, Redacted, Result } from "effect"
import { paymentId, refundId } from "./helpers/Fixtures.ts"

const secret = "whsec-endpoint-secret-for-tests"

const event = (action: string, over: Record<string, unknown> = {}) => ({
  id: `EV00${action.toUpperCase().replace(/[^A-Z]/g, "").padEnd(10, "0").slice(0, 10)}`,
  created_at: "2026-12-01T09:00:00.000Z",
  resource_type: "refunds",
  action,
  links: { refund: refundId, payment: paymentId },
  details: { origin: "gocardless", cause: `refund_${action}`, description: `The refund was ${action}.` },
  metadata: {},
  ...over
})

const delivery = (events: ReadonlyArray<unknown>) => JSON.stringify({ events, meta: { webhook_id: "WB00TEST000001" } })

const verify = (body: string, headers: Record<string, string>, key = secret) =>
  Effect.runPromise(
    GoCardlessWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers, body }), Redacted.make(key)).pipe(
      Effect.as("ok" as string),
      Effect.catch((e) => Effect.succeed(e.reason._tag as string))
    )
  )

const parse = (body: string) => GoCardlessWebhook.parseEvents({ body: new TextEncoder().encode(body) })

describe("GoCardless webhooks", () => {
  it("verifies hex HMAC-SHA256 of the raw body; fails closed on a missing, malformed or wrong signature", async () => {
    const body = delivery([event("paid")])
    const signature = GoCardlessWebhook.signature(body, secret)
    assert.match(signature, /^[0-9a-f]{64}$/)
    assert.strictEqual(await verify(body, { "Webhook-Signature": signature }), "ok")
    assert.strictEqual(await verify(body, { "Webhook-Signature": signature.toUpperCase() }), "ok")
    assert.strictEqual(await verify(body, {}), "MissingSignature")
    assert.strictEqual(await verify(body, { "Webhook-Signature": " " }), "MissingSignature")
    assert.strictEqual(await verify(body, { "Webhook-Signature": "zz" + signature.slice(2) }), "InvalidSignature")
    assert.strictEqual(await verify(body, { "Webhook-Signature": signature.slice(0, 63) }), "InvalidSignature")
    assert.strictEqual(await verify(body.replace("paid", "bounced"), { "Webhook-Signature": signature }), "InvalidSignature")
    assert.strictEqual(await verify(`${body} `, { "Webhook-Signature": signature }), "InvalidSignature")
    assert.strictEqual(await verify(body, { "Webhook-Signature": signature }, "another-secret"), "InvalidSignature")
  })

  it("actions with a documented status become snapshots, keyed by the signed event id", () => {
    const expected: Record<string, string> = { created: "Pending", paid: "Succeeded", failed: "Failed", funds_returned: "Failed" }
    for (const [action, status] of Object.entries(expected)) {
      const events = Result.getOrThrow(parse(delivery([event(action)])))
      assert.lengthOf(events, 1)
      const e = events[0]!
      assert.strictEqual(e.eventId, event(action).id)
      assert.strictEqual(e.eventType, `refunds.${action}`)
      assert.strictEqual(e.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"))
      assert.strictEqual(e.refund?.connectorRefundId, refundId)
      assert.strictEqual(e.refund?.connectorTransactionId, paymentId)
      assert.strictEqual(e.refund?.status, status, action)
      assert.isUndefined(e.refund?.amount, "events carry no amount")
      assert.isUndefined(e.notice)
      if (status === "Failed") assert.strictEqual(e.refund?.failure?.code, `refund_${action}`)
    }
  })

  it("actions that state no status become notices naming the refund; other resources are plain events", () => {
    for (const action of ["refund_settled", "bounced", "cancelled", "reference_changed", "something_new", "constructor"]) {
      const e = Result.getOrThrow(parse(delivery([event(action)])))[0]!
      assert.isUndefined(e.refund, action)
      assert.strictEqual(e.notice?.connectorRefundId, refundId)
      assert.strictEqual(e.notice?.connectorTransactionId, paymentId)
    }
    const payment = Result.getOrThrow(parse(delivery([{ ...event("confirmed"), resource_type: "payments", links: { payment: paymentId } }])))[0]!
    assert.strictEqual(payment.eventType, "payments.confirmed")
    assert.isUndefined(payment.refund)
    assert.isUndefined(payment.notice)
  })

  it("a batch yields one event per GoCardless event, in order", () => {
    const events = Result.getOrThrow(parse(delivery([event("created"), event("paid", { id: "EV00SECOND0001" })])))
    assert.deepStrictEqual(events.map((e) => e.eventId), [event("created").id, "EV00SECOND0001"])
  })

  it("malformed deliveries are MalformedPayload, never a crash", () => {
    const bodies = [
      "",
      "not json",
      "[]",
      "{}",
      delivery([]),
      delivery([{ id: "EV1" }]),
      delivery([event("paid", { links: {} })]),
      delivery([event("refund_settled", { links: { payment: paymentId } })]),
      delivery([event("paid", { links: { refund: "RF 1" } })]),
      delivery([event("paid", { links: { ["__proto__"]: refundId } })]),
      delivery([event("paid", { id: "EV/../x" })]),
      "\uFFFF"
    ]
    for (const body of bodies) {
      const result = parse(body)
      assert.isTrue(Result.isFailure(result), body)
      if (Result.isFailure(result)) assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
    }
    const invalidUtf8 = GoCardlessWebhook.parseEvents({ body: new Uint8Array([0x7b, 0xff, 0x7d]) })
    assert.isTrue(Result.isFailure(invalidUtf8))
    // A bad event time is dropped, the event kept.
    assert.isUndefined(Result.getOrThrow(parse(delivery([event("paid", { created_at: "1e306" })])))[0]!.occurredAt)
  })

  it("acknowledges with 204 and declares the scheme", () => {
    assert.strictEqual(GoCardlessWebhook.webhooks.acknowledgement.status, 204)
    assert.include(GoCardlessWebhook.webhooks.scheme, "HMAC-SHA256")
    assert.isTrue(GoCardlessWebhook.webhooks.secrets.webhookSecret.secret)
  })
})
