import { assert, describe, it } from "@effect/vitest"
import { Idempotency, ProcessorHttp } from "@refract/core"
import { Redacted } from "effect"
import { RazorpayConnector, connector } from "@refract/razorpay"
import { failure, ok } from "@refract/testkit/connector/ConnectorTest"
import { context, createContext, createRequest, credentials, keyId, keySecret, paymentId, reference } from "./helpers/Fixtures.ts"

const build = (input: Parameters<typeof createRequest>[0] = {}, ctx = createContext()) => connector.create.build(createRequest(input), ctx)

const jsonOf = (request: ProcessorHttp.ProcessorRequest): string => {
  assert.strictEqual(request.body?._tag, "Json")
  return request.body?._tag === "Json" ? JSON.stringify(request.body.value) : ""
}

describe("create request", () => {
  it("POST /v1/payments/{id}/refund with the exact JSON body and X-Refund-Idempotency", () => {
    const request = ok(build({ metadata: { order: "42", channel: "web" } }))
    assert.strictEqual(request.method, "POST")
    assert.strictEqual(request.path, `/v1/payments/${paymentId}/refund`)
    assert.strictEqual(request.query, undefined)
    assert.strictEqual(request.absoluteUrl, undefined)
    assert.deepStrictEqual(request.headers, { "X-Refund-Idempotency": "refract-order-42-r1" })
    assert.strictEqual(
      jsonOf(request),
      `{"amount":1050,"speed":"normal","receipt":"order-42-r1","notes":{"merchant_refund_id":"order-42-r1","channel":"web","order":"42"}}`
    )
  })

  it("builds the same body whatever order the metadata was built in (Razorpay refuses a different replay body)", () => {
    const a = jsonOf(ok(build({ metadata: { b: "2", a: "1", c: "3" } })))
    const b = jsonOf(ok(build({ metadata: { c: "3", a: "1", b: "2" } })))
    assert.strictEqual(a, b)
    assert.include(a, `"notes":{"merchant_refund_id":"order-42-r1","a":"1","b":"2","c":"3"}`)
  })

  it("sends integer minor units unchanged whatever the currency's exponent (INR 2, JPY 0, KWD 3)", () => {
    for (const [amount, currency] of [[1050, "INR"], [1050, "JPY"], [1230, "KWD"], [9007199254740991, "USD"]] as const) {
      const body = JSON.parse(jsonOf(ok(build({ amount: { amount, currency } }))))
      assert.strictEqual(body.amount, amount, currency)
      assert.strictEqual(body.currency, undefined, "Razorpay takes no currency: the payment's is used")
    }
  })

  it("puts the merchant refund id in receipt only up to 40 characters; notes always carry it", () => {
    const forty = "r".repeat(40)
    const fortyOne = "r".repeat(41)
    const withReceipt = JSON.parse(jsonOf(ok(build({ merchantRefundId: forty }))))
    assert.strictEqual(withReceipt.receipt, forty)
    const without = JSON.parse(jsonOf(ok(build({ merchantRefundId: fortyOne }))))
    assert.isFalse("receipt" in without)
    assert.strictEqual(without.notes.merchant_refund_id, fortyOne)
  })

  it("sends no reason (Razorpay has no refund reason field) and always speed normal", () => {
    const body = JSON.parse(jsonOf(ok(build({ reason: "fraudulent" }))))
    assert.deepStrictEqual(Object.keys(body), ["amount", "speed", "receipt", "notes"])
    assert.strictEqual(body.speed, "normal")
  })

  it("refuses a payment id that is not pay_ + 14 alphanumerics, before any request", () => {
    for (const id of ["pay_FgR9UMzgmKDJR", "pay_FgR9UMzgmKDJRix", "rfnd_FgRAHdNOM4ZVbO", "order_FgR9Q1eBLjRFuU", "PAY_FgR9UMzgmKDJRi", "pay_FgR9UMzgm-DJRi", "pay_"]) {
      const reason = failure(build({ connectorTransactionId: id }))
      assert.strictEqual(reason._tag, "InvalidRequest", id)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "connectorTransactionId")
    }
  })

  it("validates metadata against Razorpay's notes limits and reserves merchant_refund_id", () => {
    const invalid = (metadata: Record<string, string>) => {
      const reason = failure(build({ metadata }))
      assert.strictEqual(reason._tag, "InvalidRequest")
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "metadata")
    }
    invalid({ merchant_refund_id: "someone-else" })
    invalid({ k: "v".repeat(257) })
    invalid({ " ": "v" })
    invalid(Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "v"])))
    // Note keys above 255 characters are refused by Razorpay ("Notes key cannot be greater 255 characters").
    invalid({ ["k".repeat(256)]: "v" })
    assert.strictEqual(JSON.parse(jsonOf(ok(build({ metadata: { ["k".repeat(255)]: "v" } })))).notes["k".repeat(255)], "v")
    // Razorpay counts characters: 256 emoji (512 UTF-16 units) are 256 characters, and fit.
    assert.strictEqual(JSON.parse(jsonOf(ok(build({ metadata: { emoji: "😀".repeat(256) } })))).notes.emoji, "😀".repeat(256))
    // 14 user notes + merchant_refund_id = 15: accepted; the same merchant id is not sent twice
    const fine = JSON.parse(jsonOf(ok(build({
      metadata: { ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`k${i}`, "v"])), merchant_refund_id: "order-42-r1", k0: "v".repeat(256) }
    }))))
    assert.strictEqual(Object.keys(fine.notes).length, 15)
    assert.strictEqual(Object.keys(fine.notes)[0], "merchant_refund_id")
  })
})

describe("idempotency key rules", () => {
  it("core derives keys Razorpay accepts: ≥ 10 characters of [A-Za-z0-9_-]", () => {
    const pattern = /^[A-Za-z0-9_-]{10,}$/
    for (const merchantRefundId of ["a", "r1", "order-42-r1", "order.42:r1", "x".repeat(64), "A.B"]) {
      const key = Idempotency.derive(merchantRefundId, connector.idempotencyKey)
      assert.match(key, pattern, merchantRefundId)
      assert.isAtMost(key.length, connector.idempotencyKey.maxLength)
      assert.strictEqual(Idempotency.derive(merchantRefundId, connector.idempotencyKey), key, "deterministic")
    }
    assert.strictEqual(Idempotency.derive("order-42-r1", connector.idempotencyKey), "refract-order-42-r1")
    assert.notStrictEqual(Idempotency.derive("order.42", connector.idempotencyKey), Idempotency.derive("order:42", connector.idempotencyKey))
  })
})

describe("get request", () => {
  it("GET /v1/refunds/{id}", () => {
    assert.deepStrictEqual(ok(connector.get!.build(reference("rfnd_FgRAHdNOM4ZVbO"), context)), {
      method: "GET",
      path: "/v1/refunds/rfnd_FgRAHdNOM4ZVbO"
    })
  })

  it("refuses other ids before any request", () => {
    for (const id of ["rfnd_FgRAHdNOM4ZVb", "rfnd_FgRAHdNOM4ZVbOO", "pay_FgR9UMzgmKDJRi", "re_1", "RFND_FgRAHdNOM4ZVbO", "rfnd_FgRAHdNOM4ZV.O"]) {
      const reason = failure(connector.get!.build(reference(id), context))
      assert.strictEqual(reason._tag, "InvalidRequest", id)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "connectorRefundId")
    }
  })
})

describe("lookup request", () => {
  it("lists the payment's refunds, 100 per page", () => {
    assert.deepStrictEqual(ok(connector.lookup!.build({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId }, context)), {
      method: "GET",
      path: `/v1/payments/${paymentId}/refunds`,
      query: { count: "100" }
    })
  })

  it("refuses a malformed payment id", () => {
    const reason = failure(connector.lookup!.build({ merchantRefundId: "r-1", connectorTransactionId: "pay_1" }, context))
    assert.strictEqual(reason._tag, "InvalidRequest")
  })
})

describe("auth, key mode and the connector description", () => {
  it("sends Authorization: Basic base64(keyId:keySecret) as Redacted", () => {
    assert.strictEqual(connector.auth._tag, "Static")
    if (connector.auth._tag !== "Static") return
    const headers = connector.auth.headers(credentials)
    assert.deepStrictEqual(Object.keys(headers), ["Authorization"])
    const authorization = headers["Authorization"]!
    assert.isTrue(Redacted.isRedacted(authorization))
    assert.strictEqual(ProcessorHttp.revealHeader(authorization), `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString("base64")}`)
    // the published example: rzp_test_… keys encode like curl -u key:secret
    assert.strictEqual(
      ProcessorHttp.revealHeader(RazorpayConnector.authorization({ keyId: "probe_key", keySecret: Redacted.make("probe_secret") } as any)),
      "Basic cHJvYmVfa2V5OnByb2JlX3NlY3JldA=="
    )
    assert.notInclude(String(authorization), keySecret)
    assert.notInclude(JSON.stringify(headers), keySecret)
  })

  it("refuses a key of the wrong mode for the environment, naming the variable and no value", () => {
    const validate = connector.validate!
    const liveId = "rzp_live_1DP5mmOlF5G5ag"
    const sandboxLive = validate({ keyId: liveId, keySecret: Redacted.make(keySecret) }, "sandbox")
    const productionTest = validate({ keyId, keySecret: Redacted.make(keySecret) }, "production")
    assert.include(sandboxLive!, "RAZORPAY_KEY_ID")
    assert.include(sandboxLive!, "live-mode")
    assert.include(productionTest!, "test-mode")
    for (const problem of [sandboxLive, productionTest]) {
      for (const value of [keyId, liveId, keySecret]) assert.notInclude(problem!, value)
    }
    assert.isUndefined(validate({ keyId: liveId, keySecret: Redacted.make(keySecret) }, "production"))
    assert.isUndefined(validate({ keyId, keySecret: Redacted.make(keySecret) }, "sandbox"))
  })

  it("declares id, capabilities, environments, key rules and secret headers", () => {
    assert.strictEqual(connector.id, "razorpay")
    assert.strictEqual(connector.displayName, "Razorpay")
    assert.deepStrictEqual(connector.capabilities, {
      create: true,
      get: true,
      lookup: true,
      lookupFindsPending: true,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      reportsReversals: false,
      cancellation: false,
      cancelRefund: false,
      list: true,
      reports: false
    })
    assert.deepStrictEqual(connector.environments, { sandbox: "https://api.razorpay.com", production: "https://api.razorpay.com" })
    assert.strictEqual(connector.idempotencyKey.minLength, 10)
    assert.isTrue(connector.idempotencyKey.pattern!.test("abcdefghij"))
    assert.isFalse(connector.idempotencyKey.pattern!.test("abcdefghi"))
    assert.isFalse(connector.idempotencyKey.pattern!.test("abcde.ghij"))
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
    assert.deepStrictEqual(connector.webhooks?.acknowledgement, { status: 200, contentType: "text/plain", body: "OK" })
  })

  it("credential fields: keyId public rzp_(test|live)_…, keySecret and webhookSecret secret, with their variables", () => {
    const spec = connector.credentials
    for (const k of [keyId, "rzp_live_ILgsfZCZoFIKMb"]) assert.isTrue(spec.keyId.pattern.test(k), k)
    for (const k of ["rzp_prod_abc", "rzp_test_", "key_test_abc", "rzp_test_a b", "rzp_test_a:b"]) assert.isFalse(spec.keyId.pattern.test(k), k)
    assert.isFalse(spec.keyId.secret)
    assert.isTrue(spec.keySecret.secret)
    assert.strictEqual(spec.keyId.env, "RAZORPAY_KEY_ID")
    assert.strictEqual(spec.keySecret.env, "RAZORPAY_KEY_SECRET")
    assert.isTrue(connector.webhooks!.secrets.webhookSecret.secret)
    assert.strictEqual(connector.webhooks!.secrets.webhookSecret.env, "RAZORPAY_WEBHOOK_SECRET")
  })
})
