import { assert, describe, it } from "@effect/vitest"
import { GoCardlessError } from "@refract/gocardless"
import { response } from "@refract/testkit/connector/ConnectorTest"

const now = Date.parse("2026-12-06T04:00:00.000Z")

const body = (status: number, type: string, message: string, errors: ReadonlyArray<Record<string, unknown>>) => ({
  error: { message, documentation_url: "https://developer.gocardless.com/api-reference#x", type, request_id: "REQ-1", code: status, errors }
})

const map = (status: number, payload: unknown, operation: "create" | "get" | "lookup" | "list" = "create", headers: Record<string, string> = {}) =>
  GoCardlessError.mapError(response(status, payload, headers), operation, now)

const reasonOf = (status: number, payload: unknown, operation: "create" | "get" | "lookup" | "list" = "create") => map(status, payload, operation).reason

describe("GoCardless errors", () => {
  it("401 and 403 are Authentication, without echoing credentials", () => {
    assert.strictEqual(reasonOf(401, body(401, "invalid_api_usage", "Unauthorized", [{ reason: "unauthorized", message: "Unauthorized" }]))._tag, "Authentication")
    const forbidden = reasonOf(403, body(403, "invalid_api_usage", "Insufficient permissions (Bearer sandbox_leakedtoken123)", [{ reason: "insufficient_permissions", message: "Insufficient permissions" }]))
    assert.strictEqual(forbidden._tag, "Authentication")
    assert.notInclude(forbidden.message, "leakedtoken")
  })

  it("429 is RateLimited, waiting as Retry-After says, else until RateLimit-Reset", () => {
    const limited = body(429, "invalid_api_usage", "Rate limit exceeded", [{ reason: "rate_limit_exceeded", message: "Rate limit exceeded" }])
    const withRetryAfter = map(429, limited, "create", { "Retry-After": "7" })
    assert.strictEqual(withRetryAfter.reason._tag, "RateLimited")
    assert.strictEqual(withRetryAfter.reason._tag === "RateLimited" ? withRetryAfter.reason.retryAfterMillis : 0, 7_000)
    const withReset = map(429, limited, "create", { "RateLimit-Reset": new Date(now + 42_000).toUTCString() })
    assert.strictEqual(withReset.reason._tag === "RateLimited" ? withReset.reason.retryAfterMillis : 0, 42_000)
    assert.strictEqual(GoCardlessError.retryHint(response(429, limited, { "RateLimit-Reset": "garbage" }), now).afterMillis, undefined)
    assert.strictEqual(GoCardlessError.retryHint(response(429, limited, { "RateLimit-Reset": new Date(now - 5_000).toUTCString() }), now).afterMillis, 0)
    assert.strictEqual(map(429, limited).processorCode, "rate_limit_exceeded")
  })

  it("5xx and type gocardless are ProcessorUnavailable", () => {
    const internal = body(500, "gocardless", "Internal server error", [{ reason: "internal_server_error", message: "Internal server error" }])
    assert.strictEqual(reasonOf(500, internal)._tag, "ProcessorUnavailable")
    assert.strictEqual(reasonOf(502, "<html>bad gateway</html>")._tag, "ProcessorUnavailable")
    assert.strictEqual(reasonOf(503, "")._tag, "ProcessorUnavailable")
  })

  it("a 409 idempotency conflict names the refund that exists and is never retried", () => {
    const conflict = body(409, "invalid_state", "A resource has already been created with this idempotency key", [{
      reason: "idempotent_creation_conflict",
      message: "A resource has already been created with this idempotency key",
      links: { conflicting_resource_id: "RF00EXISTING01" }
    }])
    const mapped = map(409, conflict)
    assert.strictEqual(mapped.reason._tag, "RefundRejected")
    assert.strictEqual(mapped.reason._tag === "RefundRejected" ? mapped.reason.kind : "", "DuplicateRequest")
    assert.include(mapped.reason.message, "RF00EXISTING01")
    assert.strictEqual(mapped.processorCode, "idempotent_creation_conflict")
    assert.strictEqual(mapped.requestId, "REQ-1")
    assert.strictEqual(GoCardlessError.retryHint(response(409, conflict), now).retry, false)
    assert.strictEqual(GoCardlessError.readErrorBody(JSON.stringify(conflict))?.conflictingResourceId, "RF00EXISTING01")
  })

  it("not found names the payment for create and lookup, the refund for get", () => {
    const missing = body(404, "invalid_api_usage", "Resource not found", [{ reason: "resource_not_found", message: "Resource not found" }])
    for (const [operation, resource] of [["create", "payment"], ["lookup", "payment"], ["get", "refund"]] as const) {
      const reason = reasonOf(404, missing, operation)
      assert.strictEqual(reason._tag, "NotFound")
      assert.strictEqual(reason._tag === "NotFound" ? reason.resource : "", resource)
    }
  })

  it("documented refund refusals are typed declines", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["total_amount_confirmation_invalid", "DuplicateRequest"],
      ["available_refund_amount_insufficient", "InsufficientBalance"],
      ["number_of_refunds_exceeded", "NotRefundable"],
      ["refund_payment_invalid_state", "NotRefundable"]
    ]
    for (const [code, kind] of cases) {
      const reason = reasonOf(422, body(422, "invalid_state", "declined", [{ reason: code, message: "declined" }]))
      assert.strictEqual(reason._tag, "RefundRejected", code)
      assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : "", kind, code)
    }
    const over = reasonOf(422, body(422, "validation_failed", "Validation failed", [{ field: "amount", message: "exceeds the amount of the payment not yet refunded" }]))
    assert.strictEqual(over._tag === "RefundRejected" ? over.kind : over._tag, "AmountTooLarge")
    const otherState = reasonOf(422, body(422, "invalid_state", "Payment cannot be cancelled", [{ reason: "cancellation_failed", message: "Payment cannot be cancelled" }]))
    assert.strictEqual(otherState._tag === "RefundRejected" ? otherState.kind : otherState._tag, "Other")
  })

  it("other refusals are InvalidRequest naming the field; undecodable bodies still map", () => {
    const validation = reasonOf(422, body(422, "validation_failed", "Validation failed", [{ field: "metadata", message: "can have at most 3 keys" }]))
    assert.strictEqual(validation._tag, "InvalidRequest")
    assert.strictEqual(validation._tag === "InvalidRequest" ? validation.field : "", "metadata")
    assert.include(validation.message, "metadata can have at most 3 keys")
    const usage = reasonOf(400, body(400, "invalid_api_usage", "Invalid document structure", [{ reason: "invalid_document_structure", message: "Invalid document structure" }]))
    assert.strictEqual(usage._tag, "InvalidRequest")
    assert.strictEqual(reasonOf(400, "not json")._tag, "InvalidRequest")
    assert.strictEqual(reasonOf(400, { error: "a string error" })._tag, "InvalidRequest")
    const prototype = GoCardlessError.readErrorBody(JSON.stringify(body(409, "invalid_state", "x", [{ reason: "idempotent_creation_conflict", links: { ["__proto__"]: "x" } }])))
    assert.isUndefined(prototype?.conflictingResourceId)
  })
})
