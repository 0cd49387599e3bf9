/**
 * The shared check for schemes that send the hex HMAC-SHA256 of the raw body in one header
 * (Checkout.com, Razorpay, GoCardless): what passes, and the typed refusals users read.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { Signature, Webhooks } from "@refract/core"
import type { WebhookError } from "@refract/core"

const secret = Redacted.make("whsec_shared_test")
const body = new TextEncoder().encode("{\"id\":\"evt_1\"}")
const scheme = { connector: "acme", header: "Acme-Signature", mismatch: "Acme-Signature does not match the body" }
const signature = Signature.hmacSha256Hex(secret, body)

const check = (headers: Record<string, string>, key = secret) =>
  Webhooks.verifyBodyHmacSha256Hex(scheme, { headers, body }, key).pipe(
    Effect.as(undefined),
    Effect.catch((e: WebhookError.WebhookError) => Effect.succeed(e))
  )

describe("Webhooks.verifyBodyHmacSha256Hex", () => {
  it.effect("accepts the body's MAC in the lower-cased header, upper-case hex and surrounding spaces too", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* check({ "acme-signature": signature }))
      assert.isUndefined(yield* check({ "acme-signature": ` ${signature.toUpperCase()}\t` }))
    }))

  it.effect("a missing or blank header is MissingSignature naming the header", () =>
    Effect.gen(function*() {
      for (const headers of [{}, { "acme-signature": "" }, { "acme-signature": "  " }, { "Acme-Signature": signature }]) {
        const error = yield* check(headers)
        assert.strictEqual(error?.connector, "acme")
        assert.strictEqual(error?.reason._tag, "MissingSignature")
        assert.strictEqual(error?.reason.message, "no Acme-Signature header")
      }
    }))

  it.effect("another key, a changed body's MAC, a truncated or non-hex value is InvalidSignature with the scheme's message", () =>
    Effect.gen(function*() {
      const others = [
        Signature.hmacSha256Hex("whsec_other", body),
        Signature.hmacSha256Hex(secret, "{\"id\":\"evt_2\"}"),
        signature.slice(0, -2),
        `${signature}00`,
        "not-hex"
      ]
      for (const value of others) {
        const error = yield* check({ "acme-signature": value })
        assert.strictEqual(error?.reason._tag, "InvalidSignature", value)
        assert.strictEqual(error?.reason.message, "Acme-Signature does not match the body")
        assert.strictEqual(error?.connector, "acme")
      }
      assert.strictEqual((yield* check({ "acme-signature": signature }, Redacted.make("whsec_other")))?.reason._tag, "InvalidSignature")
    }))
})
