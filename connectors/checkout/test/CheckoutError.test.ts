import { assert, describe, it } from "@effect/vitest"
import { CheckoutError, connector } from "@refract/checkout"
import { response } from "@refract/testkit/connector/ConnectorTest"

const now = Date.UTC(2026, 10, 22, 12, 0, 0)
type Operation = "create" | "get" | "lookup"

const map = (status: number, body: unknown, operation: Operation = "create", headers: Record<string, string> = {}) =>
  connector.mapError(response(status, body, headers), operation, now)

const retryable = (status: number, body: unknown = "") => map(status, body).reason.isRetryable

const validation = (...codes: Array<string>) => ({ request_id: "0HL80RJLS76I7", error_type: "request_invalid", error_codes: codes })

describe("status mapping table", () => {
  const rows: ReadonlyArray<{
    readonly name: string
    readonly status: number
    readonly body: unknown
    readonly operation?: Operation
    readonly reason: string
    readonly kind?: string
    readonly field?: string
    readonly resource?: string
  }> = [
    { name: "401 with an EMPTY body", status: 401, body: "", reason: "Authentication" },
    { name: "401 with a body", status: 401, body: { request_id: "r", error_type: "unauthorized" }, reason: "Authentication" },
    { name: "403 on create: refund not allowed", status: 403, body: "", reason: "RefundRejected", kind: "NotRefundable" },
    { name: "403 on create with action_not_allowed", status: 403, body: { error_type: "action_not_allowed" }, reason: "RefundRejected", kind: "NotRefundable" },
    { name: "403 on get: key without the payment-details scope", status: 403, body: "", operation: "get", reason: "Authentication" },
    { name: "403 on lookup", status: 403, body: "", operation: "lookup", reason: "Authentication" },
    { name: "404 payment not found", status: 404, body: "", reason: "NotFound", resource: "payment" },
    { name: "404 on get", status: 404, body: { request_id: "r", error_type: "resource_not_found" }, operation: "get", reason: "NotFound", resource: "payment" },
    { name: "409", status: 409, body: "", reason: "ProcessorUnavailable" },
    { name: "422 refund_amount_exceeds_balance", status: 422, body: validation("refund_amount_exceeds_balance"), reason: "RefundRejected", kind: "AmountTooLarge" },
    {
      name: "422 amount_exceeds_balance (checkout-sdk-node's over-refund answer, error_type processing_error)",
      status: 422,
      body: { request_id: "7867a675-deac-4270-a4dc-04fa2ba4fe8d", error_type: "processing_error", error_codes: ["amount_exceeds_balance"] },
      reason: "RefundRejected",
      kind: "AmountTooLarge"
    },
    { name: "422 payment already refunded", status: 422, body: validation("payment_already_refunded"), reason: "RefundRejected", kind: "AlreadyRefunded" },
    { name: "422 fully refunded (by wording)", status: 422, body: validation("payment_fully_refunded"), reason: "RefundRejected", kind: "AlreadyRefunded" },
    { name: "422 dispute (by wording)", status: 422, body: validation("payment_disputed"), reason: "RefundRejected", kind: "Disputed" },
    { name: "422 not captured (by wording)", status: 422, body: validation("payment_not_captured"), reason: "RefundRejected", kind: "NotRefundable" },
    { name: "422 action_not_allowed", status: 422, body: validation("action_not_allowed"), reason: "RefundRejected", kind: "NotRefundable" },
    { name: "422 amount_invalid", status: 422, body: validation("amount_invalid"), reason: "InvalidRequest", field: "amount" },
    { name: "422 reference_invalid", status: 422, body: validation("reference_invalid"), reason: "InvalidRequest", field: "merchantRefundId" },
    { name: "422 metadata_invalid", status: 422, body: validation("metadata_invalid"), reason: "InvalidRequest", field: "metadata" },
    { name: "422 a *_required code", status: 422, body: validation("currency_required"), reason: "InvalidRequest", field: "amount" },
    { name: "422 an unknown code", status: 422, body: validation("something_new"), reason: "InvalidRequest" },
    { name: "422 without codes", status: 422, body: { request_id: "r", error_type: "request_invalid" }, reason: "InvalidRequest" },
    { name: "422 api_calls_quota_exceeded", status: 422, body: validation("api_calls_quota_exceeded"), reason: "RateLimited" },
    { name: "422 service_unavailable", status: 422, body: validation("service_unavailable"), reason: "ProcessorUnavailable" },
    { name: "400 request_malformed", status: 400, body: { request_id: "r", error_type: "request_malformed" }, reason: "InvalidRequest" },
    { name: "429", status: 429, body: "", reason: "RateLimited" },
    { name: "500", status: 500, body: "", reason: "ProcessorUnavailable" },
    { name: "502 bad gateway", status: 502, body: "<html>Bad Gateway</html>", reason: "ProcessorUnavailable" },
    { name: "503", status: 503, body: { error_type: "service_unavailable" }, reason: "ProcessorUnavailable" }
  ]
  for (const row of rows) {
    it(row.name, () => {
      const { reason } = map(row.status, row.body, row.operation ?? "create")
      assert.strictEqual(reason._tag, row.reason)
      if (row.kind !== undefined) assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : undefined, row.kind)
      if (row.field !== undefined) assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, row.field)
      if (row.resource !== undefined) assert.strictEqual(reason._tag === "NotFound" ? reason.resource : undefined, row.resource)
    })
  }
})

describe("codes named like Object.prototype members", () => {
  it("are not known codes", () => {
    for (const code of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      assert.isUndefined(CheckoutError.meaningOf(code), code)
      assert.strictEqual(map(422, validation(code)).reason._tag, "InvalidRequest", code)
    }
  })
})

describe("ranking several codes", () => {
  it("input errors first, then declines, then technical errors, then unknown codes", () => {
    const both = map(422, validation("refund_amount_exceeds_balance", "amount_invalid"))
    assert.strictEqual(both.reason._tag, "InvalidRequest")
    assert.strictEqual(both.processorCode, "amount_invalid")
    const unknownFirst = map(422, validation("brand_new_code", "refund_amount_exceeds_balance"))
    assert.strictEqual(unknownFirst.reason._tag, "RefundRejected", "a recognised decline is never hidden by an unknown code")
    assert.strictEqual(unknownFirst.processorCode, "refund_amount_exceeds_balance")
    const technical = map(422, validation("processing_error", "payment_already_refunded"))
    assert.strictEqual(technical.reason._tag, "RefundRejected")
  })

  it("ties keep Checkout's order", () => {
    assert.strictEqual(CheckoutError.topCode(["reference_invalid", "amount_invalid"])?.code, "reference_invalid")
    assert.isUndefined(CheckoutError.topCode([]))
  })

  it("a 403 carrying a specific decline code reports that kind", () => {
    const { reason } = map(403, validation("payment_already_refunded"))
    assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : "", "AlreadyRefunded")
  })
})

describe("details", () => {
  it("processorCode, processorMessage (every code) and Cko-Request-Id", () => {
    const details = map(422, validation("amount_invalid", "reference_invalid"), "create", { "Cko-Request-Id": "1695a930-09cf-4db0-a91e-a772e6ee076g" })
    assert.strictEqual(details.processorCode, "amount_invalid")
    assert.strictEqual(details.processorMessage, "request_invalid: amount_invalid, reference_invalid")
    assert.strictEqual(details.requestId, "1695a930-09cf-4db0-a91e-a772e6ee076g")
    assert.include(details.reason.message, "amount_invalid")
  })

  it("falls back to the body's request_id and error_type", () => {
    const details = map(400, { request_id: "0HL80RJLS76I7", error_type: "request_malformed" })
    assert.strictEqual(details.requestId, "0HL80RJLS76I7")
    assert.strictEqual(details.processorCode, "request_malformed")
    assert.strictEqual(details.processorMessage, "request_malformed")
  })

  it("an empty or non-JSON body has no code, message or request id", () => {
    for (const body of ["", "<html>", "[]", "null"]) {
      const details = map(401, body)
      assert.isUndefined(details.processorCode)
      assert.isUndefined(details.processorMessage)
      assert.isUndefined(details.requestId)
    }
  })

  it("the 401 message points at the variable, never at a key", () => {
    const { reason } = map(401, "")
    assert.include(reason.message, "CHECKOUT_SECRET_KEY")
  })

  it("a key-like string in a processor text is scrubbed", () => {
    const details = map(422, { error_type: "request_invalid", error_codes: ["key sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e rejected"] })
    assert.notInclude(details.processorMessage ?? "", "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e")
    assert.notInclude(details.reason.message, "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e")
    assert.strictEqual(CheckoutError.scrub("Bearer abc.def sk_live_x"), "[redacted] [redacted]")
  })
})

describe("Retry-After", () => {
  it("429 carries Retry-After seconds", () => {
    const { reason } = map(429, "", "create", { "Retry-After": "2" })
    assert.strictEqual(reason._tag === "RateLimited" ? reason.retryAfterMillis : undefined, 2_000)
  })

  it("an HTTP-date Retry-After is relative to now", () => {
    const { reason } = map(429, "", "create", { "Retry-After": new Date(now + 5_000).toUTCString() })
    assert.strictEqual(reason._tag === "RateLimited" ? reason.retryAfterMillis : undefined, 5_000)
  })

  it("retryHint gives the wait and leaves the decision to the reason", () => {
    assert.deepStrictEqual(connector.retryHint(response(503, "", { "Retry-After": "1.5" }), now), { afterMillis: 1_500 })
    assert.deepStrictEqual(connector.retryHint(response(502, ""), now), { afterMillis: undefined })
    assert.deepStrictEqual(connector.retryHint(response(429, "", { "Retry-After": "soon" }), now), { afterMillis: undefined })
  })

  it("retryable reasons: 409, 429, 5xx; not 401, 403, 404, 422 declines", () => {
    assert.isTrue(retryable(409))
    assert.isTrue(retryable(429))
    assert.isTrue(retryable(502))
    assert.isFalse(retryable(401))
    assert.isFalse(retryable(403))
    assert.isFalse(retryable(404))
    assert.isFalse(retryable(422, validation("refund_amount_exceeds_balance")))
  })
})
