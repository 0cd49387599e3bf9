/**
 * The webhook module's contract in detail: the reasons and messages a refused delivery gets, every
 * status with its raw status, failure details, settlement evidence, event ids, the secrets' checks and
 * the acknowledgement. `BraintreeWebhook.test.ts` covers the main paths.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { Effect, Redacted } from "effect"
import { BraintreeSchema, BraintreeWebhook, connector } from "@refract/braintree"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { fixtureText, privateKey, publicKey, refundId, saleId } from "./helpers/Fixtures.ts"

const subject = fixtureText("refund-settled.xml").replace(/^<\?xml[^>]*>\s*/, "")
const notification = (kind: string, transaction = subject, timestamp = "2026-12-02T02:00:05Z") =>
  `<notification><timestamp type="datetime">${timestamp}</timestamp><kind>${kind}</kind><subject>${transaction}</subject></notification>`
const payloadOf = (xml: string) => `${Buffer.from(xml, "utf8").toString("base64").replace(/(.{60})/g, "$1\n")}\n`
const form = (fields: Record<string, string>) => WebhookEvent.makeRawRequest({ headers: {}, body: new URLSearchParams(fields).toString() })
const delivery = (xml: string, sig?: string) => {
  const payload = payloadOf(xml)
  return form({ bt_signature: sig ?? BraintreeWebhook.signatureParam(publicKey, privateKey, payload), bt_payload: payload })
}
const digestOf = (xml: string) => createHash("sha256").update(xml, "utf8").digest("hex").slice(0, 32)

const verify = (raw: WebhookEvent.RawWebhookRequest) => BraintreeWebhook.verifySignature(raw, publicKey, Redacted.make(privateKey))
const refused = (raw: WebhookEvent.RawWebhookRequest) =>
  Effect.map(Effect.flip(verify(raw)), (e: WebhookError.WebhookError) => {
    assert.strictEqual(e.connector, "braintree")
    return `${e.reason._tag}: ${e.reason.message}`
  })

const eventOf = (xml: string) => {
  const events = ok(BraintreeWebhook.parseEvents(delivery(xml)))
  assert.strictEqual(events.length, 1)
  return events[0]!
}
const refundOf = (kind: string, transaction: string) => eventOf(notification(kind, transaction)).refund!
const withStatus = (status: string) => subject.replace("<status>settled</status>", `<status>${status}</status>`)
/** The subject with `<processor-response-code>`/`-text>` added (each when given). */
const withResponse = (status: string, code?: string, text?: string) =>
  withStatus(status).replace(
    "</refunded-transaction-id>",
    `</refunded-transaction-id>${code === undefined ? "" : `<processor-response-code>${code}</processor-response-code>`}${
      text === undefined ? "" : `<processor-response-text>${text}</processor-response-text>`
    }`
  )
const arn = "<acquirer-reference-number>74523456789012345678901</acquirer-reference-number>"
const batch = "<settlement-batch-id>2026-12-02_acme_usd</settlement-batch-id>"
const settledEvent = /<status-event>\s*<timestamp type="datetime">2026-12-02T02:00:00Z<\/timestamp>\s*<status>settled<\/status>\s*<\/status-event>/

const malformedMessage = (raw: WebhookEvent.RawWebhookRequest) => {
  const error = failure(BraintreeWebhook.parseEvents(raw))
  assert.strictEqual(error.connector, "braintree")
  assert.strictEqual(error.reason._tag, "MalformedPayload")
  return error.reason.message
}

describe("secrets, scheme and acknowledgement", () => {
  it("the public key is not secret, the private key is; each read from its own variable", () => {
    const { privateKey: priv, publicKey: pub } = BraintreeWebhook.secrets
    assert.isFalse(pub.secret)
    assert.isTrue(priv.secret)
    assert.strictEqual(pub.env, "BRAINTREE_WEBHOOK_PUBLIC_KEY")
    assert.strictEqual(priv.env, "BRAINTREE_WEBHOOK_PRIVATE_KEY")
    assert.include(pub.description, "BRAINTREE_PUBLIC_KEY")
    assert.include(priv.description, "BRAINTREE_PRIVATE_KEY")
    assert.strictEqual(connector.webhooks!.secrets, BraintreeWebhook.secrets)
  })

  it("a public key is letters, digits, _ and -; a private key anything without whitespace", () => {
    const { privateKey: priv, publicKey: pub } = BraintreeWebhook.secrets
    for (const ok of [publicKey, "a", "pub_key-1", "Z9"]) assert.isTrue(pub.pattern.test(ok), ok)
    for (const bad of ["", "pub key", " pubkey", "pubkey ", "pub|key", "pub.key", "pubkey\n"]) assert.isFalse(pub.pattern.test(bad), JSON.stringify(bad))
    for (const ok of [privateKey, "a", "x|y.z/+="]) assert.isTrue(priv.pattern.test(ok), ok)
    for (const bad of ["", "two words", " lead", "trail ", "tab\t"]) assert.isFalse(priv.pattern.test(bad), JSON.stringify(bad))
  })

  it("bt_payload may hold base64 characters and newlines only", () => {
    assert.isTrue(BraintreeWebhook.payloadPattern.test("AZaz09+/=\n"))
    for (const bad of ["", "ab!", "!ab", "a b", "ab\r\n", "a-b", "a_b"]) assert.isFalse(BraintreeWebhook.payloadPattern.test(bad), JSON.stringify(bad))
  })

  it("a delivery is acknowledged with 200 text/plain OK", () => {
    assert.deepStrictEqual(connector.webhooks!.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
    assert.include(connector.webhooks!.scheme, "bt_signature")
    assert.include(connector.webhooks!.scheme, "HMAC-SHA1")
  })

  it("the connector's parse is the refund parser", () => {
    const [event] = ok(connector.webhooks!.parse(delivery(notification("transaction_settled"))))
    assert.strictEqual(event!.refund?.connectorRefundId, refundId)
  })
})

describe("signing", () => {
  it("a Redacted private key signs like the plain one; the param is <public key>|<hex>", () => {
    const plain = BraintreeWebhook.signature(privateKey, "payload")
    assert.match(plain, /^[0-9a-f]{40}$/)
    assert.strictEqual(BraintreeWebhook.signature(Redacted.make(privateKey), "payload"), plain)
    assert.notStrictEqual(BraintreeWebhook.signature("another", "payload"), plain)
    assert.strictEqual(BraintreeWebhook.signatureParam(publicKey, Redacted.make(privateKey), "payload"), `${publicKey}|${plain}`)
  })

  it("a body that is not UTF-8 has no form; a UTF-8 one is read as a form", () => {
    assert.isUndefined(BraintreeWebhook.formOf(new Uint8Array([0x62, 0x74, 0x3d, 0xff])))
    assert.strictEqual(BraintreeWebhook.formOf(new TextEncoder().encode("bt_payload=YQ%3D%3D&x=%C3%A9"))?.get("bt_payload"), "YQ==")
    assert.strictEqual(BraintreeWebhook.formOf(new TextEncoder().encode("x=%C3%A9"))?.get("x"), "é")
  })
})

describe("verify: what a refusal says", () => {
  const payload = payloadOf(notification("transaction_settled"))
  const sig = BraintreeWebhook.signatureParam(publicKey, privateKey, payload)
  const hex = sig.slice(publicKey.length + 1)

  it.effect("no signature (or a blank one) is MissingSignature", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* refused(form({ bt_payload: payload })), "MissingSignature: no bt_signature field")
      assert.strictEqual(yield* refused(form({ bt_signature: " \n", bt_payload: payload })), "MissingSignature: no bt_signature field")
      assert.strictEqual(yield* refused(WebhookEvent.makeRawRequest({ headers: {}, body: new Uint8Array([0xff]) })), "MissingSignature: no bt_signature field")
    }))

  it.effect("no payload, characters outside base64, no pair for our public key, a wrong signature: each says so", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* refused(form({ bt_signature: sig })), "InvalidSignature: no bt_payload field")
      assert.strictEqual(yield* refused(form({ bt_signature: sig, bt_payload: "" })), "InvalidSignature: no bt_payload field")
      assert.strictEqual(
        yield* refused(form({ bt_signature: sig, bt_payload: `${payload}!` })),
        "InvalidSignature: bt_payload contains characters outside base64"
      )
      assert.strictEqual(
        yield* refused(form({ bt_signature: `other|${hex}`, bt_payload: payload })),
        "InvalidSignature: bt_signature has no signature for this public key: check BRAINTREE_WEBHOOK_PUBLIC_KEY"
      )
      assert.strictEqual(
        yield* refused(form({ bt_signature: `${publicKey}${hex}`, bt_payload: payload })),
        "InvalidSignature: bt_signature has no signature for this public key: check BRAINTREE_WEBHOOK_PUBLIC_KEY"
      )
      assert.strictEqual(
        yield* refused(form({ bt_signature: BraintreeWebhook.signatureParam(publicKey, "wrong", payload), bt_payload: payload })),
        "InvalidSignature: bt_signature does not match bt_payload: check the private key and that the raw body is passed unchanged"
      )
    }))

  it.effect("upper-case hex is accepted; a pair without | before ours is skipped", () =>
    Effect.gen(function*() {
      yield* verify(form({ bt_signature: `${publicKey}|${hex.toUpperCase()}`, bt_payload: payload }))
      yield* verify(form({ bt_signature: `${publicKey}&${sig}`, bt_payload: payload }))
      yield* verify(form({ bt_signature: `other|${hex}&${sig}`, bt_payload: payload }))
    }))

  it.effect("signatures of another length or with extra characters are refused, never a crash", () =>
    Effect.gen(function*() {
      const mismatch = "InvalidSignature: bt_signature does not match bt_payload: check the private key and that the raw body is passed unchanged"
      for (const given of [`${hex}0`, `0${hex}`, hex.slice(1), `${hex.slice(0, 39)}g`, `${hex}\n`, ""]) {
        assert.strictEqual(yield* refused(form({ bt_signature: `${publicKey}|${given}`, bt_payload: payload })), mismatch, JSON.stringify(given))
      }
    }))

  it.effect("the signature over the payload + newline is accepted, not over other variants", () =>
    Effect.gen(function*() {
      yield* verify(form({ bt_signature: BraintreeWebhook.signatureParam(publicKey, privateKey, `${payload}\n`), bt_payload: payload }))
      const other = BraintreeWebhook.signatureParam(publicKey, privateKey, `${payload}\n\n`)
      assert.strictEqual((yield* Effect.flip(verify(form({ bt_signature: other, bt_payload: payload })))).reason._tag, "InvalidSignature")
    }))
})

describe("statuses", () => {
  it("every status keeps its raw status; none maps to Unknown with rawStatus null", () => {
    const table: Record<string, string> = {
      authorizing: "Pending",
      authorized: "Pending",
      submitted_for_settlement: "Pending",
      settling: "Pending",
      settlement_pending: "Pending",
      settled: "Succeeded",
      settlement_confirmed: "Succeeded",
      processor_declined: "Failed",
      gateway_rejected: "Failed",
      failed: "Failed",
      settlement_declined: "Failed",
      authorization_expired: "Failed",
      voided: "Cancelled",
      mystery: "Unknown"
    }
    for (const [raw, status] of Object.entries(table)) assert.deepStrictEqual(BraintreeWebhook.statusOf(raw), { status, rawStatus: raw } as never)
    assert.deepStrictEqual(BraintreeWebhook.statusOf(undefined), { status: "Unknown", rawStatus: "null" })
  })

  it("an event's subject status wins when known; otherwise the kind says", () => {
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("transaction_settled", "voided"), { status: "Cancelled", rawStatus: "voided" })
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("refund_failed", "settling"), { status: "Pending", rawStatus: "settling" })
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("refund_failed", "mystery"), { status: "Failed", rawStatus: "mystery" })
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("transaction_settlement_declined", "mystery"), { status: "Failed", rawStatus: "mystery" })
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("transaction_settled", "mystery"), { status: "Succeeded", rawStatus: "mystery" })
    assert.deepStrictEqual(BraintreeWebhook.eventStatus("transaction_disbursed", "mystery"), { status: "Unknown", rawStatus: "mystery" })
  })

  it("through a delivery: status and raw status of each refund kind", () => {
    const pairs = (kind: string, status: string) => {
      const refund = refundOf(kind, withStatus(status))
      return [refund.status, refund.rawStatus]
    }
    assert.deepStrictEqual(pairs("transaction_settled", "settled"), ["Succeeded", "settled"])
    assert.deepStrictEqual(pairs("transaction_settled", "mystery"), ["Succeeded", "mystery"])
    assert.deepStrictEqual(pairs("transaction_settlement_declined", "mystery"), ["Failed", "mystery"])
    assert.deepStrictEqual(pairs("transaction_settlement_declined", "settlement_declined"), ["Failed", "settlement_declined"])
    assert.deepStrictEqual(pairs("refund_failed", "processor_declined"), ["Failed", "processor_declined"])
    assert.deepStrictEqual(pairs("refund_failed", "voided"), ["Cancelled", "voided"])
  })
})

describe("which notifications carry a refund", () => {
  it("refund_failed whatever the subject's type; the transaction kinds only for a credit", () => {
    const sale = subject.replace("<type>credit</type>", "<type>sale</type>")
    const untyped = subject.replace("<type>credit</type>", "")
    assert.strictEqual(refundOf("refund_failed", sale).connectorRefundId, refundId)
    assert.strictEqual(refundOf("refund_failed", untyped).connectorRefundId, refundId)
    assert.strictEqual(refundOf("transaction_settlement_declined", subject).connectorRefundId, refundId)
    assert.isUndefined(eventOf(notification("transaction_settlement_declined", sale)).refund)
    assert.isUndefined(eventOf(notification("transaction_settled", untyped)).refund)
    assert.isUndefined(eventOf(notification("transaction_disbursed", subject)).refund)
  })

  it("a refund kind without a transaction is malformed; another kind without one is a plain event", () => {
    for (const kind of ["refund_failed", "transaction_settled", "transaction_settlement_declined"]) {
      assert.strictEqual(malformedMessage(delivery(notification(kind, "<check>true</check>"))), `${kind}: the subject has no transaction`)
    }
    const xml = notification("check", "<check type=\"boolean\">true</check>")
    const event = eventOf(xml)
    assert.strictEqual(event.eventType, "check")
    assert.strictEqual(event.eventId, `check:${digestOf(xml)}`)
    assert.strictEqual(event.occurredAt, Date.UTC(2026, 11, 2, 2, 0, 5))
    assert.strictEqual(event.connector, "braintree")
    assert.isUndefined(event.refund)
  })

  it("an event without a refund still has its kind, id and time", () => {
    const xml = notification("transaction_settled", subject.replace("<type>credit</type>", "<type>sale</type>"))
    const event = eventOf(xml)
    assert.strictEqual(event.eventId, `transaction_settled:${digestOf(xml)}`)
    assert.strictEqual(event.occurredAt, Date.UTC(2026, 11, 2, 2, 0, 5))
  })
})

describe("the refund of an event", () => {
  it("id, sale, amount, creation time, signed time, settlement, raw object; no failure when it succeeded", () => {
    const xml = notification("transaction_settled")
    const event = eventOf(xml)
    assert.strictEqual(event.connector, "braintree")
    assert.strictEqual(event.eventId, `transaction_settled:${refundId}:${digestOf(xml)}`)
    const refund = event.refund!
    assert.strictEqual(refund.connectorRefundId, refundId)
    assert.strictEqual(refund.connectorTransactionId, saleId)
    assert.deepStrictEqual([refund.status, refund.rawStatus], ["Succeeded", "settled"])
    assert.strictEqual(refund.occurredAt, Date.UTC(2026, 11, 2, 2, 0, 5))
    assert.strictEqual(refund.createdAt, Date.UTC(2026, 11, 1, 10, 0, 0))
    assert.isUndefined(refund.failure)
    assert.isUndefined(refund.merchantRefundId)
    assert.deepStrictEqual({ ...refund.settlement }, {
      traceReference: "74523456789012345678901",
      traceReferenceType: "arn",
      settledAt: Date.UTC(2026, 11, 2, 2, 0, 0),
      batchId: "2026-12-02_acme_usd"
    })
    const raw = refund.raw as Record<string, unknown>
    assert.strictEqual(raw["id"], refundId)
    assert.strictEqual(raw["refunded-transaction-id"], saleId)
    assert.strictEqual(raw["acquirer-reference-number"], "74523456789012345678901")
  })

  it("a notification without a timestamp, a subject without creation time: neither is invented", () => {
    const event = eventOf(`<notification><kind>transaction_settled</kind><subject>${subject.replace(/<created-at[^]*?<\/created-at>/, "")}</subject></notification>`)
    assert.isUndefined(event.occurredAt)
    assert.isUndefined(event.refund!.occurredAt)
    assert.isUndefined(event.refund!.createdAt)
  })

  it("failure details: the processor's code and text of a failed refund", () => {
    const both = refundOf("refund_failed", withResponse("processor_declined", "2046", "Declined"))
    assert.deepStrictEqual({ ...both.failure }, { code: "2046", message: "Declined" })
    const textOnly = refundOf("refund_failed", withResponse("processor_declined", undefined, "Declined"))
    assert.deepStrictEqual([textOnly.failure?.code, textOnly.failure?.message], [undefined, "Declined"])
    const codeOnly = refundOf("refund_failed", withResponse("processor_declined", "2046"))
    assert.deepStrictEqual([codeOnly.failure?.code, codeOnly.failure?.message], ["2046", undefined])
    assert.isUndefined(refundOf("refund_failed", withResponse("processor_declined")).failure)
    assert.isUndefined(refundOf("transaction_settled", withResponse("settled", "1000", "Approved")).failure)
    assert.isUndefined(refundOf("transaction_settled", withResponse("settling", "1000", "Approved")).failure)
  })

  it("settlement: each piece of evidence alone; none at all is no settlement", () => {
    const bare = subject.replace(arn, "").replace(batch, "").replace(settledEvent, "")
    assert.isUndefined(refundOf("transaction_settled", bare).settlement)
    assert.deepStrictEqual({ ...refundOf("transaction_settled", bare.replace("<status-history", `${arn}<status-history`)).settlement }, {
      traceReference: "74523456789012345678901",
      traceReferenceType: "arn"
    })
    assert.deepStrictEqual({ ...refundOf("transaction_settled", bare.replace("<status-history", `${batch}<status-history`)).settlement }, {
      batchId: "2026-12-02_acme_usd"
    })
    const settledOnly = subject.replace(arn, "").replace(batch, "")
    assert.deepStrictEqual({ ...refundOf("transaction_settled", settledOnly).settlement }, { settledAt: Date.UTC(2026, 11, 2, 2, 0, 0) })
    const settledWithoutTime = settledOnly.replace("<timestamp type=\"datetime\">2026-12-02T02:00:00Z</timestamp>", "")
    assert.isUndefined(refundOf("transaction_settled", settledWithoutTime).settlement)
  })

  it("the ARN is trimmed; an empty one, or one with elements inside, is no ARN", () => {
    const padded = subject.replace(arn, "<acquirer-reference-number>\n  74523456789012345678901 \n</acquirer-reference-number>")
    assert.strictEqual(refundOf("transaction_settled", padded).settlement?.traceReference, "74523456789012345678901")
    for (const odd of ["<acquirer-reference-number>  </acquirer-reference-number>", "<acquirer-reference-number>745<x>1</x></acquirer-reference-number>"]) {
      const settlement = refundOf("transaction_settled", subject.replace(arn, odd)).settlement
      assert.isUndefined(settlement?.traceReference)
      assert.isUndefined(settlement?.traceReferenceType)
      assert.strictEqual(settlement?.batchId, "2026-12-02_acme_usd")
    }
  })

  it("a refunded transaction id that is not a Braintree id, or none, is left out; no currency, no amount", () => {
    assert.isUndefined(refundOf("transaction_settled", subject.replace(`>${saleId}<`, ">../x<")).connectorTransactionId)
    assert.isUndefined(refundOf("transaction_settled", subject.replace(/<refunded-transaction-id>.*?<\/refunded-transaction-id>/, "")).connectorTransactionId)
    const noCurrency = refundOf("transaction_settled", subject.replace("<currency-iso-code>USD</currency-iso-code>", ""))
    assert.isUndefined(noCurrency.amount)
    assert.strictEqual(noCurrency.connectorRefundId, refundId)
    const noAmount = refundOf("transaction_settled", subject.replace("<amount>10.50</amount>", ""))
    assert.isUndefined(noAmount.amount)
  })
})

describe("toSnapshot (shared with the gateway reads)", () => {
  const transaction = ok(BraintreeSchema.decodeTransaction(fixtureText("refund-settled.xml")))

  it("without a status given, the transaction's own; the merchant refund id passes; no element, no raw object", () => {
    const snapshot = ok(BraintreeWebhook.toSnapshot({ ...transaction, status: "settlement_declined" }, { merchantRefundId: "order-42-r1" }))
    assert.deepStrictEqual([snapshot.status, snapshot.rawStatus], ["Failed", "settlement_declined"])
    assert.strictEqual(snapshot.merchantRefundId, "order-42-r1")
    assert.isUndefined(snapshot.raw)
    assert.isUndefined(snapshot.occurredAt)
    assert.strictEqual(snapshot.settlement?.batchId, "2026-12-02_acme_usd")
    assert.isUndefined(snapshot.settlement?.traceReference)
  })

  it("a transaction the snapshot refuses is a one-line failure naming the refund, never a throw", () => {
    const problem = failure(BraintreeWebhook.toSnapshot({ ...transaction, id: "not an id" }))
    // One line: the refund, then the snapshot's complaint in words separated by single spaces.
    assert.match(problem, /^refund not an id: \S+(?: \S+)+$/)
  })
})

describe("parse: what a malformed delivery says", () => {
  it("each problem is a MalformedPayload saying what is wrong", () => {
    assert.strictEqual(malformedMessage(form({ bt_signature: "x" })), "no valid bt_payload field")
    assert.strictEqual(malformedMessage(form({ bt_payload: "!!" })), "no valid bt_payload field")
    assert.strictEqual(malformedMessage(WebhookEvent.makeRawRequest({ headers: {}, body: new Uint8Array([0xff]) })), "no valid bt_payload field")
    assert.strictEqual(malformedMessage(form({ bt_payload: "abc" })), "bt_payload is not base64 of UTF-8 text")
    assert.strictEqual(malformedMessage(form({ bt_payload: "/w==\n" })), "bt_payload is not base64 of UTF-8 text")
    assert.strictEqual(malformedMessage(delivery("<other/>")), "not a Braintree notification: expected <notification>, got <other>")
    assert.isTrue(malformedMessage(delivery("not xml")).startsWith("not a Braintree notification: not XML: "))
    assert.strictEqual(
      malformedMessage(delivery(notification("transaction_settled", subject.replace("<id>k4t9p2qz</id>", "<id>../x</id>")))),
      "transaction_settled: the transaction has no valid id"
    )
    assert.strictEqual(
      malformedMessage(delivery(notification("refund_failed", subject.replace("<amount>10.50</amount>", "<amount>10.505</amount>")))),
      `refund_failed: refund ${refundId}: "10.505" has more than 2 decimal places`
    )
    assert.strictEqual(
      malformedMessage(delivery(notification("transaction_settled", subject.replace("<currency-iso-code>USD</currency-iso-code>", "<currency-iso-code>XYZ</currency-iso-code>")))),
      `transaction_settled: refund ${refundId}: unknown ISO 4217 currency "XYZ"`
    )
    const error = failure(BraintreeWebhook.parseEvents(form({ bt_payload: "abc" })))
    assert.strictEqual(error.message, "braintree webhook: MalformedPayload: bt_payload is not base64 of UTF-8 text")
  })

  it("base64 is decoded strictly: padding only at the end, newlines anywhere", () => {
    assert.strictEqual(BraintreeWebhook.decodeBase64("YQ=="), "a")
    assert.strictEqual(BraintreeWebhook.decodeBase64("YWI="), "ab")
    assert.strictEqual(BraintreeWebhook.decodeBase64("YWJj"), "abc")
    assert.strictEqual(BraintreeWebhook.decodeBase64("YW\nJj\nZA\n==\n"), "abcd")
    assert.strictEqual(BraintreeWebhook.decodeBase64("w7w/Pj8+"), "\u00fc?>?>")
    for (const bad of ["abc", "YQ=", "Y===", "YQ==YQ==", "YWJ=j", "=YWJ", "YQ", "/w==", "YWJj\n!"]) {
      assert.isUndefined(BraintreeWebhook.decodeBase64(bad), JSON.stringify(bad))
    }
  })
})
