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
