/**
 * The connector's verifier against what Adyen's official Node library (@adyen/api-library 32.1.0) signs:
 * notification items signed with `HmacValidator.calculateHmac` must verify here, one per delivery or batched,
 * and anything the library would reject must be rejected here too.
 */
import { hmacValidator, Types } from "@adyen/api-library"
import { assert, describe, it } from "@effect/vitest"
import { WebhookEvent } from "@refract/core"
import { AdyenWebhook } from "@refract/adyen"
import { Redacted, Result } from "effect"

type Item = Types.notification.NotificationRequestItem

const HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
const OTHER_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
const validator = new hmacValidator()

const item = (over: Partial<Item> = {}): Item => ({
  amount: { currency: "EUR", value: 1500 },
  eventCode: Types.notification.NotificationRequestItem.EventCodeEnum.Refund,
  eventDate: "2026-11-22T10:00:00+01:00",
  merchantAccountCode: "TestMerchantECOM",
  merchantReference: "order-42-r1",
  originalReference: "993617894903480A",
  paymentMethod: "visa",
  pspReference: "993617894906488A",
  reason: "",
  success: Types.notification.NotificationRequestItem.SuccessEnum.True,
  ...over
})

/** An item without `originalReference` (signed as an empty field). */
const withoutOriginalReference = (full: Item): Item => {
  const { originalReference: _absent, ...rest } = full
  return rest as Item
}

/** The item with `additionalData.hmacSignature` from the library's own signer. */
const signedByLibrary = (unsigned: Item, key = HMAC_KEY): Item => ({
  ...unsigned,
  additionalData: { ...unsigned.additionalData, hmacSignature: validator.calculateHmac(unsigned, key) }
})

const delivery = (...items: ReadonlyArray<Item>) =>
  WebhookEvent.makeRawRequest({
    method: "POST",
    url: "https://shop.example/webhooks/adyen",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ live: "false", notificationItems: items.map((NotificationRequestItem) => ({ NotificationRequestItem })) })
  })

const verdict = (request: WebhookEvent.RawWebhookRequest): string => {
  const result = AdyenWebhook.verifyDelivery(request, Redacted.make(HMAC_KEY))
  return Result.isSuccess(result) ? "Verified" : result.failure._tag
}

describe("AdyenWebhook against @adyen/api-library's HmacValidator", () => {
  it("verifies items the library signs, for every refund event code, alone and batched", () => {
    const items = [
      item(),
      item({ success: Types.notification.NotificationRequestItem.SuccessEnum.False, reason: "Insufficient balance on payment" }),
      item({ eventCode: Types.notification.NotificationRequestItem.EventCodeEnum.RefundFailed, reason: "Refund Failed" }),
      item({ eventCode: Types.notification.NotificationRequestItem.EventCodeEnum.RefundedReversed }),
      // Separators and escapes in signed fields are not escaped (processors.md §3): the library and we agree.
      withoutOriginalReference(item({ merchantReference: String.raw`a:b\c/d` }))
    ].map((i) => signedByLibrary(i))
    for (const signed of items) {
      assert.isTrue(validator.validateHMAC(signed, HMAC_KEY))
      assert.strictEqual(verdict(delivery(signed)), "Verified", `${signed.eventCode} ${signed.merchantReference}`)
    }
    assert.strictEqual(verdict(delivery(...items)), "Verified")
  })

  it("rejects what the library rejects: another key, a changed signed field, one bad item in a batch", () => {
    const foreign = signedByLibrary(item(), OTHER_KEY)
    assert.isFalse(validator.validateHMAC(foreign, HMAC_KEY))
    assert.strictEqual(verdict(delivery(foreign)), "InvalidSignature")
    const good = signedByLibrary(item())
    const changed = { ...good, amount: { currency: "EUR", value: 1501 } }
    assert.isFalse(validator.validateHMAC(changed, HMAC_KEY))
    assert.strictEqual(verdict(delivery(changed)), "InvalidSignature")
    assert.strictEqual(verdict(delivery(good, changed)), "InvalidSignature")
    // An unsigned field may change without breaking the signature, for the library and for us.
    const unsignedChange = { ...good, reason: "edited", eventDate: "2030-01-01T00:00:00+00:00" }
    assert.isTrue(validator.validateHMAC(unsignedChange, HMAC_KEY))
    assert.strictEqual(verdict(delivery(unsignedChange)), "Verified")
  })

  it("reads a library-signed REFUND_FAILED as a reversal of a refund that had succeeded", () => {
    const failed = signedByLibrary(item({ eventCode: Types.notification.NotificationRequestItem.EventCodeEnum.RefundFailed }))
    const parsed = AdyenWebhook.parse(delivery(failed))
    assert.isTrue(Result.isSuccess(parsed))
    if (Result.isSuccess(parsed)) assert.strictEqual(parsed.success[0]!.refund?.status, "Reversed")
  })
})
