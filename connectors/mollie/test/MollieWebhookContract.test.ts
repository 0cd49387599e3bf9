/**
 * The webhook module's contract, value by value: the exact events a ping becomes, the exact reason and
 * message a refused delivery gets, the acknowledgement, and the refund → snapshot mapping it shares with
 * the parsers (statuses, ids, settlement evidence, metadata, occurredAt, the failure messages).
 */
import { assert, describe, it } from "@effect/vitest"
import { Money, WebhookEvent } from "@refract/core"
import { Effect, Result } from "effect"
import { connector, MollieWebhook } from "@refract/mollie"
import type { MollieSchema } from "@refract/mollie"
import { fixtureJson, paymentId, refundId } from "./helpers/Fixtures.ts"

const form = "application/x-www-form-urlencoded"
const ping = (body: string | Uint8Array, contentType: string | undefined = form) =>
  WebhookEvent.makeRawRequest({ method: "POST", headers: contentType === undefined ? {} : { "Content-Type": contentType }, body })

/** The MalformedPayload message a delivery is refused with (fails the test when it is accepted or refused otherwise). */
const refusal = (request: WebhookEvent.RawWebhookRequest): string => {
  const result = MollieWebhook.parseEvents(request)
  if (Result.isSuccess(result)) return assert.fail("the delivery was accepted")
  assert.strictEqual(result.failure.connector, "mollie")
  assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
  return result.failure.reason.message
}
const onlyEvent = (request: WebhookEvent.RawWebhookRequest) => {
  const events = Result.getOrThrow(MollieWebhook.parseEvents(request))
  assert.strictEqual(events.length, 1)
  return events[0]!
}

const refund = (over: Partial<Record<keyof MollieSchema.Refund, unknown>> = {}): MollieSchema.Refund =>
  ({ ...fixtureJson("refund-pending.json"), ...over }) as MollieSchema.Refund
const snapshotOf = (r: MollieSchema.Refund, options?: Parameters<typeof MollieWebhook.toSnapshot>[1]) =>
  Result.getOrThrow(MollieWebhook.toSnapshot(r, options))
const problemOf = (r: MollieSchema.Refund) => {
  const result = MollieWebhook.toSnapshot(r)
  return Result.isFailure(result) ? result.failure : assert.fail("the refund was read")
}

describe("a ping's event", () => {
  it("a payment ping is a 'payment' event with a notice naming only the payment", () => {
    const event = onlyEvent(ping("id=tr_d0b0E3EA3v"))
    assert.strictEqual(event.connector, "mollie")
    assert.strictEqual(event.eventId, "ping:tr_d0b0E3EA3v")
    assert.strictEqual(event.eventType, "payment")
    assert.deepStrictEqual(event.notice, new WebhookEvent.WebhookNotice({ connectorTransactionId: "tr_d0b0E3EA3v" }))
    assert.isUndefined(event.refund)
  })

  it("a ping about another object is an 'object' event with its id and no notice", () => {
    for (const id of ["ord_kEn1PlbGa", "sub_rVKGtNd6s3", "re_4qqhO89gsT", "xtr_d0b0E3EA3v"]) {
      const event = onlyEvent(ping(`id=${id}`))
      assert.strictEqual(event.eventId, `ping:${id}`, id)
      assert.strictEqual(event.eventType, "object", id)
      assert.isFalse(Object.hasOwn(event, "notice"), id)
      assert.isUndefined(event.refund, id)
    }
  })
})

describe("which pings are accepted", () => {
  it("reads the media type case-insensitively and around spaces and parameters; an empty content type is no content type", () => {
    for (const type of ["Application/X-WWW-Form-Urlencoded", `  ${form}  `, ` ${form} ; charset=utf-8`, "", "; charset=utf-8"]) {
      assert.strictEqual(onlyEvent(ping("id=tr_d0b0E3EA3v", type)).eventId, "ping:tr_d0b0E3EA3v", JSON.stringify(type))
    }
  })

  it("an object id has a 2 to 8 letter lower-case prefix and 1 to 64 letters or digits", () => {
    for (const id of ["ab_1", "abcdefgh_X", `tr_${"aZ9".repeat(21)}b`, "tr_0"]) {
      assert.strictEqual(onlyEvent(ping(`id=${id}`)).eventId, `ping:${id}`, id)
    }
    for (const id of ["a_1", "abcdefghi_X", "TR_abc", "tr1_abc", `tr_${"a".repeat(65)}`, "tr_", "tr_ab-c", "tr_ab c", " tr_abc", "tr_abc ", "_tr_abc", "tr__abc", "tr_abc\n"]) {
      assert.strictEqual(refusal(ping(`id=${encodeURIComponent(id)}`)), `the ping's id ${JSON.stringify(id.slice(0, 64))} is not a Mollie object id`, id)
    }
  })

  it("a payment id is tr_ and 1 to 64 letters or digits, nothing before or after", () => {
    const { paymentIdPattern } = MollieWebhook
    for (const id of ["tr_d0b0E3EA3v", "tr_0", `tr_${"Az9".repeat(21)}b`]) assert.isTrue(paymentIdPattern.test(id), id)
    for (const id of ["tr_", `tr_${"a".repeat(65)}`, "xtr_abc", "ord_abc", "tr_abc/..", "tr_ab-c", "TR_abc", "tr_abc\n", " tr_abc"]) {
      assert.isFalse(paymentIdPattern.test(id), id)
    }
  })
})

describe("why a delivery is refused", () => {
  it("another media type (next-gen signed JSON events), named in the message, cut to 64 characters", () => {
    assert.strictEqual(
      refusal(ping("id=tr_d0b0E3EA3v", "Application/JSON; charset=utf-8")),
      "a Mollie classic webhook is form-encoded, got \"application/json\" (next-gen signed webhooks are not supported)"
    )
    const long = `application/${"x".repeat(100)}`
    assert.strictEqual(
      refusal(ping("id=tr_d0b0E3EA3v", long)),
      `a Mollie classic webhook is form-encoded, got ${JSON.stringify(long.slice(0, 64))} (next-gen signed webhooks are not supported)`
    )
  })

  it("anything but exactly one parameter named id", () => {
    const message = "a Mollie webhook ping has exactly one parameter, id"
    for (const body of ["", "status=refunded", "ID=tr_d0b0E3EA3v", "id=tr_d0b0E3EA3v&status=paid", "id=tr_a&id=tr_b"]) {
      assert.strictEqual(refusal(ping(body)), message, body)
    }
  })

  it("an id that is not an object id is quoted, cut to 64 characters", () => {
    const id = `tr_${"a".repeat(100)}`
    assert.strictEqual(refusal(ping(`id=${id}`)), `the ping's id ${JSON.stringify(id.slice(0, 64))} is not a Mollie object id`)
  })

  it("a body over 512 bytes is refused for its length before it is read; 512 bytes are read", () => {
    const at512 = `id=tr_${"a".repeat(506)}`
    assert.strictEqual(at512.length, 512)
    assert.strictEqual(refusal(ping(at512)), `the ping's id ${JSON.stringify(at512.slice(3, 67))} is not a Mollie object id`)
    assert.strictEqual(refusal(ping(`${at512}a`)), "a Mollie webhook ping is one short form parameter; this body is too long")
    assert.strictEqual(refusal(ping(`${at512}a`, "application/json")), "a Mollie webhook ping is one short form parameter; this body is too long")
  })

  it("a body that is not UTF-8 (never decoded with replacement characters)", () => {
    assert.strictEqual(refusal(ping(new Uint8Array([0x69, 0x64, 0x3d, 0x74, 0x72, 0x5f, 0xff]))), "the body is not UTF-8")
  })

  it.effect("verify refuses with the same reason and message, and passes a ping", () =>
    Effect.gen(function*() {
      const context = { now: 0, fetchText: () => Effect.die("no fetch") }
      yield* connector.webhooks!.verify(ping("id=ord_kEn1PlbGa"), {}, context)
      const error = yield* Effect.flip(connector.webhooks!.verify(ping("id=tr_d0b0E3EA3v&status=paid"), {}, context))
      assert.strictEqual(error.connector, "mollie")
      assert.strictEqual(error.reason._tag, "MalformedPayload")
      assert.strictEqual(error.reason.message, "a Mollie webhook ping has exactly one parameter, id")
      const json = yield* Effect.flip(connector.webhooks!.verify(ping("id=tr_d0b0E3EA3v", "application/json"), {}, context))
      assert.strictEqual(json.reason.message, "a Mollie classic webhook is form-encoded, got \"application/json\" (next-gen signed webhooks are not supported)")
    }))
})

describe("webhook support", () => {
  it("acknowledges with a plain-text 200 OK and describes itself as unsigned", () => {
    const webhooks = connector.webhooks!
    assert.deepStrictEqual(webhooks.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
    assert.include(webhooks.scheme, "unsigned")
  })
})

describe("refund → snapshot", () => {
  it("maps each status exactly, keeping the raw string; a missing status is Unknown \"null\"", () => {
    const expected: ReadonlyArray<readonly [string | null | undefined, string, string]> = [
      ["queued", "Pending", "queued"],
      ["pending", "Pending", "pending"],
      ["processing", "Pending", "processing"],
      ["refunded", "Succeeded", "refunded"],
      ["failed", "Failed", "failed"],
      ["canceled", "Cancelled", "canceled"],
      ["cancelled", "Unknown", "cancelled"],
      ["", "Unknown", ""],
      [null, "Unknown", "null"],
      [undefined, "Unknown", "null"]
    ]
    for (const [raw, status, rawStatus] of expected) {
      assert.deepStrictEqual(MollieWebhook.statusOf(raw), { status, rawStatus }, String(raw))
      const snapshot = snapshotOf(refund({ status: raw }))
      assert.strictEqual(snapshot.status, status, String(raw))
      assert.strictEqual(snapshot.rawStatus, rawStatus, String(raw))
    }
  })

  it("carries ids, amount, creation time and the given occurredAt; without raw, no metadata or raw either", () => {
    const snapshot = snapshotOf(refund(), { occurredAt: 1_700_000_000_000 })
    assert.strictEqual(snapshot.connectorRefundId, refundId)
    assert.strictEqual(snapshot.connectorTransactionId, paymentId)
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.isTrue(Money.equals(snapshot.amount!, Money.make(595, "EUR")))
    assert.strictEqual(snapshot.occurredAt, 1_700_000_000_000)
    assert.strictEqual(snapshot.createdAt, Date.UTC(2018, 2, 14, 17, 9, 2))
    assert.isUndefined(snapshot.metadata)
    assert.isUndefined(snapshot.raw)
    assert.isUndefined(snapshotOf(refund()).occurredAt)
  })

  it("with raw, adds the caller's metadata (without merchant_refund_id) and the raw object", () => {
    const raw = { id: refundId }
    const snapshot = snapshotOf(refund(), { raw })
    assert.deepStrictEqual(snapshot.metadata, { bookkeeping_id: "12345" })
    assert.deepStrictEqual(snapshot.raw, raw)
  })

  it("reads a refund whose optional fields are null: no payment, no creation time, no settlement", () => {
    const snapshot = snapshotOf(refund({ paymentId: null, createdAt: null, settlementId: null, externalReference: null, metadata: null }))
    assert.isUndefined(snapshot.connectorTransactionId)
    assert.isUndefined(snapshot.createdAt)
    assert.isUndefined(snapshot.settlement)
    assert.isUndefined(snapshot.merchantRefundId)
  })

  it("fails, naming the refund, on an amount it cannot read", () => {
    assert.strictEqual(problemOf(refund({ amount: { currency: "XXY", value: "5.95" } })), `refund ${refundId}: unknown ISO 4217 currency "XXY"`)
    assert.strictEqual(problemOf(refund({ amount: { currency: "EUR", value: "5.955" } })), `refund ${refundId}: "5.955" has more than 2 decimal places`)
  })

  it("fails, naming the refund, with the constructor's message, on an id that is not a processor id", () => {
    assert.strictEqual(problemOf(refund({ id: "re bad" })), "refund re bad: Schema validation failed")
  })
})

describe("merchant refund id", () => {
  const of = (metadata: unknown) => MollieWebhook.merchantRefundIdOf(refund({ metadata }))
  it("is the string metadata.merchant_refund_id, nothing else", () => {
    assert.strictEqual(of({ merchant_refund_id: "order-1" }), "order-1")
    assert.isUndefined(of({ merchant_refund_id: 1 }))
    assert.isUndefined(of({ other: "order-1" }))
    assert.isUndefined(of(null))
    assert.isUndefined(of(undefined))
    assert.isUndefined(of("merchant_refund_id"))
    assert.isUndefined(of(Object.assign(["order-1"], { merchant_refund_id: "order-1" })), "an array is not metadata")
    assert.isUndefined(of(Object.create({ merchant_refund_id: "order-1" })), "an inherited key is not the refund's")
  })
})

describe("settlement evidence", () => {
  const base = { id: refundId, amount: { currency: "EUR", value: "1.00" } }
  const keys = (s: unknown) => (s === undefined ? undefined : Object.entries(s as object).filter(([, v]) => v !== undefined))
  it("a trace reference with its type, a trace reference alone, a batch alone", () => {
    assert.deepStrictEqual(keys(MollieWebhook.settlementOf({ ...base, externalReference: { type: "acquirer-reference", id: "7498" } })), [["traceReference", "7498"], ["traceReferenceType", "acquirer-reference"]])
    const untyped = MollieWebhook.settlementOf({ ...base, externalReference: { type: null, id: "7498" } })!
    assert.deepStrictEqual(keys(untyped), [["traceReference", "7498"]])
    assert.isFalse(Object.hasOwn(untyped, "traceReferenceType"))
    const batch = MollieWebhook.settlementOf({ ...base, settlementId: "stl_jDk30akdN" })!
    assert.deepStrictEqual(keys(batch), [["batchId", "stl_jDk30akdN"]])
    assert.isFalse(Object.hasOwn(batch, "traceReference"))
  })

  it("leaves out a blank part, keeps the other; null parts are absent", () => {
    assert.deepStrictEqual(keys(MollieWebhook.settlementOf({ ...base, externalReference: { type: "acquirer-reference", id: "  " }, settlementId: "stl_1" })), [["batchId", "stl_1"]])
    assert.deepStrictEqual(keys(MollieWebhook.settlementOf({ ...base, externalReference: { type: "acquirer-reference", id: "7498" }, settlementId: " " })), [["traceReference", "7498"], ["traceReferenceType", "acquirer-reference"]])
    assert.isUndefined(MollieWebhook.settlementOf({ ...base, externalReference: { type: null, id: null }, settlementId: null }))
    assert.isUndefined(MollieWebhook.settlementOf({ ...base, externalReference: { type: "acquirer-reference", id: "" }, settlementId: "" }))
    assert.isUndefined(MollieWebhook.settlementOf({ ...base, externalReference: { type: "acquirer-reference", id: "  " }, settlementId: " " }))
  })
})

describe("the Content-Type header", () => {
  const request = (headers: Record<string, string>, body = "id=tr_d0b0E3EA3v") => WebhookEvent.makeRawRequest({ method: "POST", headers, body })
  it("a ping without one is read", () => {
    assert.strictEqual(onlyEvent(request({})).eventId, "ping:tr_d0b0E3EA3v")
    assert.strictEqual(onlyEvent(request({ "User-Agent": "Mollie.com Webhook Caller" })).eventId, "ping:tr_d0b0E3EA3v")
  })
  it("is found among the other headers, by its name only", () => {
    assert.strictEqual(
      refusal(request({ "User-Agent": "Mollie.com Webhook Caller", "Content-Type": "application/json" })),
      "a Mollie classic webhook is form-encoded, got \"application/json\" (next-gen signed webhooks are not supported)"
    )
    assert.strictEqual(onlyEvent(request({ "X-Content-Type": "application/json", "Content-Type": form })).eventId, "ping:tr_d0b0E3EA3v")
  })
})
