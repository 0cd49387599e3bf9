import { assert, describe, it } from "@effect/vitest"
import { BraintreeError } from "@refract/braintree"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { fixtureText } from "./helpers/Fixtures.ts"

const now = Date.UTC(2026, 11, 6)

const validation = (code: string, attribute = "base", message = "m") =>
  response(
    422,
    `<?xml version="1.0" encoding="UTF-8"?>\n<api-error-response><errors><errors type="array"/><transaction><errors type="array"><error><code>${code}</code><attribute type="symbol">${attribute}</attribute><message>${message}</message></error></errors></transaction></errors><message>${message}</message></api-error-response>`
  )

describe("mapError", () => {
  it("422 RefundAmountIsTooLarge → RefundRejected AmountTooLarge, with code and message", () => {
    const details = BraintreeError.mapError(response(422, fixtureText("error-refund-too-large.xml")), "create", now)
    assert.strictEqual(details.reason._tag, "RefundRejected")
    assert.strictEqual(details.reason._tag === "RefundRejected" ? details.reason.kind : undefined, "AmountTooLarge")
    assert.strictEqual(details.processorCode, "91521")
    assert.strictEqual(details.processorMessage, "91521 Refund amount is too large.")
  })

  it("every documented refund code maps to its rejection kind", () => {
    const table: ReadonlyArray<readonly [string, string]> = [
      ["91512", "AlreadyRefunded"],
      ["91506", "NotRefundable"],
      ["91574", "NotRefundable"],
      ["91563", "NotRefundable"],
      ["91505", "NotRefundable"],
      ["91547", "NotRefundable"],
      ["91538", "NotRefundable"],
      ["91559", "NotRefundable"],
      ["91504", "NotRefundable"],
      ["915200", "Declined"],
      ["915201", "Declined"]
    ]
    for (const [code, kind] of table) {
      const reason = BraintreeError.mapError(validation(code), "create", now).reason
      assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : reason._tag, kind, code)
    }
  })

  it("format errors are InvalidRequest naming the field", () => {
    for (const [code, attribute, field] of [["81503", "amount", "amount"], ["81531", "amount", "amount"], ["81501", "amount", "amount"], ["91501", "order_id", "merchantRefundId"]] as const) {
      const reason = BraintreeError.mapError(validation(code, attribute), "create", now).reason
      assert.strictEqual(reason._tag, "InvalidRequest", code)
      assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, field, code)
    }
    const unknown = BraintreeError.mapError(validation("99999"), "create", now)
    assert.strictEqual(unknown.reason._tag, "InvalidRequest")
    assert.strictEqual(unknown.processorCode, "99999")
  })

  it("HTTP statuses without a body (the SDK's exceptions)", () => {
    const tag = (status: number, operation: "create" | "get" = "create") => BraintreeError.mapError(response(status, " "), operation, now).reason
    assert.strictEqual(tag(401)._tag, "Authentication")
    assert.strictEqual(tag(403)._tag, "Authentication")
    const notFound = tag(404, "get")
    assert.strictEqual(notFound._tag === "NotFound" ? notFound.resource : undefined, "refund")
    const noSale = tag(404, "create")
    assert.strictEqual(noSale._tag === "NotFound" ? noSale.resource : undefined, "payment")
    assert.strictEqual(tag(426)._tag, "Configuration")
    assert.strictEqual(tag(429)._tag, "RateLimited")
    for (const status of [408, 500, 502, 503, 504]) assert.strictEqual(tag(status)._tag, "ProcessorUnavailable", String(status))
    assert.strictEqual(tag(400)._tag, "InvalidRequest")
  })

  it("Retry-After (seconds or HTTP date) is honoured", () => {
    assert.strictEqual(BraintreeError.retryHint(response(429, "", { "Retry-After": "3" }), now).afterMillis, 3_000)
    assert.strictEqual(BraintreeError.retryHint(response(503, "", { "Retry-After": new Date(now + 5_000).toUTCString() }), now).afterMillis, 5_000)
    assert.isUndefined(BraintreeError.retryHint(response(503, ""), now).afterMillis)
    const limited = BraintreeError.mapError(response(429, "", { "Retry-After": "2" }), "create", now).reason
    assert.strictEqual(limited._tag === "RateLimited" ? limited.retryAfterMillis : undefined, 2_000)
  })

  it("an undecodable or hostile body never crashes and never echoes credentials", () => {
    for (const body of ["", "<html>oops</html>", "<api-error-response><errors>", "{\"error\":1}"]) {
      const details = BraintreeError.mapError(response(422, body), "create", now)
      assert.strictEqual(details.reason._tag, "InvalidRequest")
    }
    const leaky = BraintreeError.mapError(validation("81503", "amount", "bad Basic dXNlcjpzZWNyZXQ="), "create", now)
    assert.notInclude(leaky.processorMessage ?? "", "dXNlcjpzZWNyZXQ=")
  })
})
