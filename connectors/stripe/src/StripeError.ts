/**
 * Stripe error answers → {@link RefundError.RefundErrorReason}, and Stripe's retry signals.
 *
 * Stripe answers every failure with `{ "error": { type, code, decline_code, message, param, ... } }`
 * and a `Request-Id` header. The mapping follows stripe-node's `generateV1Error` and
 * `RequestSender._shouldRetry`, refined with the refund error codes:
 *
 * | answer | reason |
 * |---|---|
 * | 401 | Authentication |
 * | 403 (`permission_error`) | Authentication (restricted key without the permission, or no access to the Connect account) |
 * | code `idempotency_key_in_use` or `lock_timeout`, or 409 | ProcessorUnavailable (retryable) |
 * | 429, code `rate_limit`, type `rate_limit_error` | RateLimited (with `Retry-After` when given) |
 * | ≥ 500 | ProcessorUnavailable |
 * | type `idempotency_error` | InvalidRequest (the key was reused with different parameters) |
 * | `amount_too_large` | RefundRejected AmountTooLarge |
 * | `charge_already_refunded` | RefundRejected AlreadyRefunded |
 * | `balance_insufficient` | RefundRejected InsufficientBalance |
 * | `charge_disputed`, `refund_disputed_payment` | RefundRejected Disputed |
 * | `charge_not_refundable` | RefundRejected NotRefundable |
 * | 404 or `resource_missing` | NotFound (refund or payment, from `param`, else the operation) |
 * | cancel: 400 `invalid_request_error` without a code | InvalidRequest (the refund is not `requires_action`) |
 * | other 400 / 402 / 4xx | InvalidRequest (field = `param`) |
 *
 * Messages never contain a key: Stripe echoes a masked key in some messages
 * ("Invalid API Key provided: sk_test_****1234"), and every processor text goes through {@link scrub}.
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as StripeSchema from "./StripeSchema.ts"

/** Stripe API keys, publishable keys and webhook secrets, masked or not. */
const secretPattern = /\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9_*]*|\bwhsec_[A-Za-z0-9_*]*|\bBearer\s+\S+/g

/** Removes anything that looks like a Stripe key or signing secret from a processor text. */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** Error codes that mean "the refund was understood and declined". */
export const rejectionKinds: Readonly<Record<string, RefundError.RejectionKind>> = {
  amount_too_large: "AmountTooLarge",
  charge_already_refunded: "AlreadyRefunded",
  balance_insufficient: "InsufficientBalance",
  charge_disputed: "Disputed",
  refund_disputed_payment: "Disputed",
  charge_not_refundable: "NotRefundable"
}

/** Codes that mean "another request holds the lock": retry later with the same key. */
const contentionCodes = new Set(["idempotency_key_in_use", "lock_timeout"])

/** The fields of Stripe's error body, when it decodes. */
export interface StripeErrorFields {
  readonly type?: string | undefined
  readonly code?: string | undefined
  readonly declineCode?: string | undefined
  readonly message?: string | undefined
  readonly param?: string | undefined
}

/** Reads the error body; undefined when it is not Stripe's error shape. */
export const readErrorBody = (body: string): StripeErrorFields | undefined => {
  const decoded = StripeSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success.error
  return {
    type: e.type ?? undefined,
    code: e.code ?? undefined,
    declineCode: e.decline_code ?? undefined,
    message: e.message != null ? scrub(e.message) : undefined,
    param: e.param ?? undefined
  }
}

/** Retry-After in milliseconds (delay-seconds or an HTTP date). */
const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

const notFoundResource = (
  param: string | undefined,
  operation: Connector.ProcessorOperation
): "refund" | "payment" | undefined => {
  if (param === "charge" || param === "payment_intent") return "payment"
  if (param === "id" || param === "refund") return "refund"
  if (operation === "get" || operation === "cancel") return "refund"
  if (operation === "create" || operation === "lookup") return "payment"
  return undefined
}

/** The reason for a Stripe error answer. */
export const reasonOf = (
  status: number,
  fields: StripeErrorFields | undefined,
  operation: Connector.ProcessorOperation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const code = fields?.code
  const type = fields?.type
  const detail = fields?.message
  if (status === 401) {
    return new RefundError.Authentication({ message: withDetail("Stripe rejected the API key (check STRIPE_API_KEY)", detail) })
  }
  if (status === 403) {
    return new RefundError.Authentication({
      message: withDetail("the API key may not do this (restricted key permissions or Connect account access)", detail)
    })
  }
  if ((code !== undefined && contentionCodes.has(code)) || status === 409) {
    return new RefundError.ProcessorUnavailable({
      message: withDetail(
        code === "idempotency_key_in_use"
          ? "another request with the same idempotency key is in progress"
          : "Stripe could not lock the object (a concurrent request)",
        detail
      )
    })
  }
  if (status === 429 || code === "rate_limit" || type === "rate_limit_error") {
    return new RefundError.RateLimited({
      message: withDetail("Stripe rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500) {
    return new RefundError.ProcessorUnavailable({ message: withDetail(`Stripe answered ${status}`, detail) })
  }
  if (type === "idempotency_error") {
    return new RefundError.InvalidRequest({
      message: withDetail(
        "the idempotency key was reused with different parameters (use a new merchant refund id for a different refund)",
        detail
      )
    })
  }
  // Own keys only: a code such as "constructor" must not find Object.prototype's members.
  const kind = code !== undefined && Object.hasOwn(rejectionKinds, code) ? rejectionKinds[code] : undefined
  if (kind !== undefined) {
    return new RefundError.RefundRejected({ message: withDetail(`Stripe declined the refund (${code})`, detail), kind })
  }
  if (status === 404 || code === "resource_missing") {
    const resource = notFoundResource(fields?.param, operation)
    return new RefundError.NotFound({
      message: withDetail(`Stripe has no such ${resource ?? "object"}`, detail),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  if (operation === "cancel" && status === 400 && type === "invalid_request_error" && code === undefined && fields?.param === undefined) {
    // Stripe publishes no code for this refusal: a cancel of a refund that is not `requires_action`
    // (already cancelled, pending, succeeded, failed) is a plain invalid_request_error.
    return new RefundError.InvalidRequest({
      message: withDetail("Stripe refused to cancel the refund (only a refund that requires action can be cancelled)", detail)
    })
  }
  return new RefundError.InvalidRequest({
    message: withDetail(`Stripe refused the request (${status}${code !== undefined ? ` ${code}` : ""})`, detail),
    ...(fields?.param !== undefined ? { field: fields.param } : {})
  })
}

/** Maps a non-2xx answer (and, for its request id, a 2xx answer whose body did not parse). */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  const processorCode = fields?.code ?? fields?.declineCode
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode,
    processorMessage: fields?.message,
    requestId: ProcessorHttp.header(response, "request-id")
  }
}

/**
 * `Stripe-Should-Retry: true|false` is Stripe's own verdict (it says false when replaying a stored
 * error for the same idempotency key); `Retry-After` is honoured when present.
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => {
  const should = ProcessorHttp.header(response, "stripe-should-retry")?.trim().toLowerCase()
  return {
    retry: should === "true" ? true : should === "false" ? false : undefined,
    afterMillis: retryAfterMillis(response, now)
  }
}
