import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, Credentials, Money, Signature, WebhookEvent, Webhooks } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Effect, Exit, Redacted, Result } from "effect"
import { FetchHttpClient } from "effect/http"
import { SquareWebhook, connector } from "@refract/square"
import { accessToken, fixtureBytes, fixtureText, Q1 } from "./helpers.ts"

// processors.md §11, Square vectors (square-nodejs-sdk tests/integration/webhooks.test.ts), byte for byte;
// Q1 is in helpers.ts, shared with SquareWebhookDetails.test.ts.
const Q2 = {
  key: "signature-key",
  url: "https://webhook.site/webhooks",
  body: "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}",
  signature: "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="
}
const Q3 = {
  key: "signature-key",
  url: "https://webhook.site/webhooks",
  body: "{\"data\":{\"type\":\"webhooks\",\"id\":\">id<\"}}",
  signature: "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U="
}

const raw = (body: Uint8Array | string, signature: string | undefined, url = "http://10.0.0.7:8080/internal/square") =>
  WebhookEvent.makeRawRequest({ url, headers: { "X-Square-HmacSha256-Signature": signature }, body })

const reasonOf = (exit: Exit.Exit<unknown, WebhookError.WebhookError>): string => {
  if (Exit.isSuccess(exit)) return "Verified"
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error !== undefined && error._tag === "Fail" ? error.error.reason._tag : "Defect"
}

const verify = (body: Uint8Array | string, signature: string | undefined, key: string, url: string) =>
  Effect.runSyncExit(SquareWebhook.verifySignature(raw(body, signature), { signatureKey: Redacted.make(key), notificationUrl: url }))

const verifyThroughConnector = (body: Uint8Array | string, signature: string | undefined, secrets: Record<string, string>) => {
  const decoded = Credentials.decode(connector.webhooks!.secrets, secrets, "square webhook secrets")
  if (Result.isFailure(decoded)) throw decoded.failure
  return Effect.runSyncExit(connector.webhooks!.verify(raw(body, signature), decoded.success, {
    now: Date.now(),
    fetchText: () => Effect.die("Square verification fetches nothing")
  }))
}

describe("x-square-hmacsha256-signature: published vectors", () => {
  for (const [name, v] of [["Q1", Q1], ["Q2", Q2], ["Q3", Q3]] as const) {
    it(`${name}: signature() reproduces the header and verify accepts it`, () => {
      assert.strictEqual(SquareWebhook.signature(v.key, v.url, v.body), v.signature)
      assert.strictEqual(SquareWebhook.signature(Redacted.make(v.key), v.url, new TextEncoder().encode(v.body)), v.signature)
      assert.strictEqual(reasonOf(verify(v.body, v.signature, v.key, v.url)), "Verified")
      assert.strictEqual(reasonOf(verifyThroughConnector(v.body, v.signature, { signatureKey: v.key, notificationUrl: v.url })), "Verified")
    })
  }

  it("Q1 fails with the URL missing one character", () => {
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature, Q1.key, "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9")), "InvalidSignature")
  })

  it("Q1 fails with another signature key", () => {
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature, "MCmhFRxGX82xMwg5FsaoQA", Q1.url)), "InvalidSignature")
  })

  it("Q1 fails with another header (a SHA-1 sized value)", () => {
    assert.strictEqual(reasonOf(verify(Q1.body, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=", Q1.key, Q1.url)), "InvalidSignature")
  })

  it("Q1 fails with created_at changed to 2022-06-13", () => {
    const changed = Q1.body.replace("2022-07-13T20:30:59.037339943Z", "2022-06-13T20:30:59.037339943Z")
    assert.notStrictEqual(changed, Q1.body)
    assert.strictEqual(reasonOf(verify(changed, Q1.signature, Q1.key, Q1.url)), "InvalidSignature")
  })

  it("Q1 fails when the same JSON is pretty-printed (the raw bytes are signed)", () => {
    const pretty = JSON.stringify(JSON.parse(Q1.body), null, 2)
    assert.strictEqual(reasonOf(verify(pretty, Q1.signature, Q1.key, Q1.url)), "InvalidSignature")
  })

  it("an empty signature key or URL is refused as configuration (the SDK throws)", () => {
    const secrets = connector.webhooks!.secrets
    assert.isTrue(Result.isFailure(Credentials.decode(secrets, { signatureKey: "", notificationUrl: Q1.url }, "w")))
    assert.isTrue(Result.isFailure(Credentials.decode(secrets, { signatureKey: Q1.key, notificationUrl: "" }, "w")))
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature, "", Q1.url)), "NotConfigured")
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature, Q1.key, "")), "NotConfigured")
  })
})

describe("verification behaviour", () => {
  it("a missing or blank header is MissingSignature", () => {
    assert.strictEqual(reasonOf(verify(Q1.body, undefined, Q1.key, Q1.url)), "MissingSignature")
    assert.strictEqual(reasonOf(verify(Q1.body, "  ", Q1.key, Q1.url)), "MissingSignature")
  })

  it("tampered bodies, truncated, non-base64 and re-cased signatures are InvalidSignature", () => {
    const tampered = new TextEncoder().encode(Q1.body)
    tampered[20] = tampered[20]! ^ 1
    assert.strictEqual(reasonOf(verify(tampered, Q1.signature, Q1.key, Q1.url)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(`${Q1.body} `, Q1.signature, Q1.key, Q1.url)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature.slice(0, -4), Q1.key, Q1.url)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(Q1.body, "not base64!", Q1.key, Q1.url)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(Q1.body, Q1.signature.toLowerCase(), Q1.key, Q1.url)), "InvalidSignature")
  })

  it("the key is used as a UTF-8 string, not base64-decoded", () => {
    const decodedKey = new Uint8Array(Buffer.from(Q1.key, "base64url"))
    const withDecodedKey = Signature.toBase64(Signature.hmacSha256(decodedKey, Signature.concatBytes(Q1.url, Q1.body)))
    assert.notStrictEqual(withDecodedKey, Q1.signature)
    assert.strictEqual(reasonOf(verify(Q1.body, withDecodedKey, Q1.key, Q1.url)), "InvalidSignature")
  })

  it("surrounding whitespace in the header is tolerated", () => {
    assert.strictEqual(reasonOf(verify(Q1.body, ` ${Q1.signature} `, Q1.key, Q1.url)), "Verified")
  })

  it("the configured notification URL is signed, never the URL the request arrived on", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, {
        credentials: { accessToken },
        webhookSecrets: { signatureKey: Q1.key, notificationUrl: Q1.url }
      })
      // Behind a proxy the request URL differs from the subscription's: still verified.
      const viaProxy = yield* Webhooks.verifyAndParse(bound, raw(Q1.body, Q1.signature, "http://127.0.0.1:3000/hooks")).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      assert.strictEqual(viaProxy.length, 1)
      // A request URL equal to another signed URL does not help a forger.
      const forged = SquareWebhook.signature(Q1.key, "https://attacker.example/hook", Q1.body)
      const error = yield* Effect.flip(
        Webhooks.verifyAndParse(bound, raw(Q1.body, forged, "https://attacker.example/hook")).pipe(Effect.provide(FetchHttpClient.layer))
      )
      assert.strictEqual(error.reason._tag, "InvalidSignature")
    }).pipe(Effect.runPromise))

  it("without webhook secrets nothing is accepted (NotConfigured)", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, { credentials: { accessToken } })
      const error = yield* Effect.flip(Webhooks.verifyAndParse(bound, raw(Q1.body, Q1.signature)).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual(error.reason._tag, "NotConfigured")
    }).pipe(Effect.runPromise))

  it("the acknowledgement is a 200", () => {
    assert.strictEqual(connector.webhooks!.acknowledgement.status, 200)
  })
})

const parse = (body: Uint8Array | string) => connector.webhooks!.parse(raw(body, "unused"))

const events = (body: Uint8Array | string) => {
  const result = parse(body)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return Result.getOrThrow(result)
}

const malformed = (body: Uint8Array | string) => {
  const result = parse(body)
  assert.isTrue(Result.isFailure(result), "refused")
  return Result.isFailure(result) ? result.failure.reason._tag : ""
}

describe("parsing deliveries", () => {

  it("refund.created (the spec example) carries the Pending refund", () => {
    const [event, ...rest] = events(fixtureBytes("event-refund-created.json"))
    assert.lengthOf(rest, 0)
    assert.strictEqual(event!.connector, "square")
    assert.strictEqual(event!.eventId, "bc316346-6691-4243-88ed-6d651a0d0c47")
    assert.strictEqual(event!.eventType, "refund.created")
    assert.strictEqual(event!.occurredAt, Date.UTC(2020, 1, 6, 21, 27, 41, 852))
    const refund = event!.refund!
    assert.strictEqual(refund.connectorRefundId, "KkAkhdMsgzn59SM8A89WgKwekxLZY_ptNBVqHYxt5gAdfcobBe4u1AZsXhoz06KTtuq9Ls24P")
    assert.strictEqual(refund.connectorTransactionId, "KkAkhdMsgzn59SM8A89WgKwekxLZY")
    assert.strictEqual(refund.status, "Pending")
    assert.strictEqual(refund.rawStatus, "PENDING")
    assert.isTrue(Money.equals(refund.amount!, Money.make(1_000, "USD")))
    assert.strictEqual(refund.occurredAt, Date.UTC(2020, 1, 6, 21, 27, 41, 846), "the refund's updated_at")
    assert.strictEqual(refund.createdAt, Date.UTC(2020, 1, 6, 21, 27, 41, 836))
  })

  it("refund.updated (the spec example) carries the Succeeded refund", () => {
    const [event] = events(fixtureBytes("event-refund-updated.json"))
    assert.strictEqual(event!.eventType, "refund.updated")
    assert.strictEqual(event!.refund!.status, "Succeeded")
    assert.strictEqual(event!.refund!.rawStatus, "COMPLETED")
    assert.strictEqual(event!.refund!.occurredAt, Date.UTC(2020, 1, 6, 22, 14, 16, 381))
  })

  it("processor times are bounded: an impossible or pre-2000 time is dropped, not stored", () => {
    for (const time of ["0001-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "1969-12-31T23:59:59Z"]) {
      const body = JSON.parse(fixtureText("event-refund-updated.json"))
      body.created_at = time
      body.data.object.refund.created_at = time
      body.data.object.refund.updated_at = time
      const [event] = events(JSON.stringify(body))
      assert.isUndefined(event!.occurredAt, time)
      assert.isUndefined(event!.refund!.occurredAt, time)
      assert.isUndefined(event!.refund!.createdAt, time)
      assert.strictEqual(event!.refund!.status, "Succeeded")
    }
  })

  it("a refund without amount_money is read: the amount is optional in a snapshot", () => {
    const body = JSON.parse(fixtureText("event-refund-updated.json"))
    delete body.data.object.refund.amount_money
    const [event] = events(JSON.stringify(body))
    assert.strictEqual(event!.refund!.status, "Succeeded")
    assert.isUndefined(event!.refund!.amount)
  })

  it("a redelivery parses to the same event id", () => {
    const first = events(fixtureBytes("event-refund-updated.json"))
    const again = events(fixtureBytes("event-refund-updated.json"))
    assert.deepStrictEqual(first.map((e) => e.eventId), again.map((e) => e.eventId))
  })

  it("an unknown refund status is Unknown with the raw string", () => {
    const body = JSON.parse(fixtureText("event-refund-updated.json"))
    body.data.object.refund.status = "APPROVED"
    const [event] = events(JSON.stringify(body))
    assert.strictEqual(event!.refund!.status, "Unknown")
    assert.strictEqual(event!.refund!.rawStatus, "APPROVED")
  })

  it("REJECTED and FAILED deliveries are Failed", () => {
    for (const status of ["REJECTED", "FAILED"]) {
      const body = JSON.parse(fixtureText("event-refund-updated.json"))
      body.data.object.refund.status = status
      assert.strictEqual(events(JSON.stringify(body))[0]!.refund!.status, "Failed")
    }
  })

  it("other event types yield an event without a refund (payment.updated, the Q1 test notification)", () => {
    const [payment] = events(fixtureBytes("event-payment-updated.json"))
    assert.strictEqual(payment!.eventType, "payment.updated")
    assert.strictEqual(payment!.eventId, "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc")
    assert.isUndefined(payment!.refund)
    const [test] = events(Q1.body)
    assert.strictEqual(test!.eventType, "webhooks.test_notification")
    assert.strictEqual(test!.eventId, "ac3ac95b-f97d-458c-a6e6-18981597e05f")
    assert.strictEqual(test!.occurredAt, Date.UTC(2022, 6, 13, 20, 30, 59, 37))
    assert.isUndefined(test!.refund)
  })

  it("bodies that are not Square refund events are MalformedPayload", () => {
    assert.strictEqual(malformed("not json"), "MalformedPayload")
    assert.strictEqual(malformed(""), "MalformedPayload")
    assert.strictEqual(malformed("[]"), "MalformedPayload")
    assert.strictEqual(malformed(Q2.body), "MalformedPayload", "no type")
    const noEventId = JSON.parse(fixtureText("event-refund-created.json"))
    delete noEventId.event_id
    assert.strictEqual(malformed(JSON.stringify(noEventId)), "MalformedPayload")
    const noRefund = JSON.parse(fixtureText("event-refund-created.json"))
    delete noRefund.data.object.refund
    assert.strictEqual(malformed(JSON.stringify(noRefund)), "MalformedPayload")
    const badAmount = JSON.parse(fixtureText("event-refund-created.json"))
    badAmount.data.object.refund.amount_money.amount = 10.5
    assert.strictEqual(malformed(JSON.stringify(badAmount)), "MalformedPayload")
    const badId = JSON.parse(fixtureText("event-refund-created.json"))
    badId.data.object.refund.id = "../../etc"
    assert.strictEqual(malformed(JSON.stringify(badId)), "MalformedPayload")
  })
})
