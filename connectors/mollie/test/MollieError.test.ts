import { assert, describe, it } from "@effect/vitest"
import { connector, MollieError } from "@refract/mollie"
import { response } from "@refract/testkit/connector/ConnectorTest"

const NOW = Date.UTC(2026, 0, 1)

/** A Mollie problem body, as docs.mollie.com "Handling errors" shows it. */
const problem = (status: number, title: string, detail: string, field?: string) => ({
  status,
  title,
  detail,
  ...(field !== undefined ? { field } : {}),
  _links: { documentation: { href: "https://docs.mollie.com/overview/handling-errors", type: "text/html" } }
})

const map = (status: number, body: unknown, operation: Parameters<typeof connector.mapError>[1] = "create", headers: Record<string, string> = {}) =>
  connector.mapError(response(status, body, headers), operation, NOW)

describe("mapError", () => {
  it("401 (the docs' example) is Authentication naming MOLLIE_API_KEY", () => {
    const details = map(401, problem(401, "Unauthorized Request", "Missing authentication, or failed to authenticate"))
    assert.strictEqual(details.reason._tag, "Authentication")
    assert.include(details.reason.message, "MOLLIE_API_KEY")
    assert.strictEqual(details.processorCode, "401 Unauthorized Request")
    assert.strictEqual(details.processorMessage, "Missing authentication, or failed to authenticate")
  })

  it("404 is NotFound, naming the payment or refund from the detail or the operation", () => {
    const payment = map(404, problem(404, "Not Found", "No payment exists with token tr_I_dont_exist."))
    assert.strictEqual(payment.reason._tag, "NotFound")
    assert.strictEqual((payment.reason as { resource?: string }).resource, "payment")
    const refund = map(404, problem(404, "Not Found", "No refund exists with token re_x."), "lookup")
    assert.strictEqual((refund.reason as { resource?: string }).resource, "refund")
    assert.strictEqual((map(410, problem(410, "Gone", "gone"), "get").reason as { resource?: string }).resource, "refund")
  })

  it("422 declines become RefundRejected by what they say, other 422s InvalidRequest with the field", () => {
    const cases: ReadonlyArray<readonly [string, string | undefined, string]> = [
      ["The amount of the refund is higher than the amount that can be refunded for this payment", "amount", "AmountTooLarge"],
      ["The payment has already been fully refunded", undefined, "AlreadyRefunded"],
      ["The currency of the refund must be the same as the currency of the payment", "amount.currency", "CurrencyMismatch"],
      ["The refund cannot be processed: insufficient balance", undefined, "InsufficientBalance"],
      ["The payment has a chargeback", undefined, "Disputed"],
      ["This payment method is not refundable", undefined, "NotRefundable"]
    ]
    for (const [detail, field, kind] of cases) {
      const details = map(422, problem(422, "Unprocessable Entity", detail, field))
      assert.strictEqual(details.reason._tag, "RefundRejected", detail)
      assert.strictEqual((details.reason as { kind?: string }).kind, kind, detail)
    }
    const decimals = map(422, problem(422, "Unprocessable Entity", "The amount value '5' is invalid: EUR amounts have 2 decimals", "amount.value"))
    assert.strictEqual(decimals.reason._tag, "InvalidRequest")
    assert.strictEqual((decimals.reason as { field?: string }).field, "amount.value")
    // "higher" about another field is not an amount decline.
    assert.strictEqual(map(422, problem(422, "Unprocessable Entity", "The description is higher than allowed", "description")).reason._tag, "InvalidRequest")
  })

  it("a refused cancel is InvalidRequest (not retryable), not a decline", () => {
    const details = map(422, problem(422, "Unprocessable Entity", "The refund cannot be canceled anymore, its status is processing"), "cancel")
    assert.strictEqual(details.reason._tag, "InvalidRequest")
    assert.include(details.reason.message, "only a queued or pending refund can be canceled")
  })

  it("409: the docs' duplicate refund is a DuplicateRequest decline; otherwise the same key is still in flight (retry)", () => {
    const duplicate = map(409, problem(409, "Conflict", "A duplicate refund has been detected"))
    assert.strictEqual(duplicate.reason._tag, "RefundRejected")
    assert.strictEqual((duplicate.reason as { kind?: string }).kind, "DuplicateRequest")
    assert.strictEqual(map(409, problem(409, "Conflict", "A request with this idempotency key is still being processed")).reason._tag, "ProcessorUnavailable")
  })

  it("400 about the idempotency key is InvalidRequest telling to use a new merchant refund id", () => {
    const details = map(400, problem(400, "Bad Request", "The idempotency key has already been used for a different request"))
    assert.strictEqual(details.reason._tag, "InvalidRequest")
    assert.include(details.reason.message, "new merchant refund id")
  })

  it("429 is RateLimited with Retry-After (seconds or HTTP date); 5xx is ProcessorUnavailable", () => {
    const limited = map(429, problem(429, "Too Many Requests", "slow down"), "create", { "Retry-After": "7" })
    assert.strictEqual(limited.reason._tag, "RateLimited")
    assert.strictEqual((limited.reason as { retryAfterMillis?: number }).retryAfterMillis, 7_000)
    assert.strictEqual(connector.retryHint(response(429, "", { "Retry-After": new Date(NOW + 3_000).toUTCString() }), NOW).afterMillis, 3_000)
    for (const status of [500, 502, 503, 504]) assert.strictEqual(map(status, problem(status, "x", "y")).reason._tag, "ProcessorUnavailable")
    assert.strictEqual(map(503, "<html>maintenance</html>").reason._tag, "ProcessorUnavailable")
  })

  it("an undecodable body still maps by status, with no processor code", () => {
    const details = map(400, "not json")
    assert.strictEqual(details.reason._tag, "InvalidRequest")
    assert.isUndefined(details.processorCode)
    assert.isUndefined(details.processorMessage)
  })

  it("scrubs anything that looks like a credential out of the detail", () => {
    const details = map(400, problem(400, "Bad Request", "Bearer test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM was refused; key live_abcdefghijklmnop"))
    assert.notInclude(details.processorMessage!, "dHar4XY7")
    assert.notInclude(details.processorMessage!, "abcdefghijklmnop")
    assert.strictEqual(MollieError.scrub("no secrets here"), "no secrets here")
  })
})
