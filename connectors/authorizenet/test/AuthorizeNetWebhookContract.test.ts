/**
 * What the webhook module promises its users, field by field: the errors it answers with (typed reason,
 * connector, the message an operator reads), the events it parses (ids, types, notice, occurredAt), the
 * `eventDate` reading, the Signature Key spec, and the acknowledgement Authorize.net receives.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthorizeNetWebhook, connector } from "@refract/authorizenet"
import { Credentials, WebhookEvent } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import { createHmac } from "node:crypto"
import * as F from "./helpers/Fixtures.ts"

const REFUND_CREATED = "net.authorize.payment.refund.created"
const VOID_CREATED = "net.authorize.payment.void.created"
const NOTIFICATION_ID = "d0e8e7fe-c3e7-4add-a480-27bc5ce28e1a"
/** The fixtures' eventDate, "2026-12-01T10:15:31.5104057Z", to the millisecond. */
const EVENT_TIME = Date.UTC(2026, 11, 1, 10, 15, 31, 510)

const key = Redacted.make(F.signatureKey)
const raw = (body: string, headers: Record<string, string>) => WebhookEvent.makeRawRequest({ headers, body })
const verifyFailure = (request: WebhookEvent.RawWebhookRequest): WebhookError.WebhookError | "ok" => {
  const result = Effect.runSync(Effect.result(AuthorizeNetWebhook.verifySignature(request, key)))
  return Result.isFailure(result) ? result.failure : "ok"
}
const parse = (value: unknown) =>
  AuthorizeNetWebhook.parseEvents(WebhookEvent.makeRawRequest({ headers: {}, body: typeof value === "string" ? value : JSON.stringify(value) }))
const parsed = (value: unknown) => Result.getOrThrow(parse(value))
const refusal = (value: unknown): WebhookError.WebhookError => {
  const result = parse(value)
  if (Result.isSuccess(result)) throw new Error(`expected a refusal, parsed ${JSON.stringify(result.success)}`)
  return result.failure
}
const withPayload = (eventType: string, payload: Record<string, unknown> | null | undefined) => {
  const n: Record<string, unknown> = { ...F.notification(eventType, F.refundId) }
  if (payload === undefined) delete n["payload"]
  else n["payload"] = payload
  return n
}

describe("the event types and header it reads", () => {
  it("are Authorize.net's names", () => {
    assert.strictEqual(AuthorizeNetWebhook.REFUND_CREATED, REFUND_CREATED)
    assert.strictEqual(AuthorizeNetWebhook.VOID_CREATED, VOID_CREATED)
    assert.strictEqual(AuthorizeNetWebhook.SIGNATURE_HEADER, "x-anet-signature")
  })
})

describe("verifySignature: what a refused delivery says", () => {
  const body = JSON.stringify(F.notification(REFUND_CREATED, F.refundId))
  const header = AuthorizeNetWebhook.signature(body, F.signatureKey)

  it("an absent, empty or blank header is MissingSignature (401) naming the header", () => {
    for (const headers of [{}, { "X-ANET-Signature": "" }, { "X-ANET-Signature": "   " }]) {
      const failure = verifyFailure(raw(body, headers))
      assert.notStrictEqual(failure, "ok", JSON.stringify(headers))
      if (failure === "ok") continue
      assert.strictEqual(failure.connector, "authorizenet")
      assert.strictEqual(failure.reason._tag, "MissingSignature")
      assert.strictEqual(failure.reason.message, "no X-ANET-Signature header")
      assert.strictEqual(failure.httpStatus, 401)
    }
  })

  it("a wrong or malformed signature is InvalidSignature (401) saying what to check, never the key", () => {
    for (const given of [AuthorizeNetWebhook.signature(body, "B".repeat(128)), "sha512=XYZ", header.slice("sha512=".length)]) {
      const failure = verifyFailure(raw(body, { "X-ANET-Signature": given }))
      assert.notStrictEqual(failure, "ok", given)
      if (failure === "ok") continue
      assert.strictEqual(failure.connector, "authorizenet")
      assert.strictEqual(failure.reason._tag, "InvalidSignature")
      assert.strictEqual(
        failure.reason.message,
        "X-ANET-Signature does not match the payload: check the Signature Key and that the raw body is passed unchanged"
      )
      assert.notInclude(failure.message, F.signatureKey)
      assert.strictEqual(failure.httpStatus, 401)
    }
  })

  it("a valid signature with whitespace around the header value verifies (the value is trimmed)", () => {
    for (const padded of [` ${header}`, `${header} `, `\t${header}  `]) {
      assert.strictEqual(verifyFailure(raw(body, { "X-ANET-Signature": padded })), "ok", JSON.stringify(padded))
    }
  })

  it("the header is matched whole: a valid signature inside a longer value is refused", () => {
    for (const given of [`x${header}`, `${header}x`, `${header}, ${header}`]) {
      const failure = verifyFailure(raw(body, { "X-ANET-Signature": given }))
      assert.strictEqual(failure === "ok" ? "ok" : failure.reason._tag, "InvalidSignature", given)
    }
  })

  it("hmac keys with the Signature Key's text, given as a string or Redacted", () => {
    const expected = createHmac("sha512", Buffer.from(F.signatureKey, "utf8")).update(body).digest("hex")
    assert.strictEqual(Buffer.from(AuthorizeNetWebhook.hmac(body, F.signatureKey)).toString("hex"), expected)
    assert.strictEqual(Buffer.from(AuthorizeNetWebhook.hmac(body, key)).toString("hex"), expected)
    assert.strictEqual(AuthorizeNetWebhook.signature(body, key), `sha512=${expected.toUpperCase()}`)
  })
})

describe("parseEvents: the events", () => {
  it("refund.created and void.created: one event per notification, the transaction as a notice", () => {
    for (const type of [REFUND_CREATED, VOID_CREATED]) {
      const events = parsed(F.notification(type, F.refundId))
      assert.strictEqual(events.length, 1)
      const event = events[0]!
      assert.strictEqual(event.connector, "authorizenet")
      assert.strictEqual(event.eventId, `${NOTIFICATION_ID}:${F.refundId}`)
      assert.strictEqual(event.eventType, type)
      assert.isUndefined(event.refund)
      assert.strictEqual(event.notice?.connectorRefundId, F.refundId)
      assert.isUndefined(event.notice?.connectorTransactionId)
      assert.strictEqual(event.occurredAt, EVENT_TIME)
    }
  })

  it("a numeric payload.id is the transaction id as a string", () => {
    const event = parsed(withPayload(VOID_CREATED, { entityName: "transaction", id: 60123456790 }))[0]!
    assert.strictEqual(event.notice?.connectorRefundId, "60123456790")
    assert.strictEqual(event.eventId, `${NOTIFICATION_ID}:60123456790`)
  })

  it("payload.entityName may be absent or null; the notification still names the transaction", () => {
    for (const entityName of [undefined, null]) {
      const payload: Record<string, unknown> = { id: F.refundId }
      if (entityName !== undefined) payload["entityName"] = entityName
      const event = parsed(withPayload(REFUND_CREATED, payload))[0]!
      assert.strictEqual(event.notice?.connectorRefundId, F.refundId, String(entityName))
    }
  })

  it("other events: the notification id alone, their type and time, no refund and no notice, whatever the payload", () => {
    for (const [type, payload] of [
      ["net.authorize.payment.authcapture.created", { entityName: "transaction", id: "601" }],
      ["net.authorize.customer.created", { entityName: "customerProfile", id: "0" }],
      ["net.authorize.payment.fraud.held", undefined]
    ] as const) {
      const events = parsed(withPayload(type, payload))
      assert.strictEqual(events.length, 1, type)
      const event = events[0]!
      assert.strictEqual(event.connector, "authorizenet")
      assert.strictEqual(event.eventId, NOTIFICATION_ID)
      assert.strictEqual(event.eventType, type)
      assert.isUndefined(event.refund)
      assert.isUndefined(event.notice)
      assert.strictEqual(event.occurredAt, EVENT_TIME)
    }
  })

  it("occurredAt is undefined when eventDate is absent, null or not a date", () => {
    for (const eventDate of [undefined, null, "yesterday"]) {
      const n: Record<string, unknown> = { ...F.notification(REFUND_CREATED, F.refundId) }
      if (eventDate === undefined) delete n["eventDate"]
      else n["eventDate"] = eventDate
      const event = parsed(n)[0]!
      assert.isUndefined(event.occurredAt, String(eventDate))
      assert.strictEqual(event.notice?.connectorRefundId, F.refundId)
    }
  })

  it("a body starting with the UTF-8 BOM parses", () => {
    const event = parsed(F.wire(F.notification(REFUND_CREATED, F.refundId)))[0]!
    assert.strictEqual(event.notice?.connectorRefundId, F.refundId)
  })
})

describe("parseEvents: malformed bodies are MalformedPayload (400) saying what is wrong", () => {
  const check = (value: unknown, message: string | RegExp) => {
    const failure = refusal(value)
    assert.strictEqual(failure.connector, "authorizenet")
    assert.strictEqual(failure.reason._tag, "MalformedPayload")
    assert.strictEqual(failure.httpStatus, 400)
    if (typeof message === "string") assert.strictEqual(failure.reason.message, message)
    else assert.match(failure.reason.message, message)
  }

  it("not JSON", () => {
    for (const body of ["{", "", "OK"]) check(body, "the body is not JSON")
  })

  it("JSON that is not a notification names the problem", () => {
    check({ eventType: REFUND_CREATED }, /^not an Authorize\.net notification: .*notificationId/)
    check([], /^not an Authorize\.net notification: \S/)
  })

  it("an empty or blank notificationId", () => {
    for (const notificationId of ["", " ", "\t"]) {
      check({ ...F.notification(REFUND_CREATED, F.refundId), notificationId }, "notificationId is empty")
    }
  })

  it("a refund or void notification about something other than a transaction", () => {
    check(withPayload(REFUND_CREATED, { entityName: "customerProfile", id: F.refundId }),
      `${REFUND_CREATED}: payload.entityName is "customerProfile", not "transaction"`)
    check(withPayload(VOID_CREATED, { entityName: "", id: F.refundId }),
      `${VOID_CREATED}: payload.entityName is "", not "transaction"`)
  })

  it("a refund or void notification without a transaction id", () => {
    for (const payload of [undefined, null, {}, { entityName: "transaction", id: "0" }, { entityName: "transaction", id: 0 }, { entityName: "transaction", id: "abc" }, { entityName: "transaction", id: null }]) {
      check(withPayload(REFUND_CREATED, payload), `${REFUND_CREATED}: payload.id is not a transaction id`)
      check(withPayload(VOID_CREATED, payload), `${VOID_CREATED}: payload.id is not a transaction id`)
    }
  })
})

describe("timeOf: Authorize.net's eventDate", () => {
  const t = Date.UTC(2026, 11, 1, 10, 15, 31)

  it("with a zone, as given", () => {
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T10:15:31Z"), t)
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T10:15:31.5104057Z"), t + 510)
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T11:15:31+01:00"), t)
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T05:15:31.250-05:00"), t + 250)
  })

  it("without a zone, as UTC", () => {
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T10:15:31"), t)
    assert.strictEqual(AuthorizeNetWebhook.timeOf("2026-12-01T10:15:31.510"), t + 510)
  })

  it("nothing for null, undefined or what is not a date-time", () => {
    for (const value of [null, undefined, "", "2026-12-01", "2026-13-01T10:15:31Z"]) {
      assert.isUndefined(AuthorizeNetWebhook.timeOf(value), String(value))
    }
  })
})

describe("webhook support as the core uses it", () => {
  const body = JSON.stringify(F.notification(REFUND_CREATED, F.refundId))
  const support = connector.webhooks!

  it("is this module's", () => {
    assert.strictEqual(support, AuthorizeNetWebhook.webhooks)
    assert.strictEqual(support.secrets, AuthorizeNetWebhook.secrets)
  })

  it("the Signature Key: 128 hex characters, held as Redacted, read from AUTHORIZENET_SIGNATURE_KEY", () => {
    const decode = (signatureKey: string | undefined) =>
      Credentials.decode(support.secrets, signatureKey === undefined ? {} : { signatureKey }, "authorizenet webhook secrets")
    const signatureKey = "56E64C9A4C3B1C2E1F0A9B8C7D6E5F4A".repeat(4)
    for (const good of [signatureKey, signatureKey.toLowerCase(), "0123456789abcdef".repeat(8)]) {
      const ok = decode(good)
      assert.isTrue(Result.isSuccess(ok), good)
      if (Result.isSuccess(ok)) {
        assert.isTrue(Redacted.isRedacted(ok.success.signatureKey))
        assert.strictEqual(Redacted.value(ok.success.signatureKey), good)
      }
    }
    for (const bad of [signatureKey.slice(1), `${signatureKey}0`, `G${signatureKey.slice(1)}`, `${signatureKey.slice(0, 64)}-${signatureKey.slice(65)}`, "key"]) {
      const refused = decode(bad)
      assert.isTrue(Result.isFailure(refused), bad)
      if (Result.isFailure(refused)) {
        assert.include(refused.failure.message, "signatureKey is malformed: expected the Signature Key, 128 hex characters")
        if (bad.length > 100) assert.notInclude(refused.failure.message, bad)
      }
    }
    const missing = decode(undefined)
    assert.isTrue(Result.isFailure(missing))
    if (Result.isFailure(missing)) {
      assert.include(missing.failure.message, "AUTHORIZENET_SIGNATURE_KEY")
      assert.include(missing.failure.message, "Merchant Interface")
    }
    assert.deepStrictEqual(Credentials.fromEnv(support.secrets, { AUTHORIZENET_SIGNATURE_KEY: signatureKey }), { signatureKey })
  })

  it("verify checks the X-ANET-Signature with the decoded Signature Key", () => {
    const context = { now: Date.UTC(2026, 11, 1, 10, 16), fetchText: () => Effect.die("Authorize.net verification fetches nothing") }
    const run = (signatureKey: string) =>
      Effect.runSync(Effect.result(support.verify(raw(body, { "X-ANET-Signature": AuthorizeNetWebhook.signature(body, signatureKey) }), { signatureKey: Redacted.make(F.signatureKey) }, context)))
    assert.isTrue(Result.isSuccess(run(F.signatureKey)))
    const wrong = run("C".repeat(128))
    assert.strictEqual(Result.isFailure(wrong) ? wrong.failure.reason._tag : "ok", "InvalidSignature")
  })

  it("parse reads the notification", () => {
    const events = Result.getOrThrow(support.parse(raw(body, {})))
    assert.strictEqual(events[0]!.notice?.connectorRefundId, F.refundId)
  })

  it("the documented scheme names the header and the algorithm", () => {
    assert.include(support.scheme, "X-ANET-Signature")
    assert.include(support.scheme, "HMAC-SHA512")
  })

  it("acknowledges with 200, text/plain \"OK\"", () => {
    assert.deepStrictEqual({ ...support.acknowledgement }, { status: 200, contentType: "text/plain", body: "OK" })
  })
})
