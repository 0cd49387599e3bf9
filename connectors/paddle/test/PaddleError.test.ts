import { assert, describe, it } from "@effect/vitest"
import { connector } from "@refract/paddle"
import { response } from "@refract/testkit/connector/ConnectorTest"

const now = Date.UTC(2026, 0, 1)
const paddleError = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  response(status, { error: { type: status === 429 || status >= 500 ? "api_error" : "request_error", code, detail, documentation_url: `https://developer.paddle.com/errors/shared/${code}`, ...extra }, meta: { request_id: "req-1" } }, headers)

const map = (status: number, code: string, operation: "create" | "get" | "lookup" | "list" = "create", extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  connector.mapError(paddleError(status, code, `detail of ${code}`, extra, headers), operation, now)

describe("mapError", () => {
  it("maps every documented adjustment and shared code", () => {
    const cases: ReadonlyArray<readonly [number, string, string, string?]> = [
      [403, "authentication_missing", "Authentication"],
      [403, "authentication_malformed", "Authentication"],
      [403, "forbidden", "Authentication"],
      [403, "invalid_token", "Authentication"],
      [401, "invalid_token", "Authentication"],
      [429, "too_many_requests", "RateLimited"],
      [500, "internal_error", "ProcessorUnavailable"],
      [502, "bad_gateway", "ProcessorUnavailable"],
      [503, "service_unavailable", "ProcessorUnavailable"],
      [409, "concurrent_modification", "ProcessorUnavailable"],
      [404, "not_found", "NotFound"],
      [400, "adjustment_amount_above_remaining_allowed", "RefundRejected", "AmountTooLarge"],
      [400, "adjustment_total_amount_above_remaining_allowed", "RefundRejected", "AmountTooLarge"],
      [400, "adjustment_transaction_item_over_adjustment", "RefundRejected", "AmountTooLarge"],
      [400, "adjustment_transaction_item_has_already_been_fully_adjusted", "RefundRejected", "AlreadyRefunded"],
      [400, "adjustment_pending_refund_request", "RefundRejected", "DuplicateRequest"],
      [400, "adjustment_transaction_invalid_status_for_refund", "RefundRejected", "NotRefundable"],
      [400, "adjustment_transaction_without_captured_payment", "RefundRejected", "NotRefundable"],
      [400, "adjustment_transaction_missing_customer_id", "RefundRejected", "NotRefundable"],
      [400, "adjustment_invalid_credit_action", "RefundRejected", "NotRefundable"],
      [400, "adjustment_amount_cannot_be_zero", "InvalidRequest"],
      [400, "bad_request", "InvalidRequest"]
    ]
    for (const [status, code, tag, kind] of cases) {
      const details = map(status, code)
      assert.strictEqual(details.reason._tag, tag, code)
      if (kind !== undefined) assert.strictEqual((details.reason as { kind?: string }).kind, kind, code)
      assert.strictEqual(details.processorCode, code)
      assert.strictEqual(details.requestId, "req-1")
    }
  })

  it("invalid_field names the first field; item errors tell amount and fully-refunded declines apart", () => {
    const field = map(400, "invalid_field", "create", { errors: [{ field: "items[0].amount", message: "must be a string" }] })
    assert.strictEqual(field.reason._tag, "InvalidRequest")
    assert.strictEqual((field.reason as { field?: string }).field, "items[0].amount")
    assert.include(field.processorMessage ?? "", "items[0].amount: must be a string")
    const over = map(400, "adjustment_transaction_item_invalid", "create", { errors: [{ field: "adjustment.transaction.items[1]", message: "adjustment amount for item txnitm_x is over remaining allowed 210" }] })
    assert.strictEqual((over.reason as { kind?: string }).kind, "AmountTooLarge")
    const done = map(400, "adjustment_transaction_item_invalid", "create", { errors: [{ field: "adjustment.transaction.items[0]", message: "Adjustment item txnitm_x has already been fully adjusted" }] })
    assert.strictEqual((done.reason as { kind?: string }).kind, "AlreadyRefunded")
  })

  it("not_found names the transaction on create and lookup, the refund on get", () => {
    assert.strictEqual((map(404, "not_found", "create").reason as { resource?: string }).resource, "payment")
    assert.strictEqual((map(404, "not_found", "get").reason as { resource?: string }).resource, "refund")
  })

  it("429 carries Retry-After (seconds) as the reason's wait and the retry hint", () => {
    const details = map(429, "too_many_requests", "create", {}, { "retry-after": "7" })
    assert.strictEqual((details.reason as { retryAfterMillis?: number }).retryAfterMillis, 7_000)
    assert.strictEqual(connector.retryHint(paddleError(429, "too_many_requests", "x", {}, { "retry-after": "7" }), now).afterMillis, 7_000)
  })

  it("a body that is not Paddle's error shape still maps by status, never crashes, and never echoes a key", () => {
    assert.strictEqual(connector.mapError(response(502, "<html>bad gateway</html>"), "create", now).reason._tag, "ProcessorUnavailable")
    assert.strictEqual(connector.mapError(response(400, "{}"), "create", now).reason._tag, "InvalidRequest")
    const leaked = connector.mapError(paddleError(403, "forbidden", "key pdl_live_apikey_01abc_secret rejected; Bearer abc"), "create", now)
    assert.notInclude(`${leaked.processorMessage} ${leaked.reason.message}`, "pdl_live_apikey_01abc_secret")
    assert.notInclude(`${leaked.processorMessage}`, "Bearer abc")
  })
})
