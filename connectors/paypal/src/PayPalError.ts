/**
 * PayPal error answers → {@link RefundError.RefundErrorReason}, and PayPal's retry signals.
 *
 * PayPal's REST APIs answer failures with `{ name, message, debug_id, details: [{ issue, description,
 * field, ... }] }` (schemas `error_400` … `error_503` of `payments_payment_v2.json`) and a
 * `Paypal-Debug-Id` header. The OAuth2 endpoint, and the API for a bearer token it does not accept,
 * answer the OAuth form `{ error, error_description }` instead. Both are read.
 *
 * | answer | reason |
 * |---|---|
 * | 401 `AUTHENTICATION_FAILURE`, OAuth `invalid_client` / `invalid_token` / … | Authentication |
 * | 403 `NOT_AUTHORIZED` (`PERMISSION_DENIED`) | Authentication |
 * | 404 `RESOURCE_NOT_FOUND` (`INVALID_RESOURCE_ID`) | NotFound (payment for create, refund for get) |
 * | 400 `INVALID_REQUEST` | InvalidRequest (field = the first detail's `field`) |
 * | 409 `RESOURCE_CONFLICT` / `PREVIOUS_REQUEST_IN_PROGRESS` | ProcessorUnavailable: retry with the same `PayPal-Request-Id` |
 * | 422 `REFUND_AMOUNT_EXCEEDED` | RefundRejected AmountTooLarge |
 * | 422 `CAPTURE_FULLY_REFUNDED` | RefundRejected AlreadyRefunded |
 * | 422 `REFUND_FAILED_INSUFFICIENT_FUNDS` | RefundRejected InsufficientBalance |
 * | 422 `REFUND_NOT_PERMITTED_DUE_TO_CHARGEBACK`, `TRANSACTION_DISPUTED` | RefundRejected Disputed |
 * | 422 `CURRENCY_MISMATCH`, `REFUND_CAPTURE_CURRENCY_MISMATCH` | RefundRejected CurrencyMismatch |
 * | 422 `DUPLICATE_INVOICE_ID` | RefundRejected DuplicateRequest (the merchant refund id, sent as `invoice_id`, was used before) |
 * | 422 `REFUND_TIME_LIMIT_EXCEEDED`, `REFUND_NOT_ALLOWED`, `PENDING_CAPTURE`, `PARTIAL_REFUND_NOT_ALLOWED`, `MAX_NUMBER_OF_REFUNDS_EXCEEDED`, `REFUND_AMOUNT_TOO_LOW`, `REFUND_IS_RESTRICTED`, account locked/restricted | RefundRejected NotRefundable |
 * | 422 `DECIMAL_PRECISION`, `DECIMALS_NOT_SUPPORTED`, `INVALID_CURRENCY_CODE`, `CANNOT_BE_ZERO_OR_NEGATIVE`, `CANNOT_BE_NEGATIVE` | InvalidRequest (field `amount`) |
 * | 422 any other issue | RefundRejected Other |
 * | 429 `RATE_LIMIT_REACHED` | RateLimited (`Retry-After` when given) |
 * | ≥ 500 | ProcessorUnavailable (PayPal: retry with the same `PayPal-Request-Id`) |
 *
 * `processorCode` is the first detail's `issue`, else the error `name` (or the OAuth `error`);
 * `requestId` is `debug_id`, else the `Paypal-Debug-Id` header. No message ever carries a credential:
 * processor texts go through {@link scrub}.
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as PayPalSchema from "./PayPalSchema.ts"

type Operation = Connector.ProcessorOperation

/** Authorization values and access tokens, should a processor text ever echo one. */
const secretPattern = /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+|\bA21AA[A-Za-z0-9._-]{10,}/g

/** Removes anything that looks like an Authorization value or a PayPal access token from a processor text. */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** 422 issues that mean "understood and declined", by rejection kind. */
export const rejectionKinds: Readonly<Record<string, RefundError.RejectionKind>> = {
  REFUND_AMOUNT_EXCEEDED: "AmountTooLarge",
  CAPTURE_FULLY_REFUNDED: "AlreadyRefunded",
  REFUND_FAILED_INSUFFICIENT_FUNDS: "InsufficientBalance",
  REFUND_NOT_PERMITTED_DUE_TO_CHARGEBACK: "Disputed",
  TRANSACTION_DISPUTED: "Disputed",
  CURRENCY_MISMATCH: "CurrencyMismatch",
  REFUND_CAPTURE_CURRENCY_MISMATCH: "CurrencyMismatch",
  DUPLICATE_INVOICE_ID: "DuplicateRequest",
  REFUND_TIME_LIMIT_EXCEEDED: "NotRefundable",
  REFUND_NOT_ALLOWED: "NotRefundable",
  PENDING_CAPTURE: "NotRefundable",
  PARTIAL_REFUND_NOT_ALLOWED: "NotRefundable",
  MAX_NUMBER_OF_REFUNDS_EXCEEDED: "NotRefundable",
  REFUND_AMOUNT_TOO_LOW: "NotRefundable",
  REFUND_IS_RESTRICTED: "NotRefundable",
  PAYEE_ACCOUNT_LOCKED_OR_CLOSED: "NotRefundable",
  PAYER_ACCOUNT_LOCKED_OR_CLOSED: "NotRefundable",
  PAYEE_ACCOUNT_RESTRICTED: "NotRefundable"
}

/** 422 issues that say the amount itself is malformed for its currency: the request is wrong, not declined. */
export const invalidAmountIssues: ReadonlySet<string> = new Set([
  "DECIMAL_PRECISION",
  "DECIMALS_NOT_SUPPORTED",
  "INVALID_CURRENCY_CODE",
  "CANNOT_BE_ZERO_OR_NEGATIVE",
  "CANNOT_BE_NEGATIVE"
])

/** OAuth2 `error` codes that mean the credentials or the token were refused. */
const oauthAuthenticationErrors: ReadonlySet<string> = new Set([
  "invalid_client",
  "invalid_token",
  "invalid_grant",
  "unauthorized_client",
  "access_denied",
  "invalid_scope"
])

/** What a PayPal error answer says, from either body shape. */
export interface PayPalErrorFields {
  /** REST `name` (`UNPROCESSABLE_ENTITY`) or OAuth `error` (`invalid_client`). */
  readonly name?: string | undefined
  readonly message?: string | undefined
  /** The first detail's `issue`. */
  readonly issue?: string | undefined
  /** The first detail's `description`. */
  readonly description?: string | undefined
  /** The first detail's `field`. */
  readonly field?: string | undefined
  readonly debugId?: string | undefined
  /** The body was the OAuth form. */
  readonly oauth: boolean
}

/** Reads either error body; undefined when the body is neither. */
export const readErrorBody = (body: string): PayPalErrorFields | undefined => {
  const json = ProcessorHttp.parseJson(body)
  const rest = PayPalSchema.decodeErrorBody(json)
  if (Result.isSuccess(rest)) {
    const e = rest.success
    const detail = e.details?.[0]
    return {
      name: e.name,
      message: e.message !== undefined ? scrub(e.message) : undefined,
      issue: detail?.issue,
      description: detail?.description !== undefined ? scrub(detail.description) : undefined,
      field: detail?.field,
      debugId: e.debug_id,
      oauth: false
    }
  }
  const oauth = PayPalSchema.decodeOAuthErrorBody(json)
  if (Result.isSuccess(oauth)) {
    return {
      name: oauth.success.error,
      message: oauth.success.error_description !== undefined ? scrub(oauth.success.error_description) : undefined,
      oauth: true
    }
  }
  return undefined
}

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const withDetail = (summary: string, fields: PayPalErrorFields | undefined): string => {
  const detail = fields?.description ?? fields?.message
  return detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary
}

/** The reason for a PayPal error answer. */
export const reasonOf = (
  status: number,
  fields: PayPalErrorFields | undefined,
  operation: Operation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const name = fields?.name
  const issue = fields?.issue
  if (status === 429 || name === "RATE_LIMIT_REACHED" || issue === "RATE_LIMIT_REACHED") {
    return new RefundError.RateLimited({
      message: withDetail("PayPal rate limit reached", fields),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500) {
    return new RefundError.ProcessorUnavailable({
      message: withDetail(`PayPal answered ${status}${name !== undefined ? ` ${name}` : ""}`, fields)
    })
  }
  if (
    status === 401 || name === "AUTHENTICATION_FAILURE" ||
    (fields?.oauth === true && name !== undefined && oauthAuthenticationErrors.has(name))
  ) {
    return new RefundError.Authentication({
      message: withDetail(
        operation === "authenticate"
          ? "PayPal refused the client credentials (check PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET and the environment)"
          : "PayPal refused the access token or the credentials",
        fields
      )
    })
  }
  if (status === 403 || name === "NOT_AUTHORIZED") {
    if (operation === "list") {
      return new RefundError.Authentication({
        message: withDetail(
          "PayPal refused the transaction search: enable Transaction Search in the REST app's settings (Developer Dashboard → Apps & Credentials → your app); PayPal says it may take up to 9 hours to apply to new access tokens",
          fields
        )
      })
    }
    return new RefundError.Authentication({
      message: withDetail("the PayPal app may not do this (permissions or the capture belongs to another account)", fields)
    })
  }
  if (status === 409 || name === "RESOURCE_CONFLICT" || issue === "PREVIOUS_REQUEST_IN_PROGRESS") {
    return new RefundError.ProcessorUnavailable({
      message: withDetail("a previous request for this refund is still in progress at PayPal (retry with the same PayPal-Request-Id)", fields)
    })
  }
  if (status === 404 || name === "RESOURCE_NOT_FOUND") {
    const resource = operation === "get" ? "refund" : operation === "create" || operation === "lookup" ? "payment" : undefined
    return new RefundError.NotFound({
      message: withDetail(resource === "payment" ? "PayPal has no such capture" : "PayPal has no such refund", fields),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  if (issue !== undefined && invalidAmountIssues.has(issue)) {
    return new RefundError.InvalidRequest({ message: withDetail(`PayPal refused the amount (${issue})`, fields), field: "amount" })
  }
  // Own keys only: an issue such as "constructor" must not find Object.prototype's members.
  const kind = issue !== undefined && Object.hasOwn(rejectionKinds, issue) ? rejectionKinds[issue] : undefined
  if (kind !== undefined) {
    return new RefundError.RefundRejected({ message: withDetail(`PayPal declined the refund (${issue})`, fields), kind })
  }
  if (status === 422 || name === "UNPROCESSABLE_ENTITY") {
    return new RefundError.RefundRejected({
      message: withDetail(`PayPal declined the refund (${issue ?? name ?? "422"})`, fields),
      kind: "Other"
    })
  }
  return new RefundError.InvalidRequest({
    message: withDetail(`PayPal refused the request (${status}${name !== undefined ? ` ${name}` : ""}${issue !== undefined ? ` ${issue}` : ""})`, fields),
    ...(fields?.field !== undefined ? { field: fields.field } : {})
  })
}

/** Maps a non-2xx answer (and, for its request id, a 2xx answer whose body did not parse). */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.issue ?? fields?.name,
    processorMessage: fields?.description ?? fields?.message,
    requestId: fields?.debugId ?? ProcessorHttp.header(response, "paypal-debug-id")
  }
}

/**
 * PayPal documents 5xx, 409 `PREVIOUS_REQUEST_IN_PROGRESS` and 429 as retryable (with the same
 * `PayPal-Request-Id`); the reasons above already say so. `Retry-After` is honoured when present.
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
