import { assert, describe, it } from "@effect/vitest"
import { AuthorizeNetWebhook } from "@refract/authorizenet"
import { WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { createHmac } from "node:crypto"
import * as F from "./helpers/Fixtures.ts"

const key = Redacted.make(F.signatureKey)
const raw = (body: string, headers: Record<string, string>) => WebhookEvent.makeRawRequest({ headers, body })
const signed = (body: string, secret = F.signatureKey) => raw(body, { "X-ANET-Signature": AuthorizeNetWebhook.signature(body, secret) })
const verify = (request: WebhookEvent.RawWebhookRequest) =>
  Effect.runSync(Effect.result(AuthorizeNetWebhook.verifySignature(request, key)))
const reasonOf = (result: Result.Result<void, { readonly reason: { readonly _tag: string } }>) =>
  Result.isFailure(result) ? result.failure.reason._tag : "ok"

describe("X-ANET-Signature", () => {
  const body = JSON.stringify(F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId))

  it("is sha512= and the upper-case hex HMAC-SHA512 of the raw body keyed with the Signature Key's text", () => {
    const expected = createHmac("sha512", F.signatureKey).update(body).digest("hex").toUpperCase()
    assert.strictEqual(AuthorizeNetWebhook.signature(body, F.signatureKey), `sha512=${expected}`)
    assert.strictEqual(reasonOf(verify(signed(body))), "ok")
    // Compared case-insensitively (hex decoded).
    assert.strictEqual(reasonOf(verify(raw(body, { "x-anet-signature": `sha512=${expected.toLowerCase()}` }))), "ok")
  })

  it("fails closed: tampered body, wrong key, hex-decoded key, missing or malformed header", () => {
    assert.strictEqual(reasonOf(verify(raw(body.replace(F.refundId, "60123456791"), signed(body).headers))), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(signed(body, "A".repeat(128)))), "InvalidSignature")
    const hexDecoded = createHmac("sha512", Buffer.from(F.signatureKey, "hex")).update(body).digest("hex").toUpperCase()
    assert.strictEqual(reasonOf(verify(raw(body, { "x-anet-signature": `sha512=${hexDecoded}` }))), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(raw(body, {}))), "MissingSignature")
    for (const header of ["sha256=ABCD", "sha512=", "sha512=XYZ", AuthorizeNetWebhook.signature(body, F.signatureKey).slice(0, -2), `${AuthorizeNetWebhook.signature(body, F.signatureKey)}00`]) {
      assert.strictEqual(reasonOf(verify(raw(body, { "x-anet-signature": header }))), "InvalidSignature", header)
    }
  })
})

describe("parseEvents", () => {
  const parse = (value: unknown) => AuthorizeNetWebhook.parseEvents(WebhookEvent.makeRawRequest({ headers: {}, body: typeof value === "string" ? value : JSON.stringify(value) }))

  it("refund.created and void.created name the transaction: a notice, no trusted state", () => {
    for (const type of [AuthorizeNetWebhook.REFUND_CREATED, AuthorizeNetWebhook.VOID_CREATED]) {
      const [event] = Result.getOrThrow(parse(F.notification(type, F.refundId)))
      assert.strictEqual(event!.eventType, type)
      assert.isUndefined(event!.refund)
      assert.strictEqual(event!.notice?.connectorRefundId, F.refundId)
      assert.strictEqual(event!.eventId, `d0e8e7fe-c3e7-4add-a480-27bc5ce28e1a:${F.refundId}`)
      assert.strictEqual(event!.occurredAt, Date.parse("2026-12-01T10:15:31.510Z"))
    }
  })

  it("the event id comes from the signed body: a redelivery (same notification) has the same id, another notification another", () => {
    const a = Result.getOrThrow(parse(F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId)))[0]!.eventId
    const b = Result.getOrThrow(parse(F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId)))[0]!.eventId
    const c = Result.getOrThrow(parse(F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId, "7c4d2a8e-0000-4000-8000-000000000001")))[0]!.eventId
    assert.strictEqual(a, b)
    assert.notStrictEqual(a, c)
  })

  it("other events carry no refund; malformed bodies are MalformedPayload", () => {
    const [payment] = Result.getOrThrow(parse(F.notification("net.authorize.payment.authcapture.created", "601")))
    assert.isUndefined(payment!.refund)
    assert.isUndefined(payment!.notice)
    const malformed = (value: unknown) => {
      const r = parse(value)
      return Result.isFailure(r) ? r.failure.reason._tag : "parsed"
    }
    assert.strictEqual(malformed("{"), "MalformedPayload")
    assert.strictEqual(malformed({ eventType: AuthorizeNetWebhook.REFUND_CREATED }), "MalformedPayload")
    assert.strictEqual(malformed(F.notification(AuthorizeNetWebhook.REFUND_CREATED, "0")), "MalformedPayload")
    assert.strictEqual(malformed(F.notification(AuthorizeNetWebhook.REFUND_CREATED, "abc")), "MalformedPayload")
    assert.strictEqual(malformed({ ...F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId), notificationId: " " }), "MalformedPayload")
    const customer = F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId)
    ;(customer.payload as Record<string, unknown>)["entityName"] = "customerProfile"
    assert.strictEqual(malformed(customer), "MalformedPayload")
  })
})
