import { assert, describe, it } from "@effect/vitest"
import { SquareError, connector } from "@refract/square"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { fixtureJson } from "./helpers.ts"

type Fixture = { readonly status: number; readonly body: unknown }
const errors = fixtureJson<Record<string, Fixture>>("errors.json")

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)

const map = (name: string, operation: "create" | "get" = "create", headers: Record<string, string> = {}) => {
  const f = errors[name]!
  return connector.mapError(response(f.status, f.body, headers), operation, NOW)
}

const byCategory = (category: string) =>
  connector.mapError(response(400, { errors: [{ category, code: "SOMETHING_NEW" }] }), "create", NOW).reason._tag

const byStatus = (status: number, body: string, operation: "create" | "get" = "create") =>
  connector.mapError(response(status, body), operation, NOW)

/** [fixture, operation, reason tag, rejection kind or NotFound resource or field] */
const table: ReadonlyArray<readonly [string, "create" | "get", string, string?]> = [
  ["unauthorized_401", "create", "Authentication"],
  ["token_expired_401", "get", "Authentication"],
  ["token_revoked_401", "create", "Authentication"],
  ["insufficient_scopes_403", "create", "Authentication"],
  ["not_found_payment_404", "create", "NotFound", "payment"],
  ["not_found_refund_404", "get", "NotFound", "refund"],
  ["rate_limited_429", "create", "RateLimited"],
  ["refund_amount_invalid_400", "create", "RefundRejected", "AmountTooLarge"],
  ["value_too_high_amount_400", "create", "RefundRejected", "AmountTooLarge"],
  ["refund_already_pending_400", "create", "RefundRejected", "DuplicateRequest"],
  ["payment_not_refundable_400", "create", "RefundRejected", "NotRefundable"],
  ["payment_needs_completion_400", "create", "RefundRejected", "NotRefundable"],
  ["insufficient_permissions_for_refund_403", "create", "RefundRejected", "NotRefundable"],
  ["card_presence_required_400", "create", "RefundRejected", "NotRefundable"],
  ["payment_disputed_400", "create", "RefundRejected", "Disputed"],
  ["refund_declined_400", "create", "RefundRejected", "Declined"],
  ["generic_decline_400", "create", "RefundRejected", "Declined"],
  ["currency_mismatch_400", "create", "RefundRejected", "CurrencyMismatch"],
  ["unknown_refund_code_400", "create", "RefundRejected", "Other"],
  ["idempotency_key_reused_400", "create", "InvalidRequest", "merchantRefundId"],
  ["missing_parameter_400", "create", "InvalidRequest", "amount"],
  ["value_too_long_400", "create", "InvalidRequest", "reason"],
  ["merchant_subscription_400", "create", "InvalidRequest"],
  ["internal_server_error_500", "create", "ProcessorUnavailable"],
  ["service_unavailable_503", "get", "ProcessorUnavailable"],
  ["gateway_timeout_504", "create", "ProcessorUnavailable"],
  ["conflict_409", "create", "ProcessorUnavailable"]
]

describe("SquareError.mapError: the mapping table", () => {
  for (const [name, operation, tag, detail] of table) {
    it(`${name} (${operation}) → ${tag}${detail !== undefined ? ` ${detail}` : ""}`, () => {
      const mapped = map(name, operation)
      const first = (errors[name]!.body as { errors: Array<{ code: string; detail: string }> }).errors[0]!
      assert.strictEqual(mapped.reason._tag, tag)
      assert.strictEqual(mapped.processorCode, first.code, "processorCode is the first error's code")
      assert.strictEqual(mapped.processorMessage, first.detail)
      assert.include(mapped.reason.message, first.code)
      const reason = mapped.reason as { kind?: string; resource?: string; field?: string }
      if (tag === "RefundRejected") assert.strictEqual(reason.kind, detail)
      if (tag === "NotFound") assert.strictEqual(reason.resource, detail)
      if (tag === "InvalidRequest") assert.strictEqual(reason.field, detail)
    })
  }

  it("every documented refund error code of RefundPayment is a RefundRejected", () => {
    for (const code of ["REFUND_AMOUNT_INVALID", "REFUND_ALREADY_PENDING", "PAYMENT_NOT_REFUNDABLE", "PAYMENT_NOT_REFUNDABLE_DUE_TO_DISPUTE",
      "REFUND_ERROR_PAYMENT_NEEDS_COMPLETION", "REFUND_DECLINED", "INSUFFICIENT_PERMISSIONS_FOR_REFUND", "GENERIC_DECLINE",
      "CARD_MISMATCH", "CARD_TOKEN_USED", "INVALID_CARD", "INVALID_CARD_DATA", "UNSUPPORTED_CARD_BRAND", "UNSUPPORTED_COUNTRY",
      "UNSUPPORTED_CURRENCY", "UNSUPPORTED_INSTRUMENT_TYPE", "UNSUPPORTED_SOURCE_TYPE", "CURRENCY_MISMATCH"]) {
      const mapped = connector.mapError(response(400, { errors: [{ category: "REFUND_ERROR", code }] }), "create", NOW)
      assert.strictEqual(mapped.reason._tag, "RefundRejected", code)
    }
  })

  it("codes and fields named like Object.prototype members are not known ones", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const byCode = connector.mapError(response(400, { errors: [{ category: "INVALID_REQUEST_ERROR", code: name }] }), "create", NOW)
      assert.strictEqual(byCode.reason._tag, "InvalidRequest", name)
      const byField = connector.mapError(
        response(400, { errors: [{ category: "INVALID_REQUEST_ERROR", code: "MISSING_REQUIRED_PARAMETER", field: name }] }),
        "create",
        NOW
      )
      assert.strictEqual(byField.reason._tag === "InvalidRequest" ? byField.reason.field : undefined, name)
    }
  })

  it("the first error decides", () => {
    const mapped = connector.mapError(response(400, {
      errors: [
        { category: "REFUND_ERROR", code: "REFUND_AMOUNT_INVALID", detail: "too much" },
        { category: "INVALID_REQUEST_ERROR", code: "INVALID_VALUE", field: "reason" }
      ]
    }), "create", NOW)
    assert.strictEqual(mapped.reason._tag, "RefundRejected")
    assert.strictEqual(mapped.processorCode, "REFUND_AMOUNT_INVALID")
  })

  it("a category alone is enough (AUTHENTICATION_ERROR, RATE_LIMIT_ERROR, API_ERROR)", () => {
    const of = byCategory
    assert.strictEqual(of("AUTHENTICATION_ERROR"), "Authentication")
    assert.strictEqual(of("RATE_LIMIT_ERROR"), "RateLimited")
    assert.strictEqual(of("API_ERROR"), "ProcessorUnavailable")
    assert.strictEqual(of("PAYMENT_METHOD_ERROR"), "RefundRejected")
    assert.strictEqual(of("INVALID_REQUEST_ERROR"), "InvalidRequest")
  })

  it("429 carries Retry-After (seconds or an HTTP date) as retryAfterMillis", () => {
    const seconds = map("rate_limited_429", "create", { "Retry-After": "2" })
    assert.strictEqual(seconds.reason._tag === "RateLimited" ? seconds.reason.retryAfterMillis : -1, 2_000)
    const date = map("rate_limited_429", "create", { "Retry-After": new Date(NOW + 5_000).toUTCString() })
    assert.strictEqual(date.reason._tag === "RateLimited" ? date.reason.retryAfterMillis : -1, 5_000)
    const none = map("rate_limited_429")
    assert.isUndefined(none.reason._tag === "RateLimited" ? none.reason.retryAfterMillis : -1)
  })

  it("bodies that are not Square's error shape map by HTTP status", () => {
    const of = byStatus
    assert.strictEqual(of(401, "").reason._tag, "Authentication")
    assert.strictEqual(of(403, "<html>Forbidden</html>").reason._tag, "Authentication")
    assert.strictEqual(of(404, "Not Found", "get").reason._tag, "NotFound")
    assert.strictEqual(of(429, "").reason._tag, "RateLimited")
    assert.strictEqual(of(502, "<html>Bad Gateway</html>").reason._tag, "ProcessorUnavailable")
    assert.strictEqual(of(409, "{}").reason._tag, "ProcessorUnavailable")
    assert.strictEqual(of(400, "{\"errors\":\"nope\"}").reason._tag, "InvalidRequest")
    assert.isUndefined(of(500, "oops").processorCode)
  })

  it("messages never carry a token Square (or a proxy) echoed", () => {
    const token = "EAAAl2sTestTokenDoNotLeak_0123456789"
    const mapped = connector.mapError(
      response(401, { errors: [{ category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED", detail: `Bearer ${token} is not valid; also ${token}, sq0csp-SecretValue1` }] }),
      "create",
      NOW
    )
    const text = `${mapped.reason.message} ${mapped.processorMessage}`
    assert.notInclude(text, token)
    assert.notInclude(text, "sq0csp-SecretValue1")
    assert.include(text, "[redacted]")
  })
})

describe("SquareError.retryHint", () => {
  it("honours Retry-After and otherwise lets the reason decide", () => {
    assert.deepStrictEqual(SquareError.retryHint(response(429, "", { "Retry-After": "3" }), NOW), { afterMillis: 3_000 })
    assert.deepStrictEqual(SquareError.retryHint(response(503, ""), NOW), { afterMillis: undefined })
    assert.isUndefined(SquareError.retryHint(response(500, ""), NOW).retry)
  })
})
