/**
 * Square error answers → {@link RefundError.RefundErrorReason}, and Square's retry signals.
 *
 * Square answers every failure with `{ "errors": [{ "category", "code", "detail", "field" }] }`
 * (spec schema `Error`; categories `ErrorCategory`, codes `ErrorCode` with their descriptions, and the
 * `RefundPayment` endpoint's `x-endpoint-errors`). The FIRST error decides; the table is applied top to
 * bottom and the first row that matches wins:
 *
 * | # | when | reason |
 * |---|---|---|
 * | 1 | HTTP 429, category `RATE_LIMIT_ERROR` or code `RATE_LIMITED` | RateLimited (`Retry-After` when given) |
 * | 2 | category `AUTHENTICATION_ERROR`; codes `UNAUTHORIZED`, `ACCESS_TOKEN_EXPIRED`, `ACCESS_TOKEN_REVOKED`, `FORBIDDEN`, `INSUFFICIENT_SCOPES`, `V1_ACCESS_TOKEN`, `V1_APPLICATION`, `APPLICATION_DISABLED` | Authentication |
 * | 3 | a refund decline code (below) | RefundRejected with its kind |
 * | 4 | code `IDEMPOTENCY_KEY_REUSED` | InvalidRequest (the key was used for a different request) |
 * | 5 | HTTP ≥ 500, category `API_ERROR`, codes `INTERNAL_SERVER_ERROR`, `SERVICE_UNAVAILABLE`, `GATEWAY_TIMEOUT`, `BAD_GATEWAY`, `REQUEST_TIMEOUT`, `TEMPORARY_ERROR` | ProcessorUnavailable (retried, same key) |
 * | 6 | code `NOT_FOUND` or HTTP 404 | NotFound (`payment` for create, `refund` for get) |
 * | 7 | code `CONFLICT` or HTTP 409 | ProcessorUnavailable (a concurrent request; retried, same key) |
 * | 8 | HTTP 401 / 403 without a code above | Authentication |
 * | 9 | anything else (category `INVALID_REQUEST_ERROR`, `MERCHANT_SUBSCRIPTION_ERROR`, ...) | InvalidRequest (`field` from Square's `field`) |
 *
 * Refund declines (row 3):
 *
 * | code | kind |
 * |---|---|
 * | `REFUND_AMOUNT_INVALID` (exceeds the amount available to refund) | AmountTooLarge |
 * | `VALUE_TOO_HIGH` on `amount_money…` | AmountTooLarge |
 * | `REFUND_ALREADY_PENDING` | DuplicateRequest |
 * | `PAYMENT_NOT_REFUNDABLE` (e.g. too old), `REFUND_ERROR_PAYMENT_NEEDS_COMPLETION` | NotRefundable |
 * | `INSUFFICIENT_PERMISSIONS_FOR_REFUND` ("the Square account does not have the permissions to process this refund") | NotRefundable |
 * | `CARD_PRESENCE_REQUIRED`, `CARD_MISMATCH`, `CARD_TOKEN_USED`, `INVALID_CARD`, `INVALID_CARD_DATA`, `UNSUPPORTED_CARD_BRAND`, `UNSUPPORTED_INSTRUMENT_TYPE`, `UNSUPPORTED_SOURCE_TYPE`, `UNSUPPORTED_COUNTRY` | NotRefundable |
 * | `PAYMENT_NOT_REFUNDABLE_DUE_TO_DISPUTE` | Disputed |
 * | `REFUND_DECLINED` (the issuer declined), `GENERIC_DECLINE` | Declined |
 * | `CURRENCY_MISMATCH`, `UNSUPPORTED_CURRENCY` | CurrencyMismatch |
 * | `INSUFFICIENT_FUNDS` | InsufficientBalance |
 * | any other code of category `REFUND_ERROR` or `PAYMENT_METHOD_ERROR` | Other |
 *
 * `INSUFFICIENT_PERMISSIONS_FOR_REFUND` is a refund decline, not an authentication failure: it is in
 * category `REFUND_ERROR` and is about the merchant account (Square will not let this account refund
 * this payment), so another token would not help. A token without the `PAYMENTS_WRITE` permission is
 * `INSUFFICIENT_SCOPES` (row 2).
 *
 * `processorCode` is the first error's `code`, `processorMessage` its `detail` (anything that looks
 * like a token removed). Square documents no request-id header, so `requestId` is not set. A body that
 * is not Square's error shape maps by HTTP status alone.
 */
import type { Connector } from "@refract/core"
import { ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as SquareSchema from "./SquareSchema.ts"

type Operation = Connector.ProcessorOperation

/** Square access tokens (`EAAA…`), legacy tokens and application secrets (`sq0atp-…`, `sq0csp-…`), bearer values. */
const secretPattern = /\bBearer\s+\S+|\bEAAA[A-Za-z0-9_-]+|\bsq0[a-z]{3}-[A-Za-z0-9_-]+/g

/** Removes anything that looks like a Square token or secret from a processor text. */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** The fields of one Square error, when the body decodes. */
export interface SquareErrorFields {
  readonly category?: string | undefined
  readonly code?: string | undefined
  readonly detail?: string | undefined
  readonly field?: string | undefined
}

const fieldsOf = (e: SquareSchema.SquareError): SquareErrorFields => ({
  category: e.category ?? undefined,
  code: e.code ?? undefined,
  detail: e.detail != null ? scrub(e.detail) : undefined,
  field: e.field ?? undefined
})

/** Converts decoded `errors` entries (details scrubbed). */
export const fromSchema = (errors: ReadonlyArray<SquareSchema.SquareError>): ReadonlyArray<SquareErrorFields> => errors.map(fieldsOf)

/** Reads `{ errors: [...] }`; undefined when the body is not Square's error shape. */
export const readErrors = (body: string): ReadonlyArray<SquareErrorFields> | undefined => {
  const decoded = SquareSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  return Result.isFailure(decoded) ? undefined : fromSchema(decoded.success.errors)
}

/** A table entry by an own key: a code such as "constructor" must not find Object.prototype's members. */
const own = <V>(table: Readonly<Record<string, V>>, key: string): V | undefined => Object.hasOwn(table, key) ? table[key] : undefined

/** Refund declines by code. */
export const rejectionKinds: Readonly<Record<string, RefundError.RejectionKind>> = {
  REFUND_AMOUNT_INVALID: "AmountTooLarge",
  REFUND_ALREADY_PENDING: "DuplicateRequest",
  PAYMENT_NOT_REFUNDABLE: "NotRefundable",
  REFUND_ERROR_PAYMENT_NEEDS_COMPLETION: "NotRefundable",
  INSUFFICIENT_PERMISSIONS_FOR_REFUND: "NotRefundable",
  CARD_PRESENCE_REQUIRED: "NotRefundable",
  CARD_MISMATCH: "NotRefundable",
  CARD_TOKEN_USED: "NotRefundable",
  INVALID_CARD: "NotRefundable",
  INVALID_CARD_DATA: "NotRefundable",
  UNSUPPORTED_CARD_BRAND: "NotRefundable",
  UNSUPPORTED_INSTRUMENT_TYPE: "NotRefundable",
  UNSUPPORTED_SOURCE_TYPE: "NotRefundable",
  UNSUPPORTED_COUNTRY: "NotRefundable",
  PAYMENT_NOT_REFUNDABLE_DUE_TO_DISPUTE: "Disputed",
  REFUND_DECLINED: "Declined",
  GENERIC_DECLINE: "Declined",
  CURRENCY_MISMATCH: "CurrencyMismatch",
  UNSUPPORTED_CURRENCY: "CurrencyMismatch",
  INSUFFICIENT_FUNDS: "InsufficientBalance"
}

const authenticationCodes: Readonly<Record<string, string>> = {
  UNAUTHORIZED: "Square rejected the access token (check SQUARE_ACCESS_TOKEN)",
  ACCESS_TOKEN_EXPIRED: "the access token has expired (refresh the OAuth token, SQUARE_ACCESS_TOKEN)",
  ACCESS_TOKEN_REVOKED: "the access token has been revoked (SQUARE_ACCESS_TOKEN)",
  FORBIDDEN: "the access token may not do this",
  INSUFFICIENT_SCOPES: "the access token lacks a permission (refunds need PAYMENTS_WRITE, status reads PAYMENTS_READ)",
  V1_ACCESS_TOKEN: "the access token predates the v2 API (create a new one)",
  V1_APPLICATION: "the application predates the v2 API",
  APPLICATION_DISABLED: "the Square application is disabled"
}

const unavailableCodes = new Set([
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE",
  "GATEWAY_TIMEOUT",
  "BAD_GATEWAY",
  "REQUEST_TIMEOUT",
  "TEMPORARY_ERROR"
])

/** Square request fields mapped to the Refract input fields they come from. */
const fieldNames: Readonly<Record<string, string>> = {
  amount_money: "amount",
  "amount_money.amount": "amount",
  "amount_money.currency": "amount",
  payment_id: "connectorTransactionId",
  refund_id: "connectorRefundId",
  idempotency_key: "merchantRefundId",
  reason: "reason"
}

/** The Refract field a Square `field` is about (the wire name when it has no Refract counterpart). */
export const refractField = (field: string | undefined): string | undefined =>
  field === undefined || field === "" ? undefined : own(fieldNames, field) ?? (field.startsWith("amount_money") ? "amount" : field)

const describe = (status: number, e: SquareErrorFields | undefined, fallback: string): string => {
  const code = e?.code !== undefined ? ` ${e.code}` : ""
  return e?.detail !== undefined && e.detail !== ""
    ? `Square${code}: ${e.detail}`
    : `Square answered HTTP ${status}${code}: ${fallback}`
}

/** The reason for a Square error answer (see the table at the top of this module). */
export const reasonOf = (
  status: number,
  errors: ReadonlyArray<SquareErrorFields> | undefined,
  operation: Operation,
  retryAfterMillis?: number
): RefundError.RefundErrorReason => {
  const e = errors?.[0]
  const code = e?.code
  const category = e?.category
  if (status === 429 || category === "RATE_LIMIT_ERROR" || code === "RATE_LIMITED") {
    return new RefundError.RateLimited({
      message: describe(status, e, "too many requests"),
      ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
    })
  }
  const auth = code !== undefined ? own(authenticationCodes, code) : undefined
  if (auth !== undefined || category === "AUTHENTICATION_ERROR") {
    return new RefundError.Authentication({
      message: `${describe(status, e, "unauthorised")} (${auth ?? "check SQUARE_ACCESS_TOKEN"})`
    })
  }
  const valueTooHigh = code === "VALUE_TOO_HIGH" && refractField(e?.field) === "amount"
  const kind = valueTooHigh
    ? "AmountTooLarge"
    : code !== undefined
    ? own(rejectionKinds, code) ?? (category === "REFUND_ERROR" || category === "PAYMENT_METHOD_ERROR" ? "Other" : undefined)
    : undefined
  if (kind !== undefined) {
    return new RefundError.RefundRejected({ message: describe(status, e, "the refund was declined"), kind })
  }
  if (code === "IDEMPOTENCY_KEY_REUSED") {
    return new RefundError.InvalidRequest({
      message: `${describe(status, e, "idempotency key reused")} ` +
        "(the idempotency key was already used for a different request: use a new merchant refund id for a different refund)",
      field: "merchantRefundId"
    })
  }
  if (status >= 500 || category === "API_ERROR" || (code !== undefined && unavailableCodes.has(code))) {
    return new RefundError.ProcessorUnavailable({ message: describe(status, e, "server error") })
  }
  if (code === "NOT_FOUND" || status === 404) {
    const resource = e?.field === "payment_id"
      ? "payment"
      : e?.field === "refund_id"
      ? "refund"
      : operation === "get"
      ? "refund"
      : operation === "create" || operation === "lookup"
      ? "payment"
      : undefined
    return new RefundError.NotFound({
      message: describe(status, e, `no such ${resource ?? "object"}`),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  if (code === "CONFLICT" || status === 409) {
    return new RefundError.ProcessorUnavailable({
      message: `${describe(status, e, "conflict")} (a concurrent request on the same object; retried under the same idempotency key)`
    })
  }
  if (status === 401 || status === 403) {
    return new RefundError.Authentication({ message: `${describe(status, e, "unauthorised")} (check SQUARE_ACCESS_TOKEN)` })
  }
  const field = refractField(e?.field)
  return new RefundError.InvalidRequest({
    message: describe(status, e, "invalid request"),
    ...(field !== undefined ? { field } : {})
  })
}

const retryAfter = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

/** `Connector.mapError` for Square: a non-2xx answer → reason, first error's code and detail. */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const errors = readErrors(response.body)
  const first = errors?.[0]
  return {
    reason: reasonOf(response.status, errors, operation, retryAfter(response, now)),
    processorCode: first?.code,
    processorMessage: first?.detail
  }
}

/**
 * Square documents no retry header of its own; the spec asks for exponential backoff with jitter on
 * `429 RATE_LIMITED`. `Retry-After` (seconds or an HTTP date) is honoured when an answer carries it;
 * otherwise the reason decides.
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfter(response, now)
})
