import { assert, describe, it } from "@effect/vitest"
import { createHmac } from "node:crypto"
import { Refund, WebhookEvent } from "@refract/core"
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

const encode = (body: string) => new TextEncoder().encode(body)

/** The WebhookError a delivery is refused with (fails the test when it parses). */
const refusal = (body: string | Uint8Array) => {
  const result = GoCardlessWebhook.parseEvents({ body: typeof body === "string" ? encode(body) : body })
  if (Result.isSuccess(result)) throw new Error(`expected a refusal, got ${result.success.length} events`)
  return result.failure
}

const one = (e: Record<string, unknown>) => Result.getOrThrow(parse(delivery([e])))[0]!

describe("GoCardless webhooks: the contract in detail", () => {
  it("verification: the header is read trimmed, the refusals name the header and the fix, and carry the connector", async () => {
    const body = delivery([event("paid")])
    const signature = GoCardlessWebhook.signature(body, secret)
    assert.strictEqual(GoCardlessWebhook.SIGNATURE_HEADER, "webhook-signature")
    assert.strictEqual(await verify(body, { "Webhook-Signature": `  ${signature}\t` }), "ok")
    assert.strictEqual(await verify(body, { "webhook-signature": signature }), "ok")
    assert.strictEqual(await verify(body, { "Webhook-Signature": "" }), "MissingSignature")
    assert.strictEqual(await verify(body, { "Signature": signature }), "MissingSignature")

    const error = (headers: Record<string, string>) =>
      Effect.runPromise(Effect.flip(GoCardlessWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers, body }), Redacted.make(secret))))
    const missing = await error({})
    assert.strictEqual(missing.connector, "gocardless")
    assert.strictEqual(missing.reason._tag, "MissingSignature")
    assert.strictEqual(missing.reason.message, "no Webhook-Signature header")
    assert.strictEqual(missing.httpStatus, 401)
    const invalid = await error({ "Webhook-Signature": GoCardlessWebhook.signature(body, "another-secret") })
    assert.strictEqual(invalid.connector, "gocardless")
    assert.strictEqual(invalid.reason._tag, "InvalidSignature")
    assert.strictEqual(
      invalid.reason.message,
      "Webhook-Signature does not match the payload: check the webhook endpoint secret and that the raw body is passed unchanged"
    )
  })

  it("the signature is hex HMAC-SHA256 of the raw body, whether the secret is given plain or redacted", () => {
    const body = delivery([event("paid")])
    const expected = createHmac("sha256", secret).update(body).digest("hex")
    assert.strictEqual(GoCardlessWebhook.signature(body, secret), expected)
    assert.strictEqual(GoCardlessWebhook.signature(body, Redacted.make(secret)), expected)
    assert.strictEqual(GoCardlessWebhook.signature(encode(body), Redacted.make(secret)), expected)
  })

  it("the connector's webhook support verifies with the decoded endpoint secret, parses, and acknowledges with an empty 204", async () => {
    const { webhooks } = GoCardlessWebhook
    const body = delivery([event("paid")])
    const context = { now: Date.parse("2026-12-01T09:00:01.000Z"), fetchText: () => Effect.die("no fetch") }
    const run = (signature: string) =>
      Effect.runPromise(
        webhooks.verify(
          WebhookEvent.makeRawRequest({ headers: { "Webhook-Signature": signature }, body }),
          { webhookSecret: Redacted.make(secret) },
          context
        ).pipe(Effect.as("ok" as string), Effect.catch((e) => Effect.succeed(e.reason._tag as string)))
      )
    assert.strictEqual(await run(GoCardlessWebhook.signature(body, secret)), "ok")
    assert.strictEqual(await run(GoCardlessWebhook.signature(body, "another-secret")), "InvalidSignature")
    const parsed = Result.getOrThrow(webhooks.parse(WebhookEvent.makeRawRequest({ headers: {}, body })))
    assert.deepStrictEqual(parsed.map((e) => [e.eventId, e.refund?.status]), [[event("paid").id, "Succeeded"]])
    assert.deepStrictEqual(webhooks.acknowledgement, { status: 204, contentType: "text/plain", body: "" })
    assert.include(webhooks.scheme, "Webhook-Signature")
    assert.include(webhooks.scheme, "no signed timestamp")
    assert.strictEqual(webhooks.secrets.webhookSecret.env, "GOCARDLESS_WEBHOOK_SECRET")
    assert.include(webhooks.secrets.webhookSecret.description, "Webhook endpoints")
  })

  it("refund status → unified status, keeping GoCardless's word as rawStatus", () => {
    const expected: Record<string, string> = {
      created: "Pending",
      pending_submission: "Pending",
      submitted: "Pending",
      paid: "Succeeded",
      cancelled: "Cancelled",
      bounced: "Failed",
      funds_returned: "Failed",
      refund_settled: "Unknown",
      PAID: "Unknown",
      "": "Unknown"
    }
    for (const [raw, status] of Object.entries(expected)) {
      assert.deepStrictEqual(GoCardlessWebhook.statusOf(raw), { status, rawStatus: raw }, raw)
    }
    assert.deepStrictEqual(GoCardlessWebhook.statusOf(null), { status: "Unknown", rawStatus: "null" })
    assert.deepStrictEqual(GoCardlessWebhook.statusOf(undefined), { status: "Unknown", rawStatus: "null" })
  })

  it("a refund action states a status only where GoCardless documents one", () => {
    assert.deepStrictEqual(GoCardlessWebhook.actionStatus("created"), { status: "Pending", rawStatus: "created" })
    assert.deepStrictEqual(GoCardlessWebhook.actionStatus("paid"), { status: "Succeeded", rawStatus: "paid" })
    assert.deepStrictEqual(GoCardlessWebhook.actionStatus("failed"), { status: "Failed", rawStatus: "failed" })
    assert.deepStrictEqual(GoCardlessWebhook.actionStatus("funds_returned"), { status: "Failed", rawStatus: "funds_returned" })
    for (const action of ["refund_settled", "bounced", "cancelled", "submitted", "PAID", ""]) {
      assert.isUndefined(GoCardlessWebhook.actionStatus(action), action)
    }
  })

  it("a snapshot carries the action as rawStatus, the event time as occurredAt, and the connector", () => {
    for (const action of ["created", "paid", "failed", "funds_returned"]) {
      const e = one(event(action))
      assert.strictEqual(e.connector, "gocardless")
      assert.strictEqual(e.refund?.rawStatus, action)
      assert.strictEqual(e.refund?.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"), action)
    }
    const untimed = one(event("paid", { created_at: null }))
    assert.strictEqual(untimed.refund?.status, "Succeeded")
    assert.isUndefined(untimed.occurredAt)
    assert.isUndefined(untimed.refund?.occurredAt)
    const offset = one(event("paid", { created_at: "2026-12-01T10:00:00.000+01:00" }))
    assert.strictEqual(offset.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"))
    assert.strictEqual(offset.refund?.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"))
  })

  it("failure details: GoCardless's cause is the code and its description the message, only on a failed status", () => {
    const failure = (e: WebhookEvent.WebhookEvent) =>
      e.refund?.failure === undefined ? undefined : { code: e.refund.failure.code, message: e.refund.failure.message }
    assert.deepStrictEqual(failure(one(event("failed"))), { code: "refund_failed", message: "The refund was failed." })
    assert.deepStrictEqual(
      failure(one(event("funds_returned", { details: { origin: "bank", cause: "refund_failed", description: "The account is closed." } }))),
      { code: "refund_failed", message: "The account is closed." }
    )
    assert.deepStrictEqual(failure(one(event("failed", { details: { cause: "bank_account_closed" } }))), {
      code: "bank_account_closed",
      message: undefined
    })
    assert.deepStrictEqual(failure(one(event("failed", { details: { cause: null, description: "Returned by the bank." } }))), {
      code: undefined,
      message: "Returned by the bank."
    })
    assert.isUndefined(failure(one(event("failed", { details: { origin: "bank", cause: null, description: null } }))))
    assert.isUndefined(failure(one(event("failed", { details: null }))))
    const failedWithout = one(event("failed", { details: null }))
    assert.strictEqual(failedWithout.refund?.status, "Failed")
    assert.isUndefined(failure(one(event("created"))), "a cause on a stated Pending is no failure")
    assert.isUndefined(failure(one(event("paid"))))
  })

  it("an event holds only what GoCardless sent: no empty time, payment, code or message", () => {
    assert.deepStrictEqual(
      one(event("failed", { created_at: null, links: { refund: refundId }, details: { cause: "refund_failed" } })),
      new WebhookEvent.WebhookEvent({
        connector: "gocardless",
        eventId: event("failed").id,
        eventType: "refunds.failed",
        refund: new Refund.RefundSnapshot({
          connectorRefundId: refundId,
          status: "Failed",
          rawStatus: "failed",
          failure: new Refund.FailureDetails({ code: "refund_failed" })
        })
      })
    )
    assert.deepStrictEqual(
      one(event("failed", { details: { description: "Returned by the bank." } })).refund?.failure,
      new Refund.FailureDetails({ message: "Returned by the bank." })
    )
    assert.deepStrictEqual(
      one(event("refund_settled", { created_at: null, links: { refund: refundId } })),
      new WebhookEvent.WebhookEvent({
        connector: "gocardless",
        eventId: event("refund_settled").id,
        eventType: "refunds.refund_settled",
        notice: new WebhookEvent.WebhookNotice({ connectorRefundId: refundId })
      })
    )
  })

  it("the payment link is kept when it is an id, else left out; the refund link is required", () => {
    const noPayment = one(event("paid", { links: { refund: refundId } }))
    assert.strictEqual(noPayment.refund?.connectorRefundId, refundId)
    assert.isUndefined(noPayment.refund?.connectorTransactionId)
    const badPayment = one(event("paid", { links: { refund: refundId, payment: "PM 1" } }))
    assert.strictEqual(badPayment.refund?.status, "Succeeded")
    assert.isUndefined(badPayment.refund?.connectorTransactionId)
    const numericPayment = one(event("paid", { links: { refund: refundId, payment: 12345 } }))
    assert.isUndefined(numericPayment.refund?.connectorTransactionId)
    const notice = one(event("refund_settled", { links: { refund: refundId } }))
    assert.strictEqual(notice.connector, "gocardless")
    assert.strictEqual(notice.notice?.connectorRefundId, refundId)
    assert.isUndefined(notice.notice?.connectorTransactionId)
    assert.strictEqual(notice.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"))

    const id = event("paid").id
    for (const links of [null, undefined, {}, { refund: 12345 }, { refund: "/RF1" }, { refund: "" }, { payment: paymentId }]) {
      const e = links === undefined ? (({ links: _, ...rest }) => rest)(event("paid")) : event("paid", { links })
      const error = refusal(delivery([e]))
      assert.strictEqual(error.reason._tag, "MalformedPayload")
      assert.strictEqual(error.reason.message, `event ${id}: links.refund is missing or not an id`, JSON.stringify(links))
    }
    // Events about other resources need no refund link, and name none.
    const mandate = one({ ...event("cancelled"), resource_type: "mandates", links: null })
    assert.strictEqual(mandate.connector, "gocardless")
    assert.strictEqual(mandate.eventType, "mandates.cancelled")
    assert.strictEqual(mandate.occurredAt, Date.parse("2026-12-01T09:00:00.000Z"))
    assert.isUndefined(mandate.refund)
    assert.isUndefined(mandate.notice)
  })

  it("ids: a letter or digit, then up to 254 of letters, digits and . _ : | @ -", () => {
    for (const id of ["E", "7", `EV${"x".repeat(253)}`, "EV.1_2:3|4@5-6"]) {
      assert.strictEqual(one(event("paid", { id })).eventId, id)
      assert.strictEqual(one(event("paid", { links: { refund: id } })).refund?.connectorRefundId, id)
    }
    for (const id of [`EV${"x".repeat(254)}`, "-EV1", "/EV1", "EV1/", "EV 1", "", "EV1\n"]) {
      const error = refusal(delivery([event("paid", { id })]))
      assert.strictEqual(error.reason._tag, "MalformedPayload", id)
      assert.strictEqual(error.reason.message, "an event id is not an id", id)
      assert.strictEqual(refusal(delivery([event("paid", { links: { refund: id } })])).reason.message, `event ${event("paid").id}: links.refund is missing or not an id`)
    }
  })

  it("malformed deliveries say what is wrong, for the connector, as a 400", () => {
    const message = (body: string | Uint8Array) => {
      const error = refusal(body)
      assert.strictEqual(error.connector, "gocardless")
      assert.strictEqual(error.reason._tag, "MalformedPayload")
      assert.strictEqual(error.httpStatus, 400)
      return error.reason.message
    }
    assert.strictEqual(message("not json"), "the body is not JSON")
    assert.strictEqual(message(""), "the body is not JSON")
    // Invalid UTF-8 inside an otherwise valid delivery is refused, not replaced.
    const [head, tail] = delivery([event("failed", { details: { description: "@@" } })]).split("@@") as [string, string]
    assert.strictEqual(message(new Uint8Array([...encode(head), 0xff, ...encode(tail)])), "the body is not JSON")
    assert.match(message("{}"), /^not a GoCardless webhook: \S/)
    assert.match(message(JSON.stringify({ events: {} })), /^not a GoCardless webhook: \S/)
    assert.strictEqual(message(delivery([])), "the delivery carries no events")
    assert.match(message(delivery([{ id: "EV1" }])), /^not a GoCardless event: \S/)
    assert.match(message(delivery([event("paid", { action: 1 })])), /^not a GoCardless event: \S/)
    // One bad event refuses the whole delivery.
    assert.strictEqual(message(delivery([event("paid"), event("created", { id: "EV 2" })])), "an event id is not an id")
  })
})
