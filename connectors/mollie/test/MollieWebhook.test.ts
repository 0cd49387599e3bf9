import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, EventHandler, WebhookEvent } from "@refract/core"
import { Effect, Exit, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { connector, MollieWebhook } from "@refract/mollie"
import { apiKey } from "./helpers/Fixtures.ts"

const form = "application/x-www-form-urlencoded"
const ping = (body: string, contentType: string | undefined = form) =>
  WebhookEvent.makeRawRequest({ method: "POST", headers: contentType === undefined ? {} : { "Content-Type": contentType }, body })

const parse = (request: WebhookEvent.RawWebhookRequest) => MollieWebhook.parseEvents(request)
const reasonOf = (result: Result.Result<unknown, { readonly reason: { readonly _tag: string } }>) =>
  Result.isFailure(result) ? result.failure.reason._tag : "success"

describe("classic webhook ping", () => {
  it("id=tr_… (the docs' example) is one event with a notice naming the payment, and no refund state", () => {
    const events = Result.getOrThrow(parse(ping("id=tr_d0b0E3EA3v")))
    assert.strictEqual(events.length, 1)
    assert.isUndefined(events[0]!.refund)
    assert.strictEqual(events[0]!.notice?.connectorTransactionId, "tr_d0b0E3EA3v")
    assert.isUndefined(events[0]!.notice?.connectorRefundId)
    assert.strictEqual(events[0]!.eventId, "ping:tr_d0b0E3EA3v")
    assert.strictEqual(events[0]!.connector, "mollie")
  })

  it("a duplicate delivery parses to the same event id; notices are read, so a second real ping still takes effect", () => {
    const a = Result.getOrThrow(parse(ping("id=tr_d0b0E3EA3v")))
    const b = Result.getOrThrow(parse(ping("id=tr_d0b0E3EA3v")))
    assert.strictEqual(a[0]!.eventId, b[0]!.eventId)
  })

  it("a ping about another kind of object (an order, a subscription) is an event without notice", () => {
    const events = Result.getOrThrow(parse(ping("id=ord_kEn1PlbGa")))
    assert.isUndefined(events[0]!.notice)
    assert.isUndefined(events[0]!.refund)
  })

  it("accepts a ping without a content type; refuses JSON (next-gen events are not supported), extra or missing parameters, and bad ids", () => {
    assert.strictEqual(reasonOf(parse(WebhookEvent.makeRawRequest({ headers: {}, body: "id=tr_d0b0E3EA3v" }))), "success")
    assert.strictEqual(reasonOf(parse(ping("id=tr_d0b0E3EA3v", "application/x-www-form-urlencoded; charset=utf-8"))), "success")
    for (const [body, type] of [
      ["{\"id\":\"tr_d0b0E3EA3v\"}", "application/json"],
      ["id=tr_d0b0E3EA3v&status=paid", form],
      ["status=refunded", form],
      ["", form],
      ["id=tr_d0b0E3EA3v&id=tr_other", form],
      ["id=tr_%2F..%2F", form],
      ["id=<script>", form],
      [`id=tr_${"a".repeat(600)}`, form]
    ] as const) {
      assert.strictEqual(reasonOf(parse(ping(body, type))), "MalformedPayload", body.slice(0, 40))
    }
    const notUtf8 = WebhookEvent.makeRawRequest({ headers: { "content-type": form }, body: new Uint8Array([0x69, 0x64, 0x3d, 0xff]) })
    assert.strictEqual(reasonOf(parse(notUtf8)), "MalformedPayload")
  })

  it.effect("verify fails closed on anything that is not a ping, and passes a ping", () =>
    Effect.gen(function*() {
      const context = { now: 0, fetchText: () => Effect.die("no fetch") }
      yield* connector.webhooks!.verify(ping("id=tr_d0b0E3EA3v"), {}, context)
      const refused = yield* Effect.exit(connector.webhooks!.verify(ping("{}", "application/json"), {}, context))
      assert.isTrue(Exit.isFailure(refused))
    }))

  it("declares no secrets (unsigned) and acknowledges with a 200", () => {
    assert.deepStrictEqual(connector.webhooks!.secrets, {})
    assert.strictEqual(connector.webhooks!.acknowledgement.status, 200)
  })

  it.effect("the core's webhook handler accepts a ping without the allowUnsigned opt-in (it only holds notices)", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, { credentials: { apiKey }, webhookSecrets: {} })
      const events = yield* EventHandler.verify(bound, ping("id=tr_d0b0E3EA3v"))
      assert.strictEqual(events[0]!.notice?.connectorTransactionId, "tr_d0b0E3EA3v")
      const refused = yield* Effect.exit(EventHandler.verify(bound, ping("{\"refund\":{}}", "application/json")))
      assert.isTrue(Exit.isFailure(refused))
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

describe("status mapping", () => {
  it("covers Mollie's six statuses without Unknown", () => {
    for (const status of ["queued", "pending", "processing", "refunded", "failed", "canceled"]) {
      assert.notStrictEqual(MollieWebhook.statusOf(status).status, "Unknown", status)
    }
    assert.deepStrictEqual(MollieWebhook.statusOf("__proto__"), { status: "Unknown", rawStatus: "__proto__" })
  })
})
