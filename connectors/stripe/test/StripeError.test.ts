import { assert, describe, it } from "@effect/vitest"
import { StripeError, connector } from "@refract/stripe"

/** A fixed clock: HTTP-date Retry-After values are relative to it. */
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
import { response } from "@refract/testkit/connector/ConnectorTest"

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

const secretKey = "sk_test_51QbXbzLkdIwHu7ixSECRETSECRETSECRET"

const cases: ReadonlyArray<Case> = [
  {
    name: "401 invalid key",
    status: 401,
    error: { type: "invalid_request_error", message: `Invalid API Key provided: ${secretKey}` },
    expect: { tag: "Authentication", processorMessage: "Invalid API Key provided: [redacted]" }
  },
  {
    name: "401 masked key",
    status: 401,
    error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_live_********************WXYZ" },
    expect: { tag: "Authentication", processorMessage: "Invalid API Key provided: [redacted]" }
  },
  {
    name: "403 restricted key",
    status: 403,
    error: { type: "invalid_request_error", message: "The provided key 'rk_test_***abcd' does not have the required permissions for this endpoint" },
    expect: { tag: "Authentication" }
  },
  {
    name: "404 resource_missing refund",
    status: 404,
    error: { type: "invalid_request_error", code: "resource_missing", param: "id", message: "No such refund: 're_404'" },
    operation: "get",
    expect: { tag: "NotFound", resource: "refund", processorCode: "resource_missing", messageIncludes: "No such refund" }
  },
  {
    name: "404 resource_missing charge on get (param wins over the operation)",
    status: 404,
    error: { type: "invalid_request_error", code: "resource_missing", param: "charge", message: "No such charge: 'ch_404'" },
    operation: "get",
    expect: { tag: "NotFound", resource: "payment", processorCode: "resource_missing" }
  },
  {
    name: "400 resource_missing payment_intent",
    status: 400,
    error: { type: "invalid_request_error", code: "resource_missing", param: "payment_intent", message: "No such payment_intent: 'pi_404'" },
    expect: { tag: "NotFound", resource: "payment" }
  },
  {
    name: "404 without param on get",
    status: 404,
    error: { type: "invalid_request_error", message: "Unrecognized request URL" },
    operation: "get",
    expect: { tag: "NotFound", resource: "refund" }
  },
  {
    name: "404 without param on create",
    status: 404,
    rawBody: "not found",
    operation: "create",
    expect: { tag: "NotFound", resource: "payment" }
  },
  {
    name: "429 with Retry-After",
    status: 429,
    error: { type: "invalid_request_error", code: "rate_limit", message: "Too many requests" },
    headers: { "Retry-After": "2" },
    expect: { tag: "RateLimited", retryAfterMillis: 2000, processorCode: "rate_limit" }
  },
  {
    name: "429 without Retry-After",
    status: 429,
    error: { type: "rate_limit_error", message: "Too many requests" },
    expect: { tag: "RateLimited" }
  },
  {
    name: "400 code rate_limit",
    status: 400,
    error: { type: "invalid_request_error", code: "rate_limit", message: "Too many requests" },
    expect: { tag: "RateLimited", processorCode: "rate_limit" }
  },
  {
    name: "409 idempotency_key_in_use",
    status: 409,
    error: { type: "idempotency_error", code: "idempotency_key_in_use", message: "There is currently another in-progress request using this Idempotent Key" },
    expect: { tag: "ProcessorUnavailable", processorCode: "idempotency_key_in_use" }
  },
  {
    name: "429 lock_timeout",
    status: 429,
    error: { type: "invalid_request_error", code: "lock_timeout", message: "This object cannot be accessed right now" },
    expect: { tag: "ProcessorUnavailable", processorCode: "lock_timeout" }
  },
  {
    name: "409 without body",
    status: 409,
    rawBody: "",
    expect: { tag: "ProcessorUnavailable" }
  },
  {
    name: "500 api_error",
    status: 500,
    error: { type: "api_error", message: "An unknown error occurred" },
    expect: { tag: "ProcessorUnavailable" }
  },
  {
    name: "503 html",
    status: 503,
    rawBody: "<html>Service Unavailable</html>",
    expect: { tag: "ProcessorUnavailable" }
  },
  {
    name: "400 idempotency_error",
    status: 400,
    error: {
      type: "idempotency_error",
      message: "Keys for idempotent requests can only be used with the same parameters they were first used with."
    },
    expect: { tag: "InvalidRequest", messageIncludes: "idempotency key was reused with different parameters" }
  },
  {
    name: "amount_too_large",
    status: 400,
    error: { type: "invalid_request_error", code: "amount_too_large", param: "amount", message: "Refund amount ($20.00) is greater than unrefunded amount on charge ($10.50)" },
    expect: { tag: "RefundRejected", kind: "AmountTooLarge", processorCode: "amount_too_large" }
  },
  {
    name: "charge_already_refunded",
    status: 400,
    error: { type: "invalid_request_error", code: "charge_already_refunded", message: "Charge ch_1 has already been refunded." },
    expect: { tag: "RefundRejected", kind: "AlreadyRefunded" }
  },
  {
    name: "balance_insufficient",
    status: 400,
    error: { type: "invalid_request_error", code: "balance_insufficient", message: "Insufficient funds in Stripe account." },
    expect: { tag: "RefundRejected", kind: "InsufficientBalance" }
  },
  {
    name: "charge_disputed",
    status: 400,
    error: { type: "invalid_request_error", code: "charge_disputed", message: "Charge ch_1 has been charged back" },
    expect: { tag: "RefundRejected", kind: "Disputed" }
  },
  {
    name: "refund_disputed_payment",
    status: 400,
    error: { type: "invalid_request_error", code: "refund_disputed_payment", message: "You cannot refund a disputed payment." },
    expect: { tag: "RefundRejected", kind: "Disputed" }
  },
  {
    name: "charge_not_refundable",
    status: 400,
    error: { type: "invalid_request_error", code: "charge_not_refundable", message: "This charge cannot be refunded." },
    expect: { tag: "RefundRejected", kind: "NotRefundable" }
  },
  {
    name: "other 400 with param",
    status: 400,
    error: { type: "invalid_request_error", code: "parameter_invalid_integer", param: "amount", message: "Invalid integer: abc" },
    expect: { tag: "InvalidRequest", field: "amount", processorCode: "parameter_invalid_integer" }
  },
  {
    name: "402 card_error uses decline_code when there is no code",
    status: 402,
    error: { type: "card_error", decline_code: "generic_decline", message: "Your card was declined." },
    expect: { tag: "InvalidRequest", processorCode: "generic_decline" }
  },
  {
    name: "402 card_error prefers code",
    status: 402,
    error: { type: "card_error", code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." },
    expect: { tag: "InvalidRequest", processorCode: "card_declined" }
  },
  {
    name: "400 undecodable body",
    status: 400,
    rawBody: "{\"error\": \"nope\"}",
    expect: { tag: "InvalidRequest" }
  },
  {
    name: "401 undecodable body",
    status: 401,
    rawBody: "Unauthorized",
    expect: { tag: "Authentication" }
  },
  {
    name: "cancel of a refund that is not requires_action (no code)",
    status: 400,
    operation: "cancel",
    error: {
      type: "invalid_request_error",
      message: "Refund re_1 cannot be canceled because it has a status of succeeded. Only a refund with a status of requires_action can be canceled."
    },
    expect: { tag: "InvalidRequest", messageIncludes: "only a refund that requires action can be cancelled" }
  },
  {
    name: "cancel of an unknown refund",
    status: 404,
    operation: "cancel",
    error: { type: "invalid_request_error", code: "resource_missing", message: "No such refund: 're_x'" },
    expect: { tag: "NotFound", resource: "refund", processorCode: "resource_missing" }
  },
  {
    name: "cancel with an unknown parameter keeps the generic message and the field",
    status: 400,
    operation: "cancel",
    error: { type: "invalid_request_error", code: "parameter_unknown", message: "Received unknown parameter: metadata", param: "metadata" },
    expect: { tag: "InvalidRequest", field: "metadata", messageIncludes: "parameter_unknown" }
  },
  {
    name: "413 other 4xx",
    status: 413,
    rawBody: "",
    expect: { tag: "InvalidRequest" }
  }
]

describe("mapError", () => {
  for (const c of cases) {
    it(c.name, () => {
      const body = c.rawBody ?? JSON.stringify({ error: c.error })
      const details = connector.mapError(
        response(c.status, body, { "Request-Id": "req_8tGbTQYn7pVvSo", ...c.headers }),
        c.operation ?? "create",
        NOW
      )
      const reason = details.reason as any
      assert.strictEqual(reason._tag, c.expect.tag)
      if (c.expect.kind !== undefined) assert.strictEqual(reason.kind, c.expect.kind)
      if (c.expect.resource !== undefined) assert.strictEqual(reason.resource, c.expect.resource)
      if (c.expect.field !== undefined) assert.strictEqual(reason.field, c.expect.field)
      if (c.expect.tag === "RateLimited") assert.strictEqual(reason.retryAfterMillis, c.expect.retryAfterMillis)
      if (c.expect.messageIncludes !== undefined) assert.include(reason.message, c.expect.messageIncludes)
      assert.strictEqual(details.requestId, "req_8tGbTQYn7pVvSo")
      const code = c.expect.processorCode ?? ((c.error?.["code"] ?? c.error?.["decline_code"]) as string | undefined)
      assert.strictEqual(details.processorCode, code)
      if (c.expect.processorMessage !== undefined) assert.strictEqual(details.processorMessage, c.expect.processorMessage)
      else if (c.error?.["message"] !== undefined) assert.isString(details.processorMessage)
      // Never a key or secret in anything produced.
      const produced = JSON.stringify({ message: reason.message, details: { ...details, reason: reason.message } })
      assert.notMatch(produced, /(sk|rk|pk)_(test|live)_[A-Za-z0-9*]/)
      assert.notInclude(produced, "SECRET")
      assert.isTrue(reason.isRetryable === ["RateLimited", "ProcessorUnavailable"].includes(c.expect.tag))
    })
  }

  it("an error code named like an Object.prototype member is not a known code", () => {
    for (const code of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const details = connector.mapError(response(402, JSON.stringify({ error: { type: "invalid_request_error", code } })), "create", NOW)
      assert.notStrictEqual(details.reason._tag, "RefundRejected", code)
      assert.strictEqual(details.processorCode, code)
    }
  })

  it("answers without a Request-Id leave requestId undefined", () => {
    const details = connector.mapError(response(500, ""), "get", NOW)
    assert.strictEqual(details.requestId, undefined)
    assert.strictEqual(details.reason._tag, "ProcessorUnavailable")
  })

  it("scrub removes keys, masked keys, webhook secrets and bearer tokens", () => {
    assert.strictEqual(
      StripeError.scrub(`a ${secretKey} b rk_live_abc c whsec_abc d Bearer xyz e pk_test_123`),
      "a [redacted] b [redacted] c [redacted] d [redacted] e [redacted]"
    )
    assert.strictEqual(StripeError.scrub("No such refund: 're_123'"), "No such refund: 're_123'")
  })
})

const hint = (headers: Record<string, string>) => connector.retryHint(response(500, "", headers), NOW)

describe("retryHint", () => {
  it("Stripe-Should-Retry true / false / absent", () => {
    assert.strictEqual(hint({ "Stripe-Should-Retry": "true" }).retry, true)
    assert.strictEqual(hint({ "Stripe-Should-Retry": "false" }).retry, false)
    assert.strictEqual(hint({}).retry, undefined)
    assert.strictEqual(hint({ "Stripe-Should-Retry": "maybe" }).retry, undefined)
  })
  it("Retry-After seconds and HTTP date", () => {
    assert.strictEqual(hint({ "Retry-After": "3" }).afterMillis, 3000)
    assert.strictEqual(hint({ "Retry-After": "0.5" }).afterMillis, 500)
    const date = hint({ "Retry-After": new Date(NOW + 60_000).toUTCString() }).afterMillis
    assert.isTrue(date !== undefined && date > 55_000 && date <= 60_000)
    assert.strictEqual(hint({ "Retry-After": "soon" }).afterMillis, undefined)
    assert.strictEqual(hint({}).afterMillis, undefined)
  })
  it("both together", () => {
    assert.deepStrictEqual(hint({ "Stripe-Should-Retry": "true", "Retry-After": "1" }), { retry: true, afterMillis: 1000 })
  })
})
