import { describe, expect, it } from "@effect/vitest"
import { connector, PayPalError } from "@refract/paypal"
import { response } from "@refract/testkit/connector/ConnectorTest"
import { fixtureJson } from "./helpers.ts"

const errors = fixtureJson<Record<string, unknown>>("errors.json")
const now = Date.parse("2026-11-20T18:00:00Z")

const map = (status: number, body: unknown, operation: "create" | "get" | "authenticate" = "create", headers: Record<string, string> = {}) =>
  connector.mapError(response(status, body, headers), operation, now)

const unprocessable = (issue: string) => ({
  name: "UNPROCESSABLE_ENTITY",
  message: "The requested action could not be performed, semantically incorrect, or failed business validation.",
  debug_id: "b2c3d4e5f6a70",
  details: [{ issue, description: `description of ${issue}` }]
})

describe("mapError: PayPal's REST errors", () => {
  it("400 INVALID_REQUEST → InvalidRequest with the detail's field, code and debug id", () => {
    const details = map(400, errors["invalid_request"])
    expect(details.reason._tag).toBe("InvalidRequest")
    expect(details.reason._tag === "InvalidRequest" ? details.reason.field : undefined).toBe("/amount/value")
    expect(details.processorCode).toBe("INVALID_PARAMETER_SYNTAX")
    expect(details.processorMessage).toBe("The value of a field does not conform to the expected format.")
    expect(details.requestId).toBe("f6e2b3c4d5a61")
  })

  it("401 AUTHENTICATION_FAILURE and 403 NOT_AUTHORIZED → Authentication", () => {
    const unauthenticated = map(401, errors["authentication_failure"], "get", { "Paypal-Debug-Id": "hdr-debug-1" })
    expect(unauthenticated.reason._tag).toBe("Authentication")
    expect(unauthenticated.processorCode).toBe("AUTHENTICATION_FAILURE")
    expect(unauthenticated.requestId).toBe("hdr-debug-1")
    const forbidden = map(403, errors["not_authorized"])
    expect(forbidden.reason._tag).toBe("Authentication")
    expect(forbidden.processorCode).toBe("PERMISSION_DENIED")
  })

  it("404 RESOURCE_NOT_FOUND → NotFound: the capture on create, the refund on get", () => {
    const create = map(404, errors["resource_not_found"], "create")
    expect(create.reason._tag).toBe("NotFound")
    expect(create.reason._tag === "NotFound" ? create.reason.resource : undefined).toBe("payment")
    expect(create.processorCode).toBe("INVALID_RESOURCE_ID")
    const get = map(404, errors["resource_not_found"], "get")
    expect(get.reason._tag === "NotFound" ? get.reason.resource : undefined).toBe("refund")
  })

  it("409 PREVIOUS_REQUEST_IN_PROGRESS → ProcessorUnavailable (retryable, same PayPal-Request-Id)", () => {
    const details = map(409, errors["previous_request_in_progress"])
    expect(details.reason._tag).toBe("ProcessorUnavailable")
    expect(details.reason.isRetryable).toBe(true)
    expect(details.processorCode).toBe("PREVIOUS_REQUEST_IN_PROGRESS")
    expect(map(409, { name: "RESOURCE_CONFLICT", debug_id: "x" }).reason._tag).toBe("ProcessorUnavailable")
  })

  it("422 issues → the RefundRejected kinds, amount problems → InvalidRequest", () => {
    const table: ReadonlyArray<readonly [string, string, string?]> = [
      ["REFUND_AMOUNT_EXCEEDED", "RefundRejected", "AmountTooLarge"],
      ["CAPTURE_FULLY_REFUNDED", "RefundRejected", "AlreadyRefunded"],
      ["REFUND_FAILED_INSUFFICIENT_FUNDS", "RefundRejected", "InsufficientBalance"],
      ["REFUND_NOT_PERMITTED_DUE_TO_CHARGEBACK", "RefundRejected", "Disputed"],
      ["TRANSACTION_DISPUTED", "RefundRejected", "Disputed"],
      ["CURRENCY_MISMATCH", "RefundRejected", "CurrencyMismatch"],
      ["REFUND_CAPTURE_CURRENCY_MISMATCH", "RefundRejected", "CurrencyMismatch"],
      ["DUPLICATE_INVOICE_ID", "RefundRejected", "DuplicateRequest"],
      ["REFUND_TIME_LIMIT_EXCEEDED", "RefundRejected", "NotRefundable"],
      ["REFUND_NOT_ALLOWED", "RefundRejected", "NotRefundable"],
      ["PENDING_CAPTURE", "RefundRejected", "NotRefundable"],
      ["PARTIAL_REFUND_NOT_ALLOWED", "RefundRejected", "NotRefundable"],
      ["MAX_NUMBER_OF_REFUNDS_EXCEEDED", "RefundRejected", "NotRefundable"],
      ["REFUND_AMOUNT_TOO_LOW", "RefundRejected", "NotRefundable"],
      ["REFUND_IS_RESTRICTED", "RefundRejected", "NotRefundable"],
      ["PAYEE_ACCOUNT_LOCKED_OR_CLOSED", "RefundRejected", "NotRefundable"],
      ["PAYER_ACCOUNT_LOCKED_OR_CLOSED", "RefundRejected", "NotRefundable"],
      ["PAYEE_ACCOUNT_RESTRICTED", "RefundRejected", "NotRefundable"],
      ["PLATFORM_FEE_EXCEEDED", "RefundRejected", "Other"],
      ["SOMETHING_NEW", "RefundRejected", "Other"],
      ["DECIMAL_PRECISION", "InvalidRequest"],
      ["DECIMALS_NOT_SUPPORTED", "InvalidRequest"],
      ["INVALID_CURRENCY_CODE", "InvalidRequest"],
      ["CANNOT_BE_ZERO_OR_NEGATIVE", "InvalidRequest"],
      ["CANNOT_BE_NEGATIVE", "InvalidRequest"]
    ]
    for (const [issue, tag, kind] of table) {
      const details = map(422, unprocessable(issue))
      expect(details.reason._tag, issue).toBe(tag)
      if (kind !== undefined) expect(details.reason._tag === "RefundRejected" ? details.reason.kind : undefined, issue).toBe(kind)
      else expect(details.reason._tag === "InvalidRequest" ? details.reason.field : undefined, issue).toBe("amount")
      expect(details.reason.isRetryable).toBe(false)
      expect(details.processorCode).toBe(issue)
      expect(details.processorMessage).toBe(`description of ${issue}`)
      expect(details.requestId).toBe("b2c3d4e5f6a70")
    }
  })

  it("an issue named like an Object.prototype member is not a known issue", () => {
    for (const issue of ["constructor", "__proto__", "toString"]) {
      const details = map(400, { name: "INVALID_REQUEST", message: "m", details: [{ issue }] })
      expect(details.reason._tag, issue).toBe("InvalidRequest")
    }
  })

  it("422 without details → RefundRejected Other, code = the name", () => {
    const details = map(422, { name: "UNPROCESSABLE_ENTITY", message: "failed business validation" })
    expect(details.reason._tag === "RefundRejected" ? details.reason.kind : undefined).toBe("Other")
    expect(details.processorCode).toBe("UNPROCESSABLE_ENTITY")
  })

  it("429 RATE_LIMIT_REACHED → RateLimited with Retry-After (seconds or HTTP date)", () => {
    const seconds = map(429, errors["rate_limit_reached"], "create", { "Retry-After": "7" })
    expect(seconds.reason._tag).toBe("RateLimited")
    expect(seconds.reason._tag === "RateLimited" ? seconds.reason.retryAfterMillis : undefined).toBe(7_000)
    expect(seconds.processorCode).toBe("RATE_LIMIT_REACHED")
    const date = map(429, errors["rate_limit_reached"], "create", { "Retry-After": new Date(now + 3_000).toUTCString() })
    expect(date.reason._tag === "RateLimited" ? date.reason.retryAfterMillis : undefined).toBe(3_000)
    const none = map(429, errors["rate_limit_reached"])
    expect(none.reason._tag === "RateLimited" ? none.reason.retryAfterMillis : "x").toBeUndefined()
    expect(connector.retryHint(response(429, {}, { "Retry-After": "2" }), now)).toEqual({ afterMillis: 2_000 })
  })

  it("5xx → ProcessorUnavailable (retryable), with or without a body", () => {
    for (const [status, body] of [[500, errors["internal_server_error"]], [503, errors["service_unavailable"]], [502, "<html>Bad Gateway</html>"], [504, ""]] as const) {
      const details = map(status, body)
      expect(details.reason._tag).toBe("ProcessorUnavailable")
      expect(details.reason.isRetryable).toBe(true)
    }
    expect(map(500, errors["internal_server_error"]).requestId).toBe("d4e5f6a7b8c92")
  })

  it("other statuses and unreadable bodies fall back on the HTTP status", () => {
    expect(map(415, { name: "UNSUPPORTED_MEDIA_TYPE", debug_id: "x" }).reason._tag).toBe("InvalidRequest")
    expect(map(400, "garbage").reason._tag).toBe("InvalidRequest")
    expect(map(401, "").reason._tag).toBe("Authentication")
    expect(map(404, "").reason._tag).toBe("NotFound")
    const unreadable = map(400, "garbage")
    expect(unreadable.processorCode).toBeUndefined()
    expect(unreadable.requestId).toBeUndefined()
  })
})

describe("mapError: OAuth errors", () => {
  it("authenticate: invalid_client → Authentication naming the variables", () => {
    const details = map(401, errors["invalid_client"], "authenticate")
    expect(details.reason._tag).toBe("Authentication")
    expect(details.reason.message).toContain("PAYPAL_CLIENT_ID")
    expect(details.processorCode).toBe("invalid_client")
    expect(details.processorMessage).toBe("Client Authentication failed")
  })

  it("an API call with a refused token: invalid_token → Authentication", () => {
    const details = map(401, errors["invalid_token"], "create")
    expect(details.reason._tag).toBe("Authentication")
    expect(details.processorCode).toBe("invalid_token")
  })

  it("other OAuth errors: unsupported_grant_type → InvalidRequest, 429 and 5xx as usual", () => {
    expect(map(400, { error: "unsupported_grant_type", error_description: "Grant Type is NULL" }, "authenticate").reason._tag).toBe("InvalidRequest")
    expect(map(429, { error: "rate_limit" }, "authenticate").reason._tag).toBe("RateLimited")
    expect(map(503, { error: "temporarily_unavailable" }, "authenticate").reason._tag).toBe("ProcessorUnavailable")
  })
})

describe("scrub", () => {
  it("removes Authorization values and access tokens from processor texts", () => {
    const token = "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg"
    const text = PayPalError.scrub(`bad header Bearer ${token} and Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ== and ${token}`)
    expect(text).not.toContain(token)
    expect(text).not.toContain("QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    const details = map(401, { error: "invalid_token", error_description: `Token ${token} expired` }, "get")
    expect(details.processorMessage).not.toContain(token)
    expect(details.reason.message).not.toContain(token)
  })
})
