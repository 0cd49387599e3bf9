import { assert, describe, it } from "@effect/vitest"
import { ConnectorTest } from "@refract/testkit"
import { AuthorizeNetError } from "@refract/authorizenet"
import * as F from "./helpers/Fixtures.ts"

const { response } = ConnectorTest
const now = Date.parse("2026-12-06T00:00:00Z")

const reasonCode = (code: string) => ({
  transactionResponse: { responseCode: "3", transId: "0", errors: [{ errorCode: code, errorText: `reason ${code}` }] },
  messages: { resultCode: "Error", message: [{ code: "E00027", text: "The transaction was unsuccessful." }] }
})
const apiCode = (code: string) => ({ messages: { resultCode: "Error", message: [{ code, text: `text of ${code}` }] } })

const describeReason = (r: { readonly _tag: string; readonly kind?: string; readonly field?: string }) =>
  [r._tag, r.kind, r.field].filter((x) => x !== undefined).join(":")

describe("mapError", () => {
  it("maps every documented code, on 200 answers as on others", () => {
    const table: ReadonlyArray<readonly [unknown, string]> = [
      [apiCode("E00007"), "Authentication"],
      [apiCode("E00008"), "Authentication"],
      [apiCode("E00011"), "Authentication"],
      [apiCode("E00040"), "NotFound"],
      [apiCode("E00001"), "ProcessorUnavailable"],
      [apiCode("E00003"), "InvalidRequest"],
      [apiCode("E00013"), "InvalidRequest"],
      [apiCode("E00014"), "InvalidRequest"],
      [apiCode("E00015"), "InvalidRequest"],
      [reasonCode("11"), "RefundRejected:DuplicateRequest"],
      [reasonCode("54"), "RefundRejected:NotRefundable"],
      [reasonCode("55"), "RefundRejected:AmountTooLarge"],
      [reasonCode("39"), "RefundRejected:CurrencyMismatch"],
      [reasonCode("2"), "RefundRejected:Declined"],
      [reasonCode("5"), "InvalidRequest:amount"],
      [reasonCode("6"), "InvalidRequest:connectorTransactionId"],
      [reasonCode("33"), "InvalidRequest:connectorTransactionId"],
      [reasonCode("19"), "ProcessorUnavailable"],
      [reasonCode("57"), "ProcessorUnavailable"],
      [reasonCode("999"), "RefundRejected:Other"]
    ]
    for (const [body, expected] of table) {
      const mapped = AuthorizeNetError.mapError(response(200, F.wire(body)), "create", now)
      assert.strictEqual(describeReason(mapped.reason as never), expected, JSON.stringify(body))
      assert.isDefined(mapped.processorCode)
      assert.isDefined(mapped.processorMessage)
    }
  })

  it("E00040 on a status read names the refund; processor code and message are kept", () => {
    const mapped = AuthorizeNetError.mapError(response(200, F.wire(F.notFound)), "get", now)
    assert.strictEqual(mapped.reason._tag === "NotFound" ? mapped.reason.resource : "", "refund")
    assert.strictEqual(mapped.processorCode, "E00040")
    assert.strictEqual(mapped.processorMessage, "E00040 The record cannot be found.")
    const declined = AuthorizeNetError.mapError(response(200, F.wire(F.declined55)), "create", now)
    assert.strictEqual(declined.processorCode, "55")
    assert.include(declined.processorMessage ?? "", "reason 55")
  })

  it("HTTP 429 with Retry-After, 5xx and non-API bodies", () => {
    const limited = AuthorizeNetError.mapError(response(429, "slow down", { "Retry-After": "3" }), "create", now)
    assert.strictEqual(limited.reason._tag, "RateLimited")
    assert.strictEqual(limited.reason._tag === "RateLimited" ? limited.reason.retryAfterMillis : 0, 3_000)
    assert.deepStrictEqual(AuthorizeNetError.retryHint(response(429, "", { "retry-after": "2" }), now), { afterMillis: 2_000 })
    assert.strictEqual(AuthorizeNetError.mapError(response(503, "<html>maintenance</html>"), "get", now).reason._tag, "ProcessorUnavailable")
    assert.strictEqual(AuthorizeNetError.mapError(response(404, "<h2>404</h2>"), "get", now).reason._tag, "NotFound")
    assert.isUndefined(AuthorizeNetError.readErrors(F.wire(F.createApproved)), "an approved answer reports no error")
  })
})
