import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { BraintreeWebhook, connector } from "@refract/braintree"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { fixtureText, privateKey, publicKey, refundId, saleId } from "./helpers/Fixtures.ts"

const subject = fixtureText("refund-settled.xml").replace(/^<\?xml[^>]*>\s*/, "")
const notification = (kind: string, transaction = subject, timestamp = "2026-12-02T02:00:05Z") =>
  `<notification><timestamp type="datetime">${timestamp}</timestamp><kind>${kind}</kind><subject>${transaction}</subject></notification>`
const payloadOf = (xml: string) => `${Buffer.from(xml, "utf8").toString("base64").replace(/(.{60})/g, "$1\n")}\n`

const delivery = (xml: string, options: { readonly key?: string; readonly pub?: string; readonly signature?: string } = {}) => {
  const payload = payloadOf(xml)
  const sig = options.signature ?? BraintreeWebhook.signatureParam(options.pub ?? publicKey, options.key ?? privateKey, payload)
  return WebhookEvent.makeRawRequest({
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ bt_signature: sig, bt_payload: payload }).toString()
  })
}
const verify = (raw: WebhookEvent.RawWebhookRequest) => BraintreeWebhook.verifySignature(raw, publicKey, Redacted.make(privateKey))

describe("verify", () => {
  it.effect("accepts a signature over the payload or the payload + newline, among several key pairs", () =>
    Effect.gen(function*() {
      yield* verify(delivery(notification("transaction_settled")))
      const payload = payloadOf(notification("transaction_settled"))
      const withNewline = BraintreeWebhook.signatureParam(publicKey, privateKey, `${payload}\n`)
      yield* verify(WebhookEvent.makeRawRequest({ headers: {}, body: new URLSearchParams({ bt_signature: withNewline, bt_payload: payload }).toString() }))
      const several = `otherkey|${"0".repeat(40)}&${BraintreeWebhook.signatureParam(publicKey, privateKey, payload)}`
      yield* verify(WebhookEvent.makeRawRequest({ headers: {}, body: new URLSearchParams({ bt_signature: several, bt_payload: payload }).toString() }))
    }))

  it.effect("fails closed: no signature, no payload, another key, another public key, bad characters, tampering", () =>
    Effect.gen(function*() {
      const reason = (raw: WebhookEvent.RawWebhookRequest) => Effect.map(Effect.flip(verify(raw)), (e) => e.reason._tag)
      assert.strictEqual(yield* reason(WebhookEvent.makeRawRequest({ headers: {}, body: "bt_payload=abc" })), "MissingSignature")
      assert.strictEqual(yield* reason(WebhookEvent.makeRawRequest({ headers: {}, body: "" })), "MissingSignature")
      assert.strictEqual(yield* reason(WebhookEvent.makeRawRequest({ headers: {}, body: `bt_signature=${publicKey}|abc` })), "InvalidSignature")
      assert.strictEqual(yield* reason(delivery(notification("transaction_settled"), { key: "wrong" })), "InvalidSignature")
      assert.strictEqual(yield* reason(delivery(notification("transaction_settled"), { pub: "somebodyelse" })), "InvalidSignature")
      assert.strictEqual(yield* reason(delivery(notification("transaction_settled"), { signature: `${publicKey}|nothex` })), "InvalidSignature")
      const payload = payloadOf(notification("transaction_settled"))
      const sig = BraintreeWebhook.signatureParam(publicKey, privateKey, payload)
      const illegal = WebhookEvent.makeRawRequest({ headers: {}, body: new URLSearchParams({ bt_signature: sig, bt_payload: `${payload}!` }).toString() })
      assert.strictEqual(yield* reason(illegal), "InvalidSignature")
      const tampered = WebhookEvent.makeRawRequest({ headers: {}, body: new URLSearchParams({ bt_signature: sig, bt_payload: payload.replace(/^./, (c) => (c === "P" ? "Q" : "P")) }).toString() })
      assert.strictEqual(yield* reason(tampered), "InvalidSignature")
      assert.strictEqual(yield* reason(WebhookEvent.makeRawRequest({ headers: {}, body: new Uint8Array([0xff, 0xfe, 0x00]) })), "MissingSignature")
    }))

  it.effect("the connector's verify reads the decoded secrets", () =>
    Effect.gen(function*() {
      yield* connector.webhooks!.verify(delivery(notification("transaction_settled")), { publicKey, privateKey: Redacted.make(privateKey) }, {
        now: Date.now(),
        fetchText: () => Effect.die("no fetch")
      })
    }))
})

describe("parse", () => {
  it("transaction_settled of a credit → Succeeded with amount, sale, settlement and the signed time", () => {
    const [event] = ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled"))))
    assert.strictEqual(event!.eventType, "transaction_settled")
    assert.strictEqual(event!.occurredAt, Date.UTC(2026, 11, 2, 2, 0, 5))
    const refund = event!.refund!
    assert.strictEqual(refund.connectorRefundId, refundId)
    assert.strictEqual(refund.connectorTransactionId, saleId)
    assert.strictEqual(refund.status, "Succeeded")
    assert.deepStrictEqual([refund.amount?.amount, refund.amount?.currency], [1050, "USD"])
    assert.strictEqual(refund.settlement?.batchId, "2026-12-02_acme_usd")
    assert.isTrue(event!.eventId.startsWith(`transaction_settled:${refundId}:`))
  })

  it("the event id comes from the signed payload: same payload same id, another timestamp another id", () => {
    const a = ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled"))))[0]!.eventId
    const b = ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled"))))[0]!.eventId
    const c = ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled", subject, "2026-12-02T03:00:00Z"))))[0]!.eventId
    assert.strictEqual(a, b)
    assert.notStrictEqual(a, c)
  })

  it("refund_failed and transaction_settlement_declined are failures; a voided subject is Cancelled", () => {
    const declined = subject.replace("<status>settled</status>", "<status>settlement_declined</status>")
    assert.strictEqual(ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settlement_declined", declined))))[0]!.refund!.status, "Failed")
    const failed = subject.replace("<status>settled</status>", "<status>processor_declined</status>")
    assert.strictEqual(ok(BraintreeWebhook.parseEvents(delivery(notification("refund_failed", failed))))[0]!.refund!.status, "Failed")
    const odd = subject.replace("<status>settled</status>", "<status>mystery</status>")
    const unknownFailed = ok(BraintreeWebhook.parseEvents(delivery(notification("refund_failed", odd))))[0]!.refund!
    assert.deepStrictEqual([unknownFailed.status, unknownFailed.rawStatus], ["Failed", "mystery"])
    const unknownOther = ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_disbursed", subject.replace("<type>credit</type>", "<type>sale</type>")))))[0]!
    assert.isUndefined(unknownOther.refund)
  })

  it("sales, other kinds and subjects without a transaction give an event without a refund", () => {
    const sale = subject.replace("<type>credit</type>", "<type>sale</type>")
    assert.isUndefined(ok(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled", sale))))[0]!.refund)
    assert.isUndefined(ok(BraintreeWebhook.parseEvents(delivery(notification("check", "<check type=\"boolean\">true</check>"))))[0]!.refund)
  })

  it("malformed deliveries are MalformedPayload, never a crash", () => {
    const bad = [
      WebhookEvent.makeRawRequest({ headers: {}, body: "bt_signature=x" }),
      WebhookEvent.makeRawRequest({ headers: {}, body: "bt_payload=%21%21" }),
      WebhookEvent.makeRawRequest({ headers: {}, body: "bt_payload=abc" }),
      delivery("not xml"),
      delivery("<other/>"),
      delivery("<notification><kind>refund_failed</kind><subject/></notification>"),
      delivery(notification("transaction_settled", subject.replace("<id>k4t9p2qz</id>", "<id>../x</id>"))),
      delivery(notification("transaction_settled", subject.replace("<amount>10.50</amount>", "<amount>10.505</amount>"))),
      delivery(notification("transaction_settled", subject.replace("<currency-iso-code>USD</currency-iso-code>", "<currency-iso-code>XYZ</currency-iso-code>")))
    ]
    for (const raw of bad) {
      const error = failure(BraintreeWebhook.parseEvents(raw))
      assert.strictEqual(error.reason._tag, "MalformedPayload")
    }
  })

  it("statuses: every documented Braintree status is mapped; others stay Unknown", () => {
    const table: Record<string, string> = {
      authorizing: "Pending",
      authorized: "Pending",
      submitted_for_settlement: "Pending",
      settling: "Pending",
      settlement_pending: "Pending",
      settled: "Succeeded",
      settlement_confirmed: "Succeeded",
      processor_declined: "Failed",
      gateway_rejected: "Failed",
      failed: "Failed",
      settlement_declined: "Failed",
      authorization_expired: "Failed",
      voided: "Cancelled"
    }
    for (const [raw, status] of Object.entries(table)) assert.strictEqual(BraintreeWebhook.statusOf(raw).status, status, raw)
    for (const raw of ["constructor", "__proto__", "SETTLED", undefined]) assert.strictEqual(BraintreeWebhook.statusOf(raw).status, "Unknown")
    assert.isTrue(Result.isSuccess(BraintreeWebhook.parseEvents(delivery(notification("transaction_settled")))))
  })
})
