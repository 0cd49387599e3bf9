import { X509Certificate } from "node:crypto"
import { assert, describe, expect, it } from "@effect/vitest"
import { BoundConnector, Money, WebhookError, WebhookEvent, Webhooks } from "@refract/core"
import { Effect, Exit, Result } from "effect"
import { connector, PayPalWebhook } from "@refract/paypal"
import { scripted } from "@refract/testkit/connector/ConnectorTest"
import { captureId, clientId, clientSecret, fixtureBytes, fixtureText, refundId, signedHeaders, testCertificatePem, webhookId } from "./helpers.ts"

// ---------------------------------------------------------------------------------------------
// The published vector: paypal/PayPal-Java-SDK ValidateCertTest (processors.md §11, PayPal)
// ---------------------------------------------------------------------------------------------

const vector = {
  body: fixtureBytes("vector/body.json"),
  signature: fixtureText("vector/transmission_sig.txt").trim(),
  certificate: fixtureText("vector/testClientCert.crt"),
  headers: (signature: string) => ({
    "paypal-transmission-id": "071f7d20-1584-11e7-abf0-6b62a8a99ac4",
    "paypal-transmission-time": "2017-03-30T20:04:05Z",
    "paypal-transmission-sig": signature,
    "paypal-cert-url": "https://api.sandbox.paypal.com/v1/notifications/test",
    "paypal-auth-algo": "SHA256withRSA"
  }),
  webhookId: "96605875FF6516633",
  /** The certificate is valid 2017-02-18 → 2019-04-26: the clock is pinned to the transmission time. */
  now: Date.parse("2017-03-30T20:04:05Z")
}

/** A fetchText that must never be called. */
const noFetch = (url: string) => Effect.die(new Error(`unexpected fetch of ${url}`))

/** A fetchText serving `pem` and recording the URLs it was asked for. */
const serving = (pem: string) => {
  const calls: Array<string> = []
  return {
    calls,
    fetchText: (url: string) => Effect.sync(() => {
      calls.push(url)
      return pem
    })
  }
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromiseExit(effect)

const reasonOf = (exit: Exit.Exit<unknown, WebhookError.WebhookError>): string => {
  if (Exit.isSuccess(exit)) return "Success"
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (fail?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return fail.error.reason._tag
}

const messageOf = (exit: Exit.Exit<unknown, WebhookError.WebhookError>): string => {
  const fail = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return fail?._tag === "Fail" ? fail.error.message : ""
}

describe("the published PayPal vector (PayPal-Java-SDK ValidateCertTest)", () => {
  it("crc32 and the signed message are PayPal's", () => {
    expect(PayPalWebhook.crc32Decimal(vector.body)).toBe("3494065244")
    expect(PayPalWebhook.signedMessage({
      transmissionId: "071f7d20-1584-11e7-abf0-6b62a8a99ac4",
      transmissionTime: "2017-03-30T20:04:05Z",
      webhookId: vector.webhookId,
      body: vector.body
    })).toBe("071f7d20-1584-11e7-abf0-6b62a8a99ac4|2017-03-30T20:04:05Z|96605875FF6516633|3494065244")
    expect(vector.body.length).toBe(1636)
    expect(vector.signature.length).toBe(344)
  })

  it("verifies with webhook id 96605875FF6516633 (pinned certificate, clock pinned to 2017)", async () => {
    const exit = await run(PayPalWebhook.verifySignature(
      { headers: vector.headers(vector.signature), body: vector.body },
      { webhookId: vector.webhookId, certificatePem: vector.certificate },
      { now: vector.now, fetchText: noFetch }
    ))
    expect(reasonOf(exit)).toBe("Success")
  })

  it("verifies with the certificate fetched from the (allowed) PAYPAL-CERT-URL, then cached", async () => {
    const cache = PayPalWebhook.makeCertificateCache()
    const server = serving(vector.certificate)
    const verify = PayPalWebhook.verifySignature(
      { headers: vector.headers(vector.signature), body: vector.body },
      { webhookId: vector.webhookId },
      { now: vector.now, fetchText: server.fetchText, cache }
    )
    expect(reasonOf(await run(verify))).toBe("Success")
    expect(reasonOf(await run(verify))).toBe("Success")
    expect(server.calls).toEqual(["https://api.sandbox.paypal.com/v1/notifications/test"])
    expect(cache.size()).toBe(1)
  })

  it("is invalid with webhook id NotToBeFound", async () => {
    const exit = await run(PayPalWebhook.verifySignature(
      { headers: vector.headers(vector.signature), body: vector.body },
      { webhookId: "NotToBeFound", certificatePem: vector.certificate },
      { now: vector.now, fetchText: noFetch }
    ))
    expect(reasonOf(exit)).toBe("InvalidSignature")
    expect(messageOf(exit)).toContain("PAYPAL_WEBHOOK_ID")
  })

  it("is invalid with a modified body", async () => {
    for (const body of ["{ something invalid }", new TextDecoder().decode(vector.body).replace("T-Shirt", "T-shirt")]) {
      const exit = await run(PayPalWebhook.verifySignature(
        { headers: vector.headers(vector.signature), body: new TextEncoder().encode(body) },
        { webhookId: vector.webhookId, certificatePem: vector.certificate },
        { now: vector.now, fetchText: noFetch }
      ))
      expect(reasonOf(exit)).toBe("InvalidSignature")
    }
  })

  it("is invalid today: the vector's certificate expired in 2019", async () => {
    const exit = await run(PayPalWebhook.verifySignature(
      { headers: vector.headers(vector.signature), body: vector.body },
      { webhookId: vector.webhookId, certificatePem: vector.certificate },
      { now: Date.parse("2026-11-20T00:00:00Z"), fetchText: noFetch }
    ))
    expect(reasonOf(exit)).toBe("InvalidSignature")
    expect(messageOf(exit)).toContain("expired at 2019-04-26")
  })

  it("is invalid with one changed signature byte", async () => {
    const bytes = Buffer.from(vector.signature, "base64")
    bytes[10] = bytes[10]! ^ 1
    const exit = await run(PayPalWebhook.verifySignature(
      { headers: vector.headers(bytes.toString("base64")), body: vector.body },
      { webhookId: vector.webhookId, certificatePem: vector.certificate },
      { now: vector.now, fetchText: noFetch }
    ))
    expect(reasonOf(exit)).toBe("InvalidSignature")
  })
})

// ---------------------------------------------------------------------------------------------
// The certificate URL allow-list
// ---------------------------------------------------------------------------------------------

describe("PAYPAL-CERT-URL allow-list", () => {
  const allowed = [
    "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
    "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
    "https://api-m.paypal.com/v1/notifications/certs/CERT-1",
    "https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-1",
    "https://API.PAYPAL.COM/v1/notifications/certs/CERT-1",
    "https://api.paypal.com:443/v1/notifications/certs/CERT-1"
  ]
  const refused = [
    "http://api.paypal.com/v1/notifications/certs/CERT-1",
    "https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1",
    "https://evilapi.paypal.com/v1/notifications/certs/CERT-1",
    "https://notapi-m.paypal.com/v1/notifications/certs/CERT-1",
    "https://xapi.sandbox.paypal.com/cert",
    "https://paypal.com/v1/notifications/certs/CERT-1",
    "https://www.paypal.com/cert",
    "https://api.paypal.com@evil.example/v1/notifications/certs/CERT-1",
    "https://user:pass@api.paypal.com/v1/notifications/certs/CERT-1",
    "https://api.paypal.com./v1/notifications/certs/CERT-1",
    "https://api.paypal.co/v1/notifications/certs/CERT-1",
    "https://api.paypal.com:8443/v1/notifications/certs/CERT-1",
    "https://evil.example/api.paypal.com/v1/notifications/certs/CERT-1",
    "https://evil.example/?u=https://api.paypal.com/cert",
    "https://127.0.0.1/cert",
    "file:///etc/passwd",
    "ftp://api.paypal.com/cert",
    "//api.paypal.com/cert",
    "api.paypal.com/cert",
    "not a url"
  ]

  it("allows PayPal's API hosts over https only", () => {
    for (const url of allowed) expect(PayPalWebhook.certificateUrlProblem(url), url).toBeUndefined()
    for (const url of refused) expect(PayPalWebhook.certificateUrlProblem(url), url).toBeTypeOf("string")
  })

  it("a refused URL is InvalidSignature with the reason, and nothing is fetched", async () => {
    const body = fixtureText("event-capture-refunded.json")
    for (const url of refused) {
      const server = serving(testCertificatePem)
      const exit = await run(PayPalWebhook.verifySignature(
        { headers: signedHeaders({ body, certUrl: url }), body: new TextEncoder().encode(body) },
        { webhookId },
        { now: Date.now(), fetchText: server.fetchText, cache: PayPalWebhook.makeCertificateCache() }
      ))
      expect(reasonOf(exit), url).toBe("InvalidSignature")
      expect(messageOf(exit), url).toContain("PAYPAL-CERT-URL")
      expect(server.calls, url).toEqual([])
    }
  })

  it("a fetch failure is VerificationUnavailable; a non-certificate answer too, and neither is cached", async () => {
    const body = fixtureText("event-capture-refunded.json")
    const cache = PayPalWebhook.makeCertificateCache()
    const request = { headers: signedHeaders({ body }), body: new TextEncoder().encode(body) }
    const down = await run(PayPalWebhook.verifySignature(request, { webhookId }, {
      now: Date.now(),
      cache,
      fetchText: () =>
        Effect.fail(new WebhookError.WebhookError({ connector: "unknown", reason: new WebhookError.VerificationUnavailable({ message: "status 503" }) }))
    }))
    expect(reasonOf(down)).toBe("VerificationUnavailable")
    const junk = await run(PayPalWebhook.verifySignature(request, { webhookId }, { now: Date.now(), cache, fetchText: () => Effect.succeed("<html>hello</html>") }))
    expect(reasonOf(junk)).toBe("VerificationUnavailable")
    expect(cache.size()).toBe(0)
    const good = serving(testCertificatePem)
    expect(reasonOf(await run(PayPalWebhook.verifySignature(request, { webhookId }, { now: Date.now(), cache, fetchText: good.fetchText })))).toBe("Success")
    expect(good.calls.length).toBe(1)
  })

  it("the certificate cache is bounded (least recently used goes first)", () => {
    const cache = PayPalWebhook.makeCertificateCache(2)
    const cert = new X509Certificate(testCertificatePem)
    cache.set("a", cert)
    cache.set("b", cert)
    expect(cache.get("a")).toBe(cert)
    cache.set("c", cert)
    expect(cache.size()).toBe(2)
    expect(cache.get("b")).toBeUndefined()
    expect(cache.get("a")).toBe(cert)
    expect(cache.get("c")).toBe(cert)
  })
})

// ---------------------------------------------------------------------------------------------
// Verification with a test key (fixtures/signing: generated for these tests, valid 2026 → 2126)
// ---------------------------------------------------------------------------------------------

describe("verification", () => {
  const body = fixtureText("event-capture-refunded.json")
  const bytes = new TextEncoder().encode(body)
  const now = Date.parse("2026-12-01T00:00:00Z")
  const pinned = { webhookId, certificatePem: testCertificatePem }
  const verify = (headers: Record<string, string>, secrets: PayPalWebhook.VerifySecrets = pinned, payload: Uint8Array = bytes, at = now) =>
    run(PayPalWebhook.verifySignature({ headers, body: payload }, secrets, { now: at, fetchText: noFetch }))

  it("a valid delivery verifies", async () => {
    expect(reasonOf(await verify(signedHeaders({ body })))).toBe("Success")
  })

  it("a tampered body, another webhook id, another transmission id or time are InvalidSignature", async () => {
    expect(reasonOf(await verify(signedHeaders({ body }), pinned, new TextEncoder().encode(body.replace("10.50", "99.50"))))).toBe("InvalidSignature")
    expect(reasonOf(await verify(signedHeaders({ body, webhookId: "3RT45123AB9988776" })))).toBe("InvalidSignature")
    expect(reasonOf(await verify({ ...signedHeaders({ body }), "paypal-transmission-id": "69cd13f0-d67a-11e5-baa3-778b53f4ae56" }))).toBe("InvalidSignature")
    expect(reasonOf(await verify({ ...signedHeaders({ body }), "paypal-transmission-time": "2026-11-20T18:15:35Z" }))).toBe("InvalidSignature")
  })

  it("each missing header is MissingSignature, naming it", async () => {
    for (const name of ["paypal-transmission-id", "paypal-transmission-time", "paypal-transmission-sig", "paypal-auth-algo"]) {
      const headers = { ...signedHeaders({ body }) }
      delete headers[name]
      const exit = await verify(headers)
      expect(reasonOf(exit), name).toBe("MissingSignature")
      expect(messageOf(exit)).toContain(name.toUpperCase())
    }
    expect(reasonOf(await verify({ ...signedHeaders({ body }), "paypal-transmission-sig": "  " }))).toBe("MissingSignature")
    expect(reasonOf(await verify({}))).toBe("MissingSignature")
  })

  it("PAYPAL-CERT-URL is required only without a pinned certificate", async () => {
    const headers = { ...signedHeaders({ body }) }
    delete headers["paypal-cert-url"]
    expect(reasonOf(await verify(headers))).toBe("Success")
    const exit = await verify(headers, { webhookId })
    expect(reasonOf(exit)).toBe("MissingSignature")
    expect(messageOf(exit)).toContain("PAYPAL-CERT-URL")
  })

  it("an algorithm other than SHA256withRSA and a signature that is not base64 are InvalidSignature", async () => {
    expect(reasonOf(await verify(signedHeaders({ body, algo: "SHA1withRSA" })))).toBe("InvalidSignature")
    expect(reasonOf(await verify(signedHeaders({ body, algo: "sha256withrsa" })))).toBe("Success")
    expect(reasonOf(await verify({ ...signedHeaders({ body }), "paypal-transmission-sig": "not base64!" }))).toBe("InvalidSignature")
    expect(reasonOf(await verify({ ...signedHeaders({ body }), "paypal-transmission-sig": "AAAA" }))).toBe("InvalidSignature")
  })

  it("a certificate outside its validity period is InvalidSignature", async () => {
    const notBefore = new X509Certificate(testCertificatePem).validFromDate.getTime()
    const exit = await verify(signedHeaders({ body }), pinned, bytes, notBefore - 1_000)
    expect(reasonOf(exit)).toBe("InvalidSignature")
    expect(messageOf(exit)).toContain("not valid before")
  })

  it("a certificate with a non-RSA key is refused", async () => {
    const exit = await verify(signedHeaders({ body }), { webhookId, certificatePem: fixtureText("signing/ec-cert.pem") })
    expect(reasonOf(exit)).toBe("InvalidSignature")
    expect(messageOf(exit)).toContain("not RSA")
  })

  it("a pinned PEM that is not a certificate is VerificationUnavailable; escaped newlines are accepted", async () => {
    expect(reasonOf(await verify(signedHeaders({ body }), { webhookId, certificatePem: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" }))).toBe("VerificationUnavailable")
    const oneLine = testCertificatePem.trim().replace(/\n/g, "\\n")
    expect(reasonOf(await verify(signedHeaders({ body }), { webhookId, certificatePem: oneLine }))).toBe("Success")
  })
})

// ---------------------------------------------------------------------------------------------
// Through core: bound connector, decoded secrets, Webhooks.verifyAndParse
// ---------------------------------------------------------------------------------------------

const bind = (webhookSecrets: Record<string, string> | undefined) =>
  BoundConnector.bind(connector, { credentials: { clientId, clientSecret }, ...(webhookSecrets !== undefined ? { webhookSecrets } : {}) })

describe("verifyAndParse through core", () => {
  const body = fixtureText("event-capture-refunded.json")

  it("with a pinned certificate: verifies and parses, no HTTP at all", async () => {
    const script = scripted(() => ({ status: 500 }))
    const events = await Effect.runPromise(Effect.gen(function*() {
      const bound = yield* bind({ webhookId, certificatePem: testCertificatePem.trim() })
      return yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({ headers: signedHeaders({ body }), body }))
    }).pipe(Effect.provide(script.layer)))
    expect(events.length).toBe(1)
    expect(events[0]!.refund?.status).toBe("Succeeded")
    expect(script.requests.length).toBe(0)
  })

  it("without a pinned certificate: fetches it through the app's HttpClient from PayPal's host", async () => {
    const url = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-refract-test-1"
    const script = scripted(() => ({ status: 200, body: testCertificatePem }))
    const events = await Effect.runPromise(Effect.gen(function*() {
      const bound = yield* bind({ webhookId })
      return yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({ headers: signedHeaders({ body, certUrl: url }), body }))
    }).pipe(Effect.provide(script.layer)))
    expect(events[0]!.eventId).toBe("WH-1GE84257G0350133W-6RW800890C634293G")
    expect(script.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${url}`])
  })

  it("a certificate host that answers 404 is VerificationUnavailable (503 to PayPal, which retries)", async () => {
    const url = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-refract-missing"
    const script = scripted(() => ({ status: 404, body: "{}" }))
    const exit = await Effect.runPromiseExit(Effect.gen(function*() {
      const bound = yield* bind({ webhookId })
      return yield* Webhooks.verifyAndParse(bound, WebhookEvent.makeRawRequest({ headers: signedHeaders({ body, certUrl: url }), body }))
    }).pipe(Effect.provide(script.layer)))
    assert.isTrue(Exit.isFailure(exit))
    const fail = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const error = fail?._tag === "Fail" ? fail.error : undefined
    expect(error?._tag).toBe("WebhookError")
    if (error?._tag !== "WebhookError") return
    expect(error.reason._tag).toBe("VerificationUnavailable")
    expect(error.connector).toBe("paypal")
    expect(error.httpStatus).toBe(503)
  })

  it("a webhook id with characters that would break the signed message is a Configuration error", async () => {
    for (const bad of ["a|b", "has space", ""]) {
      const exit = await Effect.runPromiseExit(bind({ webhookId: bad }))
      expect(Exit.isFailure(exit), bad).toBe(true)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const parse = (name: string) => connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: fixtureBytes(name) }))

describe("event parsing", () => {
  it("PAYMENT.CAPTURE.REFUNDED → one event with the COMPLETED refund", () => {
    const events = Result.getOrThrow(parse("event-capture-refunded.json"))
    expect(events.length).toBe(1)
    const event = events[0]!
    expect(event.connector).toBe("paypal")
    expect(event.eventId).toBe("WH-1GE84257G0350133W-6RW800890C634293G")
    expect(event.eventType).toBe("PAYMENT.CAPTURE.REFUNDED")
    expect(event.occurredAt).toBe(Date.parse("2026-11-20T18:15:33.421Z"))
    expect(event.refund?.connectorRefundId).toBe(refundId)
    expect(event.refund?.connectorTransactionId).toBe(captureId)
    expect(event.refund?.merchantRefundId).toBe("order-42-r1")
    expect(event.refund?.status).toBe("Succeeded")
    expect(event.refund?.rawStatus).toBe("COMPLETED")
    expect(Money.equals(event.refund!.amount!, Money.make(1_050, "USD"))).toBe(true)
  })

  it("a PAYMENT.CAPTURE.REFUNDED resource without status is COMPLETED (the event says so)", () => {
    const event = Result.getOrThrow(parse("event-capture-refunded-minimal.json"))[0]!
    expect(event.refund?.connectorRefundId).toBe("1BJ39302P0806983")
    expect(event.refund?.status).toBe("Succeeded")
    expect(event.refund?.occurredAt).toBe(Date.parse("2026-11-20T18:15:33.421Z"))
  })

  it("PAYMENT.REFUND.PENDING → Pending with the reason", () => {
    const event = Result.getOrThrow(parse("event-refund-pending.json"))[0]!
    expect(event.refund?.status).toBe("Pending")
    expect(event.refund?.reason).toBe("ECHECK")
  })

  it("the resource's own status wins over the event type", () => {
    const json = JSON.parse(fixtureText("event-capture-refunded.json"))
    json.resource.status = "FAILED"
    const event = Result.getOrThrow(connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify(json) })))[0]!
    expect(event.refund?.status).toBe("Failed")
  })

  it("an unknown event about a refund resource keeps the raw status or says Unknown", () => {
    const json = JSON.parse(fixtureText("event-capture-refunded.json"))
    json.event_type = "PAYMENT.REFUND.SOMETHING_NEW"
    delete json.resource.status
    const event = Result.getOrThrow(connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify(json) })))[0]!
    expect(event.refund?.status).toBe("Unknown")
  })

  it("other event types → one event without a refund", () => {
    const events = Result.getOrThrow(parse("event-capture-completed.json"))
    expect(events.length).toBe(1)
    expect(events[0]!.eventType).toBe("PAYMENT.CAPTURE.COMPLETED")
    expect(events[0]!.refund).toBeUndefined()
    const plan = Result.getOrThrow(parse("vector/body.json"))
    expect(plan[0]!.eventType).toBe("BILLING.PLAN.CREATED")
    expect(plan[0]!.eventId).toBe("WH-2MW4820926242972J-6SG447389E205703U")
    expect(plan[0]!.refund).toBeUndefined()
  })

  it("an event_type named like an Object.prototype member is not a refund event", () => {
    for (const eventType of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const json = JSON.parse(fixtureText("event-capture-refunded.json"))
      json.event_type = eventType
      delete json.resource_type
      const withRefund = Result.getOrThrow(connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify(json) })))
      expect(withRefund.map((e) => [e.eventType, e.refund]), eventType).toEqual([[eventType, undefined]])
      delete json.resource
      const without = Result.getOrThrow(connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify(json) })))
      expect(without[0]!.refund, eventType).toBeUndefined()
    }
  })

  it("processor times are bounded: an impossible or pre-2000 update_time is dropped, not stored", () => {
    for (const time of ["0001-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "1969-12-31T23:59:59Z"]) {
      const json = JSON.parse(fixtureText("event-capture-refunded.json"))
      json.create_time = time
      json.resource.update_time = time
      json.resource.create_time = time
      const event = Result.getOrThrow(connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify(json) })))[0]!
      expect(event.occurredAt, time).toBeUndefined()
      expect(event.refund?.occurredAt, time).toBeUndefined()
      expect(event.refund?.createdAt, time).toBeUndefined()
      expect(event.refund?.status).toBe("Succeeded")
    }
  })

  it("a redelivery parses to the same event id", () => {
    const a = Result.getOrThrow(parse("event-capture-refunded.json"))
    const b = Result.getOrThrow(parse("event-capture-refunded.json"))
    expect(a.map((e) => e.eventId)).toEqual(b.map((e) => e.eventId))
  })

  it("malformed deliveries are MalformedPayload, never a throw", () => {
    const bad = ["", "not json", "[]", "{}", "{\"id\":\"WH-1\"}", "{\"id\":\"\",\"event_type\":\"X\"}", "{\"id\":\"WH-1\",\"event_type\":\"PAYMENT.CAPTURE.REFUNDED\",\"resource\":{}}"]
    for (const body of bad) {
      const result = connector.webhooks!.parse(WebhookEvent.makeRawRequest({ headers: {}, body }))
      expect(Result.isFailure(result), body).toBe(true)
      if (Result.isFailure(result)) expect(result.failure.reason._tag).toBe("MalformedPayload")
    }
    const amount = parse("event-refund-bad-amount.json")
    expect(Result.isFailure(amount) ? amount.failure.reason._tag : "").toBe("MalformedPayload")
  })
})
