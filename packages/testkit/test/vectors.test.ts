/**
 * The emulators' signers against published webhook vectors (processors.md §11).
 * Fixture files are byte-exact copies: stripe/payload.json from stripe/stripe-node test/Webhook.spec.ts,
 * adyen/ruby_*_webhook.json from Adyen/adyen-ruby-api-library spec/mocks/responses/Webhooks.
 */
import { assert, describe, it } from "@effect/vitest"
import { AdyenEmulator, StripeEmulator, Webhooks } from "@refract/testkit"
import { readFileSync } from "node:fs"
import Stripe from "stripe"

const fixture = (path: string) => readFileSync(new URL(`./fixtures/webhooks/${path}`, import.meta.url), "utf8")

describe("Stripe signature vectors", () => {
  it("S1–S3: raw HMAC-SHA256 hex", () => {
    assert.strictEqual(
      Webhooks.hmacSha256Hex("test_secret", ""),
      "f7f9bd47fb987337b5796fdc1fdb9ba221d0d5396814bfcaf9521f43fd8927fd"
    )
    assert.strictEqual(
      Webhooks.hmacSha256Hex("test_secret", "{\"obj1\":\"hello\",\"obj2\":\"world\"}"),
      "bebb1a643997f419b315ddba19e6f5411e1ce7f810ba6d3617ce72823092f363"
    )
    assert.strictEqual(
      Webhooks.hmacSha256Hex("test_secret", "😀"),
      "837da296d05c4fe31f61d5d7ead035099d9585a5bcde87de952012a78f0b0c43"
    )
  })

  it("S4: the full Stripe-Signature header over the stripe-node payload", () => {
    const payload = fixture("stripe/payload.json")
    assert.strictEqual(Buffer.byteLength(payload), 51)
    const header = StripeEmulator.signatureHeader(payload, "whsec_test_secret", 1234567890)
    assert.strictEqual(header, "t=1234567890,v1=45969f456b3331a0f76e237ed33423d5f758908f1f0432d30e7d45ba89bb9edd")
    assert.isTrue(StripeEmulator.verifySignature(payload, header, "whsec_test_secret"))
    assert.isTrue(StripeEmulator.verifySignature(payload, `${header},v1=potato`, "whsec_test_secret"))
    assert.isFalse(StripeEmulator.verifySignature(payload, "t=1234567890,v0=abc", "whsec_test_secret"))
    assert.isFalse(StripeEmulator.verifySignature(payload, "bad_header", "whsec_test_secret"))
    assert.isFalse(
      StripeEmulator.verifySignature(payload, header, "whsec_test_secret", { toleranceSeconds: 300 })
    )
    const event = new Stripe("sk_test_x").webhooks.constructEvent(payload, header, "whsec_test_secret", 10 ** 10)
    assert.strictEqual(event.id, "evt_test_webhook")
  })
})

describe("Adyen HMAC vectors", () => {
  const keyA = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00"
  const keyRuby5 = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
  const keyRuby = "74F490DD33F7327BAECC88B2947C011FC02D014A473AAA33A8EC93E4DC069174"

  it("A1–A5: signing strings", () => {
    const cases: ReadonlyArray<[string, string, string]> = [
      [keyA, "pspReference:originalReference:merchantAccount:reference:1000:EUR:REPORT_AVAILABLE:true", "ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE="],
      [keyA, "pspReference:originalReference:merchantAccount:reference:1000:EUR:EVENT:true", "ipnxGCaUZ4l8TUW75a71/ghd2Fe5ffvX0pV4TLTntIc="],
      [
        keyA,
        "countryCode:currencyCode:merchantAccount:merchantReference:paymentAmount:sessionValidity:skinCode:NL:EUR:MagentoMerchantTest2:TEST-PAYMENT-2017-02-01-14\\:02\\:05:199:2017-02-02T14\\:02\\:05+01\\:00:PKz2KML1",
        "34oR8T1whkQWTv9P+SzKyp8zhusf9n0dpqrm9nsqSJs="
      ],
      [keyA, "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true", "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I="],
      [keyRuby5, "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true", "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="]
    ]
    for (const [key, data, expected] of cases) assert.strictEqual(AdyenEmulator.hmacSignatureOf(data, key), expected)
  })

  it("A1 and A4 through the item signer (missing originalReference → empty field)", () => {
    assert.strictEqual(
      AdyenEmulator.hmacSignature(
        {
          pspReference: "pspReference",
          originalReference: "originalReference",
          merchantAccountCode: "merchantAccount",
          merchantReference: "reference",
          amount: { value: 1000, currency: "EUR" },
          eventCode: "REPORT_AVAILABLE",
          success: "true"
        },
        keyA
      ),
      "ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE="
    )
    const a4 = {
      pspReference: "7914073381342284",
      merchantAccountCode: "TestMerchant",
      merchantReference: "TestPayment-1407325143704",
      amount: { value: 1130, currency: "EUR" },
      eventCode: "AUTHORISATION",
      success: "true"
    }
    assert.strictEqual(
      AdyenEmulator.signingString(a4),
      "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
    )
    assert.strictEqual(AdyenEmulator.hmacSignature(a4, keyA), "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=")
  })

  const ruby: ReadonlyArray<[string, string, string]> = [
    ["backslash", "T7FD4VM4D3RZNN82::AntoniStroinski:\\\\slashes are fun:1000:EUR:AUTHORISATION:true", "nIgT81gaB5oJpn2jPXupDq68iRo2wUlBsuYjtYfwKqo="],
    ["colon", "M8NB66SBZSGLNK82::AntoniStroinski::slashes are fun:1000:EUR:AUTHORISATION:true", "2EQYm7YJpKO4EtHSPu55SQTyWf8dkW5u2nD1tJFpViA="],
    ["forwardslash", "X3GWNS6KJ8NKGK82::AntoniStroinski://slashes are fun:1000:EUR:AUTHORISATION:true", "9Z0xdpG9Xi3zcmXv14t/BvMBut77O/Xq9D4CQXSDUi4="],
    ["mixed", "ZVWN7D3WSMK2WN82::AntoniStroinski:\\:/\\/slashes are fun:1000:EUR:AUTHORISATION:true", "CZErGCNQaSsxbaQfZaJlakqo7KPP+mIa8a+wx3yNs9A="]
  ]
  for (const [name, signed, expected] of ruby) {
    it(`A6–A9: ruby ${name}_webhook.json (no escaping of \\ and :)`, () => {
      const item = JSON.parse(fixture(`adyen/ruby_${name}_webhook.json`))
      assert.strictEqual(item.additionalData.hmacSignature, expected)
      assert.strictEqual(AdyenEmulator.signingString(item), signed)
      assert.strictEqual(AdyenEmulator.hmacSignature(item, keyRuby), expected)
      assert.isTrue(AdyenEmulator.verifyHmacSignature(item, keyRuby))
      assert.isFalse(AdyenEmulator.verifyHmacSignature(item, keyRuby5))
    })
  }

  it("A-neg: a wrong-length signature is false and does not throw", () => {
    const item = {
      pspReference: "pspReference",
      originalReference: "originalReference",
      merchantAccountCode: "merchantAccount",
      merchantReference: "reference",
      amount: { value: 1000, currency: "EUR" },
      eventCode: "AUTHORISATION",
      success: "true",
      additionalData: { hmacSignature: "A".repeat(44) }
    }
    assert.isFalse(
      AdyenEmulator.verifyHmacSignature(item, "DFB1EB5485295588A7DED4CF1BB4CA24C2B41BFC33C5EA6CA05B2A87F98F1F55")
    )
    assert.isFalse(AdyenEmulator.verifyHmacSignature({ ...item, additionalData: { hmacSignature: "short" } }, keyA))
    assert.isFalse(AdyenEmulator.verifyHmacSignature({ ...item, additionalData: {} }, keyA))
  })
})
