import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { createHmac } from "node:crypto"
import { MercadoPagoWebhook } from "@refract/mercadopago"
import { fixtureText } from "./helpers/Fixtures.ts"

const secret = "5f1c7d3e9a2b4c6d8e0f1a3b5c7d9e1f"
const requestId = "f7b2a1d4-0b1c-4ec2-aaaa-9e8b1d2f3c4d"

/** Independent signer (node:crypto) over the documented template; vectors built with it are derived, not published. */
const v1 = (manifest: string, key = secret) => createHmac("sha256", key).update(manifest).digest("hex")

const raw = (options: { url?: string; headers?: Record<string, string>; body?: string } = {}) =>
  WebhookEvent.makeRawRequest({
    url: options.url ?? "https://merchant.example/hooks?data.id=999999999&type=payment",
    headers: options.headers ?? { "x-signature": `ts=1704908010,v1=${v1(`id:999999999;request-id:${requestId};ts:1704908010;`)}`, "x-request-id": requestId },
    body: options.body ?? fixtureText("notification-payment.json")
  })

const verify = (request: WebhookEvent.RawWebhookRequest, key = secret) =>
  Effect.runPromise(MercadoPagoWebhook.verifySignature(request, Redacted.make(key)).pipe(Effect.as("ok"), Effect.catch((e) => Effect.succeed(e.reason._tag))))

describe("x-signature verification", () => {
  it("accepts the documented manifest id:<data.id>;request-id:<x-request-id>;ts:<ts>; (derived vector)", async () => {
    assert.strictEqual(MercadoPagoWebhook.manifest("999999999", requestId, "1704908010"), `id:999999999;request-id:${requestId};ts:1704908010;`)
    assert.strictEqual(await verify(raw()), "ok")
  })

  it("leaves absent parts out of the manifest, and takes data.id from the body when the URL has none", async () => {
    const noRequestId = raw({ headers: { "x-signature": `ts=5,v1=${v1("id:999999999;ts:5;")}` } })
    assert.strictEqual(await verify(noRequestId), "ok")
    const bodyId = raw({ url: "https://merchant.example/hooks", headers: { "x-signature": `ts=5,v1=${v1(`id:999999999;request-id:${requestId};ts:5;`)}`, "x-request-id": requestId } })
    assert.strictEqual(await verify(bodyId), "ok")
  })

  it("lower-cases an alphanumeric data.id", async () => {
    const request = raw({ url: "https://m.example/h?data.id=ORD01ABC", headers: { "x-signature": `ts=5,v1=${v1("id:ord01abc;ts:5;")}` } })
    assert.strictEqual(await verify(request), "ok")
  })

  it("fails closed: missing, malformed, wrong secret, another data.id, another request id, another ts", async () => {
    assert.strictEqual(await verify(raw({ headers: {} })), "MissingSignature")
    assert.strictEqual(await verify(raw({ headers: { "x-signature": "garbage" } })), "InvalidSignature")
    assert.strictEqual(await verify(raw({ headers: { "x-signature": "ts=abc,v1=00" } })), "InvalidSignature")
    assert.strictEqual(await verify(raw(), "another-secret"), "InvalidSignature")
    assert.strictEqual(await verify(raw({ url: "https://merchant.example/hooks?data.id=999999998" })), "InvalidSignature")
    const good = raw()
    assert.strictEqual(await verify(raw({ headers: { ...good.headers, "x-request-id": "other" } })), "InvalidSignature")
    assert.strictEqual(await verify(raw({ headers: { ...good.headers, "x-signature": good.headers["x-signature"]!.replace("ts=1704908010", "ts=1704908011") } })), "InvalidSignature")
    assert.strictEqual(await verify(raw({ headers: { ...good.headers, "x-signature": `ts=1704908010,v1=${"0".repeat(64)}` } })), "InvalidSignature")
  })
})

describe("parse", () => {
  it("a payment notification is a notice naming the payment, with an id from signed parts only", () => {
    const events = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw()))
    assert.lengthOf(events, 1)
    const event = events[0]!
    assert.isUndefined(event.refund, "nothing in the delivery is believed")
    assert.strictEqual(event.notice?.connectorTransactionId, "999999999")
    assert.isUndefined(event.notice?.connectorRefundId)
    assert.strictEqual(event.eventId, `payment:999999999:${requestId}`)
    assert.strictEqual(event.eventType, "payment.updated")
  })

  it("the same signed parts give the same id whatever the unsigned body says", () => {
    const edited = fixtureText("notification-payment.json").replace("payment.updated", "payment.created").replace("12345", "54321")
    const a = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw()))[0]!
    const b = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({ body: edited })))[0]!
    assert.strictEqual(a.eventId, b.eventId)
  })

  it("refuses a body whose data.id is not the signed one, non-JSON, and a payment data.id that is no payment id", () => {
    const other = fixtureText("notification-payment.json").replace("999999999", "111")
    assert.isTrue(Result.isFailure(MercadoPagoWebhook.parseEvents(raw({ body: other }))))
    assert.isTrue(Result.isFailure(MercadoPagoWebhook.parseEvents(raw({ body: "not json" }))))
    assert.isTrue(Result.isFailure(MercadoPagoWebhook.parseEvents(raw({ url: "https://m/h?data.id=abc", body: fixtureText("notification-payment.json").replace("999999999", "abc") }))))
  })

  it("another topic is acknowledged without a notice", () => {
    const body = JSON.stringify({ type: "topic_claims_integration_wh", action: "created", data: { id: "77" } })
    const events = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({ url: "https://m/h?data.id=77", body })))
    assert.isUndefined(events[0]!.notice)
  })
})

/** The typed failure of a verification that must fail (rejects if it succeeds). */
const verifyError = (request: WebhookEvent.RawWebhookRequest, key = secret) =>
  Effect.runPromise(Effect.flip(MercadoPagoWebhook.verifySignature(request, Redacted.make(key))))

/** The typed failure of a parse that must fail. */
const parseError = (request: WebhookEvent.RawWebhookRequest) => {
  const result = MercadoPagoWebhook.parseEvents(request)
  if (Result.isSuccess(result)) return assert.fail("expected the notification to be refused")
  return result.failure
}

/** A signature header over a manifest, `ts=5` unless told. */
const signed = (manifest: string, ts = "5") => `ts=${ts},v1=${v1(manifest)}`

/** A payment notification body; `data` null leaves `data` out. */
const paymentBody = (data: unknown = { id: "999999999" }) =>
  JSON.stringify({ id: 12345, type: "payment", action: "payment.updated", ...(data === null ? {} : { data }) })

describe("x-signature header", () => {
  it("reads ts and v1 whatever the key case, spacing or order, ignoring other parts", () => {
    assert.deepStrictEqual(MercadoPagoWebhook.parseSignatureHeader(" TS = 5 , V1 = ab "), { ts: "5", v1: "ab" })
    assert.deepStrictEqual(MercadoPagoWebhook.parseSignatureHeader("v1=ab,ts=5"), { ts: "5", v1: "ab" })
    assert.deepStrictEqual(MercadoPagoWebhook.parseSignatureHeader("ts=5,v1=ab,foo=bar"), { ts: "5", v1: "ab" })
    assert.deepStrictEqual(MercadoPagoWebhook.parseSignatureHeader("ts=5,v1=ab,v1x"), { ts: "5", v1: "ab" }, "a part without = is skipped")
  })

  it("takes a ts of 1 to 16 digits only, and a non-empty v1", () => {
    assert.deepStrictEqual(MercadoPagoWebhook.parseSignatureHeader(`ts=${"9".repeat(16)},v1=ab`), { ts: "9".repeat(16), v1: "ab" })
    for (const header of [`ts=${"9".repeat(17)},v1=ab`, "ts=x5,v1=ab", "ts=5x,v1=ab", "ts=,v1=ab", "ts=5,v1=", "ts=5", "v1=ab", ""]) {
      assert.isUndefined(MercadoPagoWebhook.parseSignatureHeader(header), header)
    }
  })

  it("says why it refuses a delivery, in the reason users read", async () => {
    const missing = await verifyError(raw({ headers: {} }))
    assert.strictEqual(missing.connector, "mercadopago")
    assert.strictEqual(missing.reason._tag, "MissingSignature")
    assert.strictEqual(missing.message, "mercadopago webhook: MissingSignature: no x-signature header")
    const blank = await verifyError(raw({ headers: { "x-signature": "   " } }))
    assert.strictEqual(blank.reason._tag, "MissingSignature", "a blank header is no header")
    for (const header of ["garbage", "ts=5", "ts=5,v1="]) {
      const malformedHeader = await verifyError(raw({ headers: { "x-signature": header } }))
      assert.strictEqual(malformedHeader.reason._tag, "InvalidSignature", header)
      assert.strictEqual(malformedHeader.reason.message, "x-signature is not ts=<digits>,v1=<hex>", header)
    }
    const mismatch = await verifyError(raw(), "another-secret")
    assert.strictEqual(mismatch.connector, "mercadopago")
    assert.strictEqual(mismatch.reason._tag, "InvalidSignature")
    assert.strictEqual(
      mismatch.reason.message,
      "x-signature does not match: check the secret signature and that data.id and x-request-id reach the receiver unchanged"
    )
  })
})

describe("the signed manifest", () => {
  it("leaves out an empty data.id or request id, and lower-cases only a wholly alphanumeric data.id", () => {
    assert.strictEqual(MercadoPagoWebhook.manifest("", "", "5"), "ts:5;")
    assert.strictEqual(MercadoPagoWebhook.manifest(undefined, undefined, "5"), "ts:5;")
    assert.strictEqual(MercadoPagoWebhook.manifest("AB1", "Req-ID", "5"), "id:ab1;request-id:Req-ID;ts:5;")
    assert.strictEqual(MercadoPagoWebhook.manifest("AZaz09", undefined, "5"), "id:azaz09;ts:5;", "every letter and digit")
    assert.strictEqual(MercadoPagoWebhook.manifest("ABC-1", undefined, "5"), "id:ABC-1;ts:5;")
    assert.strictEqual(MercadoPagoWebhook.manifest("-ABC", undefined, "5"), "id:-ABC;ts:5;")
  })

  it("signature is the hex HMAC-SHA256 of the manifest, with the secret as text or redacted", () => {
    const expected = v1(`id:999999999;request-id:${requestId};ts:5;`)
    assert.strictEqual(MercadoPagoWebhook.signature(secret, "999999999", requestId, "5"), expected)
    assert.strictEqual(MercadoPagoWebhook.signature(Redacted.make(secret), "999999999", requestId, "5"), expected)
  })

  it("reads data.id from a relative URL (path and query only)", async () => {
    const request = raw({ url: "/hooks?data.id=999999999", headers: { "x-signature": signed("id:999999999;ts:5;") }, body: paymentBody(null) })
    assert.strictEqual(await verify(request), "ok")
    assert.strictEqual(Result.getOrThrow(MercadoPagoWebhook.parseEvents(request))[0]!.notice?.connectorTransactionId, "999999999")
  })

  it("trims the URL's data.id, and takes the body's when the URL's is blank", async () => {
    const padded = raw({ url: "https://m.example/h?data.id=%20999999999%20", headers: { "x-signature": signed("id:999999999;ts:5;") } })
    assert.strictEqual(await verify(padded), "ok")
    const blank = raw({ url: "https://m.example/h?data.id=%20%20", headers: { "x-signature": signed("id:999999999;ts:5;") } })
    assert.strictEqual(await verify(blank), "ok")
  })

  it("takes the body's data.id as a number or a trimmed string when the URL has none", async () => {
    const url = "https://m.example/h"
    assert.strictEqual(await verify(raw({ url, headers: { "x-signature": signed("id:999999999;ts:5;") }, body: paymentBody({ id: 999999999 }) })), "ok")
    assert.strictEqual(await verify(raw({ url, headers: { "x-signature": signed("id:999999999;ts:5;") }, body: paymentBody({ id: " 999999999 " }) })), "ok")
  })

  it("signs the trimmed x-request-id", async () => {
    const request = raw({ headers: { "x-signature": signed("id:999999999;request-id:req-1;ts:5;"), "x-request-id": "  req-1  " } })
    assert.strictEqual(await verify(request), "ok")
  })
})

describe("parse details", () => {
  it("events are the connector's; without an x-request-id the id falls back to the signed ts", () => {
    const events = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({ headers: { "x-signature": signed("id:999999999;ts:5;") } })))
    assert.strictEqual(events[0]!.connector, "mercadopago")
    assert.strictEqual(events[0]!.eventId, "payment:999999999:ts-5")
  })

  it("a body without data.id still names the signed payment", () => {
    const events = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({ body: paymentBody(null) })))
    assert.strictEqual(events[0]!.eventId, `payment:999999999:${requestId}`)
    assert.strictEqual(events[0]!.notice?.connectorTransactionId, "999999999")
  })

  it("another topic keeps its data.id as is, and an event without type or action is of type unknown", () => {
    const claim = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({
      url: "https://m/h?data.id=ab-7",
      body: JSON.stringify({ type: "topic_claims_integration_wh", data: { id: "ab-7" } })
    })))
    assert.strictEqual(claim[0]!.eventId, `topic_claims_integration_wh:ab-7:${requestId}`)
    assert.strictEqual(claim[0]!.eventType, "topic_claims_integration_wh", "no action: the topic")
    assert.isUndefined(claim[0]!.notice)
    const untyped = Result.getOrThrow(MercadoPagoWebhook.parseEvents(raw({ url: "https://m/h?data.id=77", body: JSON.stringify({ data: { id: "77" } }) })))
    assert.strictEqual(untyped[0]!.eventId, `unknown:77:${requestId}`)
    assert.strictEqual(untyped[0]!.eventType, "unknown")
    assert.isUndefined(untyped[0]!.notice)
  })

  it("refuses malformed deliveries with a MalformedPayload saying what is wrong", () => {
    const notJson = parseError(raw({ body: "not json" }))
    assert.strictEqual(notJson.connector, "mercadopago")
    assert.strictEqual(notJson.reason._tag, "MalformedPayload")
    assert.strictEqual(notJson.reason.message, "the body is not JSON")
    const notNotification = parseError(raw({ body: JSON.stringify({ type: 5 }) }))
    assert.strictEqual(notNotification.reason._tag, "MalformedPayload")
    assert.isTrue(notNotification.reason.message.startsWith("not a Mercado Pago notification: "), notNotification.reason.message)
    const unnamed = "the notification names no data.id or has no x-signature"
    assert.strictEqual(parseError(raw({ url: "https://m/h", body: paymentBody(null) })).reason.message, unnamed)
    assert.strictEqual(parseError(raw({ headers: { "x-request-id": requestId } })).reason.message, unnamed)
    assert.strictEqual(parseError(raw({ headers: { "x-signature": "garbage" } })).reason.message, unnamed)
    assert.strictEqual(parseError(raw({ url: "https://m/h", body: paymentBody({ id: "   " }) })).reason.message, unnamed)
    const other = parseError(raw({ body: paymentBody({ id: "111" }) }))
    assert.strictEqual(other.reason._tag, "MalformedPayload")
    assert.strictEqual(other.reason.message, `the body's data.id "111" is not the signed "999999999"`)
    const notPayment = parseError(raw({ url: "https://m/h?data.id=abc", body: paymentBody({ id: "abc" }) }))
    assert.strictEqual(notPayment.reason.message, "a payment notification's data.id is not a payment id")
  })

  it("quotes at most 32 characters of each id in a mismatch", () => {
    const signedId = "s".repeat(40)
    const error = parseError(raw({ url: `https://m/h?data.id=${signedId}`, body: JSON.stringify({ type: "other", data: { id: "b".repeat(40) } }) }))
    assert.strictEqual(error.reason.message, `the body's data.id "${"b".repeat(32)}" is not the signed "${"s".repeat(32)}"`)
  })
})

describe("webhook support", () => {
  it("verifies with the decoded secret, parses, and acknowledges with 200 OK", async () => {
    const support = MercadoPagoWebhook.webhooks
    assert.strictEqual(await Effect.runPromise(support.verify(raw(), { webhookSecret: Redacted.make(secret) }, { now: Date.now(), fetchText: () => Effect.die("verification fetches nothing") }).pipe(Effect.as("ok"))), "ok")
    assert.strictEqual(Result.getOrThrow(support.parse(raw()))[0]!.eventId, `payment:999999999:${requestId}`)
    assert.deepStrictEqual(support.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
    assert.include(support.scheme, "HMAC-SHA256")
    assert.strictEqual(support.secrets, MercadoPagoWebhook.secrets)
    assert.isTrue(MercadoPagoWebhook.secrets.webhookSecret.secret)
    assert.strictEqual(MercadoPagoWebhook.secrets.webhookSecret.env, "MERCADOPAGO_WEBHOOK_SECRET")
    assert.include(MercadoPagoWebhook.secrets.webhookSecret.description, "secret signature")
    assert.strictEqual(MercadoPagoWebhook.SIGNATURE_HEADER, "x-signature")
    assert.strictEqual(MercadoPagoWebhook.REQUEST_ID_HEADER, "x-request-id")
  })
})
