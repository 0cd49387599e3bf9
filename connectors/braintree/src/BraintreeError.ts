/**
 * Braintree error answers → {@link RefundError.RefundErrorReason}, and Braintree's retry signals.
 *
 * The gateway answers by HTTP status (braintree_node 3.40.0 `lib/braintree/http.js` `checkHttpStatus`):
 * 200/201 carry the object, **422** carries an `<api-error-response>` with validation errors (codes in
 * `validation_error_codes.js`), and 401/403/404/408/426/429/500/503/504 carry no usable body (the SDK
 * throws `AuthenticationError`, `AuthorizationError`, `NotFoundError`, `RequestTimeoutError`,
 * `UpgradeRequired`, `TooManyRequestsError`, `ServerError`, `ServiceUnavailableError`,
 * `GatewayTimeoutError` on the status alone).
 *
 * | answer | reason |
 * |---|---|
 * | 401 | Authentication (public/private key pair) |
 * | 403 | Authentication (the key may not do this, or the merchant id is not the key's) |
 * | 404 | NotFound (the sale for create, the refund for get) |
 * | 408, 500, 502, 503, 504 | ProcessorUnavailable |
 * | 426 | Configuration (the API version is no longer served) |
 * | 429 | RateLimited (Retry-After when sent) |
 * | 422 `91521` RefundAmountIsTooLarge | RefundRejected AmountTooLarge |
 * | 422 `91512` HasAlreadyBeenRefunded | RefundRejected AlreadyRefunded |
 * | 422 `91506` CannotRefundUnlessSettled, `91574` CannotRefundSettlingTransaction, `91563` escrowed, `91505` CannotRefundCredit, `91547` no refunds on this merchant account, `91538`/`91559` suspended/pending merchant account | RefundRejected NotRefundable |
 * | 422 `915200` RefundAuthHardDeclined, `915201` RefundAuthSoftDeclined | RefundRejected Declined |
 * | 422 `91504` CannotBeVoided | RefundRejected NotRefundable (cancel) |
 * | 422 `81501`, `81503`, `81531`, `81528`, `91501`, other codes | InvalidRequest (field = the error's attribute) |
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import * as BraintreeSchema from "./BraintreeSchema.ts"

type Operation = Connector.ProcessorOperation

/** Refund declines by validation code (braintree_node `validation_error_codes.js` `Transaction`). */
export const rejections: ReadonlyMap<string, RefundError.RejectionKind> = new Map([
  ["91521", "AmountTooLarge"], // RefundAmountIsTooLarge
  ["91512", "AlreadyRefunded"], // HasAlreadyBeenRefunded
  ["91506", "NotRefundable"], // CannotRefundUnlessSettled
  ["91574", "NotRefundable"], // CannotRefundSettlingTransaction
  ["91563", "NotRefundable"], // CannotPartiallyRefundEscrowedTransaction
  ["91505", "NotRefundable"], // CannotRefundCredit
  ["91547", "NotRefundable"], // MerchantAccountDoesNotSupportRefunds
  ["91538", "NotRefundable"], // CannotRefundWithSuspendedMerchantAccount
  ["91559", "NotRefundable"], // CannotRefundWithPendingMerchantAccount
  ["91504", "NotRefundable"], // CannotBeVoided
  ["915200", "Declined"], // RefundAuthHardDeclined
  ["915201", "Declined"] // RefundAuthSoftDeclined
])

/** Field names for InvalidRequest, by Braintree attribute. */
const fields: ReadonlyMap<string, string> = new Map([["amount", "amount"], ["order_id", "merchantRefundId"]])

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

const secretPattern = /\b(?:Basic|Bearer)\s+\S+/gi
/** Removes credentials from a processor text. */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** "code message; code message" of every validation error. */
export const describe = (response: BraintreeSchema.ErrorResponse | undefined): string | undefined => {
  if (response === undefined) return undefined
  const parts = response.errors.map((e) => `${e.code}${e.message !== undefined ? ` ${scrub(e.message)}` : ""}`)
  if (parts.length === 0) return response.message === undefined ? undefined : scrub(response.message)
  return parts.join("; ")
}

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const notFound = (operation: Operation): "refund" | "payment" | undefined =>
  operation === "get" || operation === "cancel" ? "refund" : operation === "create" || operation === "lookup" ? "payment" : undefined

/** The reason for a Braintree error answer. */
export const reasonOf = (
  status: number,
  body: BraintreeSchema.ErrorResponse | undefined,
  operation: Operation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const detail = describe(body)
  if (status === 401) {
    return new RefundError.Authentication({
      message: withDetail("Braintree rejected the API keys (check BRAINTREE_PUBLIC_KEY and BRAINTREE_PRIVATE_KEY)", detail)
    })
  }
  if (status === 403) {
    return new RefundError.Authentication({
      message: withDetail("the API keys may not do this (check their role and BRAINTREE_MERCHANT_ID)", detail)
    })
  }
  if (status === 404) {
    const resource = notFound(operation)
    return new RefundError.NotFound({ message: withDetail(`Braintree has no such ${resource === "payment" ? "transaction" : resource ?? "object"}`, detail), ...(resource !== undefined ? { resource } : {}) })
  }
  if (status === 426) {
    return new RefundError.Configuration({ message: "Braintree no longer serves this API version (426 Upgrade Required)" })
  }
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Braintree rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status === 408 || status >= 500) {
    return new RefundError.ProcessorUnavailable({ message: withDetail(`Braintree answered ${status}`, detail) })
  }
  const errors = body?.errors ?? []
  for (const e of errors) {
    const kind = rejections.get(e.code)
    if (kind !== undefined) return new RefundError.RefundRejected({ message: withDetail("Braintree declined the refund", detail), kind })
  }
  const attribute = errors.find((e) => e.attribute !== undefined && fields.has(e.attribute))?.attribute
  return new RefundError.InvalidRequest({
    message: withDetail(`Braintree refused the request (${status})`, detail),
    ...(attribute !== undefined ? { field: fields.get(attribute)! } : {})
  })
}

/** Maps a non-2xx answer. */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const body = BraintreeSchema.decodeErrorResponse(response.body)
  return {
    reason: reasonOf(response.status, body, operation, retryAfterMillis(response, now)),
    processorCode: body?.errors[0]?.code,
    processorMessage: describe(body)
  }
}

/** Braintree sends no retry verdict; `Retry-After` is honoured when present. The reason decides the rest. */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
