import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import type { ProcessorHttp } from "@refract/core"

/** A fixed clock: HTTP-date Retry-After values are relative to it. */
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0)
import { AdyenError } from "@refract/adyen"

const specErrors = JSON.parse(readFileSync(new URL("./fixtures/service-errors.json", import.meta.url), "utf8")) as Record<
  string,
  { readonly status: number }
>

const response = (status: number, body: unknown, headers: Record<string, string> = {}): ProcessorHttp.ProcessorResponse => ({
  status,
  headers,
  body: typeof body === "string" ? body : JSON.stringify(body)
})

const serviceError = (status: number, errorCode: string, message: string, errorType = "validation") =>
  response(status, { status, errorCode, message, errorType, pspReference: "8816118280275544" })

interface Case {
  readonly name: string
  readonly response: ProcessorHttp.ProcessorResponse
  readonly reason: string
  readonly field?: string
  readonly kind?: string
  readonly resource?: string
}

const cases: ReadonlyArray<Case> = [
  { name: "spec generic-401 (000 security)", response: response(401, specErrors["generic-401"]), reason: "Authentication" },
  { name: "401 with an HTML body", response: response(401, "<html>Unauthorized</html>"), reason: "Authentication" },
  { name: "spec generic-403 (901 Invalid Merchant Account)", response: response(403, specErrors["generic-403"]), reason: "Configuration" },
  { name: "403 010 Not allowed", response: serviceError(403, "010", "Not allowed", "security"), reason: "Authentication" },
  { name: "422 000 security", response: serviceError(422, "000", "Unauthorised", "security"), reason: "Authentication" },
  {
    name: "404 (000 security)",
    response: serviceError(404, "000", "HTTP Status Response - Not Found", "security"),
    reason: "NotFound",
    resource: "payment"
  },
  { name: "429 (000 security) stays RateLimited", response: serviceError(429, "000", "Too Many Requests", "security"), reason: "RateLimited" },
  { name: "spec generic-500 (905 configuration)", response: response(500, specErrors["generic-500"]), reason: "ProcessorUnavailable" },
  { name: "503 without a body", response: response(503, ""), reason: "ProcessorUnavailable" },
  { name: "502 with an HTML body", response: response(502, "<html>Bad gateway</html>"), reason: "ProcessorUnavailable" },
  { name: "422 704 (same idempotency key in progress)", response: serviceError(422, "704", "request already processed or in progress"), reason: "ProcessorUnavailable" },
  { name: "409 704", response: serviceError(409, "704", "request already processed or in progress"), reason: "ProcessorUnavailable" },
  {
    name: "422 167 Original pspReference required",
    response: serviceError(422, "167", "Original pspReference required for this operation"),
    reason: "NotFound",
    resource: "payment"
  },
  {
    name: "422 906 pspReference of the other environment",
    response: serviceError(422, "906", "Invalid Request: Original pspReference is invalid for this environment!"),
    reason: "InvalidRequest",
    field: "connectorTransactionId"
  },
  { name: "spec generic-400 (702 Unexpected input)", response: response(400, specErrors["generic-400"]), reason: "InvalidRequest" },
  { name: "spec generic-422 (14_030)", response: response(422, specErrors["generic-422"]), reason: "InvalidRequest" },
  {
    name: "422 100 missing amount",
    response: serviceError(422, "100", "Required object 'amount' is not provided."),
    reason: "InvalidRequest",
    field: "amount"
  },
  {
    name: "422 100 missing merchantAccount",
    response: serviceError(422, "100", "Required field 'merchantAccount' is not provided."),
    reason: "InvalidRequest",
    field: "merchantAccount"
  },
  { name: "422 137 invalid amount", response: serviceError(422, "137", "Invalid amount specified"), reason: "InvalidRequest", field: "amount" },
  { name: "422 137 invalid currency", response: serviceError(422, "137", "Invalid currency specified"), reason: "InvalidRequest", field: "amount" },
  {
    name: "422 reference too long",
    response: serviceError(422, "000", "Field 'reference' is too long"),
    reason: "InvalidRequest",
    field: "merchantRefundId"
  },
  {
    name: "422 insufficient balance",
    response: serviceError(422, "000", "Insufficient balance on payment"),
    reason: "RefundRejected",
    kind: "AmountTooLarge"
  },
  {
    name: "422 amount exceeds captured",
    response: serviceError(422, "000", "Refund amount exceeds the captured amount"),
    reason: "RefundRejected",
    kind: "AmountTooLarge"
  },
  {
    name: "422 already refunded",
    response: serviceError(422, "000", "Payment has already been fully refunded"),
    reason: "RefundRejected",
    kind: "AlreadyRefunded"
  },
  {
    name: "422 not captured",
    response: serviceError(422, "000", "Transaction hasn't been captured, refund not possible"),
    reason: "RefundRejected",
    kind: "NotRefundable"
  },
  { name: "422 chargeback", response: serviceError(422, "000", "Payment is under chargeback"), reason: "RefundRejected", kind: "Disputed" },
  {
    name: "422 currency mismatch",
    response: serviceError(422, "000", "Currency does not match the currency of the payment"),
    reason: "RefundRejected",
    kind: "CurrencyMismatch"
  },
  { name: "422 with an undecodable body", response: response(422, "not json"), reason: "InvalidRequest" },
  { name: "400 with a JSON array", response: response(400, "[1,2]"), reason: "InvalidRequest" }
]

describe("AdyenError.mapError", () => {
  for (const c of cases) {
    it(`${c.name} → ${c.reason}${c.kind !== undefined ? `(${c.kind})` : ""}`, () => {
      const details = AdyenError.mapError(c.response, "create", NOW)
      const reason = details.reason
      assert.strictEqual(reason._tag, c.reason)
      assert.isTrue(reason.message.length > 0)
      if (c.field !== undefined) {
        assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, c.field)
      }
      if (c.kind !== undefined) assert.strictEqual(reason._tag === "RefundRejected" ? reason.kind : undefined, c.kind)
      if (c.resource !== undefined) assert.strictEqual(reason._tag === "NotFound" ? reason.resource : undefined, c.resource)
    })
  }

  it("field names and codes named like Object.prototype members are not known ones", () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      assert.isUndefined(AdyenError.fieldOf({ errorCode: name }), name)
      assert.strictEqual(AdyenError.fieldOf({ message: `Required field '${name}' is not provided.` }), name)
      const reason = AdyenError.mapError(serviceError(422, name, "Structure of PaymentRefundRequest contains the following unknown fields"), "create", NOW).reason
      assert.strictEqual(reason._tag, "InvalidRequest", name)
    }
  })

  it("copies errorCode, message and pspReference into the details", () => {
    const details = AdyenError.mapError(response(403, specErrors["generic-403"]), "create", NOW)
    assert.strictEqual(details.processorCode, "901")
    assert.strictEqual(details.processorMessage, "Invalid Merchant Account")
    assert.strictEqual(details.requestId, "881611827877203B")
    assert.include(details.reason.message, "Invalid Merchant Account")
    assert.include(details.reason.message, "ADYEN_MERCHANT_ACCOUNT")
  })

  it("leaves code, message and request id empty for an undecodable body", () => {
    const details = AdyenError.mapError(response(500, "<html>oops</html>"), "create", NOW)
    assert.isUndefined(details.processorCode)
    assert.isUndefined(details.processorMessage)
    assert.isUndefined(details.requestId)
    assert.notInclude(details.reason.message, "oops")
  })

  it("a 404 on another operation is about the refund", () => {
    const reason = AdyenError.mapError(response(404, ""), "get", NOW).reason
    assert.strictEqual(reason._tag === "NotFound" ? reason.resource : undefined, "refund")
  })

  it("429 takes Retry-After into the reason", () => {
    const reason = AdyenError.mapError(serviceError(429, "000", "Too Many Requests", "security"), "create", NOW).reason
    assert.strictEqual(reason._tag, "RateLimited")
    assert.isUndefined(reason._tag === "RateLimited" ? reason.retryAfterMillis : 0)
    const withHeader = AdyenError.mapError(response(429, "", { "retry-after": "2" }), "create", NOW).reason
    assert.strictEqual(withHeader._tag === "RateLimited" ? withHeader.retryAfterMillis : undefined, 2_000)
  })

  it("never puts a secret in a message", () => {
    const apiKey = "AQE_super_secret_key_0123456789"
    for (const c of cases) {
      const details = AdyenError.mapError(c.response, "create", NOW)
      assert.notInclude(JSON.stringify(details), apiKey)
      assert.notInclude(details.reason.message, "X-API-Key:")
    }
  })
})

describe("AdyenError.retryHint", () => {
  it("Transient-Error: true means retry", () => {
    assert.isTrue(AdyenError.retryHint(response(500, "", { "transient-error": "true" }), NOW).retry)
    assert.isTrue(AdyenError.retryHint(response(422, "", { "transient-error": " TRUE " }), NOW).retry)
  })

  it("a 5xx without Transient-Error leaves it to the reason", () => {
    assert.isUndefined(AdyenError.retryHint(response(500, ""), NOW).retry)
    assert.isUndefined(AdyenError.retryHint(response(500, "", { "transient-error": "false" }), NOW).retry)
  })

  it("Retry-After becomes afterMillis (seconds or an HTTP date)", () => {
    assert.strictEqual(AdyenError.retryHint(response(429, "", { "retry-after": "3" }), NOW).afterMillis, 3_000)
    const later = new Date(NOW + 60_000).toUTCString()
    const millis = AdyenError.retryHint(response(503, "", { "retry-after": later }), NOW).afterMillis
    assert.isDefined(millis)
    assert.isTrue(millis! > 50_000 && millis! <= 60_000)
    assert.isUndefined(AdyenError.retryHint(response(503, "", { "retry-after": "soon" }), NOW).afterMillis)
    assert.isUndefined(AdyenError.retryHint(response(503, ""), NOW).afterMillis)
  })
})
