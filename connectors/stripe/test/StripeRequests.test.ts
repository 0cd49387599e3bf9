import { assert, describe, it } from "@effect/vitest"
import { ProcessorHttp } from "@refract/core"
import type { Connector } from "@refract/core"
import { Redacted, Result } from "effect"
import { StripeConnector, connector } from "@refract/stripe"
import type { StripeConnector as SC } from "@refract/stripe"
import { createRequest, reference } from "./helpers/Fixtures.ts"

const testKey = "sk_test_51QbXbzLkdIwHu7ixAbCdEfGhIjKlMnOpQrStUvWxYz"
const liveKey = "sk_live_51QbXbzLkdIwHu7ixAbCdEfGhIjKlMnOpQrStUvWxYz"

const context = (
  over: Partial<Connector.CreateContext<SC.StripeCredentials>> = {}
): Connector.CreateContext<SC.StripeCredentials> => ({
  credentials: { apiKey: Redacted.make(testKey) },
  environment: "sandbox",
  idempotencyKey: "refract-order-42-r1",
  ...over
})

const build = (input: Parameters<typeof createRequest>[0], ctx = context()) => connector.create.build(createRequest(input), ctx)

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}

const failure = <A, E>(result: Result.Result<A, E>): E => {
  if (Result.isSuccess(result)) assert.fail(`expected failure, got ${JSON.stringify(result.success)}`)
  return result.failure
}

const formOf = (request: ProcessorHttp.ProcessorRequest): string => {
  assert.strictEqual(request.body?._tag, "Form")
  return request.body?._tag === "Form" ? ProcessorHttp.encodeForm(request.body.fields) : ""
}

const amountOf = (amount: number, currency: string) => {
  const form = new URLSearchParams(formOf(ok(build({
    merchantRefundId: "r-1",
    connectorTransactionId: "ch_1",
    amount: { amount, currency }
  }))))
  return [form.get("amount"), form.has("currency")]
}

const reasonOf = (reason: "duplicate" | "fraudulent" | "requested_by_customer" | "other") =>
  new URLSearchParams(formOf(ok(build({
    merchantRefundId: "r-1",
    connectorTransactionId: "ch_1",
    amount: { amount: 100, currency: "USD" },
    reason
  })))).get("reason")

const withMetadata = (metadata: Record<string, string>) =>
  build({ merchantRefundId: "r-1", connectorTransactionId: "ch_1", amount: { amount: 100, currency: "USD" }, metadata })

describe("create request", () => {
  it("refunds a charge: POST /v1/refunds, exact form body, Idempotency-Key", () => {
    const request = ok(build({
      merchantRefundId: "order-42-r1",
      connectorTransactionId: "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n",
      amount: { amount: 1050, currency: "USD" },
      reason: "requested_by_customer",
      metadata: { order: "42", "note key": "a b&c=d" }
    }))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, "/v1/refunds")
    assert.strictEqual(request.query, undefined)
    assert.deepStrictEqual(request.headers, { "Idempotency-Key": "refract-order-42-r1" })
    assert.strictEqual(
      formOf(request),
      "charge=ch_3QbXc2LkdIwHu7ix0Xr5Lm4n&amount=1050&reason=requested_by_customer" +
        "&metadata%5Bmerchant_refund_id%5D=order-42-r1&metadata%5Border%5D=42&metadata%5Bnote+key%5D=a+b%26c%3Dd"
    )
  })

  it("refunds a payment intent with payment_intent, and a py_ payment with charge", () => {
    const pi = ok(build({ merchantRefundId: "r-1", connectorTransactionId: "pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y", amount: { amount: 1, currency: "EUR" } }))
    assert.strictEqual(formOf(pi), "payment_intent=pi_3QbXc2LkdIwHu7ix0Hn1Ww6Y&amount=1&metadata%5Bmerchant_refund_id%5D=r-1")
    const py = ok(build({ merchantRefundId: "r-2", connectorTransactionId: "py_3QbXd9LkdIwHu7ix1Ja9Zb6C", amount: { amount: 7, currency: "GBP" } }))
    assert.strictEqual(formOf(py), "charge=py_3QbXd9LkdIwHu7ix1Ja9Zb6C&amount=7&metadata%5Bmerchant_refund_id%5D=r-2")
  })

  it("sends integer minor units whatever the currency's exponent (USD 2, JPY 0, KWD 3), and never `currency`", () => {
    // Stripe refuses `currency` on refunds of charges and payment intents: the refund takes the charge's currency.
    assert.deepStrictEqual(amountOf(1050, "USD"), ["1050", false]) // $10.50
    assert.deepStrictEqual(amountOf(1050, "JPY"), ["1050", false]) // ¥1050
    assert.deepStrictEqual(amountOf(1050, "KWD"), ["1050", false]) // 1.050 KWD
    assert.deepStrictEqual(amountOf(9007199254740991, "USD"), ["9007199254740991", false]) // no exponent or float formatting
  })

  it("refuses ISK and MGA, whose Stripe scale differs from ISO 4217 (a 100x error), before any request", () => {
    for (const currency of ["ISK", "MGA"]) {
      const reason = failure(build({ merchantRefundId: "r-1", connectorTransactionId: "ch_1", amount: { amount: 10000, currency } }))
      assert.strictEqual(reason._tag, "InvalidRequest", currency)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "amount")
      assert.include(reason.message, currency)
    }
    // Same-scale special cases go through unchanged: HUF and TWD are two-decimal, UGX zero-decimal.
    assert.deepStrictEqual(amountOf(150000, "HUF"), ["150000", false])
    assert.deepStrictEqual(amountOf(5000, "UGX"), ["5000", false])
  })

  it("maps reasons: duplicate, fraudulent, requested_by_customer are sent; other is omitted", () => {
    assert.strictEqual(reasonOf("duplicate"), "duplicate")
    assert.strictEqual(reasonOf("fraudulent"), "fraudulent")
    assert.strictEqual(reasonOf("requested_by_customer"), "requested_by_customer")
    assert.strictEqual(reasonOf("other"), null)
  })

  it("refuses a transaction id that is not a charge or payment intent, before any request", () => {
    for (const id of ["re_123", "txn_1", "cus_1", "ch", "pi_", "ch_a.b", "CH_1", "pm_1QbXbz"]) {
      const reason = failure(build({ merchantRefundId: "r-1", connectorTransactionId: id, amount: { amount: 100, currency: "USD" } }))
      assert.strictEqual(reason._tag, "InvalidRequest", id)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "connectorTransactionId")
    }
  })

  it("validates metadata against Stripe's limits and reserves merchant_refund_id", () => {
    const invalid = (metadata: Record<string, string>) => {
      const reason = failure(withMetadata(metadata))
      assert.strictEqual(reason._tag, "InvalidRequest")
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "metadata")
    }
    invalid({ merchant_refund_id: "someone-else" })
    invalid({ "a[b]": "x" })
    invalid({ ["k".repeat(41)]: "x" })
    invalid({ k: "v".repeat(501) })
    invalid(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"])))
    // 49 user keys + merchant_refund_id = 50: accepted; the same merchant id is not sent twice
    const fine = ok(withMetadata({ ...Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, "v"])), merchant_refund_id: "r-1" }))
    const fields = fine.body?._tag === "Form" ? fine.body.fields : []
    assert.strictEqual(fields.filter(([k]) => k.startsWith("metadata[")).length, 50)
    assert.strictEqual(fields.filter(([k]) => k === "metadata[merchant_refund_id]").length, 1)
  })

  it("rejects a key whose mode contradicts the environment when bound, naming no key", () => {
    const validate = connector.validate!
    const sandboxLive = validate({ apiKey: Redacted.make(liveKey) }, "sandbox")
    const productionTest = validate({ apiKey: Redacted.make(testKey) }, "production")
    const restrictedLive = validate({ apiKey: Redacted.make("rk_live_abc") }, "sandbox")
    for (const problem of [sandboxLive, productionTest, restrictedLive]) {
      assert.isDefined(problem)
      for (const secret of [testKey, liveKey, "rk_live_abc"]) assert.notInclude(problem!, secret)
    }
    // The right pairs are accepted.
    assert.isUndefined(validate({ apiKey: Redacted.make(liveKey) }, "production"))
    assert.isUndefined(validate({ apiKey: Redacted.make("rk_test_abc") }, "sandbox"))
  })
})

describe("get request", () => {
  it("GET /v1/refunds/{id} for re_ and pyr_ ids", () => {
    const ctx = { credentials: { apiKey: Redacted.make(testKey) }, environment: "sandbox" } as const
    assert.deepStrictEqual(ok(connector.get!.build(reference("re_3QbXc2LkdIwHu7ix0fN8sQ2m"), ctx)), {
      method: "GET",
      path: "/v1/refunds/re_3QbXc2LkdIwHu7ix0fN8sQ2m"
    })
    assert.strictEqual(ok(connector.get!.build(reference("pyr_1QbXbzLkdIwHu7ix"), ctx)).path, "/v1/refunds/pyr_1QbXbzLkdIwHu7ix")
  })

  it("refuses other ids before any request", () => {
    const ctx = { credentials: { apiKey: Redacted.make(testKey) }, environment: "sandbox" } as const
    for (const id of ["ch_1", "pi_1", "re_", "re_a.b", "re_1:2", "rf_1", "RE_1"]) {
      const reason = failure(connector.get!.build(reference(id), ctx))
      assert.strictEqual(reason._tag, "InvalidRequest", id)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "connectorRefundId")
    }
  })
})

describe("lookup request", () => {
  const ctx = { credentials: { apiKey: Redacted.make(testKey) }, environment: "sandbox" } as const
  it("lists the payment's refunds by charge or payment_intent", () => {
    assert.deepStrictEqual(ok(connector.lookup!.build({ merchantRefundId: "r-1", connectorTransactionId: "ch_1" }, ctx)), {
      method: "GET",
      path: "/v1/refunds",
      query: { charge: "ch_1", limit: "100" }
    })
    assert.deepStrictEqual(ok(connector.lookup!.build({ merchantRefundId: "r-1", connectorTransactionId: "pi_1" }, ctx)).query, {
      payment_intent: "pi_1",
      limit: "100"
    })
  })
  it("refuses other ids", () => {
    const reason = failure(connector.lookup!.build({ merchantRefundId: "r-1", connectorTransactionId: "re_1" }, ctx))
    assert.strictEqual(reason._tag, "InvalidRequest")
  })
})

describe("auth and connector description", () => {
  it("sends Bearer <key> as Redacted, the pinned Stripe-Version, and Stripe-Account for Connect", () => {
    assert.strictEqual(connector.auth._tag, "Static")
    if (connector.auth._tag !== "Static") return
    const headers = connector.auth.headers({ apiKey: Redacted.make(testKey) })
    const authorization = headers["Authorization"]!
    assert.isTrue(Redacted.isRedacted(authorization))
    assert.strictEqual(ProcessorHttp.revealHeader(authorization), `Bearer ${testKey}`)
    assert.notInclude(String(authorization), testKey)
    assert.notInclude(JSON.stringify(headers), testKey)
    assert.strictEqual(headers["Stripe-Version"], StripeConnector.STRIPE_API_VERSION)
    assert.match(StripeConnector.STRIPE_API_VERSION, /^\d{4}-\d{2}-\d{2}\.[a-z]+$/)
    assert.strictEqual(headers["Stripe-Account"], undefined)
    const connect = connector.auth.headers({ apiKey: Redacted.make(testKey), stripeAccount: "acct_1QbXbzLkdIwHu7ix" })
    assert.strictEqual(connect["Stripe-Account"], "acct_1QbXbzLkdIwHu7ix")
  })

  it("declares id, capabilities, environments, key rules, secret headers and rate", () => {
    assert.strictEqual(connector.id, "stripe")
    assert.strictEqual(connector.displayName, "Stripe")
    assert.deepStrictEqual(connector.capabilities, {
      create: true,
      get: true,
      lookup: true,
      lookupFindsPending: true,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      reportsReversals: true,
      cancellation: true,
      cancelRefund: true,
      list: true,
      reports: false
    })
    assert.deepStrictEqual(connector.environments, { sandbox: "https://api.stripe.com", production: "https://api.stripe.com" })
    assert.deepStrictEqual(connector.idempotencyKey, { maxLength: 255, windowMillis: 24 * 60 * 60 * 1000 })
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
    assert.deepStrictEqual(connector.rateLimit, { requestsPerSecond: 25 })
    assert.deepStrictEqual(connector.webhooks?.acknowledgement, { status: 200, contentType: "application/json", body: "{\"received\":true}" })
  })

  it("key pattern accepts secret and restricted keys of both modes only", () => {
    const pattern = connector.credentials.apiKey.pattern
    for (const k of [testKey, liveKey, "rk_test_abc", "rk_live_a_b"]) assert.isTrue(pattern.test(k), k)
    for (const k of ["pk_test_abc", "sk_abc", "sk_test_", "whsec_abc", "sk_test_a b", "sk_prod_abc"]) assert.isFalse(pattern.test(k), k)
    assert.strictEqual(connector.credentials.apiKey.env, "STRIPE_API_KEY")
    assert.strictEqual(connector.credentials.stripeAccount.env, "STRIPE_ACCOUNT")
    assert.isFalse(connector.credentials.stripeAccount.secret)
    assert.strictEqual(connector.webhooks?.secrets.signingSecret.env, "STRIPE_WEBHOOK_SECRET")
  })
})
