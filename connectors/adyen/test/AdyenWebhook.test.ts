import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, Money, Observe, Refund, WebhookEvent, Webhooks } from "@refract/core"
import type { WebhookError } from "@refract/core"
import { AdyenWebhook, connector } from "@refract/adyen"
import { Effect, Redacted, Result } from "effect"
import { scripted } from "@refract/testkit/connector/ConnectorTest"
import { apiKey, fixtureBytes, fixtureJson, fixtureText, merchantAccount } from "./helpers.ts"

// Keys of processors.md §11.
const K_NODE = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
const K_RUBY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
const K_RUBY_FILES = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"
const K_PLATFORM = "11223344D785FBAE710E7F943F307971BB61B21281C98C9129B3D4018A57B2EB"
const K_NEG = "DFB1EB5485295588A7DED4CF1BB4CA24C2B41BFC33C5EA6CA05B2A87F98F1F55"

const keyBytes = (hex: string): Uint8Array => {
  const key = AdyenWebhook.keyFromHex(hex)
  if (key === undefined) throw new Error("bad test key")
  return key
}

/** An implementation independent of the connector: Node's HMAC, key hex-decoded, base64 out. */
const independentSign = (hex: string, data: string | Uint8Array): string =>
  createHmac("sha256", Buffer.from(hex, "hex")).update(data).digest("base64")

const raw = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  WebhookEvent.makeRawRequest({ method: "POST", url: "https://shop.example/webhooks/adyen", headers, body })

const verify = (hex: string, request: WebhookEvent.RawWebhookRequest) => AdyenWebhook.verifyDelivery(request, Redacted.make(hex))

const failureTag = (result: Result.Result<void, WebhookError.WebhookErrorReason>): string | undefined =>
  Result.isFailure(result) ? result.failure._tag : undefined

const parsed = (request: WebhookEvent.RawWebhookRequest): ReadonlyArray<WebhookEvent.WebhookEvent> => {
  const result = AdyenWebhook.parse(request)
  if (Result.isFailure(result)) throw new Error(`parse failed: ${result.failure.message}`)
  return result.success
}

type Item = Record<string, unknown> & { readonly amount?: { readonly value?: unknown; readonly currency?: unknown } }

const text = (v: unknown): string => (v === undefined || v === null ? "" : String(v))
/** The signed fields, written out here independently of `AdyenWebhook.signingString`. */
const dataOf = (item: Item): string =>
  `${text(item["pspReference"])}:${text(item["originalReference"])}:${text(item["merchantAccountCode"])}:` +
  `${text(item["merchantReference"])}:${text(item.amount?.value)}:${text(item.amount?.currency)}:` +
  `${text(item["eventCode"])}:${text(item["success"])}`

const signed = (hex: string, item: Item): Item => ({
  ...item,
  additionalData: { ...(item["additionalData"] as object | undefined), hmacSignature: independentSign(hex, dataOf(item)) }
})

const notification = (...items: ReadonlyArray<unknown>): string =>
  JSON.stringify({ live: "false", notificationItems: items.map((NotificationRequestItem) => ({ NotificationRequestItem })) })

const refundItem = (over: Record<string, unknown> = {}): Item => ({
  amount: { currency: "EUR", value: 1_500 },
  eventCode: "REFUND",
  eventDate: "2026-11-22T10:00:00+01:00",
  merchantAccountCode: "TestMerchantECOM",
  merchantReference: "order-42-r1",
  originalReference: "993617894903480A",
  paymentMethod: "visa",
  pspReference: "993617894906488A",
  reason: "",
  success: "true",
  ...over
})

const KEY = K_NODE

describe("published vectors (processors.md §11)", () => {
  const strings: ReadonlyArray<readonly [string, string, string, string]> = [
    ["A1", K_NODE, "pspReference:originalReference:merchantAccount:reference:1000:EUR:REPORT_AVAILABLE:true", "ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE="],
    ["A2", K_NODE, "pspReference:originalReference:merchantAccount:reference:1000:EUR:EVENT:true", "ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc="],
    [
      "A3",
      K_NODE,
      String.raw`countryCode:currencyCode:merchantAccount:merchantReference:paymentAmount:sessionValidity:skinCode:NL:EUR:MagentoMerchantTest2:TEST-PAYMENT-2017-02-01-14\:02\:05:199:2017-02-02T14\:02\:05+01\:00:PKz2KML1`,
      "34oR8T1whkQWTv9P+SzKyp8zhusf9n0dpqrm9nsqSJs="
    ],
    ["A4", K_NODE, "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true", "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I="],
    ["A5", K_RUBY, "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true", "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="]
  ]
  for (const [name, hex, data, expected] of strings) {
    it(`${name}: signs the data to the published value`, () => {
      assert.strictEqual(AdyenWebhook.sign(keyBytes(hex), data), expected)
      assert.isTrue(AdyenWebhook.isValidSignature(keyBytes(hex), data, expected))
    })
  }

  const items: ReadonlyArray<readonly [string, string, Item, string]> = [
    ["A1", K_NODE, {
      pspReference: "pspReference",
      originalReference: "originalReference",
      merchantAccountCode: "merchantAccount",
      merchantReference: "reference",
      amount: { value: 1000, currency: "EUR" },
      eventCode: "REPORT_AVAILABLE",
      success: "true"
    }, "ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE="],
    ["A2", K_NODE, {
      pspReference: "pspReference",
      originalReference: "originalReference",
      merchantAccountCode: "merchantAccount",
      merchantReference: "reference",
      amount: { value: 1000, currency: "EUR" },
      eventCode: "EVENT",
      success: "true"
    }, "ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc="],
    ...[["A4", K_NODE, "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I="], ["A5", K_RUBY, "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="]].map(
      ([name, hex, sig]) =>
        [name!, hex!, {
          // adyen-php HmacSignatureTest: originalReference absent, so it signs as "".
          pspReference: "7914073381342284",
          merchantAccountCode: "TestMerchant",
          merchantReference: "TestPayment-1407325143704",
          amount: { value: 1130, currency: "EUR" },
          eventCode: "AUTHORISATION",
          success: "true"
        }, sig!] as const
    )
  ]
  for (const [name, hex, item, expected] of items) {
    it(`${name}: a notification carrying the vector's item verifies`, () => {
      const withSig = { ...item, additionalData: { hmacSignature: expected } }
      assert.strictEqual(AdyenWebhook.signingString(withSig), dataOf(item))
      assert.isTrue(Result.isSuccess(verify(hex, raw(notification(withSig)))))
      assert.strictEqual(failureTag(verify(K_NEG, raw(notification(withSig)))), "InvalidSignature")
    })
  }

  const rubyFiles: ReadonlyArray<readonly [string, string, string]> = [
    ["A6", "ruby_backslash_webhook.json", String.raw`T7FD4VM4D3RZNN82::AntoniStroinski:\\slashes are fun:1000:EUR:AUTHORISATION:true`],
    ["A7", "ruby_colon_webhook.json", "M8NB66SBZSGLNK82::AntoniStroinski::slashes are fun:1000:EUR:AUTHORISATION:true"],
    ["A8", "ruby_forwardslash_webhook.json", "X3GWNS6KJ8NKGK82::AntoniStroinski://slashes are fun:1000:EUR:AUTHORISATION:true"],
    ["A9", "ruby_mixed_webhook.json", String.raw`ZVWN7D3WSMK2WN82::AntoniStroinski:\:/\/slashes are fun:1000:EUR:AUTHORISATION:true`]
  ]
  for (const [name, file, data] of rubyFiles) {
    it(`${name}: ${file} signs without escaping ':' or '\\'`, () => {
      const bytes = fixtureBytes(file)
      const item = JSON.parse(bytes.toString("utf8")) as Item & { additionalData: { hmacSignature: string } }
      assert.strictEqual(AdyenWebhook.signingString(item), data)
      assert.strictEqual(AdyenWebhook.sign(keyBytes(K_RUBY_FILES), data), item.additionalData.hmacSignature)
      // The file's exact bytes, wrapped in a delivery envelope.
      const body = Buffer.concat([
        Buffer.from("{\"live\":\"false\",\"notificationItems\":[{\"NotificationRequestItem\":"),
        bytes,
        Buffer.from("}]}")
      ])
      assert.isTrue(Result.isSuccess(verify(K_RUBY_FILES, raw(body))))
      assert.strictEqual(failureTag(verify(K_RUBY, raw(body))), "InvalidSignature")
      const [event] = parsed(raw(body))
      assert.strictEqual(event!.eventType, "AUTHORISATION")
      assert.isUndefined(event!.refund, "an AUTHORISATION is not about a refund")
      assert.strictEqual(event!.eventId, `${item["pspReference"] as string}:AUTHORISATION:true`)
    })
  }

  it("A10: the HmacSignature header over the raw bytes of ruby_mixed_webhook.json", () => {
    const bytes = fixtureBytes("ruby_mixed_webhook.json")
    assert.strictEqual(bytes.length, 1328)
    const expected = "93Av9t6OVkYCrVHU/xgiTkWGbulJz+Vcm2qO4TYQH2Q="
    assert.strictEqual(AdyenWebhook.sign(keyBytes(K_RUBY), bytes), expected)
    assert.isTrue(Result.isSuccess(verify(K_RUBY, raw(bytes, { HmacSignature: expected }))))
    const tampered = Buffer.from(bytes)
    tampered[tampered.indexOf("1000")] = "2".charCodeAt(0)
    assert.strictEqual(failureTag(verify(K_RUBY, raw(tampered, { HmacSignature: expected }))), "InvalidSignature")
    assert.strictEqual(failureTag(verify(K_RUBY_FILES, raw(bytes, { HmacSignature: expected }))), "InvalidSignature")
  })

  it("A11: a platform webhook (accountHolderCreated.json) with the HmacSignature header", () => {
    const bytes = fixtureBytes("accountHolderCreated.json")
    assert.strictEqual(bytes.length, 1778)
    const expected = "UVBzHbDayhfT1XgaRGAkuKvxwoxrLoVCBdfi3WZU8lI="
    assert.isTrue(Result.isSuccess(verify(K_PLATFORM, raw(bytes, { hmacsignature: expected }))))
    assert.strictEqual(failureTag(verify(K_PLATFORM, raw(bytes, { hmacsignature: independentSign(K_RUBY, bytes) }))), "InvalidSignature")
    // Without the header nothing in this body is signed.
    assert.strictEqual(failureTag(verify(K_PLATFORM, raw(bytes))), "MissingSignature")
    const events = parsed(raw(bytes, { hmacsignature: expected }))
    assert.strictEqual(events.length, 1)
    assert.strictEqual(events[0]!.eventType, "balancePlatform.accountHolder.created")
    assert.isUndefined(events[0]!.refund)
    assert.strictEqual(events[0]!.occurredAt, Date.parse("2024-12-15T15:42:03+01:00"))
    assert.deepStrictEqual(parsed(raw(bytes)).map((e) => e.eventId), events.map((e) => e.eventId))
  })

  it("A-neg: 'A'×44 returns false and never throws", () => {
    const data = "pspReference:originalReference:merchantAccount:reference:1000:EUR:AUTHORISATION:true"
    const sig = "A".repeat(44)
    assert.isFalse(AdyenWebhook.isValidSignature(keyBytes(K_NEG), data, sig))
    const item = {
      pspReference: "pspReference",
      originalReference: "originalReference",
      merchantAccountCode: "merchantAccount",
      merchantReference: "reference",
      amount: { value: 1000, currency: "EUR" },
      eventCode: "AUTHORISATION",
      success: "true",
      additionalData: { hmacSignature: sig }
    }
    assert.strictEqual(failureTag(verify(K_NEG, raw(notification(item)))), "InvalidSignature")
  })

  it("malformed signatures are refused, never thrown", () => {
    const data = dataOf(refundItem())
    for (const sig of ["!!!!", "abc", "=", "A".repeat(43), "A".repeat(45), "AAAA====", "\u0000\u0001", "a".repeat(10_000)]) {
      assert.isFalse(AdyenWebhook.isValidSignature(keyBytes(KEY), data, sig), sig)
      const item = { ...refundItem(), additionalData: { hmacSignature: sig } }
      assert.strictEqual(failureTag(verify(KEY, raw(notification(item)))), "InvalidSignature", sig)
    }
  })
})

describe("refund notifications signed in the test", () => {
  it("REFUND success=true verifies and parses to Succeeded", () => {
    const request = raw(notification(signed(KEY, refundItem())))
    assert.isTrue(Result.isSuccess(verify(KEY, request)))
    const [event] = parsed(request)
    assert.strictEqual(event!.connector, "adyen")
    assert.strictEqual(event!.eventType, "REFUND")
    assert.strictEqual(event!.eventId, "993617894906488A:REFUND:true")
    assert.strictEqual(event!.occurredAt, Date.parse("2026-11-22T09:00:00Z"))
    const refund = event!.refund!
    assert.strictEqual(refund.connectorRefundId, "993617894906488A")
    assert.strictEqual(refund.connectorTransactionId, "993617894903480A")
    assert.strictEqual(refund.merchantRefundId, "order-42-r1")
    assert.isTrue(Money.equals(refund.amount!, Money.make(1_500, "EUR")))
    assert.strictEqual(refund.status, "Succeeded")
    assert.strictEqual(refund.rawStatus, "REFUND:true")
    assert.isUndefined(refund.failure)
    assert.strictEqual(refund.occurredAt, event!.occurredAt)
  })

  it("REFUND success=false parses to Failed with Adyen's reason", () => {
    const request = raw(notification(signed(KEY, refundItem({ success: "false", reason: "Insufficient balance on payment" }))))
    assert.isTrue(Result.isSuccess(verify(KEY, request)))
    const refund = parsed(request)[0]!.refund!
    assert.strictEqual(refund.status, "Failed")
    assert.strictEqual(refund.rawStatus, "REFUND:false")
    assert.strictEqual(refund.failure?.message, "Insufficient balance on payment")
  })

  it("REFUND_FAILED parses to Reversed, before or after the REFUND it follows arrives", () => {
    const request = raw(notification(signed(KEY, refundItem({ eventCode: "REFUND_FAILED", reason: "Refund Failed" }))))
    assert.isTrue(Result.isSuccess(verify(KEY, request)))
    const refund = parsed(request)[0]!.refund!
    assert.strictEqual(refund.status, "Reversed")
    assert.strictEqual(refund.failure?.code, "REFUND_FAILED")
    assert.strictEqual(refund.failure?.message, "Refund Failed")
    const success = parsed(raw(notification(signed(KEY, refundItem({ eventCode: "REFUND", success: "true" })))))[0]!.refund!
    const fold = (first: Refund.RefundSnapshot, second: Refund.RefundSnapshot) => {
      const a = Observe.observe({ connector: "adyen", previous: undefined, snapshot: first, source: "webhook", now: 1 })
      if (Result.isFailure(a)) throw new Error("first observation failed")
      const b = Observe.observe({ connector: "adyen", previous: a.success.refund, snapshot: second, source: "webhook", now: 2 })
      if (Result.isFailure(b)) throw new Error("second observation failed")
      return b.success.refund.status
    }
    assert.strictEqual(fold(success, refund), "Reversed")
    assert.strictEqual(fold(refund, success), "Reversed")
  })

  it("REFUNDED_REVERSED parses to Reversed", () => {
    const request = raw(notification(signed(KEY, refundItem({ eventCode: "REFUNDED_REVERSED" }))))
    assert.isTrue(Result.isSuccess(verify(KEY, request)))
    const refund = parsed(request)[0]!.refund!
    assert.strictEqual(refund.status, "Reversed")
    assert.strictEqual(refund.rawStatus, "REFUNDED_REVERSED:true")
  })

  it("CANCEL_OR_REFUND is a refund only when modification.action is refund", () => {
    const asRefund = raw(notification(signed(KEY, refundItem({ eventCode: "CANCEL_OR_REFUND", additionalData: { "modification.action": "refund" } }))))
    assert.isTrue(Result.isSuccess(verify(KEY, asRefund)))
    assert.strictEqual(parsed(asRefund)[0]!.refund?.status, "Succeeded")
    const asCancel = raw(notification(signed(KEY, refundItem({ eventCode: "CANCEL_OR_REFUND", additionalData: { "modification.action": "cancel" } }))))
    assert.isUndefined(parsed(asCancel)[0]!.refund)
  })

  it("other events parse without a refund; an unknown success value is Unknown, never a guess", () => {
    const authorisation = raw(notification(signed(KEY, refundItem({ eventCode: "AUTHORISATION", originalReference: undefined }))))
    assert.isTrue(Result.isSuccess(verify(KEY, authorisation)))
    const [event] = parsed(authorisation)
    assert.strictEqual(event!.eventType, "AUTHORISATION")
    assert.isUndefined(event!.refund)
    const odd = raw(notification(signed(KEY, refundItem({ success: "maybe" }))))
    assert.strictEqual(parsed(odd)[0]!.refund?.status, "Unknown")
    assert.strictEqual(parsed(odd)[0]!.refund?.rawStatus, "REFUND:maybe")
  })

  it("a tampered amount, eventCode, success or reference is InvalidSignature", () => {
    const item = signed(KEY, refundItem())
    const tampers: ReadonlyArray<Record<string, unknown>> = [
      { amount: { currency: "EUR", value: 1_501 } },
      { amount: { currency: "USD", value: 1_500 } },
      { eventCode: "REFUND_FAILED" },
      { success: "false" },
      { pspReference: "993617894906488B" },
      { originalReference: "993617894903480B" },
      { merchantReference: "order-42-r2" },
      { merchantAccountCode: "OtherMerchant" }
    ]
    for (const change of tampers) {
      assert.strictEqual(failureTag(verify(KEY, raw(notification({ ...item, ...change })))), "InvalidSignature", JSON.stringify(change))
    }
    // Fields outside the signature (reason, eventDate, paymentMethod) are not covered by Adyen's HMAC.
    assert.isTrue(Result.isSuccess(verify(KEY, raw(notification({ ...item, paymentMethod: "mc" })))))
  })

  it("another key is InvalidSignature", () => {
    assert.strictEqual(failureTag(verify(K_RUBY, raw(notification(signed(KEY, refundItem()))))), "InvalidSignature")
  })

  it("one bad item rejects the whole batch", () => {
    const good1 = signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA1" }))
    const good2 = signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA3" }))
    const bad = { ...signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA2" })), success: "false" }
    assert.isTrue(Result.isSuccess(verify(KEY, raw(notification(good1, good2)))))
    const tampered = verify(KEY, raw(notification(good1, bad, good2)))
    assert.strictEqual(failureTag(tampered), "InvalidSignature")
    assert.include(Result.isFailure(tampered) ? tampered.failure.message : "", "item 2 of 3")
    const unsigned = { ...refundItem({ pspReference: "AAAAAAAAAAAAAAA4" }) }
    const missing = verify(KEY, raw(notification(good1, good2, unsigned)))
    assert.strictEqual(failureTag(missing), "MissingSignature")
    assert.include(Result.isFailure(missing) ? missing.failure.message : "", "item 3 of 3")
    assert.strictEqual(failureTag(verify(KEY, raw(notification(good1, "not an item")))), "MalformedPayload")
  })

  it("a batch parses to one event per item, in order", () => {
    const items = [
      signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA1" })),
      signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA2", success: "false", reason: "Refund rejected" })),
      signed(KEY, refundItem({ pspReference: "AAAAAAAAAAAAAAA3", eventCode: "AUTHORISATION" }))
    ]
    const events = parsed(raw(notification(...items)))
    assert.deepStrictEqual(events.map((e) => e.refund?.status), ["Succeeded", "Failed", undefined])
    assert.deepStrictEqual(events.map((e) => e.eventId), [
      "AAAAAAAAAAAAAAA1:REFUND:true",
      "AAAAAAAAAAAAAAA2:REFUND:false",
      "AAAAAAAAAAAAAAA3:AUTHORISATION:true"
    ])
  })

  it("a redelivery has the same event id; a different outcome does not", () => {
    const first = parsed(raw(notification(signed(KEY, refundItem()))))[0]!.eventId
    const again = parsed(raw(notification(signed(KEY, refundItem({ eventDate: "2026-11-22T10:05:00+01:00" })))))[0]!.eventId
    const failed = parsed(raw(notification(signed(KEY, refundItem({ success: "false" })))))[0]!.eventId
    const reversed = parsed(raw(notification(signed(KEY, refundItem({ eventCode: "REFUNDED_REVERSED" })))))[0]!.eventId
    assert.strictEqual(first, again)
    assert.notStrictEqual(first, failed)
    assert.notStrictEqual(first, reversed)
  })

  it("an item without pspReference takes its id from signed fields only (eventDate is not signed)", () => {
    const report = refundItem({ eventCode: "REPORT_AVAILABLE", pspReference: "", originalReference: "", merchantReference: "report.csv" })
    const ids = ["2026-11-22T10:00:00+01:00", "2026-11-23T10:00:00+01:00", "2031-01-01T00:00:00Z"].map((eventDate) => {
      const request = raw(notification(signed(KEY, { ...report, eventDate })))
      assert.isTrue(Result.isSuccess(verify(KEY, request)))
      return parsed(request)[0]!.eventId
    })
    assert.deepStrictEqual(new Set(ids).size, 1, "a replay with another eventDate is the same event")
    const other = parsed(raw(notification(signed(KEY, { ...report, merchantReference: "other.csv" }))))[0]!.eventId
    assert.notStrictEqual(other, ids[0])
  })

  it("processor times are bounded: an impossible, pre-2000 or non-RFC 3339 eventDate is dropped", () => {
    for (const eventDate of ["0001-01-01T00:00:00+01:00", "2026-02-30T10:00:00+01:00", "1969-12-31T23:59:59Z", "+275760-09-13T00:00:00.000Z"]) {
      const [event] = parsed(raw(notification(signed(KEY, refundItem({ eventDate })))))
      assert.isUndefined(event!.occurredAt, eventDate)
      assert.isUndefined(event!.refund!.occurredAt, eventDate)
      assert.strictEqual(event!.refund!.status, "Succeeded")
    }
  })

  it("unreadable deliveries are MalformedPayload (or MissingSignature when nothing is signed)", () => {
    assert.strictEqual(failureTag(verify(KEY, raw("not json"))), "MalformedPayload")
    assert.strictEqual(failureTag(verify(KEY, raw("[]"))), "MalformedPayload")
    assert.strictEqual(failureTag(verify(KEY, raw(JSON.stringify({ live: "false", notificationItems: [] })))), "MalformedPayload")
    assert.strictEqual(failureTag(verify(KEY, raw(JSON.stringify({ live: "false", notificationItems: {} })))), "MalformedPayload")
    assert.strictEqual(failureTag(verify(KEY, raw(JSON.stringify({ live: "false" })))), "MissingSignature")
    assert.strictEqual(failureTag(verify(KEY, raw(new Uint8Array([0xff, 0xfe, 0x00])))), "MalformedPayload")
    for (const body of ["not json", "{}", JSON.stringify({ notificationItems: [{ NotificationRequestItem: { eventCode: 5 } }] })]) {
      const result = AdyenWebhook.parse(raw(body))
      assert.isTrue(Result.isFailure(result), body)
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure.connector, "adyen")
        assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
      }
    }
    const noPsp = AdyenWebhook.parse(raw(notification(refundItem({ pspReference: undefined }))))
    assert.isTrue(Result.isFailure(noPsp) && noPsp.failure.reason._tag === "MalformedPayload")
  })

  it("an HMAC key that is not hex fails closed as NotConfigured", () => {
    const request = raw(notification(signed(KEY, refundItem())))
    assert.strictEqual(failureTag(verify("xyz", request)), "NotConfigured")
    assert.strictEqual(failureTag(verify("", request)), "NotConfigured")
  })

  it("no message carries the key or the expected signature", () => {
    const item = signed(KEY, refundItem())
    const expected = (item["additionalData"] as { hmacSignature: string }).hmacSignature
    for (const request of [raw(notification({ ...item, success: "false" })), raw(notification(refundItem())), raw("{")]) {
      const result = verify(KEY, request)
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        assert.notInclude(result.failure.message, KEY)
        assert.notInclude(result.failure.message, expected)
      }
    }
  })
})

describe("parse-only fixtures (signatures match no published key)", () => {
  it("fixture_only_refundTrue.json parses to Succeeded", () => {
    const request = raw(fixtureBytes("fixture_only_refundTrue.json"))
    const [event] = parsed(request)
    assert.strictEqual(event!.eventType, "REFUND")
    assert.strictEqual(event!.eventId, "PSP_REFERENCE:REFUND:true")
    assert.strictEqual(event!.occurredAt, Date.parse("2017-02-17T11:11:44+01:00"))
    const refund = event!.refund!
    assert.strictEqual(refund.status, "Succeeded")
    assert.strictEqual(refund.connectorRefundId, "PSP_REFERENCE")
    assert.strictEqual(refund.connectorTransactionId, "ORIGINAL_PSP")
    assert.strictEqual(refund.merchantRefundId, "payment-2017-1-17-11-refund")
    assert.isTrue(Money.equals(refund.amount!, Money.make(1_500, "EUR")))
    assert.isUndefined(refund.failure)
  })

  it("fixture_only_refundFalse.json parses to Failed with its reason", () => {
    const [event] = parsed(raw(fixtureBytes("fixture_only_refundFalse.json")))
    const refund = event!.refund!
    assert.strictEqual(refund.status, "Failed")
    assert.strictEqual(refund.failure?.message, "Insufficient balance on payment")
    assert.strictEqual(event!.eventId, "PSP_REFERENCE:REFUND:false")
  })

  it("they do not verify with the published keys (fail closed)", () => {
    for (const file of ["fixture_only_refundTrue.json", "fixture_only_refundFalse.json"]) {
      for (const hex of [K_NODE, K_RUBY, K_RUBY_FILES, K_PLATFORM]) {
        assert.strictEqual(failureTag(verify(hex, raw(fixtureBytes(file)))), "InvalidSignature")
      }
    }
  })

  it("Adyen's spec examples map as documented", () => {
    const examples = fixtureJson<Record<string, unknown>>("spec-notifications.json")
    const statusOf = (name: string) => parsed(raw(JSON.stringify(examples[name])))[0]!.refund
    const refund = statusOf("post-REFUND-refund")
    assert.strictEqual(refund?.status, "Failed")
    assert.strictEqual(refund?.failure?.message, "Transaction hasn't been captured, refund not possible")
    assert.strictEqual(statusOf("post-REFUND_FAILED-refund_failed")?.status, "Reversed")
    assert.strictEqual(statusOf("post-REFUNDED_REVERSED-refunded_reversed")?.status, "Reversed")
    assert.isUndefined(statusOf("post-CANCEL_OR_REFUND-cancel_or_refund"), "modification.action is cancel")
    assert.strictEqual(statusOf("post-POSTPONED_REFUND-postponed_refund")?.status, "Pending")
    assert.isString(fixtureText("spec-notifications.json"))
  })
})

const bind = (webhookSecrets?: Record<string, string>) =>
  BoundConnector.bind(connector, { credentials: { apiKey, merchantAccount }, ...(webhookSecrets ? { webhookSecrets } : {}) })

describe("through the core webhook pipeline", () => {
  const http = scripted(() => ({ status: 500, body: "" }))

  it.effect("verifyAndParse accepts a signed delivery and refuses a tampered one", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ hmacKey: KEY })
      const item = signed(KEY, refundItem())
      const events = yield* Webhooks.verifyAndParse(bound, raw(notification(item)))
      assert.strictEqual(events[0]!.refund?.status, "Succeeded")
      const error = yield* Effect.flip(Webhooks.verifyAndParse(bound, raw(notification({ ...item, amount: { currency: "EUR", value: 1 } }))))
      assert.strictEqual(error._tag, "WebhookError")
      assert.strictEqual(error.connector, "adyen")
      assert.strictEqual(error.reason._tag, "InvalidSignature")
      assert.strictEqual(error.httpStatus, 401)
      assert.notInclude(error.message, KEY)
    }).pipe(Effect.provide(http.layer)))

  it.effect("without a configured key nothing is accepted", () =>
    Effect.gen(function*() {
      const bound = yield* bind()
      const error = yield* Effect.flip(Webhooks.verifyAndParse(bound, raw(notification(signed(KEY, refundItem())))))
      assert.strictEqual(error.reason._tag, "NotConfigured")
    }).pipe(Effect.provide(http.layer)))

  it.effect("AdyenWebhook.verify fails with a WebhookError for the adyen connector", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        AdyenWebhook.verify(raw(notification(refundItem())), { hmacKey: Redacted.make(KEY) }, { now: 0, fetchText: () => Effect.die("unused") })
      )
      assert.strictEqual(error.connector, "adyen")
      assert.strictEqual(error.reason._tag, "MissingSignature")
    }))

  it("acknowledges with 200 text/plain [accepted]", () => {
    assert.deepStrictEqual(AdyenWebhook.acknowledgement, { status: 200, contentType: "text/plain", body: "[accepted]" })
    assert.strictEqual(connector.webhooks?.acknowledgement.body, "[accepted]")
  })
})
