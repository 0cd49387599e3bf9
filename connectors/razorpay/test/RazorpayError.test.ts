import { assert, describe, it } from "@effect/vitest"
import { RazorpayError, connector } from "@refract/razorpay"
import { response } from "@refract/testkit/connector/ConnectorTest"

/** A fixed clock: HTTP-date Retry-After values are relative to it. */
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)

type Operation = "create" | "get" | "lookup" | "cancel" | "authenticate"

interface Case {
  readonly name: string
  readonly status: number
  readonly error?: Record<string, unknown>
  readonly rawBody?: string
  readonly headers?: Record<string, string>
  readonly operation?: Operation
  readonly expect: {
    readonly tag: string
    readonly kind?: string
    readonly resource?: string
    readonly field?: string
    readonly retryAfterMillis?: number
    readonly processorCode?: string
    readonly processorMessage?: string
    readonly messageIncludes?: string
  }
}

const na = { source: "NA", step: "NA", reason: "NA", metadata: {} }

const cases: ReadonlyArray<Case> = [
  {
    name: "401 authentication failed",
    status: 401,
    error: { code: "BAD_REQUEST_ERROR", description: "Authentication failed", ...na },
    expect: { tag: "Authentication", processorCode: "BAD_REQUEST_ERROR", processorMessage: "Authentication failed", messageIncludes: "RAZORPAY_KEY_SECRET" }
  },
  {
    name: "401 without a body",
    status: 401,
    rawBody: "",
    expect: { tag: "Authentication" }
  },
  {
    name: "403",
    status: 403,
    error: { code: "BAD_REQUEST_ERROR", description: "Access forbidden for this key" },
    expect: { tag: "Authentication" }
  },
  {
    name: "400 payment does not exist (create)",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "The id provided does not exist", ...na },
    operation: "create",
    expect: { tag: "NotFound", resource: "payment", processorCode: "BAD_REQUEST_ERROR", messageIncludes: "does not exist" }
  },
  {
    name: "400 refund does not exist (get)",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "The id provided does not exist", ...na },
    operation: "get",
    expect: { tag: "NotFound", resource: "refund" }
  },
  {
    name: "400 payment does not exist (lookup)",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "The id provided does not exist", field: "payment_id" },
    operation: "lookup",
    expect: { tag: "NotFound", resource: "payment" }
  },
  {
    name: "404 route",
    status: 404,
    error: { code: "BAD_REQUEST_ERROR", description: "The requested URL was not found on the server." },
    operation: "get",
    expect: { tag: "NotFound", resource: "refund" }
  },
  {
    name: "400 amount greater than captured",
    status: 400,
    error: {
      code: "BAD_REQUEST_ERROR",
      description: "The refund amount provided is greater than amount captured",
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      field: "amount",
      metadata: {}
    },
    expect: {
      tag: "RefundRejected",
      kind: "AmountTooLarge",
      processorCode: "BAD_REQUEST_ERROR",
      processorMessage: "The refund amount provided is greater than amount captured (source=business, step=payment_initiation, reason=input_validation_failed)"
    }
  },
  {
    // Razorpay's description when a refund fits the captured amount but not what is left of it.
    name: "400 total refund amount is greater than the refund payment amount (Razorpay's server text)",
    status: 400,
    error: {
      code: "BAD_REQUEST_ERROR",
      description: "The total refund amount is greater than the refund payment amount",
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      metadata: {}
    },
    operation: "create",
    expect: { tag: "RefundRejected", kind: "AmountTooLarge", processorCode: "BAD_REQUEST_ERROR" }
  },
  {
    name: "400 total refund amount exceeds",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Refund amount exceeds the amount available for refund" },
    expect: { tag: "RefundRejected", kind: "AmountTooLarge" }
  },
  {
    name: "400 fully refunded already",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "The payment has been fully refunded already", ...na },
    expect: { tag: "RefundRejected", kind: "AlreadyRefunded", processorMessage: "The payment has been fully refunded already" }
  },
  {
    name: "400 insufficient balance",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Your account does not have enough balance to carry out the refund operation." },
    expect: { tag: "RefundRejected", kind: "InsufficientBalance" }
  },
  {
    name: "400 payment more than 6 months old",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Refund is not supported by the bank because the payment is more than 6 months old", source: null, step: null, reason: null, metadata: {} },
    expect: { tag: "RefundRejected", kind: "NotRefundable" }
  },
  {
    name: "400 payment not captured",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Only captured payments can be refunded. The payment has not been captured" },
    expect: { tag: "RefundRejected", kind: "NotRefundable" }
  },
  {
    name: "400 same idempotency key, different request",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Different request with the same idempotency key has already been processed.", ...na },
    expect: { tag: "InvalidRequest", messageIncludes: "reused with different parameters" }
  },
  {
    name: "400 input validation with field",
    status: 400,
    error: {
      code: "BAD_REQUEST_ERROR",
      description: "The amount must be at least INR 1.00",
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      metadata: {},
      field: "amount"
    },
    expect: { tag: "InvalidRequest", field: "amount", processorMessage: "The amount must be at least INR 1.00 (source=business, step=payment_initiation, reason=input_validation_failed)" }
  },
  {
    name: "409 same key in flight",
    status: 409,
    error: { code: "BAD_REQUEST_ERROR", description: "Request with the same idempotency key is being processed" },
    expect: { tag: "ProcessorUnavailable", messageIncludes: "X-Refund-Idempotency" }
  },
  {
    name: "429 with Retry-After seconds",
    status: 429,
    error: { code: "BAD_REQUEST_ERROR", description: "Too many requests" },
    headers: { "Retry-After": "2" },
    expect: { tag: "RateLimited", retryAfterMillis: 2000 }
  },
  {
    name: "429 with Retry-After date",
    status: 429,
    rawBody: "",
    headers: { "Retry-After": new Date(NOW + 5000).toUTCString() },
    expect: { tag: "RateLimited", retryAfterMillis: 5000 }
  },
  {
    name: "429 without Retry-After",
    status: 429,
    error: { code: "BAD_REQUEST_ERROR", description: "Too many requests" },
    expect: { tag: "RateLimited" }
  },
  {
    name: "500 SERVER_ERROR",
    status: 500,
    error: { code: "SERVER_ERROR", description: "The server encountered an error. The incident has been reported to admins.", ...na },
    expect: { tag: "ProcessorUnavailable", processorCode: "SERVER_ERROR" }
  },
  {
    name: "502 GATEWAY_ERROR",
    status: 502,
    error: { code: "GATEWAY_ERROR", description: "Payment processing failed due to error at bank or wallet gateway" },
    expect: { tag: "ProcessorUnavailable", processorCode: "GATEWAY_ERROR" }
  },
  {
    name: "400 GATEWAY_ERROR",
    status: 400,
    error: { code: "GATEWAY_ERROR", description: "The bank is down", source: "bank", step: "refund_processing", reason: "bank_technical_error" },
    expect: { tag: "ProcessorUnavailable", processorMessage: "The bank is down (source=bank, step=refund_processing, reason=bank_technical_error)" }
  },
  {
    name: "503 HTML from a proxy",
    status: 503,
    rawBody: "<html>Service Unavailable</html>",
    expect: { tag: "ProcessorUnavailable" }
  },
  {
    name: "400 unknown body shape",
    status: 400,
    rawBody: `{"message":"bad"}`,
    expect: { tag: "InvalidRequest" }
  },
  {
    name: "credentials echoed by a proxy are scrubbed",
    status: 400,
    error: { code: "BAD_REQUEST_ERROR", description: "Header was Basic cnpwX3Rlc3RfYWJjOnNlY3JldA== and Bearer abc.def" },
    expect: { tag: "InvalidRequest", processorMessage: "Header was [redacted] and [redacted]" }
  }
]

const retryable = (status: number, code?: string) =>
  connector.mapError(response(status, { error: { code, description: "x" } }), "create", NOW).reason.isRetryable

describe("mapError", () => {
  for (const c of cases) {
    it(c.name, () => {
      const body = c.rawBody ?? JSON.stringify({ error: c.error })
      const details = connector.mapError(response(c.status, body, c.headers), c.operation ?? "create", NOW)
      const reason = details.reason as any
      assert.strictEqual(reason._tag, c.expect.tag)
      if (c.expect.kind !== undefined) assert.strictEqual(reason.kind, c.expect.kind)
      if (c.expect.resource !== undefined) assert.strictEqual(reason.resource, c.expect.resource)
      if (c.expect.field !== undefined) assert.strictEqual(reason.field, c.expect.field)
      if (c.expect.retryAfterMillis !== undefined) assert.strictEqual(reason.retryAfterMillis, c.expect.retryAfterMillis)
      if (c.expect.processorCode !== undefined) assert.strictEqual(details.processorCode, c.expect.processorCode)
      if (c.expect.processorMessage !== undefined) assert.strictEqual(details.processorMessage, c.expect.processorMessage)
      if (c.expect.messageIncludes !== undefined) assert.include(reason.message, c.expect.messageIncludes)
      assert.notInclude(JSON.stringify(details), "cnpwX3Rlc3RfYWJjOnNlY3JldA")
    })
  }

  it("every reason is retryable exactly when Razorpay says a retry helps (409, 429, 5xx, gateway)", () => {
    assert.isTrue(retryable(409))
    assert.isTrue(retryable(429))
    assert.isTrue(retryable(500, "SERVER_ERROR"))
    assert.isTrue(retryable(504))
    assert.isTrue(retryable(400, "GATEWAY_ERROR"))
    assert.isFalse(retryable(400, "BAD_REQUEST_ERROR"))
    assert.isFalse(retryable(401))
  })

  it("NA, null and empty context parts are left out of processorMessage", () => {
    assert.strictEqual(RazorpayError.describe({ description: "x", source: undefined, step: undefined, reason: "r" }), "x (reason=r)")
    const details = connector.mapError(response(400, { error: { code: "BAD_REQUEST_ERROR", description: "  ", source: "NA", step: "", reason: null } }), "create", NOW)
    assert.strictEqual(details.processorMessage, undefined)
    assert.strictEqual(details.processorCode, "BAD_REQUEST_ERROR")
  })
})

describe("retryHint", () => {
  it("passes Retry-After through and leaves the decision to the reason", () => {
    assert.deepStrictEqual(connector.retryHint(response(429, "", { "Retry-After": "3" }), NOW), { afterMillis: 3000 })
    assert.deepStrictEqual(connector.retryHint(response(503, ""), NOW), { afterMillis: undefined })
  })
})
