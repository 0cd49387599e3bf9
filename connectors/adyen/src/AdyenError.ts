/**
 * Adyen error answers mapped onto Refract's reasons, and Adyen's retry signals.
 *
 * Adyen answers errors with a `ServiceError` body `{ status, errorCode, message, errorType, pspReference }`
 * (CheckoutService-v71 `components/schemas/ServiceError`, examples `generic-400/401/403/422/500`).
 * The table below is applied top to bottom; the first row that matches wins.
 *
 * | # | when                                                             | reason                                     |
 * |---|------------------------------------------------------------------|--------------------------------------------|
 * | 1 | HTTP 401                                                         | Authentication                             |
 * | 2 | HTTP 429                                                         | RateLimited (Retry-After when given)       |
 * | 3 | HTTP 5xx                                                         | ProcessorUnavailable                       |
 * | 4 | HTTP 404                                                         | NotFound (payment for create)              |
 * | 5 | errorCode `901` (Invalid Merchant Account, HTTP 403)             | Configuration                              |
 * | 6 | HTTP 403 (e.g. `010` Not allowed: the API credential lacks a role)| Authentication                             |
 * | 7 | errorType `security` with errorCode `000` on another 4xx         | Authentication                             |
 * | 8 | errorCode `704` or HTTP 409 (request already processed or in progress: the same Idempotency-Key is still running) | ProcessorUnavailable (retried under the same key) |
 * | 9 | errorCode `167` (Original pspReference required for this operation: Adyen does not know this payment reference for this merchant account) | NotFound (payment) |
 * |10 | errorCode `906` (Original pspReference is invalid for this environment) | InvalidRequest (connectorTransactionId) |
 * |11 | other 4xx whose message says the refund was declined: insufficient balance / amount exceeds → AmountTooLarge; already refunded → AlreadyRefunded; chargeback / dispute → Disputed; currency mismatch → CurrencyMismatch; not captured, not refundable, refund not possible → NotRefundable | RefundRejected |
 * |12 | other 4xx (400 `702` Unexpected input, 422 validation: `100` required field missing, `137` invalid amount, ...) | InvalidRequest, with `field` when the message or code names one |
 *
 * `processorCode` is `errorCode`, `processorMessage` is `message`, `requestId` is the body's `pspReference`.
 * Nothing from the request (and so no API key) is ever copied into a message.
 */
import type { Connector, ProcessorHttp } from "@refract/core"
import { RefundError, RetryPolicy } from "@refract/core"
import { readServiceError } from "./AdyenSchema.ts"
import type { ServiceError } from "./AdyenSchema.ts"

type Operation = Connector.ProcessorOperation

/** Adyen wire field names mapped to the Refract input fields they come from. */
const fieldNames: Readonly<Record<string, string>> = {
  amount: "amount",
  "amount.value": "amount",
  "amount.currency": "amount",
  value: "amount",
  currency: "amount",
  reference: "merchantRefundId",
  merchantRefundReason: "reason",
  paymentPspReference: "connectorTransactionId",
  originalReference: "connectorTransactionId",
  merchantAccount: "merchantAccount"
}

/** Codes that name the field they are about. */
const fieldByCode: Readonly<Record<string, string>> = {
  "137": "amount", // Invalid amount specified
  "167": "connectorTransactionId",
  "906": "connectorTransactionId"
}

const fieldPattern = /(?:field|object|structure|parameter)\s+'([A-Za-z0-9_.]+)'/i

/** A table entry by an own key: a name such as "constructor" must not find Object.prototype's members. */
const own = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined

/** The Refract field an Adyen validation error is about, when the code or message says. */
export const fieldOf = (error: ServiceError): string | undefined => {
  const match = error.message === undefined ? null : fieldPattern.exec(error.message)
  if (match !== null) {
    const wire = match[1]!
    return own(fieldNames, wire) ?? own(fieldNames, wire.split(".")[0]!) ?? wire
  }
  if (error.message !== undefined && /\bamount\b|\bcurrency\b/i.test(error.message)) return "amount"
  return error.errorCode !== undefined ? own(fieldByCode, error.errorCode) : undefined
}

/** Declines recognised by message, in order. Adyen reports most refund declines asynchronously (REFUND success=false). */
const declines: ReadonlyArray<readonly [RegExp, RefundError.RejectionKind]> = [
  [
    /insufficient balance|(?:amount|refund)\b.{0,40}\bexceed|exceeds? the (?:captured|remaining|refundable|authori[sz]ed|original)|amount.{0,20}too (?:high|large)|more than the (?:captured|remaining|refundable)/i,
    "AmountTooLarge"
  ],
  [/already (?:been )?(?:fully )?refunded|fully refunded/i, "AlreadyRefunded"],
  [/chargeback|dispute/i, "Disputed"],
  [/currency.*(?:mismatch|does not match|differ)|(?:mismatch|differ).*currency/i, "CurrencyMismatch"],
  [/(?:not|n't) (?:been |yet )?captured|refund not possible|not refundable|cannot be refunded|(?:does not|doesn't) support (?:partial )?refunds?|refunds? (?:is |are )?not (?:allowed|supported)/i, "NotRefundable"]
]

export const declineKind = (message: string | undefined): RefundError.RejectionKind | undefined => {
  if (message === undefined) return undefined
  for (const [pattern, kind] of declines) if (pattern.test(message)) return kind
  return undefined
}

const describe = (status: number, error: ServiceError, fallback: string): string => {
  const code = error.errorCode !== undefined ? ` ${error.errorCode}` : ""
  return error.message !== undefined ? `Adyen${code}: ${error.message}` : `Adyen answered HTTP ${status}${code}: ${fallback}`
}

/** The reason for an Adyen error answer (see the table at the top of this module). */
export const reasonOf = (
  status: number,
  error: ServiceError,
  operation: Operation,
  retryAfterMillis?: number
): RefundError.RefundErrorReason => {
  const code = error.errorCode
  if (status === 401) {
    return new RefundError.Authentication({ message: `${describe(status, error, "unauthorised")} (check the API key, ADYEN_API_KEY)` })
  }
  if (status === 429) {
    return new RefundError.RateLimited({ message: describe(status, error, "too many requests"), retryAfterMillis })
  }
  if (status >= 500) return new RefundError.ProcessorUnavailable({ message: describe(status, error, "server error") })
  if (status === 404) {
    return new RefundError.NotFound({
      message: describe(status, error, "not found"),
      resource: operation === "create" ? "payment" : "refund"
    })
  }
  if (code === "901") {
    return new RefundError.Configuration({
      message: `${describe(status, error, "invalid merchant account")} (check merchantAccount, ADYEN_MERCHANT_ACCOUNT: ` +
        `it must be a merchant account this API key may use)`
    })
  }
  if (status === 403) {
    return new RefundError.Authentication({
      message: `${describe(status, error, "forbidden")} (the API credential may lack a role, e.g. for refunds)`
    })
  }
  if (error.errorType === "security" && code === "000") {
    return new RefundError.Authentication({ message: `${describe(status, error, "unauthorised")} (check the API key, ADYEN_API_KEY)` })
  }
  if (code === "704" || status === 409) {
    return new RefundError.ProcessorUnavailable({
      message: `${describe(status, error, "conflict")} (a request with the same idempotency key is still being processed)`
    })
  }
  if (code === "167") {
    return new RefundError.NotFound({
      message: `${describe(status, error, "unknown payment")} (Adyen does not know this payment pspReference for this merchant account)`,
      resource: "payment"
    })
  }
  const kind = code === "906" ? undefined : declineKind(error.message)
  if (kind !== undefined) return new RefundError.RefundRejected({ message: describe(status, error, "declined"), kind })
  const field = fieldOf(error)
  return new RefundError.InvalidRequest({
    message: describe(status, error, "invalid request"),
    ...(field !== undefined ? { field } : {})
  })
}

const retryAfter = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(response.headers["retry-after"], now)

/** `Connector.mapError` for Adyen. */
export const mapError = (
  response: ProcessorHttp.ProcessorResponse,
  operation: Operation,
  now: number
): RefundError.ProcessorErrorDetails => {
  const error = readServiceError(response.body)
  return {
    reason: reasonOf(response.status, error, operation, retryAfter(response, now)),
    processorCode: error.errorCode,
    processorMessage: error.message,
    requestId: error.pspReference
  }
}

/**
 * `Connector.retryHint` for Adyen.
 * - `Transient-Error: true`: Adyen says a retry with the same Idempotency-Key is processed as if it
 *   were the first request, so retry whatever the status.
 * - Without it the reason decides (5xx, 409/704 and 429 are retried, under the same key).
 * - `Retry-After` (seconds or an HTTP date) sets the minimum wait.
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => {
  const transient = response.headers["transient-error"]?.trim().toLowerCase() === "true"
  return { retry: transient ? true : undefined, afterMillis: retryAfter(response, now) }
}
