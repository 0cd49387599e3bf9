import { assert, describe, it } from "@effect/vitest"
import { Credentials, ProcessorHttp } from "@refract/core"
import { Redacted, Result } from "effect"
import { CheckoutConnector, CheckoutSchema, connector } from "@refract/checkout"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import {
  actionId,
  buildContext,
  createContext,
  createRequest,
  credentials,
  liveKey,
  paymentId,
  reference,
  refundId,
  sandboxKey
} from "./helpers/Fixtures.ts"

const build = (input: Parameters<typeof createRequest>[0] = {}) => connector.create.build(createRequest(input), createContext())

const sentAmount = (amount: number, currency: string) => {
  const body = ok(build({ amount: { amount, currency } })).body
  return body?._tag === "Json" ? (body.value as { amount: number }).amount : undefined
}

const invalidField = (result: Result.Result<unknown, { readonly _tag: string }>): string | undefined => {
  const reason = failure(result) as { readonly _tag: string; readonly field?: string }
  assert.strictEqual(reason._tag, "InvalidRequest")
  return reason.field
}

describe("create request", () => {
  it("POST /payments/{id}/refunds with the exact JSON body and Cko-Idempotency-Key", () => {
    const request = ok(build({ metadata: { order: "42", note: "a b&c=d" }, reason: "requested_by_customer" }))
    assert.deepStrictEqual(request, {
      method: "POST",
      path: `/payments/${paymentId}/refunds`,
      headers: { "Cko-Idempotency-Key": "refract-order-42-r1" },
      body: { _tag: "Json", value: { amount: 1050, reference: "order-42-r1", metadata: { order: "42", note: "a b&c=d" } } }
    })
    // Serialised as Checkout reads it: amount in minor units, reference = merchant refund id; the reason has no field.
    assert.strictEqual(
      JSON.stringify(request.body?._tag === "Json" ? request.body.value : undefined),
      "{\"amount\":1050,\"reference\":\"order-42-r1\",\"metadata\":{\"order\":\"42\",\"note\":\"a b&c=d\"}}"
    )
  })

  it("omits empty metadata", () => {
    const request = ok(build({ metadata: {} }))
    assert.deepStrictEqual(request.body, { _tag: "Json", value: { amount: 1050, reference: "order-42-r1" } })
  })

  it("sends amounts in minor units with the currency's exponent, unchanged", () => {
    assert.strictEqual(sentAmount(1234, "JPY"), 1234)
    assert.strictEqual(sentAmount(1234, "KWD"), 1234)
    assert.strictEqual(sentAmount(1, "USD"), 1)
    assert.strictEqual(sentAmount(999_999_999, "GBP"), 999_999_999)
  })

  it("refuses a malformed payment id before anything is sent", () => {
    for (const id of ["pay_awlo4m4phelezkhsj4egc6d35", "pay_AWLO4M4PHELEZKHSJ4EGC6D35Q", "act_rzy3fxofo3lufmjzaismfzjiae", "ch_3QbXc2LkdIwHu7ix0Xr5Lm4n", "pay_awlo4m4phelezkhsj4egc6d35qx"]) {
      assert.strictEqual(invalidField(build({ connectorTransactionId: id })), "connectorTransactionId", id)
    }
  })

  it("refuses a merchant refund id longer than Checkout's 50-character reference", () => {
    const fifty = "r".repeat(50)
    assert.isTrue(Result.isSuccess(build({ merchantRefundId: fifty })))
    assert.strictEqual(invalidField(build({ merchantRefundId: `${fifty}1` })), "merchantRefundId")
  })

  it("refuses currencies whose Checkout scale differs from ISO 4217, and amounts over nine digits", () => {
    for (const currency of ["CLP", "CLF", "UYI", "UYW"]) {
      assert.strictEqual(invalidField(build({ amount: { amount: 1000, currency } })), "amount", currency)
    }
    assert.strictEqual(invalidField(build({ amount: { amount: 1_000_000_000, currency: "USD" } })), "amount")
  })

  it("the currency scale table follows Checkout's amount formatting page", () => {
    assert.strictEqual(CheckoutSchema.checkoutExponent("JPY"), 0)
    assert.strictEqual(CheckoutSchema.checkoutExponent("ISK"), 0)
    assert.strictEqual(CheckoutSchema.checkoutExponent("BHD"), 3)
    assert.strictEqual(CheckoutSchema.checkoutExponent("KWD"), 3)
    assert.strictEqual(CheckoutSchema.checkoutExponent("USD"), 2)
    assert.strictEqual(CheckoutSchema.checkoutExponent("CLP"), 2)
    for (const same of ["USD", "EUR", "JPY", "KRW", "UGX", "KWD", "IQD", "TND", "MGA"]) {
      assert.isUndefined(CheckoutSchema.scaleMismatch(same), same)
    }
    assert.isDefined(CheckoutSchema.scaleMismatch("CLP"))
  })
})

describe("composite refund id", () => {
  it("is pay_…:act_… and parses back", () => {
    assert.strictEqual(CheckoutSchema.refundId(paymentId, actionId), refundId)
    assert.deepStrictEqual(ok(CheckoutSchema.parseRefundId(refundId)), { paymentId, actionId })
  })

  it("fails, never throws, on malformed composites", () => {
    for (const id of [
      actionId,
      paymentId,
      `${paymentId}:${actionId}:x`,
      `${actionId}:${paymentId}`,
      `${paymentId}:act_short`,
      `pay_short:${actionId}`,
      `${paymentId}:`,
      `:${actionId}`,
      ""
    ]) {
      assert.isTrue(Result.isFailure(CheckoutSchema.parseRefundId(id)), id)
    }
  })
})

describe("get request", () => {
  it("GET /payments/{paymentId}/actions from the composite id alone", () => {
    assert.deepStrictEqual(ok(connector.get!.build(reference(), buildContext)), { method: "GET", path: `/payments/${paymentId}/actions` })
  })

  it("accepts the matching payment id alongside", () => {
    const request = ok(connector.get!.build(reference({ connectorRefundId: refundId, connectorTransactionId: paymentId }), buildContext))
    assert.strictEqual(request.path, `/payments/${paymentId}/actions`)
  })

  it("a malformed composite is InvalidRequest on connectorRefundId, naming the expected shape", () => {
    const reason = failure(connector.get!.build(reference(actionId), buildContext))
    assert.strictEqual(reason._tag, "InvalidRequest")
    assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : "", "connectorRefundId")
    assert.include(reason.message, "pay_…:act_…")
    assert.strictEqual(invalidField(connector.get!.build(reference("re_3QbXc2LkdIwHu7ix0fN8sQ2m"), buildContext)), "connectorRefundId")
  })

  it("a payment id that contradicts the composite is InvalidRequest", () => {
    const other = "pay_y3oqhf46pyzuxjbcn2giaqnb44"
    assert.strictEqual(
      invalidField(connector.get!.build(reference({ connectorRefundId: refundId, connectorTransactionId: other }), buildContext)),
      "connectorTransactionId"
    )
  })
})

describe("lookup request", () => {
  it("GET /payments/{paymentId}/actions", () => {
    const request = ok(connector.lookup!.build({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }, buildContext))
    assert.deepStrictEqual(request, { method: "GET", path: `/payments/${paymentId}/actions` })
  })

  it("refuses a malformed payment id", () => {
    assert.strictEqual(
      invalidField(connector.lookup!.build({ merchantRefundId: "order-42-r1", connectorTransactionId: "pay_x" }, buildContext)),
      "connectorTransactionId"
    )
  })
})

describe("credentials, auth and environments", () => {
  it("sends the key as a Bearer token, Redacted until the wire", () => {
    assert.strictEqual(connector.auth._tag, "Static")
    if (connector.auth._tag !== "Static") return
    const headers = connector.auth.headers(credentials())
    const authorization = headers["Authorization"]!
    assert.isTrue(Redacted.isRedacted(authorization))
    assert.strictEqual(ProcessorHttp.revealHeader(authorization), `Bearer ${sandboxKey}`)
    assert.notInclude(String(authorization), sandboxKey)
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
  })

  it("decodes sandbox and live keys, refuses other shapes without echoing them", () => {
    for (const key of [sandboxKey, liveKey, "sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"]) {
      assert.isTrue(Result.isSuccess(Credentials.decode(connector.credentials, { secretKey: key }, "checkout credentials")), key)
    }
    for (const key of ["pk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "Bearer sk_sbox_abc", "sk_", "sk_short", "sk_sbox_with space"]) {
      const result = Credentials.decode(connector.credentials, { secretKey: key }, "checkout credentials")
      assert.isTrue(Result.isFailure(result), key)
      if (Result.isFailure(result) && key.length > 8) assert.notInclude(result.failure.message, key)
    }
    const missing = Credentials.decode(connector.credentials, {}, "checkout credentials")
    assert.include(Result.isFailure(missing) ? missing.failure.message : "", "CHECKOUT_SECRET_KEY")
  })

  it("key mode: sk_sbox_ (and legacy sk_test_) are sandbox keys, other sk_ keys live", () => {
    assert.strictEqual(CheckoutConnector.keyMode(sandboxKey), "sandbox")
    assert.strictEqual(CheckoutConnector.keyMode("sk_test_0b9b5db6-f223-49d0-b68f-f6643dd4f808"), "sandbox")
    assert.strictEqual(CheckoutConnector.keyMode(liveKey), "production")
    assert.strictEqual(CheckoutConnector.keyMode("pk_m73dzbpy7cf3gfd46xr4yj5xo4e"), undefined)
  })

  it("validate refuses a sandbox key in production and a live key in sandbox, naming no key", () => {
    const validate = connector.validate!
    assert.isUndefined(validate(credentials(sandboxKey), "sandbox"))
    assert.isUndefined(validate(credentials(liveKey), "production"))
    const m1 = validate(credentials(sandboxKey), "production")!
    assert.include(m1, "sandbox key")
    assert.notInclude(m1, sandboxKey)
    const m2 = validate(credentials(liveKey), "sandbox")!
    assert.include(m2, "live key")
    assert.notInclude(m2, liveKey)
  })

  it("declares Checkout's hosts, capabilities and idempotency key rules", () => {
    assert.deepStrictEqual(connector.environments, { sandbox: "https://api.sandbox.checkout.com", production: "https://api.checkout.com" })
    assert.strictEqual(connector.id, "checkout")
    assert.strictEqual(connector.displayName, "Checkout.com")
    assert.deepStrictEqual(connector.capabilities, {
      create: true,
      get: true,
      lookup: true,
      lookupFindsPending: false,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      reportsReversals: false,
      cancellation: false,
      cancelRefund: false,
      list: false,
      reports: false
    })
    assert.strictEqual(connector.idempotencyKey.maxLength, 64)
    assert.deepStrictEqual(Object.keys(connector.webhooks!.secrets), ["signatureKey"])
    assert.strictEqual(connector.webhooks!.secrets.signatureKey.env, "CHECKOUT_WEBHOOK_SIGNATURE_KEY")
  })
})
