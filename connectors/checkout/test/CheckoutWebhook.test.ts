import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, Credentials, Money, WebhookEvent, Webhooks } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Effect, Exit, Layer, Redacted, Result } from "effect"
import { HttpClient } from "effect/http"
import { CheckoutWebhook, connector } from "@refract/checkout"
import { fixtureBytes, fixtureText, paymentId, refundId, sandboxKey } from "./helpers/Fixtures.ts"

// DERIVED vector (test/fixtures/README.md): Checkout.com publishes none (processors.md §4, §11).
const DERIVED = {
  key: "refract-derived-checkout-signature-key",
  body: "event-payment-refunded.json",
  bodyLength: 1124,
  signature: "e1565bce9ca4e302a554ee03f2f5877e20877af3e5abb906c0da7399e2bd097d",
  emptyBodySignature: "4a149d646c5969007e79193c498108a8081aabdfb88c3803985932d479248210"
}

/** Independent of the connector: node:crypto directly. */
const independentHmac = (key: string, body: Uint8Array | string) => createHmac("sha256", key).update(body).digest("hex")

const raw = (body: Uint8Array | string, signature: string | undefined, extra: Record<string, string> = {}) =>
  WebhookEvent.makeRawRequest({ headers: { "Cko-Signature": signature, ...extra }, body })

const signed = (fixture: string, key = DERIVED.key) => {
  const body = fixtureBytes(fixture)
  return raw(body, independentHmac(key, body))
}

const verify = (request: ReturnType<typeof raw>, key = DERIVED.key) =>
  Effect.runSyncExit(CheckoutWebhook.verifySignature(request, Redacted.make(key)))

const outcome = (exit: Exit.Exit<void, WebhookError.WebhookError>): string => {
  if (Exit.isSuccess(exit)) return "Verified"
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail !== undefined && fail._tag === "Fail" ? fail.error.reason._tag : "Defect"
}

const parse = (fixture: string) => CheckoutWebhook.parseEvents({ body: fixtureBytes(fixture) })

const parsedOk = (fixture: string) => {
  const result = parse(fixture)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return Result.getOrThrow(result)
}

describe("Cko-Signature: the derived vector", () => {
  it("the fixture is the vector's exact bytes, and node:crypto agrees with the recorded value", () => {
    const body = fixtureBytes(DERIVED.body)
    assert.strictEqual(body.length, DERIVED.bodyLength)
    assert.strictEqual(independentHmac(DERIVED.key, body), DERIVED.signature)
    assert.strictEqual(independentHmac(DERIVED.key, ""), DERIVED.emptyBodySignature)
  })

  it("the connector computes the same hex HMAC-SHA256 of the raw body", () => {
    assert.strictEqual(CheckoutWebhook.signature(DERIVED.key, fixtureBytes(DERIVED.body)), DERIVED.signature)
    assert.strictEqual(CheckoutWebhook.signature(Redacted.make(DERIVED.key), ""), DERIVED.emptyBodySignature)
  })

  it("verifies the vector", () => {
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), DERIVED.signature))), "Verified")
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), DERIVED.signature.toUpperCase()))), "Verified", "hex case does not matter")
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), ` ${DERIVED.signature} `))), "Verified")
  })
})

describe("Cko-Signature verification", () => {
  it("every fixture verifies when signed with its key", () => {
    for (const f of ["event-payment-refunded.json", "event-payment-refund-declined.json", "event-payment-refund-pending.json"]) {
      assert.strictEqual(outcome(verify(signed(f))), "Verified", f)
    }
  })

  it("a tampered body is InvalidSignature (one byte changed, re-serialised JSON)", () => {
    const body = fixtureText(DERIVED.body)
    assert.strictEqual(outcome(verify(raw(body.replace("\"amount\": 1050", "\"amount\": 9050"), DERIVED.signature))), "InvalidSignature")
    assert.strictEqual(outcome(verify(raw(JSON.stringify(JSON.parse(body)), DERIVED.signature))), "InvalidSignature")
    assert.strictEqual(outcome(verify(raw(`${body}\n`, DERIVED.signature))), "InvalidSignature")
  })

  it("the wrong key is InvalidSignature", () => {
    assert.strictEqual(outcome(verify(signed(DERIVED.body), "another-key")), "InvalidSignature")
    assert.strictEqual(outcome(verify(signed(DERIVED.body, "another-key"))), "InvalidSignature")
  })

  it("no signature is MissingSignature", () => {
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), undefined))), "MissingSignature")
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), ""))), "MissingSignature")
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), undefined, { Authorization: "70ed20ff" }))), "MissingSignature")
  })

  it("a signature that is not hex or has the wrong length is InvalidSignature, never a throw", () => {
    for (const bad of ["zz", DERIVED.signature.slice(0, 63), DERIVED.signature.slice(0, 62), `${DERIVED.signature}00`, "sha256=" + DERIVED.signature, Buffer.from(DERIVED.signature, "hex").toString("base64")]) {
      assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), bad))), "InvalidSignature", bad)
    }
  })
})

describe("parsing events", () => {
  it("payment_refunded → Succeeded, with the composite refund id", () => {
    const [event] = parsedOk("event-payment-refunded.json")
    assert.strictEqual(event!.connector, "checkout")
    assert.strictEqual(event!.eventId, "evt_rmbwhvwacc7u5iczmz2tdcogum")
    assert.strictEqual(event!.eventType, "payment_refunded")
    assert.strictEqual(event!.occurredAt, Date.UTC(2026, 10, 20, 10, 30, 49, 586))
    const refund = event!.refund!
    assert.strictEqual(refund.connectorRefundId, refundId)
    assert.strictEqual(refund.connectorTransactionId, paymentId)
    assert.strictEqual(refund.merchantRefundId, "order-42-r1")
    assert.strictEqual(refund.status, "Succeeded")
    assert.strictEqual(refund.rawStatus, "payment_refunded")
    assert.isTrue(Money.equals(refund.amount!, Money.make(1050, "EUR")))
    assert.strictEqual(refund.occurredAt, Date.UTC(2026, 10, 20, 10, 30, 48, 123))
    assert.isUndefined(refund.failure)
  })

  it("payment_refund_declined → Failed with response_code and response_summary", () => {
    const refund = parsedOk("event-payment-refund-declined.json")[0]!.refund!
    assert.strictEqual(refund.status, "Failed")
    assert.strictEqual(refund.failure?.code, "20006")
    assert.strictEqual(refund.failure?.message, "Error / Invalid Request Parameters")
    assert.strictEqual(refund.connectorRefundId, refundId)
  })

  it("payment_refund_pending → Pending; the older `timestamp` envelope; KWD keeps its three decimals", () => {
    const [event] = parsedOk("event-payment-refund-pending.json")
    assert.strictEqual(event!.occurredAt, Date.UTC(2026, 10, 20, 10, 30, 43, 292))
    const refund = event!.refund!
    assert.strictEqual(refund.status, "Pending")
    assert.isUndefined(refund.merchantRefundId)
    assert.isTrue(Money.equals(refund.amount!, Money.make(1234, "KWD")))
  })

  it("other event types parse to an event without a refund", () => {
    const [event] = parsedOk("event-payment-captured.json")
    assert.strictEqual(event!.eventType, "payment_captured")
    assert.strictEqual(event!.eventId, "evt_dli6ty4qo5vuxle5wklf5gwbwy")
    assert.isUndefined(event!.refund)
  })

  it("an amount that cannot be read (unknown currency, CLP's differing scale) is left out; the status still counts", () => {
    const base = JSON.parse(fixtureText("event-payment-refunded.json"))
    for (const data of [{ currency: "XXQ" }, { currency: "CLP" }, { amount: "1050" }, { currency: undefined }]) {
      const body = JSON.stringify({ ...base, data: { ...base.data, ...data } })
      const result = CheckoutWebhook.parseEvents({ body: new TextEncoder().encode(body) })
      const refund = Result.getOrThrow(result)[0]!.refund!
      assert.strictEqual(refund.status, "Succeeded")
      assert.isUndefined(refund.amount, JSON.stringify(data))
    }
  })

  it("a refund event without a usable payment or action id is MalformedPayload", () => {
    const result = parse("event-refund-no-action.json")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
    const base = JSON.parse(fixtureText("event-payment-refunded.json"))
    for (const data of [{ id: "pay_x" }, { action_id: "act_x" }, { id: null }]) {
      const body = JSON.stringify({ ...base, data: { ...base.data, ...data } })
      const bad = CheckoutWebhook.parseEvents({ body: new TextEncoder().encode(body) })
      assert.isTrue(Result.isFailure(bad), JSON.stringify(data))
    }
  })

  it("a body that is not a Checkout event is MalformedPayload", () => {
    for (const body of ["", "not json", "[]", "null", "{\"type\":\"payment_refunded\"}", "{\"id\":\"evt_1\",\"type\":\"payment_refunded\",\"data\":[]}"]) {
      const result = CheckoutWebhook.parseEvents({ body: new TextEncoder().encode(body) })
      assert.isTrue(Result.isFailure(result), body)
      if (Result.isFailure(result)) assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
    }
  })

  it("processor times are bounded: an impossible or pre-2000 time is dropped, not stored", () => {
    const base = JSON.parse(fixtureText("event-payment-refunded.json"))
    for (const time of ["0001-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "1969-12-31T23:59:59Z"]) {
      const body = JSON.stringify({ ...base, created_on: time, data: { ...base.data, processed_on: time } })
      const [event] = Result.getOrThrow(CheckoutWebhook.parseEvents({ body: new TextEncoder().encode(body) }))
      assert.isUndefined(event!.occurredAt, time)
      assert.isUndefined(event!.refund!.occurredAt, time)
      assert.strictEqual(event!.refund!.status, "Succeeded")
    }
  })

  it("a redelivery parses to the same event id", () => {
    assert.strictEqual(parsedOk("event-payment-refunded.json")[0]!.eventId, parsedOk("event-payment-refunded.json")[0]!.eventId)
  })
})

describe("through the core (bound connector, verify then parse)", () => {
  const http = Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.die("no HTTP expected")))
  const run = (webhookSecrets: Record<string, string> | undefined, request: ReturnType<typeof raw>) =>
    Effect.runPromiseExit(
      Effect.flatMap(
        BoundConnector.bind(connector, { credentials: { secretKey: sandboxKey }, ...(webhookSecrets !== undefined ? { webhookSecrets } : {}) }),
        (bound) => Webhooks.verifyAndParse(bound, request)
      ).pipe(Effect.provide(http))
    )

  it("a signed delivery yields the refund event", async () => {
    const exit = await run({ signatureKey: DERIVED.key }, signed(DERIVED.body))
    assert.isTrue(Exit.isSuccess(exit))
    if (Exit.isSuccess(exit)) assert.strictEqual(exit.value[0]!.refund!.status, "Succeeded")
  })

  it("fails closed: a bad signature, and no configured key, are refused before parsing", async () => {
    const bad = await run({ signatureKey: "another-key" }, signed(DERIVED.body))
    assert.isTrue(Exit.isFailure(bad))
    const unconfigured = await run(undefined, signed(DERIVED.body))
    assert.isTrue(Exit.isFailure(unconfigured))
    assert.include(JSON.stringify(unconfigured), "NotConfigured")
  })

  it("acknowledges with 200", () => {
    assert.strictEqual(connector.webhooks!.acknowledgement.status, 200)
  })
})

// ---------------------------------------------------------------------------------------------
// Behaviour pinned by mutation testing (Stryker).
// ---------------------------------------------------------------------------------------------

const failureOf = (exit: Exit.Exit<void, WebhookError.WebhookError>) => {
  if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (fail?._tag !== "Fail") return assert.fail("expected a typed failure")
  return fail.error
}

const refundedWith = (data: Record<string, unknown>, envelope: Record<string, unknown> = {}) => {
  const base = JSON.parse(fixtureText("event-payment-refunded.json"))
  return CheckoutWebhook.parseEvents({ body: new TextEncoder().encode(JSON.stringify({ ...base, ...envelope, data: { ...base.data, ...data } })) })
}

const malformedMessage = (result: ReturnType<typeof CheckoutWebhook.parseEvents>): string => {
  if (Result.isSuccess(result)) return assert.fail("expected MalformedPayload")
  assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
  return result.failure.message
}

describe("Cko-Signature: more edges", () => {
  it("a blank header is MissingSignature, like an absent one", () => {
    assert.strictEqual(outcome(verify(raw(fixtureBytes(DERIVED.body), "   "))), "MissingSignature")
  })

  it("one byte flipped anywhere in the body, or one hex digit in the signature, is InvalidSignature", () => {
    const body = fixtureBytes(DERIVED.body)
    for (const at of [0, 500, body.length - 1]) {
      const tampered = new Uint8Array(body)
      tampered[at] = tampered[at]! ^ 0x01
      assert.strictEqual(outcome(verify(raw(tampered, DERIVED.signature))), "InvalidSignature", String(at))
    }
    const flipped = (DERIVED.signature[0] === "e" ? "f" : "e") + DERIVED.signature.slice(1)
    assert.strictEqual(outcome(verify(raw(body, flipped))), "InvalidSignature")
  })

  it("the empty body has a signature too, and it verifies (parsing then refuses it)", () => {
    assert.strictEqual(outcome(verify(raw("", DERIVED.emptyBodySignature))), "Verified")
  })

  it("failures say what to check, never the key", () => {
    assert.include(failureOf(verify(raw(fixtureBytes(DERIVED.body), undefined))).message, "Cko-Signature")
    const wrong = failureOf(verify(signed(DERIVED.body), "another-key"))
    assert.include(wrong.message, "does not match")
    assert.notInclude(wrong.message, "another-key")
  })
})

describe("the signature key spec", () => {
  it("is held as Redacted and read from CHECKOUT_WEBHOOK_SIGNATURE_KEY, which a missing key's message names", () => {
    const ok = Credentials.decode(CheckoutWebhook.secrets, { signatureKey: "k" }, "checkout webhook secrets")
    assert.isTrue(Result.isSuccess(ok) && Redacted.isRedacted(ok.success.signatureKey))
    assert.deepStrictEqual(Credentials.fromEnv(CheckoutWebhook.secrets, { CHECKOUT_WEBHOOK_SIGNATURE_KEY: "k" }), { signatureKey: "k" })
    const missing = Credentials.decode(CheckoutWebhook.secrets, {}, "checkout webhook secrets")
    assert.isTrue(Result.isFailure(missing))
    if (Result.isFailure(missing)) {
      assert.include(missing.failure.message, "CHECKOUT_WEBHOOK_SIGNATURE_KEY")
      assert.include(missing.failure.message, "signature key")
    }
  })

  it("the documented scheme names the header", () => {
    assert.include(connector.webhooks!.scheme.toLowerCase(), CheckoutWebhook.SIGNATURE_HEADER)
  })

  it("acknowledges with 200 and a JSON body", () => {
    const ack = connector.webhooks!.acknowledgement
    assert.deepStrictEqual([ack.status, ack.contentType], [200, "application/json"])
    assert.deepStrictEqual(JSON.parse(ack.body), { received: true })
  })
})

describe("refund event fields", () => {
  it("reference: empty or null is no merchant refund id (and the event still parses)", () => {
    for (const reference of ["", null]) {
      const refund = Result.getOrThrow(refundedWith({ reference }))[0]!.refund!
      assert.isUndefined(refund.merchantRefundId, String(reference))
      assert.strictEqual(refund.status, "Succeeded")
    }
  })

  it("a lower-case currency is read like its ISO code", () => {
    const refund = Result.getOrThrow(refundedWith({ currency: "eur" }))[0]!.refund!
    assert.isTrue(Money.equals(refund.amount!, Money.make(1050, "EUR")))
    assert.isUndefined(Result.getOrThrow(refundedWith({ currency: "clp" }))[0]!.refund!.amount)
  })

  it("an amount that is not a non-negative integer is left out", () => {
    for (const amount of [10.5, -1, null, "1050", undefined]) {
      const refund = Result.getOrThrow(refundedWith({ amount }))[0]!.refund!
      assert.isUndefined(refund.amount, String(amount))
    }
  })

  it("a declined refund keeps whichever of response_code and response_summary it has", () => {
    const declined = (data: Record<string, unknown>) =>
      Result.getOrThrow(refundedWith(data, { type: "payment_refund_declined" }))[0]!.refund!
    const codeOnly = declined({ response_code: "20006", response_summary: null })
    assert.deepStrictEqual([codeOnly.status, codeOnly.failure?.code, codeOnly.failure?.message], ["Failed", "20006", undefined])
    const summaryOnly = declined({ response_code: null, response_summary: "Declined" })
    assert.deepStrictEqual([summaryOnly.failure?.code, summaryOnly.failure?.message], [undefined, "Declined"])
    const neither = declined({ response_code: undefined, response_summary: undefined })
    assert.strictEqual(neither.status, "Failed")
    assert.isUndefined(neither.failure)
  })

  it("a succeeded or pending refund carries no failure even with a response code", () => {
    for (const type of ["payment_refunded", "payment_refund_pending"]) {
      const refund = Result.getOrThrow(refundedWith({ response_code: "10000", response_summary: "Approved" }, { type }))[0]!.refund!
      assert.isUndefined(refund.failure, type)
      assert.strictEqual(refund.rawStatus, type)
    }
  })

  it("event types are matched as own keys only: constructor or __proto__ is not a refund event", () => {
    for (const type of ["constructor", "__proto__", "toString", "hasOwnProperty", "PAYMENT_REFUNDED"]) {
      const [event] = Result.getOrThrow(refundedWith({}, { type }))
      assert.strictEqual(event!.eventType, type)
      assert.isUndefined(event!.refund, type)
    }
  })

  it("refundEventStatus maps the three refund events and nothing else", () => {
    assert.deepStrictEqual({ ...CheckoutWebhook.refundEventStatus }, {
      payment_refunded: "Succeeded",
      payment_refund_declined: "Failed",
      payment_refund_pending: "Pending"
    })
  })

  it("an event with an empty id is MalformedPayload (it could never be de-duplicated)", () => {
    assert.include(malformedMessage(refundedWith({}, { id: "" })), "empty id")
  })

  it("each MalformedPayload says which event and what is wrong", () => {
    assert.include(malformedMessage(CheckoutWebhook.parseEvents({ body: new TextEncoder().encode("  ") })), "not JSON")
    assert.include(malformedMessage(CheckoutWebhook.parseEvents({ body: new TextEncoder().encode("{\"id\":5}") })), "not a Checkout.com event")
    const noPayment = malformedMessage(refundedWith({ id: "pay_x" }))
    assert.include(noPayment, "payment_refunded evt_rmbwhvwacc7u5iczmz2tdcogum")
    assert.include(noPayment, "data.id is not a payment id")
    assert.include(malformedMessage(refundedWith({ action_id: null })), "data.action_id is not an action id")
    const notData = malformedMessage(CheckoutWebhook.parseEvents({ body: new TextEncoder().encode("{\"id\":\"evt_1\",\"type\":\"payment_refunded\",\"data\":[]}") }))
    assert.include(notData, "payment_refunded evt_1: data is not payment event data")
  })

  it("a reference that is not a string is MalformedPayload (the data does not decode)", () => {
    assert.include(malformedMessage(refundedWith({ reference: 42 })), "data is not payment event data")
  })
})
