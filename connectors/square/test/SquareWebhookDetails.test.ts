import { assert, describe, it } from "@effect/vitest"
import { Credentials, Signature } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Cause, Effect, Exit, Option, Redacted, Result } from "effect"
import { SquareSchema, SquareWebhook, connector } from "@refract/square"
import { fixtureJson, fixtureText, Q1 } from "./helpers.ts"

const KEY = "Ibxx_5AKakO-3qeNVR61Dw"
const URL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"

const accepts = (input: Record<string, string>): boolean =>
  Result.isSuccess(Credentials.decode(connector.webhooks!.secrets, input, "square webhook secrets"))

describe("Square webhook secrets: what a receiver may configure", () => {
  it("the signature key is any run of non-blank characters, held Redacted", () => {
    for (const key of [KEY, "signature-key", "k", "a/b+c=="]) assert.isTrue(accepts({ signatureKey: key, notificationUrl: URL }), key)
    for (const key of ["two words", "tab\there", "line\nbreak"]) assert.isFalse(accepts({ signatureKey: key, notificationUrl: URL }), key)
    const decoded = Result.getOrThrow(Credentials.decode(connector.webhooks!.secrets, { signatureKey: KEY, notificationUrl: URL }, "w"))
    assert.isTrue(Redacted.isRedacted(decoded.signatureKey))
    assert.strictEqual(Redacted.value(decoded.signatureKey), KEY)
    assert.strictEqual(decoded.notificationUrl, URL, "the URL is not a secret: it is logged and shown as is")
  })

  it("the notification URL is an absolute http(s) URL with a host and no blanks", () => {
    for (const url of [URL, "http://localhost:8080/hooks/square", "https://x.example", "https://x.example/a?b=c#d", "https://h:1/p"]) {
      assert.isTrue(accepts({ signatureKey: KEY, notificationUrl: url }), url)
    }
    for (const url of [
      "ftp://x.example/hook",
      "https:///hook",
      "https://?x",
      "https://#x",
      "https//x.example/hook",
      "x.example/hook",
      "see https://x.example/hook",
      "https://x.example/a hook",
      "https://x example/hook",
      "httpss://x.example/hook"
    ]) {
      assert.isFalse(accepts({ signatureKey: KEY, notificationUrl: url }), url)
    }
  })

  it("the secrets are read from SQUARE_WEBHOOK_SIGNATURE_KEY and SQUARE_WEBHOOK_URL", () => {
    const read = Credentials.fromEnv(connector.webhooks!.secrets, {
      SQUARE_WEBHOOK_SIGNATURE_KEY: KEY,
      SQUARE_WEBHOOK_URL: URL
    })
    assert.deepStrictEqual(read, { signatureKey: KEY, notificationUrl: URL })
  })

  it("the scheme description names the header and what is signed", () => {
    const scheme = connector.webhooks!.scheme
    assert.include(scheme, SquareWebhook.SIGNATURE_HEADER)
    assert.include(scheme, "HMAC-SHA256")
    assert.include(scheme, "notification URL + raw body")
  })
})

describe("Square deliveries: parsing never throws", () => {
  it("a body that is not valid UTF-8 is read leniently (the bytes were verified already), never thrown", () => {
    const text = fixtureText("event-refund-updated.json")
    const bytes = new TextEncoder().encode(text)
    // An invalid byte inside a string value that is not read (the location id).
    const at = text.indexOf("\"location_id\": \"") + "\"location_id\": \"".length
    assert.isAbove(at, 40)
    const broken = new Uint8Array(bytes)
    broken[at] = 0xff
    const result = SquareWebhook.parseEvents({ body: broken })
    assert.isTrue(Result.isSuccess(result))
    assert.strictEqual(Result.getOrThrow(result)[0]!.refund!.status, "Succeeded")
  })

  it("the acknowledgement is a 2xx with a JSON body", () => {
    const ack = connector.webhooks!.acknowledgement
    assert.isAtLeast(ack.status, 200)
    assert.isBelow(ack.status, 300)
    assert.strictEqual(ack.contentType, "application/json")
    assert.deepStrictEqual(JSON.parse(ack.body), {})
  })

  it("signature() equals an independent HMAC over URL + body with the key as UTF-8", () => {
    const body = fixtureText("event-refund-created.json")
    const independent = Signature.toBase64(Signature.hmacSha256(new TextEncoder().encode(KEY), new TextEncoder().encode(URL + body)))
    assert.strictEqual(SquareWebhook.signature(KEY, URL, body), independent)
  })
})


const failureOf = (
  headers: Record<string, string>,
  key = Q1.key,
  url = Q1.url
): WebhookError.WebhookError => {
  const exit = Effect.runSyncExit(SquareWebhook.verifySignature(
    { headers, body: new TextEncoder().encode(Q1.body) },
    { signatureKey: Redacted.make(key), notificationUrl: url }
  ))
  if (Exit.isSuccess(exit)) return assert.fail("verified")
  const error = Cause.findErrorOption(exit.cause)
  return Option.getOrThrow(error)
}

describe("verification failures say what to fix (and never echo a secret)", () => {
  it("MissingSignature names the header, NotConfigured the empty setting, InvalidSignature the usual causes", () => {
    const missing = failureOf({})
    assert.strictEqual(missing.reason._tag, "MissingSignature")
    assert.include(missing.reason.message, "x-square-hmacsha256-signature")
    const notConfigured = failureOf({ "x-square-hmacsha256-signature": Q1.signature }, "")
    assert.strictEqual(notConfigured.reason._tag, "NotConfigured")
    assert.match(notConfigured.reason.message, /signature key and notification URL must not be empty/)
    const invalid = failureOf({ "x-square-hmacsha256-signature": Q1.signature }, Q1.key, "https://webhook.site/other")
    assert.strictEqual(invalid.reason._tag, "InvalidSignature")
    assert.include(invalid.reason.message, "SQUARE_WEBHOOK_URL")
    assert.include(invalid.reason.message, "raw body")
    for (const error of [missing, notConfigured, invalid]) {
      assert.strictEqual(error.connector, "square")
      assert.notInclude(error.message, Q1.key)
      assert.notInclude(error.message, Q1.signature)
    }
  })
})

const refund = (over: Partial<Record<keyof SquareSchema.PaymentRefund, unknown>> = {}): SquareSchema.PaymentRefund =>
  ({ ...(fixtureJson("refund-completed.json").refund as object), ...over }) as SquareSchema.PaymentRefund

const snapshotOf = (r: SquareSchema.PaymentRefund, options?: SquareWebhook.SnapshotOptions) => {
  const result = SquareWebhook.toSnapshot(r, options)
  if (Result.isFailure(result)) return assert.fail(result.failure)
  return result.success
}

const problemOf = (r: SquareSchema.PaymentRefund): string => {
  const result = SquareWebhook.toSnapshot(r)
  return Result.isFailure(result) ? result.failure : assert.fail("accepted")
}

describe("toSnapshot: a Square PaymentRefund as a snapshot", () => {
  it("a payment_id that is not a processor id is left out; the refund is still read", () => {
    assert.strictEqual(snapshotOf(refund()).connectorTransactionId, "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY")
    for (const paymentId of ["../bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY", "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY/..", "pay 1", "", null]) {
      const snapshot = snapshotOf(refund({ payment_id: paymentId }))
      assert.isUndefined(snapshot.connectorTransactionId, String(paymentId))
      assert.strictEqual(snapshot.status, "Succeeded")
    }
  })

  it("a refund id that is not a processor id is refused with a bounded message", () => {
    const long = `../${"x".repeat(300)}`
    const problem = problemOf(refund({ id: long }))
    assert.include(problem, "is not a Square id")
    assert.notInclude(problem, long)
    assert.isBelow(problem.length, 150)
  })

  it("amount_money must carry both its amount and its currency", () => {
    for (const amount_money of [{ currency: "USD" }, { amount: 555 }, { amount: 555, currency: null }, { amount: null, currency: "USD" }]) {
      const problem = problemOf(refund({ amount_money }))
      assert.include(problem, "amount_money lacks its amount or currency", JSON.stringify(amount_money))
      assert.include(problem, "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_69Mmg")
    }
    assert.isUndefined(snapshotOf(refund({ amount_money: {} })).amount)
    assert.isUndefined(snapshotOf(refund({ amount_money: { amount: null, currency: null } })).amount)
    const unknownCurrency = problemOf(refund({ amount_money: { amount: 555, currency: "ZZZ" } }))
    assert.match(unknownCurrency, /^refund bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_\S+: .*ZZZ/)
  })

  it("failure details only for a Failed refund, and only the parts Square gave", () => {
    const failed = refund({ status: "FAILED" })
    const both = snapshotOf(failed, { failure: { code: "REFUND_DECLINED", message: "declined by the issuer" } }).failure
    assert.strictEqual(both?.code, "REFUND_DECLINED")
    assert.strictEqual(both?.message, "declined by the issuer")
    const messageOnly = snapshotOf(failed, { failure: { message: "declined" } }).failure
    assert.isUndefined(messageOnly?.code)
    assert.strictEqual(messageOnly?.message, "declined")
    const codeOnly = snapshotOf(failed, { failure: { code: "REFUND_DECLINED" } }).failure
    assert.strictEqual(codeOnly?.code, "REFUND_DECLINED")
    assert.isUndefined(codeOnly?.message)
    assert.isUndefined(snapshotOf(failed, { failure: {} }).failure, "nothing to tell")
    assert.isUndefined(snapshotOf(failed).failure)
    for (const status of ["COMPLETED", "PENDING", "APPROVED"]) {
      const snapshot = snapshotOf(refund({ status }), { failure: { code: "X", message: "y" } })
      assert.isUndefined(snapshot.failure, status)
    }
  })

  it("an empty or null reason is no reason; the merchant refund id and times are passed on", () => {
    assert.strictEqual(snapshotOf(refund()).reason, "Example Refund")
    assert.isUndefined(snapshotOf(refund({ reason: "" })).reason)
    assert.isUndefined(snapshotOf(refund({ reason: null })).reason)
    const snapshot = snapshotOf(refund(), { merchantRefundId: "order-42-r1", occurredAt: 1_700_000_000_000 })
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.strictEqual(snapshot.occurredAt, 1_700_000_000_000)
    assert.strictEqual(snapshot.createdAt, Date.UTC(2021, 9, 13, 19, 59, 5, 73))
    const noUpdate = snapshotOf(refund({ updated_at: null }))
    assert.strictEqual(noUpdate.occurredAt, noUpdate.createdAt, "falls back to created_at")
  })
})

const parseFailure = (body: string): string => {
  const result = SquareWebhook.parseEvents({ body: new TextEncoder().encode(body) })
  if (Result.isSuccess(result)) return assert.fail("parsed")
  assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
  assert.strictEqual(result.failure.connector, "square")
  return result.failure.reason.message
}

describe("parseEvents: refused deliveries say why", () => {
  it("not JSON, not an event, no event_id", () => {
    assert.include(parseFailure("{\"type\":"), "not JSON")
    assert.include(parseFailure("{\"type\":5}"), "not a Square event")
    const event = fixtureJson("event-refund-updated.json")
    for (const eventId of ["", null]) {
      assert.include(parseFailure(JSON.stringify({ ...event, event_id: eventId })), "refund.updated: the event has no event_id")
    }
  })

  it("a refund event without data, or with something else at data.object.refund", () => {
    const event = fixtureJson("event-refund-created.json")
    const { data: _data, ...withoutData } = event
    assert.include(parseFailure(JSON.stringify(withoutData)), `refund.created ${event.event_id}: data.object.refund is not a refund`)
    const notRefund = { ...event, data: { ...event.data, object: { refund: { status: "COMPLETED" } } } }
    assert.include(parseFailure(JSON.stringify(notRefund)), "data.object.refund is not a refund")
    const badAmount = JSON.parse(JSON.stringify(event))
    badAmount.data.object.refund.amount_money.currency = "ZZZ"
    assert.match(parseFailure(JSON.stringify(badAmount)), new RegExp(`^refund\\.created ${event.event_id}: refund \\S+: .*ZZZ`))
  })

  it("an event without created_at has no time", () => {
    const event = fixtureJson("event-refund-updated.json")
    const { created_at: _createdAt, ...untimed } = event
    const [parsed] = Result.getOrThrow(SquareWebhook.parseEvents({ body: new TextEncoder().encode(JSON.stringify(untimed)) }))
    assert.isUndefined(parsed!.occurredAt)
    assert.strictEqual(parsed!.refund!.status, "Succeeded")
  })
})
