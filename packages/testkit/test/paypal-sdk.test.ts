/**
 * Keeps the PayPal emulator honest against artifacts nobody here wrote:
 *
 * 1. PayPal's official server SDK, `@paypal/paypal-server-sdk` 2.5.0, drives the emulator unchanged: OAuth client
 *    credentials, `PaymentsController.refundCapturedPayment` / `getRefund`, and every error parsed into the SDK's own
 *    classes (`CustomError`, `ApiError`, `OAuthProviderError`) with PayPal's names and issues.
 * 2. The SDK has no webhook signer or verifier (its controllers are OAuth, Orders, Payments, Subscriptions,
 *    Transaction Search and Vault; nothing in `src/` handles `PAYPAL-TRANSMISSION-*`), so the next official artifact
 *    is used instead: PayPal's published vector (PayPal-Java-SDK `ValidateCertTest`, byte-identical copies of
 *    /work/shared/fixtures/webhooks/paypal in `fixtures/webhooks/paypal`), checked against the emulator's signer and
 *    verifier, and the emulator's deliveries checked with a verifier written from the Java SDK's algorithm.
 *
 * Pointing the SDK at the emulator: the SDK has no base-URL option. `Environment` is `Production | Sandbox` and
 * `getBaseUri` (src/client.ts) maps them to https://api-m.paypal.com and https://api-m.sandbox.paypal.com and throws
 * for anything else. Its documented transport option `httpClientOptions.httpsAgent` ("Custom https agent to be used
 * when performing https requests", @apimatic/axios-client-adapter) is used instead: an agent whose connections go
 * to the emulator's loopback port in plain HTTP. The SDK still builds every URL, header and body itself; only the
 * socket differs (the emulator sees `Host: api-m.sandbox.paypal.com`).
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  ApiError,
  Client,
  CustomError,
  Environment,
  OAuthProviderError,
  PaymentsController,
  RefundStatus
} from "@paypal/paypal-server-sdk"
import { PayPalEmulator } from "@refract/testkit"
import { verify, X509Certificate } from "node:crypto"
import { readFileSync } from "node:fs"
import { Agent } from "node:https"
import { connect } from "node:net"
import { crc32 } from "node:zlib"
import { type Receiver, startReceiver, until } from "./helpers.ts"

type Handle = PayPalEmulator.PayPalEmulatorHandle

/** An https agent that hands the SDK a plain TCP connection to the emulator. */
const loopbackAgent = (port: number): Agent => {
  class Loopback extends Agent {
    override createConnection() {
      return connect(port, "127.0.0.1")
    }
  }
  return new Loopback({ keepAlive: false })
}

const sdk = (emu: Handle, clientSecret = emu.credentials.clientSecret!) =>
  new PaymentsController(
    new Client({
      environment: Environment.Sandbox,
      clientCredentialsAuthCredentials: { oAuthClientId: emu.credentials.clientId!, oAuthClientSecret: clientSecret },
      httpClientOptions: { httpsAgent: loopbackAgent(emu.port), timeout: 10_000 }
    })
  )

/** The SDK's parsed error body, as plain JSON (the SDK builds it on null-prototype objects). */
const bodyOf = (error: unknown): any => JSON.parse(JSON.stringify((error as ApiError<unknown>).result))

/**
 * The raw error body. The SDK parses `result` only for the statuses an operation declares with `throwOn`; the
 * fallback error (`defaultToError`, here 429 and 503) and the plain `ApiError` keep the body text.
 */
const rawBodyOf = (error: unknown): any => JSON.parse(String((error as ApiError<unknown>).body))

const failure = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the SDK call to fail")
}

describe("official @paypal/paypal-server-sdk against the emulator", () => {
  let emu: Handle
  let payments: PaymentsController
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await PayPalEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    payments = sdk(emu)
  })
  afterEach(async () => {
    // Deliveries a test caused may still be in flight: let them land before the next test's receiver starts empty.
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
    // A fresh SDK client per test: a test may revoke the shared client's token, which the SDK would keep using.
    payments = sdk(emu)
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("fetches a token with client credentials and refunds (representation): PENDING, then COMPLETED by time", async () => {
    const capture = await emu.createPayment({ amount: 2500, currency: "USD" })
    const created = await payments.refundCapturedPayment({
      captureId: capture,
      paypalRequestId: "sdk-request-1",
      prefer: "return=representation",
      body: {
        amount: { currencyCode: "USD", value: "10.99" },
        invoiceId: "INV-SDK-1",
        customId: "RMA-1",
        noteToPayer: "Defective product"
      }
    })
    assert.strictEqual(created.statusCode, 201)
    assert.strictEqual(created.result.status, RefundStatus.Pending)
    assert.deepStrictEqual({ ...created.result.amount }, { currencyCode: "USD", value: "10.99" })
    assert.strictEqual(created.result.invoiceId, "INV-SDK-1")
    assert.strictEqual(created.result.customId, "RMA-1")
    assert.strictEqual(created.result.noteToPayer, "Defective product")
    assert.match(created.result.id ?? "", /^[A-Z0-9]{17}$/)
    assert.match(created.headers["paypal-debug-id"] ?? "", /^[0-9a-f]{13}$/)

    // What the SDK put on the wire is what the emulator's strict reading accepted.
    const [token, post] = emu.requests()
    assert.strictEqual(token!.path, "/v1/oauth2/token")
    assert.strictEqual(token!.body, "grant_type=client_credentials")
    assert.strictEqual(post!.headers["host"], "api-m.sandbox.paypal.com")
    assert.strictEqual(post!.headers["paypal-request-id"], "sdk-request-1")
    assert.deepStrictEqual(JSON.parse(post!.body), {
      amount: { currency_code: "USD", value: "10.99" },
      custom_id: "RMA-1",
      invoice_id: "INV-SDK-1",
      note_to_payer: "Defective product"
    })

    const read = await payments.getRefund({ refundId: created.result.id! })
    assert.strictEqual(read.statusCode, 200)
    assert.strictEqual(read.result.status, RefundStatus.Pending, "reads never move a refund")
    await emu.clock.advance(PayPalEmulator.numbers.timing.settleAfterMillis)
    const settled = await payments.getRefund({ refundId: created.result.id! })
    assert.strictEqual(settled.result.status, RefundStatus.Completed)
    assert.strictEqual(settled.result.sellerPayableBreakdown?.totalRefundedAmount?.value, "10.99")
    assert.deepStrictEqual(settled.result.links?.map((l) => l.rel), ["self", "up"])
    assert.strictEqual(emu.tokenRequests(), 1, "the SDK reused its token")
  })

  it("answers the minimal representation by default and refunds what is left without a body", async () => {
    const capture = await emu.createPayment({ amount: 1500, currency: "EUR" })
    const minimal = await payments.refundCapturedPayment({ captureId: capture })
    assert.strictEqual(minimal.statusCode, 201)
    assert.deepStrictEqual(Object.keys(minimal.result).toSorted(), ["id", "links", "status"])
    assert.strictEqual(minimal.result.status, RefundStatus.Pending)
    const full = await payments.getRefund({ refundId: minimal.result.id! })
    assert.deepStrictEqual({ ...full.result.amount }, { currencyCode: "EUR", value: "15.00" })
  })

  it("replays a repeated PayPal-Request-Id: 200 with the same refund, one refund at the emulator", async () => {
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    const body = { amount: { currencyCode: "USD", value: "2.00" } }
    const first = await payments.refundCapturedPayment({ captureId: capture, paypalRequestId: "sdk-idem", body })
    const again = await payments.refundCapturedPayment({ captureId: capture, paypalRequestId: "sdk-idem", body })
    assert.strictEqual(first.statusCode, 201)
    assert.strictEqual(again.statusCode, 200)
    assert.strictEqual(again.result.id, first.result.id)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("parses 400 and 422 answers into CustomError with PayPal's name and issues", async () => {
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    const syntax = await failure(payments.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "usd", value: "1.00" } } }))
    assert.instanceOf(syntax, CustomError)
    assert.strictEqual((syntax as CustomError).statusCode, 400)
    assert.deepInclude(bodyOf(syntax), { name: "INVALID_REQUEST", message: "Request is not well-formed, syntactically incorrect, or violates schema." })
    assert.deepStrictEqual(bodyOf(syntax).details, [{
      field: "/amount/currency_code",
      value: "usd",
      location: "body",
      issue: "INVALID_PARAMETER_SYNTAX",
      description: "The value of a field does not conform to the expected format."
    }])

    const tooMuch = await failure(payments.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "USD", value: "10.01" } } }))
    assert.instanceOf(tooMuch, CustomError)
    assert.strictEqual((tooMuch as CustomError).statusCode, 422)
    assert.strictEqual(bodyOf(tooMuch).name, "UNPROCESSABLE_ENTITY")
    assert.strictEqual(bodyOf(tooMuch).details[0].issue, "REFUND_AMOUNT_EXCEEDED")
    assert.strictEqual(bodyOf(tooMuch).debug_id, (tooMuch as CustomError).headers["paypal-debug-id"])

    const decimals = await failure(payments.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "USD", value: "1.001" } } }))
    assert.strictEqual(bodyOf(decimals).details[0].issue, "DECIMAL_PRECISION")
    const currency = await failure(payments.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "EUR", value: "1.00" } } }))
    assert.strictEqual(bodyOf(currency).details[0].issue, "REFUND_CAPTURE_CURRENCY_MISMATCH")
    const fee = await failure(payments.refundCapturedPayment({
      captureId: capture,
      body: { amount: { currencyCode: "USD", value: "1.00" }, paymentInstruction: { platformFees: [{ amount: { currencyCode: "USD", value: "0.10" } }] } }
    }))
    assert.strictEqual((fee as CustomError).statusCode, 422)
    assert.strictEqual(bodyOf(fee).details[0].issue, "PLATFORM_FEE_NOT_ENABLED")
    assert.lengthOf(emu.refunds(), 0)

    await payments.refundCapturedPayment({ captureId: capture })
    const fully = await failure(payments.refundCapturedPayment({ captureId: capture }))
    assert.strictEqual(bodyOf(fully).details[0].issue, "CAPTURE_FULLY_REFUNDED")
  })

  it("parses 404 answers into CustomError RESOURCE_NOT_FOUND / INVALID_RESOURCE_ID", async () => {
    for (const call of [
      () => payments.refundCapturedPayment({ captureId: "ZZZZZZZZZZZZZZZZZ" }),
      () => payments.getRefund({ refundId: "ZZZZZZZZZZZZZZZZZ" })
    ]) {
      const error = await failure(call())
      assert.instanceOf(error, CustomError)
      assert.strictEqual((error as CustomError).statusCode, 404)
      assert.strictEqual(bodyOf(error).name, "RESOURCE_NOT_FOUND")
      assert.strictEqual(bodyOf(error).details[0].issue, "INVALID_RESOURCE_ID")
    }
  })

  it("parses the token endpoint's refusal into OAuthProviderError invalid_client", async () => {
    const error = await failure(sdk(emu, "not-the-secret").getRefund({ refundId: "ZZZZZZZZZZZZZZZZZ" }))
    // The package root exports the `OAuthProviderError` *enum* (models/) over the error class of the same name
    // (errors/), so the class is recognised by its base class and name.
    assert.instanceOf(error, ApiError)
    assert.strictEqual((error as ApiError).constructor.name, "OAuthProviderError")
    assert.strictEqual((error as ApiError).statusCode, 401)
    assert.strictEqual(bodyOf(error).error, OAuthProviderError.InvalidClient)
    assert.deepStrictEqual(bodyOf(error), { error: "invalid_client", error_description: "Client Authentication failed" })
    assert.deepStrictEqual(emu.requests().map((r) => r.path), ["/v1/oauth2/token"], "nothing else was sent")
  })

  it("parses a revoked token into CustomError AUTHENTICATION_FAILURE (401)", async () => {
    const fresh = sdk(emu)
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    await fresh.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "USD", value: "1.00" } } })
    emu.revokeTokens()
    const error = await failure(fresh.getRefund({ refundId: emu.refunds()[0]!.id }))
    assert.instanceOf(error, CustomError)
    assert.strictEqual((error as CustomError).statusCode, 401)
    assert.strictEqual(bodyOf(error).name, "AUTHENTICATION_FAILURE")
  })

  it("parses 409 PREVIOUS_REQUEST_IN_PROGRESS while the first request with the id is in flight", async () => {
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    const body = { amount: { currencyCode: "USD", value: "1.00" } }
    await payments.getRefund({ refundId: "ZZZZZZZZZZZZZZZZZ" }).catch(() => undefined) // fetch the token first
    emu.injectFault({ _tag: "Slow", delayMillis: 500 }, { path: "/v2/payments/captures/*" })
    const slow = payments.refundCapturedPayment({ captureId: capture, paypalRequestId: "sdk-busy", body })
    await until(() => emu.refunds().length === 1, "the slow request to be handled")
    const busy = await failure(payments.refundCapturedPayment({ captureId: capture, paypalRequestId: "sdk-busy", body }))
    assert.instanceOf(busy, CustomError)
    assert.strictEqual((busy as CustomError).statusCode, 409)
    assert.strictEqual(bodyOf(busy).name, "RESOURCE_CONFLICT")
    assert.strictEqual(bodyOf(busy).details[0].issue, "PREVIOUS_REQUEST_IN_PROGRESS")
    await emu.clock.advance(500)
    assert.strictEqual((await slow).statusCode, 201)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("parses injected 500, 503 and 429 the way the SDK declares them (ApiError for 500, CustomError otherwise)", async () => {
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    const path = "/v2/payments/captures/*"
    emu.injectFault({ _tag: "ServerError" }, { path })
    const internal = await failure(payments.refundCapturedPayment({ captureId: capture }))
    assert.instanceOf(internal, ApiError)
    assert.notInstanceOf(internal, CustomError, "payments.refundCapturedPayment declares 500 as ApiError")
    assert.strictEqual((internal as ApiError).statusCode, 500)
    assert.strictEqual(rawBodyOf(internal).name, "INTERNAL_SERVER_ERROR")
    emu.injectFault({ _tag: "ServerError", status: 503 }, { path })
    const unavailable = await failure(payments.refundCapturedPayment({ captureId: capture }))
    assert.instanceOf(unavailable, CustomError)
    assert.strictEqual((unavailable as CustomError).statusCode, 503)
    assert.strictEqual(rawBodyOf(unavailable).name, "SERVICE_UNAVAILABLE")
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { path })
    const limited = await failure(payments.refundCapturedPayment({ captureId: capture }))
    assert.instanceOf(limited, CustomError)
    assert.strictEqual((limited as CustomError).statusCode, 429)
    assert.strictEqual((limited as CustomError).headers["retry-after"], "3")
    assert.strictEqual(rawBodyOf(limited).name, "RATE_LIMIT_REACHED")
    assert.lengthOf(emu.refunds(), 0)
  })

  it("webhooks the SDK-made refund produces verify with the Java SDK's algorithm (no verifier in this SDK)", async () => {
    const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
    const created = await payments.refundCapturedPayment({ captureId: capture, body: { amount: { currencyCode: "USD", value: "4.00" } } })
    await emu.clock.advance(PayPalEmulator.numbers.timing.settleAfterMillis)
    await emu.flushWebhooks()
    assert.lengthOf(receiver.received, 1)
    const delivery = receiver.received[0]!
    const h = (name: string) => String(delivery.headers[name])
    const signed = `${h("paypal-transmission-id")}|${h("paypal-transmission-time")}|${emu.webhookSecret}|${crc32(Buffer.from(delivery.body)) >>> 0}`
    const key = new X509Certificate(emu.certificatePem).publicKey
    assert.isTrue(verify("sha256", Buffer.from(signed), key, Buffer.from(h("paypal-transmission-sig"), "base64")))
    const event = JSON.parse(delivery.body)
    assert.strictEqual(event.event_type, "PAYMENT.CAPTURE.REFUNDED")
    assert.strictEqual(event.resource.id, created.result.id)
    assert.strictEqual(event.resource.status, "COMPLETED")
  })
})

describe("the published PayPal vector (PayPal-Java-SDK ValidateCertTest; /work/shared/fixtures/webhooks/paypal)", () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/webhooks/paypal/${name}`, import.meta.url))
  const body = fixture("body.json")
  const transmissionSig = fixture("transmission_sig.txt").toString("utf8").trim()
  const certificatePem = fixture("testClientCert.crt").toString("utf8")
  const transmissionId = "071f7d20-1584-11e7-abf0-6b62a8a99ac4"
  const transmissionTime = "2017-03-30T20:04:05Z"

  it("the emulator's signed string and verifier agree with the published signature", () => {
    assert.strictEqual(body.length, 1636)
    assert.strictEqual(PayPalEmulator.bodyCrc32(body), "3494065244")
    const signed = PayPalEmulator.signedString(transmissionId, transmissionTime, "96605875FF6516633", body)
    assert.strictEqual(signed, "071f7d20-1584-11e7-abf0-6b62a8a99ac4|2017-03-30T20:04:05Z|96605875FF6516633|3494065244")
    assert.isTrue(verify("sha256", Buffer.from(signed), new X509Certificate(certificatePem).publicKey, Buffer.from(transmissionSig, "base64")))
    const input = { certificatePem, transmissionId, transmissionTime, transmissionSig, body }
    assert.isTrue(PayPalEmulator.verifyTransmission({ ...input, webhookId: "96605875FF6516633" }))
    // The Java SDK test's negatives: another webhook id, another body.
    assert.isFalse(PayPalEmulator.verifyTransmission({ ...input, webhookId: "NotToBeFound" }))
    assert.isFalse(PayPalEmulator.verifyTransmission({ ...input, webhookId: "96605875FF6516633", body: "{ something invalid }" }))
  })
})
