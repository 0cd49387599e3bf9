import { assert, describe, it } from "@effect/vitest"
import { connector } from "@refract/mercadopago"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { fixtureText } from "./helpers/Fixtures.ts"

const body = (status: number, code: number | string, description: string, error = "bad_request") =>
  ({ message: description, error, status, cause: [{ code, description }] })

const reasonOf = (status: number, value: unknown, operation: "create" | "get" = "create", headers: Record<string, string> = {}) =>
  connector.mapError(response(status, value, headers), operation, 0)

describe("mapError", () => {
  it("maps the documented refund error codes", () => {
    const table: ReadonlyArray<readonly [number, number, string, string, string | undefined]> = [
      [404, 2000, "Payment not found", "NotFound", undefined],
      [404, 2032, "Refund not found", "NotFound", undefined],
      [404, 2024, "Payment too old to be refunded", "RefundRejected", "NotRefundable"],
      [404, 15016, "Payment too old to be refunded", "RefundRejected", "NotRefundable"],
      [400, 2063, "The action requested is not valid for the current payment state", "RefundRejected", "NotRefundable"],
      [404, 3024, "Not valid action - partial refund unsupported for this transaction", "RefundRejected", "NotRefundable"],
      [404, 4296, "Charge already refunded", "RefundRejected", "AlreadyRefunded"],
      [400, 4040, "amount attribute must be positive", "InvalidRequest", undefined],
      [400, 4041, "amount attribute must be numeric", "InvalidRequest", undefined],
      [400, 4292, "Header X-Idempotency-Key can't be null", "InvalidRequest", undefined]
    ]
    for (const [status, code, description, tag, kind] of table) {
      const details = reasonOf(status, body(status, code, description))
      assert.strictEqual(details.reason._tag, tag, String(code))
      if (kind !== undefined) assert.strictEqual((details.reason as { kind?: string }).kind, kind, String(code))
      assert.strictEqual(details.processorCode, String(code))
      assert.include(details.processorMessage ?? "", description)
    }
    const payment = reasonOf(404, JSON.parse(fixtureText("error-payment-not-found.json"))).reason
    assert.deepInclude(payment, { _tag: "NotFound", resource: "payment" })
  })

  it("maps status classes: 401/403 Authentication, 409/423/424/5xx retryable, 429 with Retry-After", () => {
    assert.strictEqual(reasonOf(401, body(401, 401, "Invalid token", "unauthorized")).reason._tag, "Authentication")
    assert.strictEqual(reasonOf(403, { message: "forbidden" }).reason._tag, "Authentication")
    for (const status of [409, 423, 424, 500, 502, 503]) assert.strictEqual(reasonOf(status, "").reason._tag, "ProcessorUnavailable", String(status))
    const limited = reasonOf(429, { message: "Too many requests" }, "create", { "retry-after": "3" }).reason
    assert.deepInclude(limited, { _tag: "RateLimited", retryAfterMillis: 3000 })
    assert.strictEqual(connector.retryHint(response(429, "", { "retry-after": "3" }), 0).afterMillis, 3000)
  })

  it("an over-refund message is AmountTooLarge; an unknown 404 names the resource by operation; garbage is InvalidRequest", () => {
    assert.deepInclude(reasonOf(400, body(400, "invalid_refund_amount", "Invalid refund amount: it exceeds the amount available to refund")).reason, {
      _tag: "RefundRejected",
      kind: "AmountTooLarge"
    })
    assert.deepInclude(reasonOf(404, { message: "resource not found" }, "get").reason, { _tag: "NotFound", resource: "refund" })
    assert.strictEqual(reasonOf(400, "<html>").reason._tag, "InvalidRequest")
    assert.strictEqual(reasonOf(400, { cause: { code: 4040, description: "amount attribute must be positive" } }).reason._tag, "InvalidRequest")
  })

  it("never echoes a token a proxy put in the message", () => {
    const details = reasonOf(401, { message: "bad Bearer APP_USR-123456789-abcdef", error: "unauthorized", status: 401, cause: [] })
    assert.notInclude(details.processorMessage ?? "", "APP_USR-123456789")
    assert.notInclude(details.reason.message, "APP_USR-123456789")
  })
})
