import { X509Certificate } from "node:crypto"
import { crc32 } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import { Money, WebhookError } from "@refract/core"
import { Effect, Exit, Result } from "effect"
import { connector, PayPalWebhook } from "@refract/paypal"
import { fixtureText, signedHeaders, testCertificatePem, webhookId } from "./helpers.ts"

const body = fixtureText("event-capture-refunded.json")
const bytes = new TextEncoder().encode(body)
const certificate = new X509Certificate(testCertificatePem)

const failure = (exit: Exit.Exit<unknown, WebhookError.WebhookError>): WebhookError.WebhookError => {
  if (Exit.isSuccess(exit)) return assert.fail("verified")
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail?._tag === "Fail" ? fail.error : assert.fail(String(exit.cause))
}

const verifyWith = (
  headers: Record<string, string>,
  options: Partial<PayPalWebhook.VerifyOptions> & { readonly certificatePem?: string } = {}
) =>
  Effect.runPromiseExit(PayPalWebhook.verifySignature(
    { headers, body: bytes },
    { webhookId, certificatePem: options.certificatePem },
    {
      now: options.now ?? Date.parse("2026-12-01T00:00:00Z"),
      fetchText: options.fetchText ?? ((url) => Effect.die(new Error(`unexpected fetch of ${url}`))),
      cache: options.cache ?? PayPalWebhook.makeCertificateCache()
    }
  ))

describe("PayPal signed message", () => {
  it("crc32 is the unsigned decimal IEEE CRC-32 of the raw bytes, also above 2^31", () => {
    // "a" has CRC-32 0xE8B7BE43 (3904355907), above the signed 32-bit range.
    assert.strictEqual(PayPalWebhook.crc32Decimal("a"), "3904355907")
    assert.strictEqual(PayPalWebhook.crc32Decimal(new TextEncoder().encode("a")), "3904355907")
    assert.strictEqual(PayPalWebhook.crc32Decimal(""), "0")
    assert.strictEqual(PayPalWebhook.crc32Decimal(bytes), String(crc32(bytes)))
  })
})

describe("the signing certificate", () => {
  it("is valid from its first to its last instant, inclusive", () => {
    const from = certificate.validFromDate.getTime()
    const to = certificate.validToDate.getTime()
    assert.isUndefined(PayPalWebhook.certificateValidityProblem(certificate, from))
    assert.isUndefined(PayPalWebhook.certificateValidityProblem(certificate, to))
    assert.include(PayPalWebhook.certificateValidityProblem(certificate, from - 1), `not valid before ${new Date(from).toISOString()}`)
    assert.include(PayPalWebhook.certificateValidityProblem(certificate, to + 1), `expired at ${new Date(to).toISOString()}`)
  })

  it("an expired certificate fails verification, naming the expiry", async () => {
    const to = certificate.validToDate.getTime()
    const error = failure(await verifyWith(signedHeaders({ body }), { certificatePem: testCertificatePem, now: to + 1 }))
    assert.strictEqual(error.reason._tag, "InvalidSignature")
    assert.include(error.reason.message, "expired at")
  })

  it("a PEM with real newlines is read as is, even when it also contains a literal \\n", () => {
    assert.isDefined(PayPalWebhook.readCertificate(testCertificatePem))
    assert.isDefined(PayPalWebhook.readCertificate(testCertificatePem.trim().replace(/\n/g, "\\n")))
    assert.isUndefined(PayPalWebhook.readCertificate("not a certificate"))
  })

  it("the cache keeps a re-set URL as the most recent one", () => {
    const cache = PayPalWebhook.makeCertificateCache(2)
    cache.set("a", certificate)
    cache.set("b", certificate)
    cache.set("a", certificate)
    cache.set("c", certificate)
    assert.isUndefined(cache.get("b"), "b was the least recently used")
    assert.strictEqual(cache.get("a"), certificate)
    assert.strictEqual(cache.size(), 2)
    cache.clear()
    assert.strictEqual(cache.size(), 0)
    assert.isUndefined(cache.get("a"))
  })

  it("the default cache holds 32 certificates", () => {
    const cache = PayPalWebhook.makeCertificateCache()
    for (let i = 0; i < 40; i++) cache.set(`u${i}`, certificate)
    assert.strictEqual(cache.size(), 32)
    assert.isUndefined(cache.get("u7"))
    assert.strictEqual(cache.get("u8"), certificate)
  })

  it("a fetched certificate is cached under the trimmed URL and fetched once", async () => {
    const url = "https://api-m.paypal.com/v1/notifications/certs/CERT-1"
    const calls: Array<string> = []
    const cache = PayPalWebhook.makeCertificateCache()
    const fetchText = (u: string) => Effect.sync(() => (calls.push(u), testCertificatePem))
    for (const certUrl of [` ${url} `, url]) {
      const exit = await verifyWith({ ...signedHeaders({ body, certUrl: url }), "paypal-cert-url": certUrl }, { cache, fetchText })
      assert.isTrue(Exit.isSuccess(exit), certUrl)
    }
    assert.deepStrictEqual(calls, [url])
    assert.strictEqual(cache.get(url), cache.get(url))
    assert.isDefined(cache.get(url))
  })

  it("a failed fetch is VerificationUnavailable, whatever reason the fetcher gave", async () => {
    const error = failure(await verifyWith(signedHeaders({ body }), {
      fetchText: () =>
        Effect.fail(new WebhookError.WebhookError({ connector: "unknown", reason: new WebhookError.InvalidSignature({ message: "status 404" }) }))
    }))
    assert.strictEqual(error.connector, "paypal")
    assert.strictEqual(error.reason._tag, "VerificationUnavailable")
    assert.include(error.reason.message, "could not fetch the signing certificate: status 404")
    const passed = failure(await verifyWith(signedHeaders({ body }), {
      fetchText: () =>
        Effect.fail(new WebhookError.WebhookError({ connector: "unknown", reason: new WebhookError.VerificationUnavailable({ message: "status 503" }) }))
    }))
    assert.strictEqual(passed.reason._tag, "VerificationUnavailable")
    assert.strictEqual(passed.reason.message, "status 503")
    const junk = failure(await verifyWith(signedHeaders({ body }), { fetchText: () => Effect.succeed("<html></html>") }))
    assert.include(junk.reason.message, "did not return a PEM certificate")
  })
})

describe("verification failures say what is wrong", () => {
  it("missing headers are all named at once, upper case", async () => {
    const error = failure(await verifyWith({}))
    assert.strictEqual(error.reason._tag, "MissingSignature")
    assert.strictEqual(
      error.reason.message,
      "missing PAYPAL-TRANSMISSION-ID, PAYPAL-TRANSMISSION-TIME, PAYPAL-TRANSMISSION-SIG, PAYPAL-AUTH-ALGO, PAYPAL-CERT-URL"
    )
    const blank = failure(await verifyWith({ ...signedHeaders({ body }), "paypal-auth-algo": " " }))
    assert.strictEqual(blank.reason.message, "missing PAYPAL-AUTH-ALGO")
  })

  it("an unsupported algorithm is named (bounded), a non-base64 signature said so, a mismatch points at the webhook id", async () => {
    const algo = failure(await verifyWith(signedHeaders({ body, algo: `SHA1withRSA${"x".repeat(100)}` }), { certificatePem: testCertificatePem }))
    assert.include(algo.reason.message, "unsupported PAYPAL-AUTH-ALGO \"SHA1withRSAxxxxxxxxxxxxxxxxxxxxx\" (expected SHA256withRSA)")
    for (const sig of ["not base64!", "===="]) {
      const notBase64 = failure(await verifyWith({ ...signedHeaders({ body }), "paypal-transmission-sig": sig }, { certificatePem: testCertificatePem }))
      assert.strictEqual(notBase64.reason._tag, "InvalidSignature", sig)
      assert.strictEqual(notBase64.reason.message, "PAYPAL-TRANSMISSION-SIG is not base64", sig)
    }
    const mismatch = failure(await verifyWith(signedHeaders({ body, webhookId: "OTHER" }), { certificatePem: testCertificatePem }))
    assert.include(mismatch.reason.message, "PAYPAL_WEBHOOK_ID")
    const refused = failure(await verifyWith(signedHeaders({ body, certUrl: "https://evil.example/cert" })))
    assert.include(refused.reason.message, "refusing to fetch the signing certificate: PAYPAL-CERT-URL host \"evil.example\"")
    const pinnedJunk = failure(await verifyWith(signedHeaders({ body }), { certificatePem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----" }))
    assert.include(pinnedJunk.reason.message, "PAYPAL_WEBHOOK_CERT_PEM")
  })

  it("certificate URL problems are specific", () => {
    assert.strictEqual(PayPalWebhook.certificateUrlProblem("not a url"), "PAYPAL-CERT-URL is not a URL")
    assert.strictEqual(PayPalWebhook.certificateUrlProblem("http://api.paypal.com/c"), "PAYPAL-CERT-URL must be https, got http")
    assert.strictEqual(PayPalWebhook.certificateUrlProblem("https://u@api.paypal.com/c"), "PAYPAL-CERT-URL must not carry credentials")
    assert.strictEqual(PayPalWebhook.certificateUrlProblem("https://:p@api.paypal.com/c"), "PAYPAL-CERT-URL must not carry credentials")
    assert.strictEqual(PayPalWebhook.certificateUrlProblem("https://api.paypal.com:8443/c"), "PAYPAL-CERT-URL must use the default https port, got 8443")
    const host = PayPalWebhook.certificateUrlProblem(`https://${"a".repeat(300)}.example/c`)!
    assert.include(host, "is not one of PayPal's API hosts (api.paypal.com, api-m.paypal.com, api.sandbox.paypal.com, api-m.sandbox.paypal.com)")
    assert.isBelow(host.length, 400)
  })
})

describe("the connector's webhook support", () => {
  it("describes the scheme and acknowledges with an empty 200", () => {
    const support = connector.webhooks!
    assert.include(support.scheme, "PAYPAL-TRANSMISSION-SIG")
    assert.include(support.scheme, "crc32")
    assert.deepStrictEqual(support.acknowledgement, { status: 200, contentType: "text/plain", body: "" })
  })

  it("verify passes the receiver's clock and fetcher through", async () => {
    const support = connector.webhooks!
    const calls: Array<string> = []
    const url = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-through-support"
    const exit = await Effect.runPromiseExit(support.verify(
      { headers: signedHeaders({ body, certUrl: url }), body: bytes } as never,
      { webhookId } as never,
      { now: certificate.validToDate.getTime() + 1, fetchText: (u) => Effect.sync(() => (calls.push(u), testCertificatePem)) }
    ))
    assert.deepStrictEqual(calls, [url])
    assert.include(failure(exit).reason.message, "expired at")
  })
})

const parseFailure = (json: unknown): string => {
  const result = PayPalWebhook.parseEvents({ body: new TextEncoder().encode(typeof json === "string" ? json : JSON.stringify(json)) })
  if (Result.isSuccess(result)) return assert.fail("parsed")
  assert.strictEqual(result.failure.reason._tag, "MalformedPayload")
  return result.failure.reason.message
}

const refundEvent = (eventType: string, resource: Record<string, unknown>) => ({
  ...JSON.parse(body),
  event_type: eventType,
  resource
})

describe("PayPal events", () => {
  it("each refund event type implies its status when the resource carries none", () => {
    const resource = { ...JSON.parse(body).resource }
    delete resource.status
    for (const [eventType, status] of [
      ["PAYMENT.CAPTURE.REFUNDED", "Succeeded"],
      ["PAYMENT.REFUND.COMPLETED", "Succeeded"],
      ["PAYMENT.REFUND.PENDING", "Pending"],
      ["PAYMENT.REFUND.FAILED", "Failed"],
      ["PAYMENT.REFUND.CANCELLED", "Cancelled"]
    ] as const) {
      const parsed = Result.getOrThrow(PayPalWebhook.parseEvents({ body: new TextEncoder().encode(JSON.stringify(refundEvent(eventType, resource))) }))
      assert.strictEqual(parsed[0]!.refund?.status, status, eventType)
    }
  })

  it("refused deliveries say why", () => {
    assert.strictEqual(parseFailure("{"), "the body is not JSON")
    assert.match(parseFailure({ id: 5 }), /^not a PayPal webhook event: \S/)
    assert.strictEqual(parseFailure({ ...JSON.parse(body), id: "  " }), "the event has an empty id")
    const event = JSON.parse(body)
    assert.match(parseFailure({ ...event, resource: { status: "COMPLETED" } }), new RegExp(`^PAYMENT\\.CAPTURE\\.REFUNDED ${event.id}: resource is not a refund: \\S`))
    const badAmount = refundEvent("PAYMENT.CAPTURE.REFUNDED", { ...event.resource, amount: { value: "1.5", currency_code: "HUF" } })
    assert.match(parseFailure(badAmount), new RegExp(`^PAYMENT\\.CAPTURE\\.REFUNDED ${event.id}: refund ${event.resource.id}: amount "1\\.5" HUF: PayPal's HUF has no decimals`))
  })

  it("a failed refund carries PayPal's reason as its code, and a generic message", () => {
    const event = JSON.parse(body)
    const failed = (extra: Record<string, unknown>) =>
      Result.getOrThrow(PayPalWebhook.parseEvents({ body: new TextEncoder().encode(JSON.stringify(refundEvent("PAYMENT.REFUND.FAILED", { ...event.resource, status: "FAILED", ...extra }))) }))[0]!.refund!
    const withReason = failed({ status_details: { reason: "ECHECK" } })
    assert.strictEqual(withReason.failure?.code, "ECHECK")
    assert.strictEqual(withReason.failure?.message, "PayPal could not process the refund")
    assert.isUndefined(failed({}).failure?.code)
  })
})

describe("PayPal amounts", () => {
  it("whole-unit currencies: minor units to whole units, and whole units with zero decimals back", () => {
    assert.strictEqual(Result.getOrThrow(PayPalWebhook.toPayPalValue(Money.make(100, "HUF"))), "1")
    assert.strictEqual(Result.getOrThrow(PayPalWebhook.toPayPalValue(Money.make(12_345_600, "TWD"))), "123456")
    assert.isTrue(Result.isFailure(PayPalWebhook.toPayPalValue(Money.make(150, "HUF"))))
    for (const value of ["10", "10.0", "10.00"]) {
      const money = PayPalWebhook.fromPayPalMoney({ value, currency_code: "HUF" })
      assert.strictEqual(Result.isSuccess(money) ? money.success.amount : -1, 1_000, value)
    }
    const long = PayPalWebhook.fromPayPalMoney({ value: `1.5${"0".repeat(100)}1`, currency_code: "HUF" })
    assert.isTrue(Result.isFailure(long))
    assert.isBelow(Result.isFailure(long) ? long.failure.length : 999, 160)
    const unknown = PayPalWebhook.fromPayPalMoney({ value: `1${"0".repeat(100)}`, currency_code: "ZZZZZZZZZZZZ" })
    assert.isTrue(Result.isFailure(unknown))
    assert.include(Result.isFailure(unknown) ? unknown.failure : "", `amount "1${"0".repeat(39)}" ZZZZZZZZ: `)
  })
})

describe("header values", () => {
  it("surrounding whitespace in the PAYPAL-* headers is ignored", async () => {
    const headers = signedHeaders({ body })
    const padded = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, ` ${v} `]))
    assert.isTrue(Exit.isSuccess(await verifyWith(padded, { certificatePem: testCertificatePem })))
  })
})
