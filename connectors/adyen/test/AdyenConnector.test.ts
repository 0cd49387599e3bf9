import { assert, describe, it } from "@effect/vitest"
import { BoundConnector, ConnectorRegistry, Idempotency, Money, RefundService } from "@refract/core"
import type { ProcessorHttp, Refund } from "@refract/core"
import { ConfigProvider, Effect, Layer, Redacted, Result } from "effect"
import * as Adyen from "@refract/adyen"
import { AdyenConnector, AdyenSchema, connector } from "@refract/adyen"
import { scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Script } from "@refract/testkit/connector/ConnectorTest"
import { apiKey, createContext, createRequest, credentials, fixtureJson, fixtureText, merchantAccount, paymentPsp, refundPsp } from "./helpers.ts"

const build = (request: Refund.CreateRefundRequest, key = "refract-order-42-r1") => connector.create.build(request, createContext(key))

const built = (request: Refund.CreateRefundRequest, key?: string): ProcessorHttp.ProcessorRequest => {
  const result = build(request, key)
  if (Result.isFailure(result)) throw new Error(`build failed: ${result.failure.message}`)
  return result.success
}

const jsonBody = (request: ProcessorHttp.ProcessorRequest): unknown => {
  assert.strictEqual(request.body?._tag, "Json")
  return request.body?._tag === "Json" ? request.body.value : undefined
}

describe("the connector value", () => {
  it("declares Adyen's capabilities: create and webhooks, no status endpoint", () => {
    assert.strictEqual(connector.id, "adyen")
    assert.strictEqual(connector.displayName, "Adyen")
    assert.deepStrictEqual(connector.capabilities, {
      create: true,
      get: false,
      lookup: false,
      lookupFindsPending: false,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: false,
      reportsReversals: true,
      cancellation: false,
      cancelRefund: false,
      list: false,
      reports: true
    })
    assert.isUndefined(connector.get)
    assert.isUndefined(connector.lookup)
    assert.strictEqual(connector.idempotencyKey.maxLength, 64)
    assert.deepStrictEqual(connector.secretHeaders, ["x-api-key"])
    assert.isUndefined(connector.rateLimit)
    assert.deepStrictEqual(connector.webhooks?.acknowledgement, { status: 200, contentType: "text/plain", body: "[accepted]" })
  })

  it("is exported at the package root for the PaymentClient", () => {
    assert.strictEqual(Adyen.connector, connector)
    assert.strictEqual(Adyen.AdyenRefunds, AdyenConnector.AdyenRefunds)
  })

  it("authenticates with X-API-Key, kept Redacted", () => {
    assert.strictEqual(connector.auth._tag, "Static")
    if (connector.auth._tag !== "Static") return
    const headers = connector.auth.headers(credentials)
    const value = headers["X-API-Key"]
    assert.isTrue(value !== undefined && Redacted.isRedacted(value))
    assert.strictEqual(Redacted.value(value as Redacted.Redacted<string>), apiKey)
    assert.notInclude(String(value), apiKey)
  })
})

describe("create: request builder", () => {
  it("POSTs /payments/{pspReference}/refunds with the exact JSON and the idempotency key", () => {
    const request = built(createRequest({ reason: "requested_by_customer" }), "refract-order-42-r1")
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, `/payments/${paymentPsp}/refunds`)
    assert.isUndefined(request.absoluteUrl)
    assert.isUndefined(request.query)
    assert.deepStrictEqual(request.headers, { "Idempotency-Key": "refract-order-42-r1" })
    assert.deepStrictEqual(jsonBody(request), {
      merchantAccount,
      amount: { currency: "EUR", value: 2_500 },
      reference: "order-42-r1",
      merchantRefundReason: "CUSTOMER REQUEST"
    })
  })

  it("has the shape of Adyen's own example request", () => {
    const example = fixtureJson<Record<string, unknown>>("refund-request.json")
    const body = jsonBody(built(createRequest())) as Record<string, unknown>
    assert.deepStrictEqual(Object.keys(body).toSorted(), Object.keys(example).toSorted())
  })

  it("maps the refund reasons to merchantRefundReason", () => {
    const expected = { duplicate: "DUPLICATE", fraudulent: "FRAUD", requested_by_customer: "CUSTOMER REQUEST", other: "OTHER" } as const
    for (const [reason, wire] of Object.entries(expected)) {
      const body = jsonBody(built(createRequest({ reason: reason as Refund.RefundReason }))) as Record<string, unknown>
      assert.strictEqual(body["merchantRefundReason"], wire)
    }
    const none = jsonBody(built(createRequest())) as Record<string, unknown>
    assert.isFalse("merchantRefundReason" in none)
  })

  it("does not send metadata (Adyen refunds have none)", () => {
    const body = jsonBody(built(createRequest({ metadata: { order: "42" } }))) as Record<string, unknown>
    assert.isFalse("metadata" in body)
  })

  it("sends minor units with the currency's exponent: JPY (0) and KWD (3)", () => {
    const jpy = jsonBody(built(createRequest({ amount: { amount: 1_234, currency: "JPY" } })))
    assert.deepStrictEqual((jpy as { amount: unknown }).amount, { currency: "JPY", value: 1_234 })
    const kwd = jsonBody(built(createRequest({ amount: { amount: 1_234, currency: "KWD" } })))
    assert.deepStrictEqual((kwd as { amount: unknown }).amount, { currency: "KWD", value: 1_234 })
    const usd = jsonBody(built(createRequest({ amount: { amount: 1_050, currency: "usd" } })))
    assert.deepStrictEqual((usd as { amount: unknown }).amount, { currency: "USD", value: 1_050 })
  })

  it("converts the currencies where Adyen's minor unit differs from ISO 4217", () => {
    // ISK: ISO 0 decimals, Adyen 2. IDR: ISO 2, Adyen 0.
    const isk = jsonBody(built(createRequest({ amount: { amount: 1_234, currency: "ISK" } })))
    assert.deepStrictEqual((isk as { amount: unknown }).amount, { currency: "ISK", value: 123_400 })
    const idr = jsonBody(built(createRequest({ amount: { amount: 150_000, currency: "IDR" } })))
    assert.deepStrictEqual((idr as { amount: unknown }).amount, { currency: "IDR", value: 1_500 })
    const fractional = build(createRequest({ amount: { amount: 150_050, currency: "IDR" } }))
    assert.isTrue(Result.isFailure(fractional))
    if (Result.isFailure(fractional)) {
      assert.strictEqual(fractional.failure._tag, "InvalidRequest")
      assert.strictEqual(fractional.failure._tag === "InvalidRequest" ? fractional.failure.field : undefined, "amount")
    }
  })

  it("refuses a malformed pspReference before sending anything", () => {
    const valid = createRequest()
    for (const id of ["abc", "993617894903480", "993617894903480A1", "99361789490348-A", "9936178949.3480A", "has space 123456", "../../payments/x"]) {
      const result = build({ ...valid, connectorTransactionId: id } as Refund.CreateRefundRequest)
      assert.isTrue(Result.isFailure(result), id)
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "InvalidRequest")
        assert.strictEqual(result.failure._tag === "InvalidRequest" ? result.failure.field : undefined, "connectorTransactionId")
      }
    }
  })
})

const ok = (body: string, status = 201): ProcessorHttp.ProcessorResponse => ({ status, headers: {}, body })

describe("create: response parser", () => {
  it("reads Adyen's 201 example into a Pending snapshot", () => {
    const request = createRequest({ merchantRefundId: "YOUR_UNIQUE_REFERENCE", amount: { amount: 2_500, currency: "EUR" } })
    const result = connector.create.parse(ok(fixtureText("refund-201.json")), request, createContext())
    assert.isTrue(Result.isSuccess(result))
    if (Result.isFailure(result)) return
    const snapshot = result.success
    assert.strictEqual(snapshot.connectorRefundId, refundPsp)
    assert.strictEqual(snapshot.connectorTransactionId, paymentPsp)
    assert.strictEqual(snapshot.merchantRefundId, "YOUR_UNIQUE_REFERENCE")
    assert.strictEqual(snapshot.status, "Pending")
    assert.strictEqual(snapshot.rawStatus, "received")
    assert.isTrue(Money.equals(snapshot.amount!, Money.make(2_500, "EUR")))
  })

  it("converts the answered amount back to ISO minor units", () => {
    const body = JSON.stringify({ pspReference: refundPsp, status: "received", amount: { currency: "ISK", value: 123_400 } })
    const result = connector.create.parse(ok(body), createRequest({ amount: { amount: 1_234, currency: "ISK" } }), createContext())
    assert.isTrue(Result.isSuccess(result) && Money.equals(result.success.amount!, Money.make(1_234, "ISK")))
  })

  it("anything but a received PaymentRefundResponse is UnexpectedResponse", () => {
    const bodies = [
      "<html>Service Unavailable</html>",
      "",
      "{\"pspReference\":\"993617894906488A\",\"status\":\"rec",
      "{}",
      "[]",
      JSON.stringify({ pspReference: refundPsp, status: "authorised" }),
      JSON.stringify({ status: "received" }),
      JSON.stringify({ pspReference: "has space", status: "received" }),
      JSON.stringify({ pspReference: refundPsp, status: "received", amount: { currency: "XXX", value: 1 } })
    ]
    for (const body of bodies) {
      const result = connector.create.parse(ok(body, 200), createRequest(), createContext())
      assert.isTrue(Result.isFailure(result), body)
      if (Result.isFailure(result)) assert.strictEqual(result.failure._tag, "UnexpectedResponse", body)
    }
  })
})

const bind = (options: Partial<BoundConnector.ConnectorOptions> & { credentials: BoundConnector.ConnectorOptions["credentials"] }) =>
  BoundConnector.bind(connector, options)

describe("environments", () => {
  it.effect("sandbox is Adyen's test Checkout v71", () =>
    Effect.gen(function*() {
      const bound = yield* bind({ credentials: { apiKey, merchantAccount } })
      assert.strictEqual(bound.baseUrl, "https://checkout-test.adyen.com/v71")
    }))

  it.effect("production fills the live endpoint prefix", () =>
    Effect.gen(function*() {
      const bound = yield* bind({
        credentials: { apiKey, merchantAccount, liveEndpointPrefix: "1797a841fbb37ca7-AdyenDemo" },
        environment: "production"
      })
      assert.strictEqual(bound.baseUrl, "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71")
    }))

  it.effect("production without the prefix is a Configuration error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(bind({ credentials: { apiKey, merchantAccount }, environment: "production" }))
      assert.strictEqual(error.reason._tag, "Configuration")
      assert.include(error.reason.message, "liveEndpointPrefix")
      assert.notInclude(error.message, apiKey)
    }))

  it.effect("a malformed prefix, account or key is refused without echoing it", () =>
    Effect.gen(function*() {
      const badPrefix = yield* Effect.flip(bind({
        credentials: { apiKey, merchantAccount, liveEndpointPrefix: "evil.example.com/x?" },
        environment: "production"
      }))
      assert.strictEqual(badPrefix.reason._tag, "Configuration")
      assert.notInclude(badPrefix.message, "evil.example.com")
      const badKey = yield* Effect.flip(bind({ credentials: { apiKey: "secret with\nnewline", merchantAccount } }))
      assert.strictEqual(badKey.reason._tag, "Configuration")
      assert.include(badKey.message, "apiKey is malformed")
      assert.notInclude(badKey.message, "secret with")
      const badAccount = yield* Effect.flip(bind({ credentials: { apiKey, merchantAccount: "not an account!" } }))
      assert.include(badAccount.message, "merchantAccount is malformed")
    }))

  it.effect("an odd-length or non-hex HMAC key is refused", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(bind({ credentials: { apiKey, merchantAccount }, webhookSecrets: { hmacKey: "ABC" } }))
      assert.strictEqual(error.reason._tag, "Configuration")
      assert.include(error.message, "hmacKey is malformed")
      assert.notInclude(error.message, ": ABC")
    }))
})

const serviceLayer = (http: Script, options: Partial<AdyenConnector.AdyenOptions> = {}) =>
  services(AdyenConnector.layer({ apiKey, merchantAccount, ...options }), http.layer)

describe("through the core services", () => {
  const created201 = JSON.stringify({
    merchantAccount,
    paymentPspReference: paymentPsp,
    pspReference: refundPsp,
    reference: "order-42-r1",
    status: "received",
    amount: { currency: "EUR", value: 2_500 }
  })

  it.effect("get is Unsupported (Adyen has no status endpoint) and sends nothing", () => {
    const http = scripted(() => ({ status: 500, body: "" }))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const error = yield* Effect.flip(service.get("adyen", refundPsp))
      assert.strictEqual(error._tag, "RefundError")
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual(error.reason._tag === "Unsupported" ? error.reason.capability : "", "refund-status endpoint")
      const lookup = yield* Effect.flip(service.lookup("adyen", { merchantRefundId: "order-42-r1", connectorTransactionId: paymentPsp }))
      assert.strictEqual(lookup.reason._tag, "Unsupported")
      assert.strictEqual(http.requests.length, 0)
    }).pipe(Effect.provide(serviceLayer(http)))
  })

  it.effect("create answers Pending through the generic service, with the exact wire request", () => {
    const http = scripted(() => ({ status: 201, body: created201, headers: { "content-type": "application/json" } }))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const refund = yield* service.create("adyen", {
        merchantRefundId: "order-42-r1",
        connectorTransactionId: paymentPsp,
        amount: { amount: 2_500, currency: "EUR" },
        reason: "requested_by_customer"
      })
      assert.strictEqual(refund.connector, "adyen")
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(refund.simpleStatus, "PENDING")
      assert.strictEqual(refund.rawStatus, "received")
      assert.strictEqual(refund.connectorRefundId, refundPsp)
      assert.strictEqual(refund.connectorTransactionId, paymentPsp)
      assert.strictEqual(refund.merchantRefundId, "order-42-r1")
      assert.strictEqual(http.requests.length, 1)
      const sent = http.requests[0]!
      assert.strictEqual(sent.method, "POST")
      assert.strictEqual(sent.url, `https://checkout-test.adyen.com/v71/payments/${paymentPsp}/refunds`)
      assert.strictEqual(sent.headers["x-api-key"], apiKey)
      assert.strictEqual(sent.headers["idempotency-key"], Idempotency.derive("order-42-r1", connector.idempotencyKey))
      assert.strictEqual(sent.headers["idempotency-key"], "refract-order-42-r1")
      assert.include(sent.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(JSON.parse(sent.body), {
        merchantAccount,
        amount: { currency: "EUR", value: 2_500 },
        reference: "order-42-r1",
        merchantRefundReason: "CUSTOMER REQUEST"
      })
    }).pipe(Effect.provide(serviceLayer(http)))
  })

  it.effect("AdyenRefunds is the same client, bound to Adyen", () => {
    const http = scripted(() => ({ status: 201, body: created201 }))
    return Effect.gen(function*() {
      const client = yield* AdyenConnector.AdyenRefunds
      assert.strictEqual(client.connector, "adyen")
      assert.isFalse(client.capabilities.get)
      const refund = yield* client.create({
        merchantRefundId: "order-42-r1",
        connectorTransactionId: paymentPsp,
        amount: { amount: 2_500, currency: "EUR" }
      })
      assert.strictEqual(refund.status, "Pending")
    }).pipe(Effect.provide(serviceLayer(http)))
  })

  it.effect("an Adyen 422 167 is a NotFound RefundError with Adyen's code and reference, not retried", () => {
    const http = scripted(() => ({
      status: 422,
      body: JSON.stringify({
        status: 422,
        errorCode: "167",
        message: "Original pspReference required for this operation",
        errorType: "validation",
        pspReference: "8816118280275544"
      })
    }))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const error = yield* Effect.flip(service.create("adyen", {
        merchantRefundId: "order-42-r1",
        connectorTransactionId: paymentPsp,
        amount: { amount: 2_500, currency: "EUR" }
      }))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.strictEqual(error.httpStatus, 422)
      assert.strictEqual(error.processorCode, "167")
      assert.strictEqual(error.requestId, "8816118280275544")
      assert.strictEqual(error.attempts, 1)
      assert.strictEqual(http.requests.length, 1)
    }).pipe(Effect.provide(serviceLayer(http)))
  })

  it.effect("a rejected API key is Authentication, and no message carries the key", () => {
    const http = scripted(() => ({
      status: 401,
      body: JSON.stringify({ status: 401, errorCode: "000", message: "HTTP Status Response - Unauthorized", errorType: "security" })
    }))
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const error = yield* Effect.flip(service.create("adyen", {
        merchantRefundId: "order-42-r1",
        connectorTransactionId: paymentPsp,
        amount: { amount: 2_500, currency: "EUR" }
      }))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(`${error.message} ${JSON.stringify(error)} ${String(error)}`, apiKey)
    }).pipe(Effect.provide(serviceLayer(http)))
  })

  it.live("a 5xx with Transient-Error: true is retried under the same idempotency key", () => {
    const http = scripted((_, index) =>
      index === 0
        ? {
          status: 500,
          body: JSON.stringify({ status: 500, errorCode: "000", message: "Internal error", errorType: "internal" }),
          headers: { "transient-error": "true" }
        }
        : { status: 201, body: created201 }
    )
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const refund = yield* service.create("adyen", {
        merchantRefundId: "order-42-r1",
        connectorTransactionId: paymentPsp,
        amount: { amount: 2_500, currency: "EUR" }
      })
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(http.requests.length, 2)
      assert.strictEqual(http.requests[0]!.headers["idempotency-key"], http.requests[1]!.headers["idempotency-key"])
    }).pipe(Effect.provide(serviceLayer(http, { retry: { baseDelayMillis: 1, maxDelayMillis: 5 } })))
  })
})

const fromEnv = (env: Record<string, string>) => {
  const http = scripted(() => ({ status: 500, body: "" }))
  return AdyenConnector.layerConfig().pipe(
    Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer),
    Layer.provide(http.layer),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
  )
}

describe("layerConfig", () => {
  const hmacKey = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"

  it.effect("reads ADYEN_* variables", () =>
    Effect.gen(function*() {
      const client = yield* AdyenConnector.AdyenRefunds
      assert.strictEqual(client.connector, "adyen")
      const registry = yield* ConnectorRegistry.ConnectorRegistry
      const bound = yield* registry.get("adyen")
      assert.strictEqual(bound.environment, "production")
      assert.strictEqual(bound.baseUrl, "https://abc123-Shop-checkout-live.adyenpayments.com/checkout/v71")
      assert.strictEqual(bound.credentials.merchantAccount, merchantAccount)
      assert.isTrue(bound.webhookSecrets._tag === "Some")
    }).pipe(Effect.provide(fromEnv({
      ADYEN_API_KEY: apiKey,
      ADYEN_MERCHANT_ACCOUNT: merchantAccount,
      ADYEN_LIVE_ENDPOINT_PREFIX: "abc123-Shop",
      ADYEN_ENVIRONMENT: "production",
      ADYEN_HMAC_KEY: hmacKey
    }))))

  it.effect("a missing ADYEN_API_KEY is a Configuration error naming it, without any secret", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.gen(function*() {
          yield* AdyenConnector.AdyenRefunds
        }).pipe(
          Effect.provide(fromEnv({ ADYEN_MERCHANT_ACCOUNT: merchantAccount, ADYEN_HMAC_KEY: hmacKey }))
        )
      )
      assert.strictEqual(error._tag, "RefundError")
      if (error._tag !== "RefundError") return
      assert.strictEqual(error.reason._tag, "Configuration")
      assert.include(error.reason.message, "ADYEN_API_KEY")
      assert.notInclude(error.message, hmacKey)
      assert.notInclude(JSON.stringify(error), hmacKey)
    }))

  it.effect("a malformed ADYEN_API_KEY is refused without echoing it", () =>
    Effect.gen(function*() {
      const secret = "has spaces in the key"
      const error = yield* Effect.flip(
        Effect.gen(function*() {
          yield* AdyenConnector.AdyenRefunds
        }).pipe(
          Effect.provide(fromEnv({ ADYEN_API_KEY: secret, ADYEN_MERCHANT_ACCOUNT: merchantAccount }))
        )
      )
      assert.strictEqual(error._tag, "RefundError")
      assert.notInclude(error.message, secret)
      assert.notInclude(JSON.stringify(error), secret)
    }))
})

describe("AdyenSchema amounts", () => {
  it("round-trips through Adyen's minor units", () => {
    for (const [amount, currency] of [[1_050, "USD"], [1_234, "JPY"], [1_234, "KWD"], [7, "CLP"], [9, "ISK"], [300, "IDR"], [500, "CVE"]] as const) {
      const money = Money.make(amount, currency)
      const wire = AdyenSchema.toAdyenAmount(money)
      assert.isTrue(Result.isSuccess(wire), currency)
      if (Result.isFailure(wire)) continue
      const back = AdyenSchema.fromAdyenAmount(wire.success)
      assert.isTrue(Result.isSuccess(back) && Money.equals(back.success, money), currency)
    }
  })

  it("refuses what cannot be expressed exactly", () => {
    assert.isTrue(Result.isFailure(AdyenSchema.toAdyenAmount(Money.make(1, "CVE"))))
    assert.isTrue(Result.isFailure(AdyenSchema.fromAdyenAmount({ currency: "ISK", value: 150 })))
    assert.isTrue(Result.isFailure(AdyenSchema.fromAdyenAmount({ currency: "EUR", value: 1.5 })))
    assert.isTrue(Result.isFailure(AdyenSchema.fromAdyenAmount({ currency: "ZZZ", value: 1 })))
  })
})
