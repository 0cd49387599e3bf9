import { createHash, createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { AdyenWebhook } from "@refract/adyen"
import { Redacted, Result } from "effect"

const KEY = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"

const hmac = (data: string | Uint8Array) => createHmac("sha256", Buffer.from(KEY, "hex")).update(data).digest("base64")

const raw = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  WebhookEvent.makeRawRequest({ method: "POST", url: "https://shop.example/webhooks/adyen", headers, body })

const item = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  amount: { currency: "EUR", value: 1_500 },
  eventCode: "REFUND",
  eventDate: "2026-11-22T10:00:00+01:00",
  merchantAccountCode: "TestMerchantECOM",
  merchantReference: "order-42-r1",
  originalReference: "993617894903480A",
  pspReference: "993617894906488A",
  success: "true",
  ...over
})

const signedItem = (over: Record<string, unknown> = {}) => {
  const it = item(over)
  return { ...it, additionalData: { ...(it["additionalData"] as object | undefined), hmacSignature: hmac(AdyenWebhook.signingString(it)) } }
}

const delivery = (...items: ReadonlyArray<unknown>): string =>
  JSON.stringify({ live: "false", notificationItems: items.map((NotificationRequestItem) => ({ NotificationRequestItem })) })

const verify = (body: string | Uint8Array, key = KEY, headers: Record<string, string> = {}) =>
  AdyenWebhook.verifyDelivery(raw(body, headers), Redacted.make(key))

const problem = (result: Result.Result<unknown, WebhookError.WebhookErrorReason>): string =>
  Result.isFailure(result) ? `${result.failure._tag}: ${result.failure.message}` : "verified"

const events = (body: string) => {
  const result = AdyenWebhook.parseDelivery(raw(body))
  if (Result.isFailure(result)) return assert.fail(result.failure.message)
  return result.success
}

const refundOf = (over: Record<string, unknown>) => events(delivery(item(over)))[0]!.refund

describe("the signed string", () => {
  it("JSON numbers and booleans are signed as their text; anything else as empty", () => {
    assert.strictEqual(
      AdyenWebhook.signingString({ pspReference: "P", amount: { value: 1000, currency: "EUR" }, eventCode: "REFUND", success: true }),
      "P::::1000:EUR:REFUND:true"
    )
    assert.strictEqual(AdyenWebhook.signingString({ pspReference: "P", success: false, amount: { value: 0 } }), "P::::0:::false")
    assert.strictEqual(AdyenWebhook.signingString({ pspReference: 5n as unknown as string }), "5:::::::")
    assert.strictEqual(
      AdyenWebhook.signingString({ pspReference: { x: 1 }, originalReference: null, amount: "1000", eventCode: ["REFUND"] }),
      ":::::::"
    )
    assert.strictEqual(AdyenWebhook.signingString({ amount: [1000, "EUR"] }), ":::::::")
  })

  it("a delivery whose success is a JSON boolean verifies and parses like the string", () => {
    const body = delivery(signedItem({ success: true }))
    assert.strictEqual(problem(verify(body)), "verified")
    assert.strictEqual(events(body)[0]!.refund?.status, "Succeeded")
    assert.strictEqual(events(body)[0]!.eventId, "993617894906488A:REFUND:true")
  })
})

describe("the HMAC key", () => {
  it("surrounding whitespace is ignored (a key pasted with a newline)", () => {
    assert.strictEqual(problem(verify(delivery(signedItem()), ` ${KEY}\n`)), "verified")
    assert.deepStrictEqual(AdyenWebhook.keyFromHex(`\t${KEY} `), AdyenWebhook.keyFromHex(KEY))
    assert.isUndefined(AdyenWebhook.keyFromHex(" "))
    assert.isUndefined(AdyenWebhook.keyFromHex("ABC"))
  })

  it("not-hex keys fail closed, saying what the key must be", () => {
    assert.match(problem(verify(delivery(signedItem()), "not hex")), /^NotConfigured: .*even number of hex digits/)
  })
})

describe("verifying batches", () => {
  it("reports the first item of the most basic problem: malformed, then unsigned, then mismatched", () => {
    const good = signedItem()
    const unsigned = item()
    const bad = { ...signedItem(), success: "false" }
    assert.strictEqual(problem(verify(delivery(good, bad, bad))), "InvalidSignature: notification item 2 of 3 has an hmacSignature that does not match; the whole delivery is rejected")
    assert.match(problem(verify(delivery(bad, unsigned, unsigned))), /^MissingSignature: notification item 2 of 3 has no additionalData\.hmacSignature/)
    const body = JSON.stringify({ notificationItems: [{ NotificationRequestItem: bad }, { NotificationRequestItem: unsigned }, "x", 5] })
    assert.match(problem(verify(body)), /^MalformedPayload: notification item 3 of 4 is not a \{"NotificationRequestItem": \{\.\.\.\}\} object/)
    assert.match(problem(verify(JSON.stringify({ notificationItems: [{ item: good }] }))), /^MalformedPayload: notification item 1 of 1/)
    assert.match(problem(verify(JSON.stringify({ notificationItems: [{ NotificationRequestItem: [good] }] }))), /^MalformedPayload/)
  })

  it("an empty or non-string hmacSignature is a missing one; additionalData must be an object", () => {
    for (const additionalData of [{ hmacSignature: "" }, { hmacSignature: 5 }, "hmacSignature", null, []]) {
      assert.match(problem(verify(delivery({ ...item(), additionalData }))), /^MissingSignature/, JSON.stringify(additionalData))
    }
  })

  it("a body that is not an object, or without items, says so", () => {
    assert.strictEqual(problem(verify("[]")), "MalformedPayload: the body is not a JSON object")
    assert.strictEqual(problem(verify("null")), "MalformedPayload: the body is not a JSON object")
    assert.strictEqual(problem(verify("{\"notificationItems\":[]}")), "MalformedPayload: notificationItems must be a non-empty array")
    assert.match(problem(verify("{\"live\":\"false\"}")), /^MissingSignature: no HmacSignature header and no notificationItems/)
  })

  it("the HmacSignature header is checked over the raw bytes instead of the items, and a mismatch says so", () => {
    const body = delivery(item())
    assert.strictEqual(problem(verify(body, KEY, { HmacSignature: hmac(body) })), "verified")
    assert.strictEqual(problem(verify(body, KEY, { HmacSignature: hmac(`${body} `) })), "InvalidSignature: the HmacSignature header does not match the body")
    assert.strictEqual(problem(verify(body, KEY, { HmacSignature: "" })), "InvalidSignature: the HmacSignature header does not match the body")
  })
})

describe("what a notification says about a refund", () => {
  it("REFUND_WITH_DATA is a refund like REFUND", () => {
    assert.strictEqual(refundOf({ eventCode: "REFUND_WITH_DATA" })?.status, "Succeeded")
    assert.strictEqual(refundOf({ eventCode: "REFUND_WITH_DATA", success: "false", reason: "Refused" })?.failure?.message, "Refused")
  })

  it("CANCEL_OR_REFUND that refunded: false is Failed with the reason", () => {
    const refund = refundOf({ eventCode: "CANCEL_OR_REFUND", success: "false", reason: "Not allowed", additionalData: { "modification.action": "refund" } })
    assert.strictEqual(refund?.status, "Failed")
    assert.strictEqual(refund?.failure?.message, "Not allowed")
    assert.isUndefined(refund?.failure?.code)
    assert.isUndefined(refundOf({ eventCode: "CANCEL_OR_REFUND" }), "no modification.action: not known to be a refund")
  })

  it("REFUND false without a reason is Failed without details; true has no failure", () => {
    const failed = refundOf({ success: "false" })
    assert.strictEqual(failed?.status, "Failed")
    assert.isUndefined(failed?.failure)
    assert.isUndefined(refundOf({ success: "false", reason: "" })?.failure)
  })

  it("REFUND_FAILED and REFUNDED_REVERSED without a reason carry a default message; success=false is Unknown", () => {
    const failed = refundOf({ eventCode: "REFUND_FAILED" })
    assert.strictEqual(failed?.status, "Reversed")
    assert.deepStrictEqual({ ...failed?.failure }, { code: "REFUND_FAILED", message: "the refund failed after it was processed" })
    const reversed = refundOf({ eventCode: "REFUNDED_REVERSED", reason: "Returned by the bank" })
    assert.deepStrictEqual({ ...reversed?.failure }, { code: "REFUNDED_REVERSED", message: "Returned by the bank" })
    assert.strictEqual(refundOf({ eventCode: "REFUNDED_REVERSED" })?.failure?.message, "the refunded amount was returned to the merchant")
    for (const eventCode of ["REFUND_FAILED", "REFUNDED_REVERSED", "POSTPONED_REFUND"]) {
      const refund = refundOf({ eventCode, success: "false" })
      assert.strictEqual(refund?.status, "Unknown", eventCode)
      assert.isUndefined(refund?.failure, eventCode)
      assert.strictEqual(refund?.rawStatus, `${eventCode}:false`)
    }
    assert.strictEqual(refundOf({ eventCode: "POSTPONED_REFUND" })?.status, "Pending")
  })

  it("a missing or null success is Unknown with an empty raw flag", () => {
    for (const success of [undefined, null]) {
      const refund = refundOf({ success })
      assert.strictEqual(refund?.status, "Unknown")
      assert.strictEqual(refund?.rawStatus, "REFUND:")
    }
  })

  it("an originalReference that is not a processor id, or an amount Refract cannot express, is left out", () => {
    const refund = refundOf({ originalReference: "../x", amount: { currency: "ZZZ", value: 10 } })
    assert.strictEqual(refund?.status, "Succeeded")
    assert.isUndefined(refund?.connectorTransactionId)
    assert.isUndefined(refund?.amount)
    assert.isUndefined(refundOf({ amount: { currency: "EUR" } })?.amount)
    assert.isUndefined(refundOf({ amount: { value: 10 } })?.amount)
    assert.isUndefined(refundOf({ amount: null })?.amount)
    assert.isUndefined(refundOf({ merchantReference: "" })?.merchantRefundId)
    assert.isUndefined(refundOf({ originalReference: "" })?.connectorTransactionId)
  })

  it("a refund item whose pspReference is empty or not a processor id is refused, naming the item", () => {
    for (const pspReference of ["", "../x", null]) {
      const result = AdyenWebhook.parseDelivery(raw(delivery(item({ pspReference: "GOOD" }), item({ pspReference }))))
      assert.isTrue(Result.isFailure(result))
      assert.strictEqual(Result.isFailure(result) ? result.failure.message : "", "notification item 2 of 2 (REFUND) has no usable pspReference")
    }
  })
})

describe("parsing deliveries", () => {
  it("a malformed item is named with its position", () => {
    const result = AdyenWebhook.parseDelivery(raw(delivery(item(), { eventCode: 5 })))
    assert.isTrue(Result.isFailure(result))
    assert.match(Result.isFailure(result) ? result.failure.message : "", /^notification item 2 of 2 is malformed: \S/)
    const notItem = AdyenWebhook.parseDelivery(raw(JSON.stringify({ notificationItems: [{ NotificationRequestItem: item() }, 7] })))
    assert.strictEqual(Result.isFailure(notItem) ? notItem.failure.message : "", "notification item 2 of 2 is not a {\"NotificationRequestItem\": {...}} object")
    const empty = AdyenWebhook.parseDelivery(raw(JSON.stringify({ notificationItems: [] })))
    assert.strictEqual(Result.isFailure(empty) ? empty.failure.message : "", "notificationItems must be a non-empty array")
    const notObject = AdyenWebhook.parseDelivery(raw("[1]"))
    assert.strictEqual(Result.isFailure(notObject) ? notObject.failure.message : "", "the body is not a JSON object")
  })

  it("a platform webhook is one event: its type, a time when given, an id from its exact bytes", () => {
    const body = JSON.stringify({ type: "balancePlatform.accountHolder.created", timestamp: "2026-11-22T10:00:00+01:00", data: {} })
    const [event, ...rest] = events(body)
    assert.lengthOf(rest, 0)
    assert.strictEqual(event!.eventType, "balancePlatform.accountHolder.created")
    assert.strictEqual(event!.occurredAt, Date.parse("2026-11-22T09:00:00Z"))
    assert.isUndefined(event!.refund)
    const digest = createHash("sha256").update(body, "utf8").digest("base64url").slice(0, 32)
    assert.strictEqual(event!.eventId, `balancePlatform.accountHolder.created:${digest}`)
    assert.strictEqual(events(body)[0]!.eventId, event!.eventId, "a redelivery has the same id")
    assert.notStrictEqual(events(`${body} `)[0]!.eventId, event!.eventId)
    assert.isUndefined(events(JSON.stringify({ type: "x", timestamp: 1_700_000_000_000 }))[0]!.occurredAt)
    for (const bad of [{}, { type: "" }, { type: 5 }]) {
      const result = AdyenWebhook.parseDelivery(raw(JSON.stringify(bad)))
      assert.strictEqual(Result.isFailure(result) ? result.failure.message : "", "neither notificationItems nor a webhook type")
    }
  })

  it("an item without pspReference has an id of its event code and a digest of the signed fields", () => {
    const report = item({ eventCode: "REPORT_AVAILABLE", pspReference: undefined, merchantReference: "report.csv" })
    const digest = createHash("sha256").update(AdyenWebhook.signingString(report), "utf8").digest("base64url").slice(0, 32)
    assert.strictEqual(events(delivery(report))[0]!.eventId, `REPORT_AVAILABLE:${digest}`)
  })
})

describe("the connector's webhook support", () => {
  it("describes both signing schemes", () => {
    const scheme = AdyenWebhook.support.scheme
    assert.include(scheme, "HMAC-SHA256 with the hex-decoded HMAC key, base64")
    assert.include(scheme, "pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success")
    assert.include(scheme, "every item must verify")
    assert.include(scheme, "HmacSignature header")
  })
})
