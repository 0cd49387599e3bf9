import { assert, describe, it } from "@effect/vitest"
import { Credentials, Idempotency, ProcessorHttp, Refund } from "@refract/core"
import { Redacted, Result } from "effect"
import { connector, SquareConnector } from "@refract/square"
import { accessToken, buildContext, createContext, createRequest, credentials, paymentId, reference, refundId } from "./helpers.ts"

const built = (result: Result.Result<ProcessorHttp.ProcessorRequest, unknown>) => {
  assert.isTrue(Result.isSuccess(result), "the builder succeeds")
  return Result.getOrThrow(result as Result.Result<ProcessorHttp.ProcessorRequest, never>)
}

const failure = (result: Result.Result<unknown, { readonly _tag: string }>) => {
  assert.isTrue(Result.isFailure(result), "the builder refuses")
  return (result as Result.Failure<unknown, { readonly _tag: string; readonly field?: string }>).failure
}

describe("the connector value", () => {
  it("declares Square's id, capabilities and environments", () => {
    assert.strictEqual(connector.id, "square")
    assert.strictEqual(connector.displayName, "Square")
    assert.deepStrictEqual(connector.capabilities, {
      create: true,
      get: true,
      lookup: false,
      lookupFindsPending: false,
      webhooks: true,
      partialRefunds: true,
      fullRefundWithoutAmount: false,
      reportsReversals: false,
      cancellation: false,
      cancelRefund: false,
      list: true,
      reports: false
    })
    assert.deepStrictEqual(connector.environments, {
      sandbox: "https://connect.squareupsandbox.com",
      production: "https://connect.squareup.com"
    })
    assert.isUndefined(connector.lookup)
    assert.deepStrictEqual(connector.idempotencyKey, { maxLength: 45, windowMillis: 24 * 60 * 60 * 1000 })
    assert.deepStrictEqual(connector.secretHeaders, ["authorization"])
  })

  it("authenticates with a Bearer token kept Redacted, and pins Square-Version", () => {
    assert.strictEqual(connector.auth._tag, "Static")
    if (connector.auth._tag !== "Static") return
    const headers = connector.auth.headers(credentials)
    const authorization = headers["Authorization"]!
    assert.isTrue(Redacted.isRedacted(authorization), "the header value stays Redacted until the core writes it")
    assert.strictEqual(ProcessorHttp.revealHeader(authorization), `Bearer ${accessToken}`)
    assert.notInclude(String(authorization), accessToken)
    assert.strictEqual(headers["Square-Version"], "2025-08-20")
    assert.strictEqual(SquareConnector.SQUARE_VERSION, "2025-08-20")
  })

  it("credentials: accessToken is secret, read from SQUARE_ACCESS_TOKEN, and never echoed", () => {
    assert.strictEqual(connector.credentials.accessToken.env, "SQUARE_ACCESS_TOKEN")
    assert.isTrue(connector.credentials.accessToken.secret)
    const decoded = Credentials.decode(connector.credentials, { accessToken }, "square credentials")
    assert.isTrue(Result.isSuccess(decoded) && Redacted.isRedacted(decoded.success.accessToken))
    const missing = Credentials.decode(connector.credentials, {}, "square credentials")
    assert.isTrue(Result.isFailure(missing) && missing.failure.message.includes("SQUARE_ACCESS_TOKEN"))
    const spaced = Credentials.decode(connector.credentials, { accessToken: "EAAA with space" }, "square credentials")
    assert.isTrue(Result.isFailure(spaced))
    if (Result.isFailure(spaced)) assert.notInclude(spaced.failure.message, "with space")
  })

  it("webhook secrets: signatureKey (secret) and notificationUrl (not secret)", () => {
    const secrets = connector.webhooks!.secrets
    assert.deepStrictEqual(
      Object.entries(secrets).map(([name, f]) => [name, f.secret, f.env]),
      [["signatureKey", true, "SQUARE_WEBHOOK_SIGNATURE_KEY"], ["notificationUrl", false, "SQUARE_WEBHOOK_URL"]]
    )
    const ok = Credentials.decode(secrets, { signatureKey: "Ibxx_5AKakO-3qeNVR61Dw", notificationUrl: "https://example.com/hooks/square" }, "w")
    assert.isTrue(Result.isSuccess(ok))
    for (const notificationUrl of ["example.com/hooks", "ftp://example.com/x", "https://", "https://exa mple.com/"]) {
      assert.isTrue(Result.isFailure(Credentials.decode(secrets, { signatureKey: "k", notificationUrl }, "w")), notificationUrl)
    }
    assert.isTrue(Result.isFailure(Credentials.decode(secrets, { notificationUrl: "https://example.com/x" }, "w")), "key required")
  })

  it("the core derives idempotency keys of at most 45 characters, identical on every call", () => {
    assert.strictEqual(Idempotency.derive("order-42-r1", connector.idempotencyKey), "refract-order-42-r1")
    const long = "x".repeat(64)
    const key = Idempotency.derive(long, connector.idempotencyKey)
    assert.isAtMost(key.length, 45)
    assert.strictEqual(key, Idempotency.derive(long, connector.idempotencyKey))
    assert.notStrictEqual(key, Idempotency.derive("y".repeat(64), connector.idempotencyKey))
  })
})

const reasonFor = (input: Parameters<typeof createRequest>[0]) =>
  (built(SquareConnector.buildCreate(createRequest(input), createContext())).body as { value: { reason?: string } }).value

describe("buildCreate", () => {
  it("POST /v2/refunds with the idempotency key in the body, amount_money and payment_id", () => {
    const request = built(SquareConnector.buildCreate(createRequest({ reason: "requested_by_customer" }), createContext()))
    assert.deepStrictEqual(request, {
      method: "POST",
      path: "/v2/refunds",
      body: {
        _tag: "Json",
        value: {
          idempotency_key: "refract-order-42-r1",
          amount_money: { amount: 1_000, currency: "USD" },
          payment_id: paymentId,
          reason: "Requested by customer"
        }
      }
    })
    assert.isUndefined(request.headers, "no idempotency header: Square wants the key in the body")
  })

  it("exact JSON on the wire, without a reason when none is given", () => {
    const request = built(SquareConnector.buildCreate(createRequest(), createContext("refract-abc")))
    assert.strictEqual(
      JSON.stringify((request.body as { value: unknown }).value),
      `{"idempotency_key":"refract-abc","amount_money":{"amount":1000,"currency":"USD"},"payment_id":"${paymentId}"}`
    )
  })

  it("amounts stay integer minor units with the currency's exponent (JPY 0, KWD 3)", () => {
    const jpy = built(SquareConnector.buildCreate(createRequest({ amount: { amount: 1_234, currency: "JPY" } }), createContext()))
    assert.deepStrictEqual((jpy.body as { value: { amount_money: unknown } }).value.amount_money, { amount: 1_234, currency: "JPY" })
    const kwd = built(SquareConnector.buildCreate(createRequest({ amount: { amount: 1_234, currency: "kwd" } }), createContext()))
    assert.deepStrictEqual((kwd.body as { value: { amount_money: unknown } }).value.amount_money, { amount: 1_234, currency: "KWD" })
  })

  it("maps each refund reason to text; metadata.reason wins; other metadata is not sent", () => {
    assert.strictEqual(reasonFor({ reason: "duplicate" }).reason, "Duplicate payment")
    assert.strictEqual(reasonFor({ reason: "fraudulent" }).reason, "Fraudulent payment")
    assert.strictEqual(reasonFor({ reason: "other" }).reason, "Other")
    const custom = reasonFor({ reason: "other", metadata: { reason: "Damaged in transit", order: "1042" } })
    assert.strictEqual(custom.reason, "Damaged in transit")
    assert.notProperty(custom, "metadata")
    assert.notInclude(JSON.stringify(custom), "1042")
    assert.strictEqual(reasonFor({ metadata: { reason: "é".repeat(192) } }).reason, "é".repeat(192), "192 characters fit")
  })

  it("a metadata reason longer than 192 characters (or blank) is InvalidRequest", () => {
    for (const reason of ["x".repeat(193), "  "]) {
      const error = failure(SquareConnector.buildCreate(createRequest({ metadata: { reason } }), createContext()))
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.strictEqual((error as { field?: string }).field, "metadata")
    }
  })

  it("a malformed payment id is InvalidRequest on connectorTransactionId (nothing built)", () => {
    const base = createRequest()
    for (const id of ["has.dot", "pay@ment", "_leading", "a".repeat(193), "x:y", "a/b", "../../x", "has space", ""]) {
      // Built without the core's checks, to see the connector's own guard.
      const request = new Refund.CreateRefundRequest({ ...base, connectorTransactionId: id }, { disableChecks: true })
      const error = failure(SquareConnector.buildCreate(request, createContext()))
      assert.strictEqual(error._tag, "InvalidRequest", id)
      assert.strictEqual((error as { field?: string }).field, "connectorTransactionId")
    }
    assert.isTrue(Result.isSuccess(SquareConnector.buildCreate(createRequest({ connectorTransactionId: "a".repeat(192) }), createContext())))
  })
})

describe("buildGet", () => {
  it("GET /v2/refunds/{refund_id} without a body", () => {
    assert.deepStrictEqual(built(SquareConnector.buildGet(reference(refundId), buildContext)), {
      method: "GET",
      path: `/v2/refunds/${refundId}`
    })
  })

  it("a malformed refund id is InvalidRequest on connectorRefundId", () => {
    for (const id of ["re.1", "a:b", "-x", "a|b", "a".repeat(256), "a/b", ""]) {
      // Built without the core's checks, to see the connector's own guard.
      const error = failure(SquareConnector.buildGet(new Refund.RefundReference({ connectorRefundId: id }, { disableChecks: true }), buildContext))
      assert.strictEqual(error._tag, "InvalidRequest", id)
      assert.strictEqual((error as { field?: string }).field, "connectorRefundId")
    }
  })
})
