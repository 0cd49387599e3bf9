import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, Credentials, WebhookEvent, Webhooks } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Effect, Exit, Layer, Redacted, Result } from "effect"
import { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import Stripe from "stripe"
import { StripeWebhook, connector } from "@refract/stripe"
import { fixtureBytes, fixtureText } from "./helpers/Fixtures.ts"

// processors.md §11, Stripe vectors.
const S4 = {
  secret: "whsec_test_secret",
  timestamp: 1234567890,
  v1: "45969f456b3331a0f76e237ed33423d5f758908f1f0432d30e7d45ba89bb9edd"
}
const payload = fixtureBytes("webhook-payload.json")
const secret = Redacted.make(S4.secret)

const raw = (body: Uint8Array | string, signature: string | undefined) =>
  WebhookEvent.makeRawRequest({ headers: { "Stripe-Signature": signature }, body })

const verify = (
  body: Uint8Array | string,
  signature: string | undefined,
  options: { now?: number; toleranceSeconds?: number; secret?: string } = {}
) =>
  Effect.runSyncExit(
    StripeWebhook.verifySignature(raw(body, signature), Redacted.make(options.secret ?? S4.secret), {
      now: options.now ?? S4.timestamp * 1000,
      toleranceSeconds: options.toleranceSeconds
    })
  )

const reasonOf = (exit: Exit.Exit<void, WebhookError.WebhookError>): string => {
  if (Exit.isSuccess(exit)) return "Verified"
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  return error !== undefined && error._tag === "Fail" ? error.error.reason._tag : "Defect"
}

const header = (v1s: ReadonlyArray<string>, t: number | string = S4.timestamp, extra = "") =>
  [`t=${t}`, ...v1s.map((v) => `v1=${v}`)].join(",") + extra

const verifyAt = (offsetSeconds: number) => verify(payload, header([S4.v1]), { now: (S4.timestamp + offsetSeconds) * 1000 })

describe("Stripe-Signature vectors", () => {
  it("the payload fixture is the 51-byte vector file", () => {
    assert.strictEqual(payload.length, 51)
    assert.strictEqual(new TextDecoder().decode(payload), "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}")
  })

  it("S1-S3: raw HMAC-SHA256 hex through the connector's HMAC path", () => {
    assert.strictEqual(StripeWebhook.hmacHex("test_secret", ""), "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd")
    assert.strictEqual(
      StripeWebhook.hmacHex(Redacted.make("test_secret"), "{\"obj1\":\"hello\",\"obj2\":\"world\"}"),
      "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363"
    )
    const emoji = new Uint8Array([0xf0, 0x9f, 0x98, 0x80])
    assert.strictEqual(StripeWebhook.hmacHex("test_secret", emoji), "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43")
    assert.strictEqual(StripeWebhook.hmacHex("test_secret", "😀"), "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43")
  })

  it("S4: the derived header verifies with now = t, and signatureHeader reproduces it", () => {
    assert.strictEqual(reasonOf(verify(payload, `t=${S4.timestamp},v1=${S4.v1}`)), "Verified")
    assert.strictEqual(
      StripeWebhook.signatureHeader({ payload, secret: S4.secret, timestamp: S4.timestamp }),
      `t=${S4.timestamp},v1=${S4.v1}`
    )
  })

  it("S4 through the connector's verify with the core's VerifyContext shape", () => {
    const exit = Effect.runSyncExit(connector.webhooks!.verify(raw(payload, header([S4.v1])), { signingSecret: secret }, {
      now: S4.timestamp * 1000,
      fetchText: () => Effect.die("no fetch for Stripe")
    }))
    assert.strictEqual(reasonOf(exit), "Verified")
  })

  it("an extra v1=potato still verifies (any v1 may match), in either order", () => {
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1, "potato"]))), "Verified")
    assert.strictEqual(reasonOf(verify(payload, header(["potato", S4.v1]))), "Verified")
    assert.strictEqual(reasonOf(verify(payload, `${header([S4.v1])},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39`)), "Verified")
  })

  it("only a v0 signature fails", () => {
    assert.strictEqual(reasonOf(verify(payload, `t=${S4.timestamp},v0=${S4.v1}`)), "InvalidSignature")
  })

  it("bad_header fails; a header without t fails", () => {
    assert.strictEqual(reasonOf(verify(payload, "bad_header")), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(payload, `v1=${S4.v1}`)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(payload, `t=abc,v1=${S4.v1}`)), "InvalidSignature")
  })

  it("a missing or empty header is MissingSignature", () => {
    assert.strictEqual(reasonOf(verify(payload, undefined)), "MissingSignature")
    assert.strictEqual(reasonOf(verify(payload, "")), "MissingSignature")
  })

  it("a tampered body or a wrong secret is InvalidSignature", () => {
    const tampered = new Uint8Array(payload)
    tampered[10] = tampered[10]! ^ 1
    assert.strictEqual(reasonOf(verify(tampered, header([S4.v1]))), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(new TextDecoder().decode(payload) + " ", header([S4.v1]))), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1]), { secret: "whsec_test_secreT" })), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1], S4.timestamp + 1))), "InvalidSignature", "t is signed")
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1.toUpperCase().slice(0, 63)]))), "InvalidSignature", "short hex")
    assert.strictEqual(reasonOf(verify(payload, header(["zz".repeat(32)]))), "InvalidSignature", "not hex")
  })

  it("an empty body is MalformedPayload", () => {
    const h = StripeWebhook.signatureHeader({ payload: "", secret: S4.secret, timestamp: S4.timestamp })
    assert.strictEqual(reasonOf(verify("", h)), "MalformedPayload")
  })

  it("15 s old with a 10 s tolerance is TimestampOutOfTolerance", () => {
    const now = (S4.timestamp + 15) * 1000
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1]), { now, toleranceSeconds: 10 })), "TimestampOutOfTolerance")
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1]), { now, toleranceSeconds: 20 })), "Verified")
  })

  it("the default tolerance is 300 s, in both directions", () => {
    const at = verifyAt
    assert.strictEqual(reasonOf(at(300)), "Verified")
    assert.strictEqual(reasonOf(at(301)), "TimestampOutOfTolerance")
    assert.strictEqual(reasonOf(at(-300)), "Verified")
    assert.strictEqual(reasonOf(at(-301)), "TimestampOutOfTolerance")
    const exit = at(400)
    if (Exit.isFailure(exit)) {
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      const reason = fail?._tag === "Fail" ? fail.error.reason : undefined
      assert.strictEqual(reason?._tag === "TimestampOutOfTolerance" ? reason.toleranceSeconds : undefined, 300)
    }
  })

  it("a bad signature is reported as such even when the timestamp is also old", () => {
    assert.strictEqual(reasonOf(verify(payload, header(["00".repeat(32)]), { now: (S4.timestamp + 10_000) * 1000 })), "InvalidSignature")
  })

  it("no message ever contains the secret", () => {
    const exits = [
      verify(payload, header(["potato"])),
      verify(payload, "bad_header"),
      verify(payload, undefined),
      verify(payload, header([S4.v1]), { now: 0 })
    ]
    for (const exit of exits) {
      assert.isTrue(Exit.isFailure(exit))
      assert.notInclude(JSON.stringify(exit), "whsec_test_secret")
      if (Exit.isFailure(exit)) {
        const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
        if (fail?._tag === "Fail") assert.notInclude(fail.error.message, "whsec_")
      }
    }
  })
})

describe("agreement with stripe-node 23.1.0", () => {
  const body = fixtureText("event-refund-updated.json")
  const t = 1763812900

  it("headers stripe-node generates verify here", () => {
    const h = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: S4.secret, timestamp: t })
    assert.strictEqual(reasonOf(verify(body, h, { now: t * 1000 })), "Verified")
  })

  it("headers generated here verify in stripe-node's constructEvent", () => {
    const h = StripeWebhook.signatureHeader({ payload: body, secret: S4.secret, timestamp: t })
    const event = Stripe.webhooks.constructEvent(body, h, S4.secret, 300, undefined, t * 1000)
    assert.strictEqual(event.id, "evt_3QbXc2LkdIwHu7ix0Updated1")
  })

  it("both reject the same tampered delivery", () => {
    const h = StripeWebhook.signatureHeader({ payload: body, secret: S4.secret, timestamp: t })
    const tampered = body.replace("succeeded", "failed")
    assert.throws(() => Stripe.webhooks.constructEvent(tampered, h, S4.secret, 300, undefined, t * 1000))
    assert.strictEqual(reasonOf(verify(tampered, h, { now: t * 1000 })), "InvalidSignature")
  })
})

describe("verify and parse through the core", () => {
  const noHttp = Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.die("no HTTP expected")))

  it.effect("Webhooks.verifyAndParse verifies with the clock and parses the events", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, {
        credentials: { apiKey: "sk_test_abc" },
        webhookSecrets: { signingSecret: S4.secret }
      })
      const body = fixtureBytes("event-refund-updated.json")
      const t = 1763812900
      yield* TestClock.setTime(t * 1000 + 5_000)
      const request = raw(body, StripeWebhook.signatureHeader({ payload: body, secret: S4.secret, timestamp: t }))
      const events = yield* Webhooks.verifyAndParse(bound, request)
      assert.strictEqual(events.length, 1)
      assert.strictEqual(events[0]!.refund?.status, "Succeeded")
      // Now the same delivery much later: refused as a replay.
      yield* TestClock.setTime(t * 1000 + 301_000)
      const late = yield* Effect.flip(Webhooks.verifyAndParse(bound, request))
      assert.strictEqual(late.reason._tag, "TimestampOutOfTolerance")
      assert.strictEqual(late.httpStatus, 401)
      // The S4 vector verifies; its body has no event `type`, so parsing (which only runs after
      // verification) refuses it as MalformedPayload (400), not as a signature problem (401).
      yield* TestClock.setTime(S4.timestamp * 1000)
      const s4 = yield* Effect.flip(Webhooks.verifyAndParse(bound, raw(payload, header([S4.v1]))))
      assert.strictEqual(s4.reason._tag, "MalformedPayload")
      assert.strictEqual(s4.httpStatus, 400)
      const s4Tampered = yield* Effect.flip(Webhooks.verifyAndParse(bound, raw(payload, header(["00".repeat(32)]))))
      assert.strictEqual(s4Tampered.reason._tag, "InvalidSignature")
    }).pipe(Effect.provide(noHttp)))

  it.effect("a malformed signing secret is refused when binding, without echoing it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(BoundConnector.bind(connector, {
        credentials: { apiKey: "sk_test_abc" },
        webhookSecrets: { signingSecret: "sec_notawhsec" }
      }))
      assert.strictEqual(error.reason._tag, "Configuration")
      assert.notInclude(error.message, "sec_notawhsec")
    }))
})

const parseFixture = (fixture: string) => connector.webhooks!.parse(raw(fixtureBytes(fixture), undefined))

const events = (fixture: string) => {
  const result = parseFixture(fixture)
  if (Result.isFailure(result)) assert.fail(`${fixture}: ${result.failure.message}`)
  return result.success
}

const eventsOf = (body: string) => {
  const result = connector.webhooks!.parse(raw(body, undefined))
  if (Result.isFailure(result)) throw new Error(`expected events, got ${result.failure.message}`)
  return result.success
}

const expectMalformed = (body: string) => {
  const result = connector.webhooks!.parse(raw(body, undefined))
  assert.isTrue(Result.isFailure(result), body)
  if (Result.isFailure(result)) assert.strictEqual(result.failure.reason._tag, "MalformedPayload", body)
}

describe("event parsing", () => {

  it("refund.created", () => {
    const [e, ...rest] = events("event-refund-created.json")
    assert.strictEqual(rest.length, 0)
    assert.strictEqual(e!.connector, "stripe")
    assert.strictEqual(e!.eventId, "evt_3QbXc2LkdIwHu7ix0Created1")
    assert.strictEqual(e!.eventType, "refund.created")
    assert.strictEqual(e!.occurredAt, 1763812800000)
    assert.strictEqual(e!.refund?.connectorRefundId, "re_3QbXc2LkdIwHu7ix0fN8sQ2m")
    assert.strictEqual(e!.refund?.merchantRefundId, "order-42-r1")
    assert.strictEqual(e!.refund?.status, "Pending")
    assert.strictEqual(e!.refund?.occurredAt, 1763812800000)
    assert.strictEqual(e!.refund?.amount?.amount, 1050)
    assert.strictEqual(e!.refund?.connectorTransactionId, "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y")
  })

  it("refund.updated", () => {
    const [e] = events("event-refund-updated.json")
    assert.strictEqual(e!.eventType, "refund.updated")
    assert.strictEqual(e!.refund?.status, "Succeeded")
    assert.strictEqual(e!.refund?.occurredAt, 1763812900000)
  })

  // Stripe puts previous_attributes only on *.updated events (stripe-node Event.Data.previous_attributes), so
  // refund.failed is a plain failure, and the refund.updated of the same change tells a reversal apart.
  it("refund.failed (no previous_attributes, as Stripe sends it) is a failure, with the failure reason", () => {
    const [e] = events("event-refund-failed.json")
    assert.strictEqual(e!.eventType, "refund.failed")
    assert.strictEqual(e!.refund?.status, "Failed")
    assert.strictEqual(e!.refund?.rawStatus, "failed")
    assert.strictEqual(e!.refund?.failure?.code, "expired_or_canceled_card")
  })

  it("a refund.updated to failed whose previous_attributes say succeeded is a reversal, with the failure reason", () => {
    const [e] = events("event-refund-updated-reversal.json")
    assert.strictEqual(e!.eventType, "refund.updated")
    assert.strictEqual(e!.refund?.status, "Reversed")
    assert.strictEqual(e!.refund?.rawStatus, "failed")
    assert.strictEqual(e!.refund?.failure?.code, "expired_or_canceled_card")
  })

  it("a failure without previous_attributes is a plain failure; other previous statuses change nothing", () => {
    const fixture = JSON.parse(fixtureText("event-refund-updated-reversal.json")) as { data: Record<string, unknown> }
    const without = { ...fixture, data: { object: fixture.data["object"] } }
    assert.strictEqual(eventsOf(JSON.stringify(without))[0]!.refund?.status, "Failed")
    const fromPending = { ...fixture, data: { ...fixture.data, previous_attributes: { status: "pending" } } }
    assert.strictEqual(eventsOf(JSON.stringify(fromPending))[0]!.refund?.status, "Failed")
    const notAnObject = { ...fixture, data: { ...fixture.data, previous_attributes: "succeeded" } }
    assert.strictEqual(eventsOf(JSON.stringify(notAnObject))[0]!.refund?.status, "Failed")
  })

  it("charge.refund.updated carries a refund", () => {
    const [e] = events("event-charge-refund-updated.json")
    assert.strictEqual(e!.eventType, "charge.refund.updated")
    assert.strictEqual(e!.refund?.status, "Succeeded")
  })

  it("charge.refunded with a refunds list: one event per refund, ids suffixed with the refund id", () => {
    const all = events("event-charge-refunded.json")
    assert.deepStrictEqual(all.map((e) => e.eventId), [
      "evt_3QbXc2LkdIwHu7ix0ChRefd01:re_3QbXc2LkdIwHu7ix0fN8sQ2m",
      "evt_3QbXc2LkdIwHu7ix0ChRefd01:re_3QbXc2LkdIwHu7ix0Other01"
    ])
    assert.deepStrictEqual(all.map((e) => e.refund?.status), ["Pending", "Succeeded"])
    assert.deepStrictEqual(all.map((e) => e.refund?.merchantRefundId), ["order-42-r1", "order-42-r0"])
    assert.isTrue(all.every((e) => e.eventType === "charge.refunded" && e.refund?.connectorTransactionId === "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n"))
  })

  it("charge.refunded without a refunds list (current API versions): one event without a refund", () => {
    const all = events("event-charge-refunded-no-list.json")
    assert.strictEqual(all.length, 1)
    assert.strictEqual(all[0]!.eventId, "evt_3QbXc2LkdIwHu7ix0ChRefd02")
    assert.strictEqual(all[0]!.refund, undefined)
  })

  it("other event types: one event without a refund", () => {
    const all = events("event-payment-intent-succeeded.json")
    assert.strictEqual(all.length, 1)
    assert.strictEqual(all[0]!.eventType, "payment_intent.succeeded")
    assert.strictEqual(all[0]!.occurredAt, 1763810000000)
    assert.strictEqual(all[0]!.refund, undefined)
  })

  it("malformed deliveries are MalformedPayload", () => {
    const bad = expectMalformed
    bad("not json")
    bad("{}")
    bad("[]")
    bad(JSON.stringify({ id: "evt_1", type: 5 }))
    bad(fixtureText("event-refund-not-a-refund.json"))
    bad(JSON.stringify({ id: "evt_1", object: "event", type: "charge.refunded", created: 1, data: { object: { id: "pi_1", object: "payment_intent" } } }))
    bad(JSON.stringify({ ...JSON.parse(fixtureText("event-refund-updated.json")), data: { object: { ...JSON.parse(fixtureText("refund-unknown-currency.json")) } } }))
  })

  it("the acknowledgement is 200 {\"received\":true}", () => {
    assert.deepStrictEqual(connector.webhooks!.acknowledgement, { status: 200, contentType: "application/json", body: "{\"received\":true}" })
    assert.deepStrictEqual(JSON.parse(connector.webhooks!.acknowledgement.body), { received: true })
  })
})

describe("processor times in a signed body are bounded, and optional", () => {
  const parsed = (body: unknown) => {
    const result = connector.webhooks!.parse(raw(JSON.stringify(body), undefined))
    if (Result.isFailure(result)) assert.fail(result.failure.message)
    return result.success
  }
  const updated = () => JSON.parse(fixtureText("event-refund-updated.json"))

  it("created: 1e306, a negative or a millisecond value is dropped, never stored as Infinity or year 50000", () => {
    for (const created of [1e306, -1, 1763812900000]) {
      const body = updated()
      body.created = created
      body.data.object.created = created
      const [e] = parsed(body)
      assert.isUndefined(e!.occurredAt, String(created))
      assert.isUndefined(e!.refund?.occurredAt, String(created))
      assert.isUndefined(e!.refund?.createdAt, String(created))
      assert.strictEqual(e!.refund?.status, "Succeeded", "the event still counts")
    }
  })

  it("a refund object without created is read: nothing needs it", () => {
    const body = updated()
    delete body.data.object.created
    const [e] = parsed(body)
    assert.strictEqual(e!.refund?.status, "Succeeded")
    assert.isUndefined(e!.refund?.createdAt)
    assert.strictEqual(e!.occurredAt, 1763812900000)
  })

  it("a thin (v2) event's ISO created is read as a time too", () => {
    const body = { id: "evt_thin_1", object: "v2.core.event", type: "v2.core.account.updated", created: "2026-11-22T12:00:00.000Z" }
    const [e] = parsed(body)
    assert.strictEqual(e!.occurredAt, Date.UTC(2026, 10, 22, 12))
  })
})

// ---------------------------------------------------------------------------------------------
// Behaviour pinned by mutation testing (Stryker): header grammar, bounds, diagnostics.
// ---------------------------------------------------------------------------------------------

const failureOf = (exit: Exit.Exit<void, WebhookError.WebhookError>) => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (fail?._tag !== "Fail") return assert.fail("expected a typed failure")
  return fail.error
}

/** A header for the S4 payload signed at any `t` text (the HMAC covers the text as sent). */
const signedAt = (t: string, body: Uint8Array | string = payload) =>
  `t=${t},v1=${StripeWebhook.hmacHex(S4.secret, StripeWebhook.signedPayload(t, body))}`

describe("Stripe-Signature header grammar (stripe-node parseHeader)", () => {
  it("items without '=' are skipped wherever they are, even one starting with t", () => {
    assert.strictEqual(reasonOf(verify(payload, `${header([S4.v1])},tz`)), "Verified")
    assert.strictEqual(reasonOf(verify(payload, `garbage,${header([S4.v1])}`)), "Verified")
    assert.strictEqual(reasonOf(verify(payload, `${header([S4.v1])},v1`)), "Verified")
  })

  it("spaces around items, keys and values are tolerated (as in duplicated headers joined with \", \")", () => {
    assert.strictEqual(reasonOf(verify(payload, `t=${S4.timestamp}, v1=${S4.v1}`)), "Verified")
    assert.strictEqual(reasonOf(verify(payload, ` t = ${S4.timestamp} ,v1 = ${S4.v1} `)), "Verified")
  })

  it("the last t= wins, and it is the t the signature must cover", () => {
    assert.strictEqual(reasonOf(verify(payload, `t=999,${header([S4.v1])}`)), "Verified")
    assert.strictEqual(reasonOf(verify(payload, `${header([S4.v1])},t=999`)), "InvalidSignature")
    assert.deepStrictEqual(StripeWebhook.parseHeader(`t=1,v1=aa,t=2,v0=bb,v1=cc,x=dd`), { timestamp: 2, signatures: ["aa", "cc"] })
  })

  it("a value is everything after the first '='", () => {
    assert.deepStrictEqual(StripeWebhook.parseHeader("t=5,v1=ab=cd"), { timestamp: 5, signatures: ["ab=cd"] })
    assert.deepStrictEqual(StripeWebhook.parseHeader("=x,t=5"), { timestamp: 5, signatures: [] })
  })

  it("keys are case-sensitive: T= and V1= are not t= and v1=", () => {
    assert.strictEqual(reasonOf(verify(payload, `T=${S4.timestamp},v1=${S4.v1}`)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify(payload, `t=${S4.timestamp},V1=${S4.v1}`)), "InvalidSignature")
  })

  it("t is decimal digits only: another spelling of the signed number (sign, fraction, exponent, hex) is refused", () => {
    for (const t of [`+${S4.timestamp}`, `${S4.timestamp}.0`, `${S4.timestamp}.`, "1.23456789e9", "0x499602d2"]) {
      assert.strictEqual(Number(t), S4.timestamp, t)
      assert.strictEqual(reasonOf(verify(payload, header([S4.v1], t))), "InvalidSignature", t)
      assert.isUndefined(StripeWebhook.parseHeader(`t=${t},v1=00`).timestamp, t)
    }
    // leading zeros are still the same digits (stripe-node parseInt agrees)
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1], `00${S4.timestamp}`))), "Verified")
  })

  it("a t that is not digits is no t at all, even when the HMAC covers its text", () => {
    for (const t of ["abc", "", "-5"]) {
      assert.strictEqual(reasonOf(verify(payload, signedAt(t), { toleranceSeconds: 0 })), "InvalidSignature", t)
    }
  })

  it("t has at most 15 digits (an exact integer): 15 verify, 16 are refused", () => {
    const t15 = "100000000000000"
    assert.strictEqual(reasonOf(verify(payload, signedAt(t15), { now: Number(t15) * 1000 })), "Verified")
    assert.strictEqual(StripeWebhook.parseHeader(`t=${t15}`).timestamp, 100000000000000)
    const t16 = "1000000000000000"
    assert.strictEqual(reasonOf(verify(payload, signedAt(t16), { now: Number(t16) * 1000 })), "InvalidSignature")
    assert.strictEqual(StripeWebhook.parseHeader("t=7").timestamp, 7)
  })

  it("a blank header is MissingSignature, like an absent one", () => {
    assert.strictEqual(reasonOf(verify(payload, "   ")), "MissingSignature")
  })

  it("signature problems are reported before an empty body (401, not 400)", () => {
    assert.strictEqual(reasonOf(verify("", `t=${S4.timestamp}`)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify("", `v1=${S4.v1}`)), "InvalidSignature")
    assert.strictEqual(reasonOf(verify("", `t=${S4.timestamp},v0=${S4.v1}`)), "InvalidSignature")
  })

  it("each failure says what is wrong", () => {
    assert.include(failureOf(verify(payload, `v1=${S4.v1}`)).message, "timestamp (t=)")
    assert.include(failureOf(verify(payload, `t=${S4.timestamp},v0=${S4.v1}`)).message, "expected scheme (v1=)")
    assert.include(failureOf(verify(payload, header(["00".repeat(32)]))).message, "no v1 signature matches")
    assert.include(failureOf(verify(payload, undefined)).message, "Stripe-Signature")
    assert.include(failureOf(verify("", signedAt(String(S4.timestamp), ""))).message, "empty")
  })
})

describe("tolerance", () => {
  it("receiver time is truncated to whole seconds, as stripe-node does", () => {
    const at = (ms: number) => reasonOf(verify(payload, header([S4.v1]), { now: ms }))
    assert.strictEqual(at((S4.timestamp + 300) * 1000 + 999), "Verified")
    assert.strictEqual(at((S4.timestamp + 301) * 1000), "TimestampOutOfTolerance")
    assert.strictEqual(at((S4.timestamp - 300) * 1000), "Verified")
    assert.strictEqual(at((S4.timestamp - 300) * 1000 - 1), "TimestampOutOfTolerance")
  })

  it("a custom tolerance is honoured exactly at its boundary, both ways", () => {
    const at = (offset: number) => reasonOf(verify(payload, header([S4.v1]), { now: (S4.timestamp + offset) * 1000, toleranceSeconds: 5 }))
    assert.deepStrictEqual([at(-6), at(-5), at(0), at(5), at(6)], ["TimestampOutOfTolerance", "Verified", "Verified", "Verified", "TimestampOutOfTolerance"])
  })

  it("a tolerance of 0 turns the age check off (stripe-node verifyHeader's default)", () => {
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1]), { now: 0, toleranceSeconds: 0 })), "Verified")
    assert.strictEqual(reasonOf(verify(payload, header([S4.v1]), { now: (S4.timestamp + 1) * 1000, toleranceSeconds: 0 })), "Verified")
  })

  it("the failure says how old or how far in the future, with the tolerance", () => {
    const old = failureOf(verifyAt(400))
    assert.include(old.message, "400 s old")
    assert.include(old.message, "tolerance 300 s")
    const future = failureOf(verifyAt(-400))
    assert.include(future.message, "is 400 s in the future")
    assert.strictEqual(future.reason._tag === "TimestampOutOfTolerance" ? future.reason.toleranceSeconds : undefined, 300)
    const custom = failureOf(verify(payload, header([S4.v1]), { now: (S4.timestamp + 15) * 1000, toleranceSeconds: 10 }))
    assert.strictEqual(custom.reason._tag === "TimestampOutOfTolerance" ? custom.reason.toleranceSeconds : undefined, 10)
  })

  it("the connector's verify uses the default tolerance and the context's clock", () => {
    const at = (offset: number) =>
      reasonOf(Effect.runSyncExit(connector.webhooks!.verify(raw(payload, header([S4.v1])), { signingSecret: secret }, {
        now: (S4.timestamp + offset) * 1000,
        fetchText: () => Effect.die("no fetch for Stripe")
      })))
    assert.deepStrictEqual([at(-301), at(300), at(301)], ["TimestampOutOfTolerance", "Verified", "TimestampOutOfTolerance"])
  })
})

describe("signing helpers", () => {
  it("signatureHeader takes the secret as a string or Redacted, and any scheme", () => {
    const plain = StripeWebhook.signatureHeader({ payload, secret: S4.secret, timestamp: S4.timestamp })
    assert.strictEqual(StripeWebhook.signatureHeader({ payload, secret: secret, timestamp: S4.timestamp }), plain)
    const v0 = StripeWebhook.signatureHeader({ payload, secret: S4.secret, timestamp: S4.timestamp, scheme: "v0" })
    assert.strictEqual(v0, `t=${S4.timestamp},v0=${S4.v1}`)
    assert.strictEqual(reasonOf(verify(payload, v0)), "InvalidSignature")
  })

  it("signedPayload is \"<t>.\" followed by the raw bytes", () => {
    assert.deepStrictEqual(
      Array.from(StripeWebhook.signedPayload(12, new Uint8Array([0xff, 0x00]))),
      [0x31, 0x32, 0x2e, 0xff, 0x00]
    )
  })
})

describe("the signing secret spec", () => {
  const decode = (value: string) => Credentials.decode(StripeWebhook.secrets, { signingSecret: value }, "stripe webhook secrets")

  it("accepts whsec_ followed by non-blank characters, held as Redacted", () => {
    const ok = decode("whsec_abc123")
    assert.isTrue(Result.isSuccess(ok))
    if (Result.isSuccess(ok)) {
      assert.isTrue(Redacted.isRedacted(ok.success.signingSecret))
      assert.strictEqual(Redacted.value(ok.success.signingSecret), "whsec_abc123")
    }
  })

  it("refuses anything else, naming the expected shape but never the value", () => {
    for (const bad of ["xwhsec_abc", "whsec_abc def", "sk_test_abc", "whsec abc"]) {
      const result = decode(bad)
      assert.isTrue(Result.isFailure(result), bad)
      if (Result.isFailure(result)) {
        assert.include(result.failure.message, "whsec_…", bad)
        assert.notInclude(result.failure.message, bad, bad)
      }
    }
  })

  it("is read from STRIPE_WEBHOOK_SECRET, which a missing secret's message names", () => {
    assert.deepStrictEqual(Credentials.fromEnv(StripeWebhook.secrets, { STRIPE_WEBHOOK_SECRET: "whsec_x" }), { signingSecret: "whsec_x" })
    const missing = Credentials.decode(StripeWebhook.secrets, {}, "stripe webhook secrets")
    assert.isTrue(Result.isFailure(missing))
    if (Result.isFailure(missing)) assert.include(missing.failure.message, "STRIPE_WEBHOOK_SECRET")
  })

  it("the documented scheme names the header and the default tolerance", () => {
    assert.include(connector.webhooks!.scheme.toLowerCase(), StripeWebhook.SIGNATURE_HEADER)
    assert.include(connector.webhooks!.scheme, `${StripeWebhook.DEFAULT_TOLERANCE_SECONDS} s`)
  })
})

describe("refund snapshots and event parsing details", () => {
  const refundFixture = () => JSON.parse(fixtureText("refund-succeeded.json"))
  const withRefund = (refund: unknown, type = "refund.updated") =>
    JSON.stringify({ ...JSON.parse(fixtureText("event-refund-updated.json")), type, data: { object: refund } })
  const malformedMessage = (body: string) => {
    const result = connector.webhooks!.parse(raw(body, undefined))
    if (Result.isSuccess(result)) return assert.fail("expected MalformedPayload")
    assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
    return result.failure.message
  }

  it("statusOf: null and a missing status are both Unknown with raw \"null\"", () => {
    assert.deepStrictEqual(StripeWebhook.statusOf(null), { status: "Unknown", rawStatus: "null" })
    assert.deepStrictEqual(StripeWebhook.statusOf(undefined), { status: "Unknown", rawStatus: "null" })
    assert.deepStrictEqual(StripeWebhook.statusOf(""), { status: "Unknown", rawStatus: "" })
  })

  it("the caller's transaction id wins when it is the refund's charge, even if a payment intent is set", () => {
    const refund = { ...refundFixture(), charge: "ch_A", payment_intent: "pi_B" }
    const snap = (preferred?: string) => {
      const result = StripeWebhook.toSnapshot(refund, { preferredTransactionId: preferred })
      if (Result.isFailure(result)) return assert.fail(result.failure)
      return result.success.connectorTransactionId
    }
    assert.strictEqual(snap("ch_A"), "ch_A")
    assert.strictEqual(snap("pi_B"), "pi_B")
    assert.strictEqual(snap("ch_other"), "pi_B", "a payment id the refund does not name is ignored")
    assert.strictEqual(snap(undefined), "pi_B")
    const chargeOnly = StripeWebhook.toSnapshot({ ...refundFixture(), charge: null, payment_intent: "pi_B" })
    assert.strictEqual(Result.isSuccess(chargeOnly) ? chargeOnly.success.connectorTransactionId : undefined, "pi_B", "no charge, no caller id")
  })

  it("a refund without metadata has no merchant refund id (and still parses)", () => {
    for (const metadata of [undefined, null, {}]) {
      const refund = { ...refundFixture(), metadata }
      if (metadata === undefined) delete refund.metadata
      const result = StripeWebhook.toSnapshot(refund)
      assert.isTrue(Result.isSuccess(result), String(metadata))
      if (Result.isSuccess(result)) assert.isUndefined(result.success.merchantRefundId)
    }
  })

  it("only a failure after succeeded is a reversal; other statuses after succeeded are kept", () => {
    for (const status of ["pending", "requires_action", "canceled", "succeeded"]) {
      const result = StripeWebhook.toSnapshot({ ...refundFixture(), status })
      if (Result.isFailure(result)) return assert.fail(result.failure)
      assert.strictEqual(StripeWebhook.reversalEvidence(result.success, "succeeded").status, StripeWebhook.statusOf(status).status, status)
    }
    const failed = StripeWebhook.toSnapshot({ ...refundFixture(), status: "failed" })
    if (Result.isFailure(failed)) return assert.fail(failed.failure)
    assert.strictEqual(StripeWebhook.reversalEvidence(failed.success, "succeeded").status, "Reversed")
    assert.strictEqual(StripeWebhook.reversalEvidence(failed.success, "pending").status, "Failed")
    assert.strictEqual(StripeWebhook.reversalEvidence(failed.success, undefined).status, "Failed")
  })

  it("charge.refunded names the charge as the transaction even when its refunds carry a payment intent", () => {
    const body = JSON.parse(fixtureText("event-charge-refunded.json"))
    for (const r of body.data.object.refunds.data) r.payment_intent = "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y"
    const all = eventsOf(JSON.stringify(body))
    assert.isTrue(all.length === 2 && all.every((e) => e.refund?.connectorTransactionId === body.data.object.id))
  })

  it("a charge.refunded whose listed refund cannot be read is MalformedPayload naming the event and the refund", () => {
    const body = JSON.parse(fixtureText("event-charge-refunded.json"))
    body.data.object.refunds.data[1].currency = "isk"
    const message = malformedMessage(JSON.stringify(body))
    assert.include(message, `charge.refunded ${body.id}: refund ${body.data.object.refunds.data[1].id}: isk is not supported`)
  })

  it("refund and charge events without data are MalformedPayload, never a throw", () => {
    for (const type of ["refund.updated", "charge.refund.updated", "charge.refunded"]) {
      const message = malformedMessage(JSON.stringify({ id: "evt_nodata", object: "event", type, created: 1763812900 }))
      assert.include(message, `${type} evt_nodata: data.object is not a ${type === "charge.refunded" ? "charge" : "refund"}`)
    }
  })

  it("each MalformedPayload says what is wrong", () => {
    assert.include(malformedMessage("not json"), "the body is not JSON")
    assert.include(malformedMessage("{}"), "not a Stripe event")
    const refund = { ...refundFixture(), currency: "xxq" }
    assert.include(malformedMessage(withRefund(refund)), `refund.updated evt_3QbXc2LkdIwHu7ix0Updated1: refund ${refund.id}:`)
  })

  it("a refund id the core refuses is MalformedPayload on one line, naming the refund", () => {
    const message = malformedMessage(withRefund({ ...refundFixture(), id: "re with spaces" }))
    assert.include(message, "refund re with spaces: ")
    assert.notInclude(message, "\n")
    assert.notMatch(message, /\s\s/)
    assert.include(message, "connectorRefundId is not a processor id", "the core's reason, words intact")
  })

  it("a body with invalid UTF-8 inside a string still parses (decoded leniently, as the bytes were verified)", () => {
    const text = fixtureText("event-refund-updated.json").replace("\"order-42-r1\"", "\"order-42-@\"")
    const bytes = new TextEncoder().encode(text)
    const at = text.indexOf("order-42-@") + "order-42-".length
    assert.strictEqual(bytes[at], 0x40)
    bytes[at] = 0xff
    const result = connector.webhooks!.parse(raw(bytes, undefined))
    assert.isTrue(Result.isSuccess(result))
    if (Result.isSuccess(result)) assert.strictEqual(result.success[0]!.refund?.merchantRefundId, "order-42-\ufffd")
  })
})
