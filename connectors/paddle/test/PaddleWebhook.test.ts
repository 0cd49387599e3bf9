import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { PaddleWebhook, connector } from "@refract/paddle"
import { adjustment, adjustmentId } from "./helpers/Fixtures.ts"

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
