import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, ConnectorRegistry, Credentials, EventHandler, MemoryRefundStore, RefundStore, WebhookEvent, Webhooks } from "@refract/core"
import { Effect, Layer, Redacted, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { RazorpayWebhook, connector } from "@refract/razorpay"
import { fixtureBytes, fixtureJson, fixtureText, keyId, keySecret, paymentId, refundId } from "./helpers/Fixtures.ts"

const secret = "whsec-like-but-any-string-you-chose"

const signed = (body: string | Uint8Array, headers: Record<string, string> = {}, key = secret) =>
  WebhookEvent.makeRawRequest({
    url: "https://merchant.example/webhooks/razorpay",
    headers: { "content-type": "application/json", "x-razorpay-signature": RazorpayWebhook.signature(body, key), ...headers },
    body
  })

const verify = (request: WebhookEvent.RawWebhookRequest, key = secret) =>
  Effect.runPromise(Effect.flip(RazorpayWebhook.verifySignature(request, Redacted.make(key))).pipe(
    Effect.map((e) => e.reason._tag as string),
    Effect.catch(() => Effect.succeed("verified"))
  ))

const parse = (body: string | Uint8Array, headers: Record<string, string> = {}) => {
  const result = RazorpayWebhook.parseEvents(signed(body, headers))
  if (Result.isFailure(result)) assert.fail(`expected events, got ${result.failure.message}`)
  return result.success
}

const parseFailure = (body: string | Uint8Array) => {
  const result = RazorpayWebhook.parseEvents(signed(body))
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  return result.failure
}

describe("X-Razorpay-Signature", () => {
  it("published vector R1 (razorpay-node test/utils/razorpay-utils.spec.js)", async () => {
    const body = `{"a":1,"b":2,"c":{"d":3}}`
    assert.strictEqual(RazorpayWebhook.signature(body, "123456"), "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc")
    const request = WebhookEvent.makeRawRequest({
      headers: { "X-Razorpay-Signature": "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc" },
      body
    })
    assert.strictEqual(await verify(request, "123456"), "verified")
    // the spec's negative case: the same body with the signature "sdfafds"
    const wrong = WebhookEvent.makeRawRequest({ headers: { "X-Razorpay-Signature": "sdfafds" }, body })
    assert.strictEqual(await verify(wrong, "123456"), "InvalidSignature")
  })

  it("a valid delivery verifies over the exact raw bytes (upper-case hex accepted)", async () => {
    const body = fixtureBytes("event-refund-processed.json")
    assert.strictEqual(await verify(signed(body)), "verified")
    const upper = RazorpayWebhook.signature(body, secret).toUpperCase()
    assert.strictEqual(await verify(WebhookEvent.makeRawRequest({ headers: { "x-razorpay-signature": upper }, body })), "verified")
  })

  it("a tampered body is InvalidSignature", async () => {
    const body = fixtureText("event-refund-processed.json")
    const request = signed(body)
    const tampered = { ...request, body: new TextEncoder().encode(body.replace("\"amount\": 1050", "\"amount\": 9050")) }
    assert.notStrictEqual(new TextDecoder().decode(tampered.body), body)
    assert.strictEqual(await verify(tampered), "InvalidSignature")
    // re-serialised JSON (whitespace changed) is not the signed bytes either
    const reserialised = { ...request, body: new TextEncoder().encode(JSON.stringify(JSON.parse(body))) }
    assert.strictEqual(await verify(reserialised), "InvalidSignature")
  })

  it("a delivery signed with another secret is InvalidSignature", async () => {
    assert.strictEqual(await verify(signed(fixtureText("event-refund-processed.json"), {}, "another-secret")), "InvalidSignature")
  })

  it("a missing or empty header is MissingSignature; a non-hex or truncated header is InvalidSignature", async () => {
    const body = fixtureText("event-refund-processed.json")
    assert.strictEqual(await verify(WebhookEvent.makeRawRequest({ headers: {}, body })), "MissingSignature")
    assert.strictEqual(await verify(WebhookEvent.makeRawRequest({ headers: { "x-razorpay-signature": " " }, body })), "MissingSignature")
    const good = RazorpayWebhook.signature(body, secret)
    for (const header of ["zz" + good.slice(2), good.slice(0, 62), `${good},${good}`, `sha256=${good}`]) {
      assert.strictEqual(await verify(WebhookEvent.makeRawRequest({ headers: { "x-razorpay-signature": header }, body })), "InvalidSignature", header)
    }
  })
})

describe("refund events", () => {
  it("refund.processed → Succeeded, with the refund, payment, merchant id and times", () => {
    const [event, ...rest] = parse(fixtureText("event-refund-processed.json"))
    assert.strictEqual(rest.length, 0)
    assert.strictEqual(event!.connector, "razorpay")
    assert.strictEqual(event!.eventType, "refund.processed")
    assert.strictEqual(event!.occurredAt, 1763899200 * 1000)
    const refund = event!.refund!
    assert.strictEqual(refund.connectorRefundId, refundId)
    assert.strictEqual(refund.connectorTransactionId, paymentId)
    assert.strictEqual(refund.merchantRefundId, "order-42-r1")
    assert.strictEqual(refund.status, "Succeeded")
    assert.strictEqual(refund.rawStatus, "processed")
    assert.strictEqual(refund.amount?.amount, 1050)
    assert.strictEqual(refund.occurredAt, 1763899200 * 1000)
    assert.strictEqual(refund.createdAt, 1763812800 * 1000)
  })

  it("refund.created → Pending; refund.failed → Failed; refund.speed_changed → the entity's status", () => {
    const created = parse(fixtureText("event-refund-created.json"))[0]!
    assert.strictEqual(created.refund?.status, "Pending")
    assert.strictEqual(created.refund?.rawStatus, "pending")
    const failed = parse(fixtureText("event-refund-failed.json"))[0]!
    assert.strictEqual(failed.refund?.status, "Failed")
    assert.strictEqual(failed.refund?.rawStatus, "failed")
    const speed = parse(fixtureText("event-refund-speed-changed.json"))[0]!
    assert.strictEqual(speed.eventType, "refund.speed_changed")
    assert.strictEqual(speed.refund?.status, "Pending")
    const unknown = parse(fixtureText("event-refund-speed-changed-unknown.json"))[0]!
    assert.strictEqual(unknown.refund?.status, "Unknown")
    assert.strictEqual(unknown.refund?.rawStatus, "on_hold")
  })

  it("an instant refund created already processed reports Succeeded (the entity knows more than the event name)", () => {
    const created = parse(fixtureText("event-refund-created-instant.json"))[0]!
    assert.strictEqual(created.refund?.status, "Succeeded")
    assert.strictEqual(created.refund?.rawStatus, "processed")
  })

  it("the event type decides when the entity disagrees; refund.created with an unknown status is Pending", () => {
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.processed", "pending"), { status: "Succeeded", rawStatus: "processed" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.failed", null), { status: "Failed", rawStatus: "failed" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.created", "weird"), { status: "Pending", rawStatus: "weird" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.created", undefined), { status: "Pending", rawStatus: "created" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.arn_updated", "processed"), { status: "Succeeded", rawStatus: "processed" })
  })

  it("event ids come from the signed body: the unsigned x-razorpay-event-id header never changes them", () => {
    const body = fixtureText("event-refund-processed.json")
    const derived = parse(body)[0]!.eventId
    assert.match(derived, new RegExp(`^refund\\.processed:${refundId}:[0-9a-f]{32}$`))
    for (const header of ["HeazeuODW9RQ8b", "replay-2", "replay-3", "", " "]) {
      assert.strictEqual(parse(body, { "x-razorpay-event-id": header })[0]!.eventId, derived, `x-razorpay-event-id: ${JSON.stringify(header)}`)
    }
    assert.strictEqual(parse(body)[0]!.eventId, derived, "redeliveries of the same body de-duplicate")
    assert.notStrictEqual(parse(fixtureText("event-refund-created.json"))[0]!.eventId, derived)
  })

  it("two different signed events about the same refund state keep different ids", () => {
    const first = fixtureJson("event-refund-speed-changed.json")
    const second = { ...first, created_at: first.created_at + 60 }
    const ids = [first, second].map((e) => parse(JSON.stringify(e))[0]!.eventId)
    assert.notStrictEqual(ids[0], ids[1])
  })

  it("a non-refund event parses to one event without a refund, with a stable id", () => {
    const body = fixtureText("event-payment-captured.json")
    const [event] = parse(body)
    assert.strictEqual(event!.eventType, "payment.captured")
    assert.strictEqual(event!.refund, undefined)
    assert.strictEqual(event!.occurredAt, 1763812000 * 1000)
    assert.strictEqual(parse(body)[0]!.eventId, event!.eventId)
    assert.match(event!.eventId, /^payment\.captured:[0-9a-f]{32}$/)
  })

  it("bodies that are not Razorpay refund events are MalformedPayload", () => {
    for (const body of ["", "not json", "[]", "{}", `{"event":42}`, fixtureText("event-refund-no-entity.json"), fixtureText("event-refund-bad-entity.json")]) {
      const error = parseFailure(body)
      assert.strictEqual(error._tag, "WebhookError")
      assert.strictEqual(error.reason._tag, "MalformedPayload", body.slice(0, 40))
      assert.strictEqual(error.httpStatus, 400)
    }
  })
})

const bound = (webhookSecrets?: Record<string, string>) =>
  BoundConnector.bind(connector, { credentials: { keyId, keySecret }, ...(webhookSecrets !== undefined ? { webhookSecrets } : {}) })

describe("through core Webhooks.verifyAndParse", () => {

  it.live("verifies, then parses; a wrong signature never reaches the parser", () =>
    Effect.gen(function*() {
      const b = yield* bound({ webhookSecret: secret })
      const body = fixtureText("event-refund-failed.json")
      const events = yield* Webhooks.verifyAndParse(b, signed(body, { "x-razorpay-event-id": "evt1" }))
      assert.strictEqual(events[0]!.refund?.status, "Failed")
      assert.match(events[0]!.eventId, /^refund\.failed:rfnd_\w+:[0-9a-f]{32}$/, "not the unsigned header's evt1")
      const error = yield* Effect.flip(Webhooks.verifyAndParse(b, signed("not json at all", {}, "other")))
      assert.strictEqual(error.reason._tag, "InvalidSignature")
      assert.strictEqual(error.httpStatus, 401)
      assert.notInclude(error.message, secret)
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.live("without a configured secret the delivery is refused (fail closed)", () =>
    Effect.gen(function*() {
      const b = yield* bound()
      const error = yield* Effect.flip(Webhooks.verifyAndParse(b, signed(fixtureText("event-refund-processed.json"))))
      assert.strictEqual(error.reason._tag, "NotConfigured")
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

describe("replays", () => {
  it.live("one signed body replayed five times with new x-razorpay-event-id headers is applied once", () =>
    Effect.gen(function*() {
      const body = fixtureText("event-refund-processed.json")
      const outcomes: Array<string> = []
      for (const header of ["evt_original", "evt_replay_1", "evt_replay_2", "evt_replay_3", "evt_replay_4"]) {
        const result = yield* EventHandler.handleEvent({ connector: "razorpay", request: signed(body, { "x-razorpay-event-id": header }) })
        outcomes.push(...result.outcomes.map((o) => o._tag))
      }
      assert.deepStrictEqual(outcomes, ["UnknownRefund", "Duplicate", "Duplicate", "Duplicate", "Duplicate"])
      const store = yield* RefundStore.RefundStore
      assert.strictEqual((yield* store.history({ connector: "razorpay", connectorRefundId: refundId })).length, 1)
    }).pipe(
      Effect.provide(Layer.mergeAll(
        ConnectorRegistry.register(connector, { credentials: { keyId, keySecret }, webhookSecrets: { webhookSecret: secret } }).pipe(
          Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer)
        ),
        MemoryRefundStore.layer,
        FetchHttpClient.layer
      ))
    ))
})

describe("processor times in a signed body are bounded, and optional", () => {
  it("created_at: 1e306, a negative or a millisecond value is dropped, never stored as Infinity", () => {
    for (const created of [1e306, -1, 1763812800000]) {
      const body = fixtureJson("event-refund-processed.json")
      body.created_at = created
      body.payload.refund.entity.created_at = created
      const [event] = parse(JSON.stringify(body))
      assert.isUndefined(event!.occurredAt, String(created))
      assert.isUndefined(event!.refund?.occurredAt, String(created))
      assert.isUndefined(event!.refund?.createdAt, String(created))
      assert.strictEqual(event!.refund?.status, "Succeeded")
    }
  })

  it("a refund entity without created_at is read: nothing needs it", () => {
    const body = fixtureJson("event-refund-processed.json")
    delete body.payload.refund.entity.created_at
    const [event] = parse(JSON.stringify(body))
    assert.strictEqual(event!.refund?.status, "Succeeded")
    assert.isUndefined(event!.refund?.createdAt)
    assert.strictEqual(event!.occurredAt, 1763899200 * 1000)
  })
})

// ---------------------------------------------------------------------------------------------
// Behaviour pinned by mutation testing (Stryker).
// ---------------------------------------------------------------------------------------------

const processedWith = (entity: Record<string, unknown>, envelope: Record<string, unknown> = {}) => {
  const body = fixtureJson("event-refund-processed.json")
  return JSON.stringify({ ...body, ...envelope, payload: { ...body.payload, refund: { entity: { ...body.payload.refund.entity, ...entity } } } })
}

describe("X-Razorpay-Signature: more edges", () => {
  it("one byte flipped anywhere in the signed body is InvalidSignature", async () => {
    const body = fixtureBytes("event-refund-processed.json")
    const header = RazorpayWebhook.signature(body, secret)
    for (const at of [0, 700, body.length - 1]) {
      const tampered = new Uint8Array(body)
      tampered[at] = tampered[at]! ^ 0x01
      assert.strictEqual(await verify(WebhookEvent.makeRawRequest({ headers: { "x-razorpay-signature": header }, body: tampered })), "InvalidSignature", String(at))
    }
  })

  it("signature() takes the secret as a string or Redacted", () => {
    const body = `{"a":1,"b":2,"c":{"d":3}}`
    assert.strictEqual(RazorpayWebhook.signature(body, Redacted.make("123456")), "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc")
  })

  it("failures say what to check, never the secret", async () => {
    const body = fixtureText("event-refund-processed.json")
    const message = (request: WebhookEvent.RawWebhookRequest) =>
      Effect.runPromise(Effect.flip(RazorpayWebhook.verifySignature(request, Redacted.make(secret))).pipe(Effect.map((e) => e.message)))
    assert.include(await message(WebhookEvent.makeRawRequest({ headers: {}, body })), "X-Razorpay-Signature")
    const wrong = await message(signed(body, {}, "another-secret"))
    assert.include(wrong, "does not match")
    assert.notInclude(wrong, secret)
  })
})

describe("the webhook secret spec and header names", () => {
  it("is held as Redacted and read from RAZORPAY_WEBHOOK_SECRET, which a missing secret's message names", () => {
    const ok = Credentials.decode(RazorpayWebhook.secrets, { webhookSecret: "s" }, "razorpay webhook secrets")
    assert.isTrue(Result.isSuccess(ok) && Redacted.isRedacted(ok.success.webhookSecret))
    assert.deepStrictEqual(Credentials.fromEnv(RazorpayWebhook.secrets, { RAZORPAY_WEBHOOK_SECRET: "s" }), { webhookSecret: "s" })
    const missing = Credentials.decode(RazorpayWebhook.secrets, {}, "razorpay webhook secrets")
    assert.isTrue(Result.isFailure(missing))
    if (Result.isFailure(missing)) {
      assert.include(missing.failure.message, "RAZORPAY_WEBHOOK_SECRET")
      assert.include(missing.failure.message, "secret entered for the webhook")
    }
  })

  it("the header names are Razorpay's (lower case, as RawWebhookRequest keeps them), and the scheme names the signature header", () => {
    // https://razorpay.com/docs/webhooks/validate-test and .../retries-and-idempotency
    assert.strictEqual(RazorpayWebhook.SIGNATURE_HEADER, "x-razorpay-signature")
    assert.strictEqual(RazorpayWebhook.EVENT_ID_HEADER, "x-razorpay-event-id")
    assert.include(connector.webhooks!.scheme.toLowerCase(), RazorpayWebhook.SIGNATURE_HEADER)
  })
})

describe("refund event details", () => {
  it("the merchant refund id is notes.merchant_refund_id, else the receipt, else none", () => {
    const mid = (entity: Record<string, unknown>) => parse(processedWith(entity))[0]!.refund?.merchantRefundId
    assert.strictEqual(mid({ notes: { merchant_refund_id: "m-1" }, receipt: "r-1" }), "m-1")
    assert.strictEqual(mid({ notes: { order: "42" }, receipt: "r-1" }), "r-1")
    assert.strictEqual(mid({ notes: [], receipt: "r-1" }), "r-1")
    assert.isUndefined(mid({ notes: {}, receipt: null }))
    assert.isUndefined(mid({ notes: null, receipt: undefined }))
  })

  it("refund.processed is Succeeded and refund.failed Failed whatever the entity says", () => {
    for (const entityStatus of ["pending", "failed", "processed", "weird", null, undefined]) {
      assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.processed", entityStatus), { status: "Succeeded", rawStatus: "processed" }, String(entityStatus))
    }
    for (const entityStatus of ["pending", "processed", "failed", "weird", null, undefined]) {
      assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.failed", entityStatus), { status: "Failed", rawStatus: "failed" }, String(entityStatus))
    }
  })

  it("refund.created reports a known entity status as is, else Pending with the raw status", () => {
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.created", "pending"), { status: "Pending", rawStatus: "pending" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.created", "failed"), { status: "Failed", rawStatus: "failed" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.created", null), { status: "Pending", rawStatus: "created" })
  })

  it("other refund events report the entity's status, Unknown included", () => {
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.speed_changed", "failed"), { status: "Failed", rawStatus: "failed" })
    assert.deepStrictEqual(RazorpayWebhook.eventStatus("refund.speed_changed", null), { status: "Unknown", rawStatus: "null" })
    const [event] = parse(processedWith({ status: "failed" }, { event: "refund.speed_changed" }))
    assert.strictEqual(event!.refund?.status, "Failed")
  })

  it("the event status overrides the entity's in the snapshot", () => {
    const [event] = parse(processedWith({ status: "pending" }))
    assert.strictEqual(event!.refund?.status, "Succeeded")
    assert.strictEqual(event!.refund?.rawStatus, "processed")
  })

  it("amount and currency come from the entity: a zero-decimal currency keeps its scale", () => {
    const [event] = parse(processedWith({ amount: 500, currency: "JPY" }))
    assert.strictEqual(event!.refund?.amount?.amount, 500)
    assert.strictEqual(event!.refund?.amount?.currency, "JPY")
  })

  it("an event without any payload is one event without a refund; a refund.* event without one is MalformedPayload", () => {
    const [event] = parse(JSON.stringify({ entity: "event", event: "payment.authorized", created_at: 1763812000 }))
    assert.strictEqual(event!.eventType, "payment.authorized")
    assert.isUndefined(event!.refund)
    const error = parseFailure(JSON.stringify({ entity: "event", event: "refund.processed", created_at: 1763812000 }))
    assert.include(error.message, "refund.processed: payload.refund.entity is missing")
    // only the refund. prefix marks a refund event
    assert.isUndefined(parse(JSON.stringify({ event: "payment.refund_note", payload: {} }))[0]!.refund)
    assert.isUndefined(parse(JSON.stringify({ event: "xrefund.processed", payload: {} }))[0]!.refund)
  })

  it("event ids differ between a refund event and a non-refund event, and between two bodies", () => {
    const a = parse(JSON.stringify({ event: "payment.captured", created_at: 1 }))[0]!.eventId
    const b = parse(JSON.stringify({ event: "payment.captured", created_at: 2 }))[0]!.eventId
    assert.notStrictEqual(a, b)
    assert.match(a, /^payment\.captured:[0-9a-f]{32}$/)
  })

  it("each MalformedPayload says what is wrong, on one line", () => {
    assert.include(parseFailure("not json").message, "not JSON")
    assert.include(parseFailure(`{"event":42}`).message, "not a Razorpay event")
    assert.include(parseFailure(fixtureText("event-refund-bad-entity.json")).message, "payload.refund.entity is not a refund")
    const unknownCurrency = parseFailure(processedWith({ currency: "XXQ" }))
    assert.include(unknownCurrency.message, `refund.processed: refund ${refundId}`)
    const badId = parseFailure(processedWith({ id: "rfnd with spaces" }))
    assert.include(badId.message, "refund.processed: refund rfnd with spaces:")
    assert.notInclude(badId.message, "\n")
    assert.notMatch(badId.message, /\s\s/)
    assert.include(badId.message, "validation failed", "the core's reason, words intact")
  })
})
