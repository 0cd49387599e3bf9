import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { WebhookError, WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { PaddleWebhook, connector } from "@refract/paddle"
import { adjustment, adjustmentId, transactionId } from "./helpers/Fixtures.ts"

const secret = "pdl_ntfset_01h8testsecret0000000000000_TestSecretValue00000000"
const now = Date.UTC(2026, 0, 1, 12, 0, 0)
const ts = Math.floor(now / 1000)

const notification = (over: Record<string, unknown> = {}, data: unknown = adjustment({ status: "approved" })) =>
  JSON.stringify({ event_id: "evt_01h8c6wz4ac017hxdehrgdvpz4", event_type: "adjustment.updated", occurred_at: "2023-08-21T14:10:08.650443Z", notification_id: "ntf_01h8c6wz6bvsvae9t76xap5twy", data, ...over })

const verify = (body: string, header: string | undefined, at = now, key = secret) =>
  Effect.runPromise(
    PaddleWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers: header === undefined ? {} : { "paddle-signature": header }, body }), Redacted.make(key), at).pipe(
      Effect.as("ok"),
      Effect.catch((e) => Effect.succeed(e.reason._tag))
    )
  )

const parse = (body: string) => PaddleWebhook.parseEvents(WebhookEvent.makeRawRequest({ headers: {}, body }))

describe("Paddle-Signature verification", () => {
  it("accepts ts;h1 over '<ts>:' + raw body, and any one of several h1 (secret rotation)", async () => {
    const body = notification()
    const header = PaddleWebhook.signatureHeader(body, secret, ts)
    assert.strictEqual(await verify(body, header), "ok")
    const other = PaddleWebhook.signatureHeader(body, "pdl_ntfset_other", ts).split(";")[1]
    assert.strictEqual(await verify(body, `ts=${ts};${other};${header.split(";")[1]}`), "ok")
    assert.strictEqual(await verify(body, `${header.split(";")[1]};ts=${ts}`), "ok", "order of parts does not matter")
  })

  it("fails closed: missing, malformed, tampered, wrong secret, and stale or future timestamps", async () => {
    const body = notification()
    const header = PaddleWebhook.signatureHeader(body, secret, ts)
    assert.strictEqual(await verify(body, undefined), "MissingSignature")
    assert.strictEqual(await verify(body, "  "), "MissingSignature")
    for (const bad of ["ts=abc;h1=00", `h1=${"0".repeat(64)}`, `ts=${ts}`, `ts=${ts};h1=zz`, `ts=${ts};ts=${ts};${header.split(";")[1]}`, "garbage"]) {
      assert.strictEqual(await verify(body, bad), "InvalidSignature", bad)
    }
    assert.strictEqual(await verify(body.replace("1050", "1051"), header), "InvalidSignature")
    assert.strictEqual(await verify(body, header, now, "pdl_ntfset_wrong"), "InvalidSignature")
    assert.strictEqual(await verify(body, header, now + 6_000), "TimestampOutOfTolerance", "5 s tolerance, as the SDK")
    assert.strictEqual(await verify(body, header, now - 6_000), "TimestampOutOfTolerance", "a ts from the future")
    assert.strictEqual(await verify(body, header, now + 5_000), "ok")
  })

  it("the connector's verify refuses a delivery when no secret is configured (core: NotConfigured)", () => {
    assert.deepStrictEqual(Object.keys(connector.webhooks!.secrets), ["webhookSecret"])
    assert.isTrue(connector.webhooks!.secrets.webhookSecret.secret)
  })
})

describe("notification parsing", () => {
  it("adjustment.updated of a refund: the snapshot, the signed event_id, occurred_at", () => {
    const events = Result.getOrThrow(parse(notification()))
    assert.strictEqual(events.length, 1)
    const e = events[0]!
    assert.strictEqual(e.eventId, "evt_01h8c6wz4ac017hxdehrgdvpz4")
    assert.strictEqual(e.eventType, "adjustment.updated")
    assert.strictEqual(e.occurredAt, Date.UTC(2023, 7, 21, 14, 10, 8, 650))
    assert.strictEqual(e.refund?.connectorRefundId, adjustmentId)
    assert.strictEqual(e.refund?.status, "Succeeded")
    assert.strictEqual(e.refund?.merchantRefundId, "order-42-r1")
    assert.strictEqual(e.refund?.amount?.amount, 1050)
  })

  it("reversed, rejected and unknown statuses", () => {
    const statusOf = (status: string) => Result.getOrThrow(parse(notification({}, adjustment({ status }))))[0]!.refund?.status
    assert.strictEqual(statusOf("reversed"), "Reversed")
    assert.strictEqual(statusOf("rejected"), "Failed")
    assert.strictEqual(statusOf("pending_approval"), "Pending")
    assert.strictEqual(statusOf("something_new"), "Unknown")
  })

  it("other events and non-refund adjustments give an event without a refund", () => {
    assert.isUndefined(Result.getOrThrow(parse(notification({ event_type: "transaction.completed" }, { id: "txn_01h8bxpvx398a7zbawb77y0kp5" })))[0]!.refund)
    assert.isUndefined(Result.getOrThrow(parse(notification({}, adjustment({ action: "chargeback" }))))[0]!.refund)
  })

  it("undecodable bodies are MalformedPayload, never a crash", () => {
    for (const body of ["", "not json", "[]", JSON.stringify({ event_type: "adjustment.updated" }), notification({ event_id: "evt_short" }), notification({}, { id: 1 }), notification({}, adjustment({ totals: { total: "1.5" } }))]) {
      const result = parse(body)
      assert.isTrue(Result.isFailure(result), body.slice(0, 40))
      if (Result.isFailure(result)) assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
    }
  })

  it("the event id is the signed event_id: a redelivery (new ts) keeps it", () => {
    const body = notification()
    const a = Result.getOrThrow(parse(body))[0]!.eventId
    const b = Result.getOrThrow(parse(body))[0]!.eventId
    assert.strictEqual(a, b)
  })
})

const failureOf = <A>(result: Result.Result<A, WebhookError.WebhookError>) => {
  assert.isTrue(Result.isFailure(result), "expected a failure")
  return (result as Result.Failure<A, WebhookError.WebhookError>).failure
}

const refusal = (body: string, header: string | undefined, at = now, tolerance?: number) =>
  Effect.runPromise(
    PaddleWebhook.verifySignature(
      WebhookEvent.makeRawRequest({ headers: header === undefined ? {} : { "paddle-signature": header }, body }),
      Redacted.make(secret),
      at,
      tolerance
    ).pipe(Effect.flip)
  )

describe("Paddle-Signature header and verification details", () => {
  it("signatureHeader is ts=<ts>;h1=hex(HMAC-SHA256(secret, '<ts>:' + body)), with a plain or a redacted secret", () => {
    const body = notification()
    const h1 = createHmac("sha256", secret).update(`${ts}:${body}`).digest("hex")
    assert.strictEqual(PaddleWebhook.signatureHeader(body, secret, ts), `ts=${ts};h1=${h1}`)
    assert.strictEqual(PaddleWebhook.signatureHeader(body, Redacted.make(secret), ts), `ts=${ts};h1=${h1}`)
    assert.strictEqual(PaddleWebhook.signatureHeader(new TextEncoder().encode(body), secret, ts), `ts=${ts};h1=${h1}`)
  })

  it("parseHeader reads ts and every h1, trimming spaces around keys and values", () => {
    assert.deepStrictEqual(PaddleWebhook.parseHeader(" ts = 1700000000 ; h1 = ab ;h1=cd"), { ts: 1700000000, h1: ["ab", "cd"] })
    assert.deepStrictEqual(PaddleWebhook.parseHeader("ts=0;h1=ab"), { ts: 0, h1: ["ab"] })
    assert.deepStrictEqual(PaddleWebhook.parseHeader("ts=999999999999;h1=ab"), { ts: 999999999999, h1: ["ab"] }, "twelve digits")
    assert.deepStrictEqual(PaddleWebhook.parseHeader("=x;ts=1;v1=zz;h1=ab"), { ts: 1, h1: ["ab"] }, "parts without a key and other keys are ignored")
  })

  it("parseHeader refuses a ts that is not whole seconds, a repeated ts, and a header without a non-empty h1", () => {
    for (const bad of ["ts=1a;h1=ab", "ts=a1;h1=ab", "ts=-1;h1=ab", "ts=1.5;h1=ab", "ts=;h1=ab", "ts=1000000000000;h1=ab", "ts=1;ts=1;h1=ab", "ts=1;h1=", "ts=1;h1x", "ts=1", "h1=ab", ""]) {
      assert.isUndefined(PaddleWebhook.parseHeader(bad), bad)
    }
  })

  it("verifies with spaces around the header's parts, and when the matching h1 comes first", async () => {
    const body = notification()
    const h1 = PaddleWebhook.signatureHeader(body, secret, ts).split(";")[1]!
    const other = PaddleWebhook.signatureHeader(body, "pdl_ntfset_other", ts).split(";")[1]!
    assert.strictEqual(await verify(body, ` ts=${ts} ; ${h1} `), "ok")
    assert.strictEqual(await verify(body, `ts=${ts};${h1};${other}`), "ok", "a later non-matching h1 does not undo a match")
    assert.strictEqual(await verify(body, `ts=${ts};${other};${other}`), "InvalidSignature")
  })

  it("refusals carry the connector and a message saying what to check", async () => {
    const body = notification()
    const header = PaddleWebhook.signatureHeader(body, secret, ts)
    const missing = await refusal(body, undefined)
    assert.strictEqual(missing.connector, "paddle")
    assert.strictEqual(missing.reason._tag, "MissingSignature")
    assert.strictEqual(missing.reason.message, "no Paddle-Signature header")
    assert.strictEqual(missing.httpStatus, 401)

    const malformedHeader = await refusal(body, `ts=${ts};h1x`)
    assert.strictEqual(malformedHeader.reason._tag, "InvalidSignature")
    assert.strictEqual(malformedHeader.reason.message, "Paddle-Signature needs ts=<unix seconds> and at least one h1=<hex>")

    const tampered = await refusal(body.replace("1050", "1051"), header)
    assert.strictEqual(tampered.connector, "paddle")
    assert.strictEqual(tampered.reason._tag, "InvalidSignature")
    assert.strictEqual(
      tampered.reason.message,
      "Paddle-Signature does not match the payload: check the destination's secret key and that the raw body is passed unchanged"
    )
  })

  it("TimestampOutOfTolerance names the ts and the tolerance; the tolerance can be widened", async () => {
    const body = notification()
    const header = PaddleWebhook.signatureHeader(body, secret, ts)
    assert.strictEqual(PaddleWebhook.TOLERANCE_SECONDS, 5)
    const stale = await refusal(body, header, now + 5_001)
    assert.strictEqual(stale.connector, "paddle")
    assert.strictEqual(stale.reason._tag, "TimestampOutOfTolerance")
    assert.strictEqual(stale.reason.message, `Paddle-Signature ts=${ts} is more than 5 s from now (a replay, or a skewed clock)`)
    assert.strictEqual((stale.reason as WebhookError.TimestampOutOfTolerance).toleranceSeconds, 5)
    assert.strictEqual(await verify(body, header, now - 5_000), "ok", "5 s ahead is still accepted")
    assert.strictEqual((await refusal(body, header, now - 5_001)).reason._tag, "TimestampOutOfTolerance")

    const ok = await Effect.runPromise(
      PaddleWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers: { "paddle-signature": header }, body }), Redacted.make(secret), now + 300_000, 300).pipe(
        Effect.as("ok")
      )
    )
    assert.strictEqual(ok, "ok")
    const wide = await refusal(body, header, now + 300_001, 300)
    assert.strictEqual(wide.reason.message, `Paddle-Signature ts=${ts} is more than 300 s from now (a replay, or a skewed clock)`)
    assert.strictEqual((wide.reason as WebhookError.TimestampOutOfTolerance).toleranceSeconds, 300)
  })

  it("the connector's webhook support: verify at the context's now, parse, the scheme, the secret and the 200 OK acknowledgement", async () => {
    const webhooks = connector.webhooks!
    const body = notification()
    const request = WebhookEvent.makeRawRequest({ headers: { "Paddle-Signature": PaddleWebhook.signatureHeader(body, secret, ts) }, body })
    const verifyAt = (at: number) =>
      Effect.runPromise(
        webhooks.verify(request, { webhookSecret: Redacted.make(secret) }, { now: at, fetchText: () => Effect.die("unused") }).pipe(
          Effect.as("ok"),
          Effect.catch((e) => Effect.succeed(e.reason._tag))
        )
      )
    assert.strictEqual(await verifyAt(now), "ok")
    assert.strictEqual(await verifyAt(now + 6_000), "TimestampOutOfTolerance")
    assert.deepStrictEqual(webhooks.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
    assert.strictEqual(
      webhooks.scheme,
      `Paddle-Signature: ts=<unix>;h1=hex(HMAC-SHA256(destination secret key, "<ts>:" + raw body)), any h1 of several; ts within 5 s`
    )
    assert.strictEqual(webhooks.secrets.webhookSecret.env, "PADDLE_WEBHOOK_SECRET")
    assert.include(webhooks.secrets.webhookSecret.description, "pdl_ntfset_")
    assert.strictEqual(Result.getOrThrow(webhooks.parse(request))[0]!.eventId, "evt_01h8c6wz4ac017hxdehrgdvpz4")
  })
})

describe("notification parsing details", () => {
  it("a refund adjustment: every field of the snapshot, the raw adjustment, and occurredAt from the event", () => {
    const data = adjustment({ status: "approved" })
    const [e] = Result.getOrThrow(parse(notification({ event_type: "adjustment.created" }, data)))
    assert.strictEqual(e!.connector, "paddle")
    assert.strictEqual(e!.eventType, "adjustment.created")
    assert.isUndefined(e!.notice)
    const s = e!.refund!
    assert.strictEqual(s.connectorRefundId, adjustmentId)
    assert.strictEqual(s.connectorTransactionId, transactionId)
    assert.strictEqual(s.merchantRefundId, "order-42-r1")
    assert.deepStrictEqual([s.amount?.amount, s.amount?.currency], [1050, "USD"])
    assert.deepStrictEqual([s.status, s.rawStatus], ["Succeeded", "approved"])
    assert.strictEqual(s.reason, "requested_by_customer")
    assert.isUndefined(s.failure)
    assert.isUndefined(s.metadata)
    assert.strictEqual(s.occurredAt, Date.UTC(2023, 7, 21, 14, 10, 8, 650))
    assert.strictEqual(s.createdAt, Date.UTC(2023, 7, 21, 14, 8, 43, 297))
    assert.deepStrictEqual(s.raw as unknown, data)
  })

  it("every adjustment status keeps its raw string; a missing status is Unknown with rawStatus \"null\"", () => {
    const observed = (status: unknown) => {
      const s = Result.getOrThrow(parse(notification({}, adjustment({ status }))))[0]!.refund!
      return [s.status, s.rawStatus]
    }
    assert.deepStrictEqual(observed("pending_approval"), ["Pending", "pending_approval"])
    assert.deepStrictEqual(observed("approved"), ["Succeeded", "approved"])
    assert.deepStrictEqual(observed("rejected"), ["Failed", "rejected"])
    assert.deepStrictEqual(observed("reversed"), ["Reversed", "reversed"])
    assert.deepStrictEqual(observed("on_hold"), ["Unknown", "on_hold"])
    assert.deepStrictEqual(observed(null), ["Unknown", "null"])
    assert.deepStrictEqual(PaddleWebhook.statusOf(undefined), { status: "Unknown", rawStatus: "null" })
  })

  it("an event without occurred_at has no occurredAt, on the event and on the refund", () => {
    const [e] = Result.getOrThrow(parse(notification({ occurred_at: null })))
    assert.isUndefined(e!.occurredAt)
    assert.isUndefined(e!.refund!.occurredAt)
  })

  it("a reason without the marker, or with nothing before it, gives no reason and no merchant refund id when unmarked", () => {
    const refundOf = (reason: unknown) => Result.getOrThrow(parse(notification({}, adjustment({ reason }))))[0]!.refund!
    const unmarked = refundOf("manual refund from the dashboard")
    assert.isUndefined(unmarked.merchantRefundId)
    assert.isUndefined(unmarked.reason)
    const bare = refundOf(PaddleWebhook.markReason("", "order-7", "key-7"))
    assert.strictEqual(bare.merchantRefundId, "order-7")
    assert.isUndefined(bare.reason)
    assert.isUndefined(refundOf(null).merchantRefundId)
  })

  it("events about other entities and non-refund adjustments: one event with its id, type and time, and no refund", () => {
    for (const [over, data] of [
      [{ event_type: "transaction.completed" }, { id: transactionId }],
      [{ event_type: "adjustment.created" }, adjustment({ action: "credit" })],
      [{}, adjustment({ action: "chargeback" })]
    ] as const) {
      const events = Result.getOrThrow(parse(notification(over, data)))
      assert.strictEqual(events.length, 1)
      const e = events[0]!
      assert.strictEqual(e.connector, "paddle")
      assert.strictEqual(e.eventId, "evt_01h8c6wz4ac017hxdehrgdvpz4")
      assert.strictEqual(e.eventType, (over as { event_type?: string }).event_type ?? "adjustment.updated")
      assert.strictEqual(e.occurredAt, Date.UTC(2023, 7, 21, 14, 10, 8, 650))
      assert.isUndefined(e.refund)
      assert.isUndefined(e.notice)
    }
  })

  it("only evt_ + 26 lower-case letters or digits is an event id", () => {
    assert.isTrue(Result.isSuccess(parse(notification({ event_id: "evt_0123456789abcdefghijklmnop" }))))
    for (const id of ["evt_01H8C6WZ4AC017HXDEHRGDVPZ4", "evt_01h8c6wz4ac017hxdehrgdvpz", "evt_01h8c6wz4ac017hxdehrgdvpz45", "xevt_01h8c6wz4ac017hxdehrgdvpz4", "evt_01h8c6wz4ac017hxdehrgdvpz4x", "ntf_01h8c6wz4ac017hxdehrgdvpz4", "evt_01h8c6wz4ac017hxdehrgdvp-4"]) {
      const error = failureOf(parse(notification({ event_id: id })))
      assert.strictEqual(error.reason._tag, "MalformedPayload", id)
      assert.strictEqual(error.reason.message, `event_id ${JSON.stringify(id)} is not a Paddle event id`)
    }
    const long = `evt_${"x".repeat(60)}`
    assert.strictEqual(failureOf(parse(notification({ event_id: long }))).reason.message, `event_id ${JSON.stringify(long.slice(0, 40))} is not a Paddle event id`)
  })

  it("MalformedPayload messages say what is wrong with the body", () => {
    const messageOf = (body: string) => {
      const error = failureOf(parse(body))
      assert.strictEqual(error.connector, "paddle")
      assert.strictEqual(error.reason._tag, "MalformedPayload")
      assert.strictEqual(error.httpStatus, 400)
      return error.reason.message
    }
    assert.strictEqual(messageOf("not json"), "the body is not JSON")
    assert.strictEqual(messageOf(""), "the body is not JSON")
    assert.match(messageOf("[]"), /^not a Paddle notification: \S/)
    assert.match(messageOf(JSON.stringify({ event_type: "adjustment.updated" })), /^not a Paddle notification: .*event_id/)
    assert.match(messageOf(notification({}, { id: 1 })), /^adjustment\.updated: data is not an adjustment: \S/)
    assert.strictEqual(messageOf(notification({}, adjustment({ totals: { total: "1.5" } }))), `adjustment.updated: adjustment ${adjustmentId}: totals.total "1.5" is not minor units`)
    assert.strictEqual(
      messageOf(notification({}, adjustment({ totals: { total: "10".repeat(30) } }))),
      `adjustment.updated: adjustment ${adjustmentId}: totals.total ${JSON.stringify("10".repeat(16))} is not minor units`
    )
    assert.strictEqual(messageOf(notification({}, adjustment({ currency_code: "XXQ" }))), `adjustment.updated: adjustment ${adjustmentId}: unknown ISO 4217 currency "XXQ"`)
  })

  it("totals.total must be 1 to 15 digits of minor units", () => {
    const amountOf = (total: string) => parse(notification({}, adjustment({ totals: { total } })))
    assert.strictEqual(Result.getOrThrow(amountOf("0"))[0]!.refund!.amount?.amount, 0)
    assert.strictEqual(Result.getOrThrow(amountOf("999999999999999"))[0]!.refund!.amount?.amount, 999999999999999)
    for (const total of ["", "1000000000000000", "-1", "a1050", "1050a", "10 50", "1e3"]) {
      assert.strictEqual(failureOf(amountOf(total)).reason._tag, "MalformedPayload", total)
    }
  })

  it("an adjustment the snapshot refuses (an id that is not a processor id) is MalformedPayload on one line, not a throw", () => {
    const error = failureOf(parse(notification({}, adjustment({ id: "adj bad\nid" }))))
    assert.strictEqual(error.reason._tag, "MalformedPayload")
    assert.strictEqual(error.reason.message, "adjustment.updated: adjustment adj bad\nid: Schema validation failed")
  })
})

describe("the refund marker in the adjustment reason", () => {
  it("markReason appends the merchant refund id and the idempotency key; readMarker reads them back", () => {
    const reason = PaddleWebhook.markReason("requested_by_customer", "order-42-r1", "refract-order-42-r1")
    assert.strictEqual(reason, "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=refract-order-42-r1]")
    assert.deepStrictEqual(PaddleWebhook.readMarker(reason), { reason: "requested_by_customer", merchantRefundId: "order-42-r1", idempotencyKey: "refract-order-42-r1" })
    assert.deepStrictEqual(PaddleWebhook.readMarker(PaddleWebhook.markReason("a [refract merchant_refund_id=x idempotency_key=y]", "m", "k")), {
      reason: "a [refract merchant_refund_id=x idempotency_key=y]",
      merchantRefundId: "m",
      idempotencyKey: "k"
    }, "the last marker counts")
    assert.deepStrictEqual(PaddleWebhook.readMarker(PaddleWebhook.markReason("x", "order idempotency_key=1", "k")), {
      reason: "x",
      merchantRefundId: "order idempotency_key=1",
      idempotencyKey: "k"
    }, "the last key part counts")
  })

  it("readMarker finds nothing in a reason without a well-formed marker", () => {
    for (const reason of [
      null,
      undefined,
      "",
      "requested_by_customer",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=k] ",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=refract-order-42-r1 ",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=refract-order-42-r1",
      "requested_by_customer [refract merchant_refund_id=order-42-r1]",
      "requested_by_customer [refract merchant_refund_id= idempotency_key=k]",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=]",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=a b]",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=k!]",
      "requested_by_customer [refract merchant_refund_id=order-42-r1 idempotency_key=!k]",
      "requested_by_customer [other merchant_refund_id=order-42-r1 idempotency_key=k]"
    ]) {
      assert.isUndefined(PaddleWebhook.readMarker(reason), String(reason))
    }
  })
})
