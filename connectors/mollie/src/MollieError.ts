/**
 * Mollie error answers → {@link RefundError.RefundErrorReason}, and Mollie's retry signals.
 *
 * Mollie answers every failure with an `application/hal+json` problem object
 * `{ status, title, detail, field?, _links: { documentation } }` (docs.mollie.com "Handling errors";
 * @mollie/api-client `ApiError.createFromResponse` reads the same fields). It has no error codes, so declines
 * are told apart by status, `field` and `detail`:
 *
 * | answer | reason |
 * |---|---|
 * | 401 | Authentication (check MOLLIE_API_KEY) |
 * | 403 | Authentication (the key may not do this) |
 * | 404, 410 | NotFound (payment for create/lookup, refund for get/cancel; "No payment exists with token …" says which) |
 * | 409 "duplicate refund" | RefundRejected DuplicateRequest (Mollie's duplicate-refund protection) |
 * | 409 otherwise | ProcessorUnavailable: a request with the same Idempotency-Key is still being processed; retry with it |
 * | 400 on a create/cancel whose detail names the idempotency key | InvalidRequest (the key was reused with other parameters) |
 * | 422 on `amount` saying "higher"/"exceeds"/"more than" | RefundRejected AmountTooLarge |
 * | 422 on `amount.currency` | RefundRejected CurrencyMismatch |
 * | 422 "already refunded"/"fully refunded" | RefundRejected AlreadyRefunded |
 * | 422 "not refundable"/"cannot be refunded"/"not possible to refund" | RefundRejected NotRefundable |
 * | 422 "chargeback"/"disput" | RefundRejected Disputed |
 * | 422 "balance" | RefundRejected InsufficientBalance |
 * | 422 on a cancel | InvalidRequest (the refund is no longer queued or pending) |
 * | 429 | RateLimited (`Retry-After` seconds) |
 * | ≥ 500 | ProcessorUnavailable |
 * | other 4xx | InvalidRequest (field = `field`) |
 *
 * `processorCode` is the HTTP status with Mollie's `title` ("422 Unprocessable Entity"); `processorMessage` is
 * `detail` (scrubbed of anything that looks like a credential).
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as MollieSchema from "./MollieSchema.ts"

/** The fields of Mollie's error body, when it decodes. */
export interface MollieErrorFields {
  readonly status?: number | undefined
  readonly title?: string | undefined
  readonly detail?: string | undefined
  readonly field?: string | undefined
  readonly documentation?: string | undefined
}

const present = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" ? undefined : value.trim()

/** Bearer tokens and Mollie API keys (`test_…`, `live_…`, `access_…`) in a processor text. */
const secretPattern = /\bBearer\s+\S+|\b(?:test|live|access)_[A-Za-z0-9]{8,}/gi

/** Removes credentials from a processor text (Mollie's own messages carry none; proxies may). */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** Reads the error body; undefined when it is not Mollie's problem shape. */
export const readErrorBody = (body: string): MollieErrorFields | undefined => {
  const decoded = MollieSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success
  const detail = present(e.detail)
  const fields: MollieErrorFields = {
    status: e.status,
    title: present(e.title),
    detail: detail === undefined ? undefined : scrub(detail),
    field: present(e.field),
    documentation: present(e._links?.documentation?.href)
  }
  return fields.title === undefined && fields.detail === undefined && fields.status === undefined ? undefined : fields
}

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

type Operation = Connector.ProcessorOperation

const notFoundResource = (operation: Operation, detail: string): "refund" | "payment" | undefined => {
  if (/no payment exists|payment.*not found/i.test(detail)) return "payment"
  if (/no refund exists|refund.*not found/i.test(detail)) return "refund"
  if (operation === "get" || operation === "cancel") return "refund"
  if (operation === "create" || operation === "lookup") return "payment"
  return undefined
}

/** Detail patterns of refund declines (422), in the order they are tried. */
export const rejections: ReadonlyArray<readonly [RegExp, RefundError.RejectionKind]> = [
  [/already (?:been )?(?:fully )?refunded|fully refunded/i, "AlreadyRefunded"],
  [/higher than|exceeds?|more than (?:the )?(?:remaining|refundable|amount)|too high/i, "AmountTooLarge"],
  [/currency/i, "CurrencyMismatch"],
  [/balance/i, "InsufficientBalance"],
  [/chargeback|disput/i, "Disputed"],
  [/not refundable|cannot be refunded|can(?:not|'t) refund|not possible to refund|refunds? (?:are|is) not (?:supported|available|allowed)/i, "NotRefundable"]
]

const duplicateRefund = /duplicate refund/i
const idempotencyProblem = /idempotency/i

/** The reason for a Mollie error answer. */
export const reasonOf = (
  status: number,
  fields: MollieErrorFields | undefined,
  operation: Operation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const detail = fields?.detail ?? ""
  const shown = fields?.detail
  if (status === 401) {
    return new RefundError.Authentication({ message: withDetail("Mollie rejected the API key (check MOLLIE_API_KEY)", shown) })
  }
  if (status === 403) return new RefundError.Authentication({ message: withDetail("the API key may not do this", shown) })
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Mollie rate limit reached", shown),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500) return new RefundError.ProcessorUnavailable({ message: withDetail(`Mollie answered ${status}`, shown) })
  if (status === 409) {
    if (duplicateRefund.test(detail)) {
      return new RefundError.RefundRejected({
        message: withDetail("Mollie refused a refund identical to one made moments before (duplicate-refund protection)", shown),
        kind: "DuplicateRequest"
      })
    }
    return new RefundError.ProcessorUnavailable({
      message: withDetail("a request with the same Idempotency-Key is still being processed; retry with the same key", shown)
    })
  }
  if (status === 404 || status === 410) {
    const resource = notFoundResource(operation, detail)
    return new RefundError.NotFound({
      message: withDetail(`Mollie has no such ${resource ?? "object"}`, shown),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  if (status === 400 && idempotencyProblem.test(detail)) {
    return new RefundError.InvalidRequest({
      message: withDetail("the Idempotency-Key was reused with other parameters (use a new merchant refund id for a different refund)", shown)
    })
  }
  if (status === 422 && operation === "create") {
    const field = fields?.field
    const amountField = field === undefined || field === "amount" || field === "amount.value"
    for (const [pattern, kind] of rejections) {
      if (!pattern.test(detail)) continue
      if (kind === "AmountTooLarge" && !amountField) continue
      if (kind === "CurrencyMismatch" && field !== undefined && field !== "amount.currency" && field !== "amount") continue
      return new RefundError.RefundRejected({ message: withDetail("Mollie declined the refund", shown), kind })
    }
  }
  return new RefundError.InvalidRequest({
    message: withDetail(
      operation === "cancel" && status === 422
        ? "Mollie refused to cancel the refund (only a queued or pending refund can be canceled)"
        : `Mollie refused the request (${status}${fields?.title !== undefined ? ` ${fields.title}` : ""})`,
      shown
    ),
    ...(fields?.field !== undefined ? { field: fields.field } : {})
  })
}

/** Maps a non-2xx answer (and, for its details, a 2xx answer whose body did not parse). */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields === undefined ? undefined : `${fields.status ?? response.status}${fields.title !== undefined ? ` ${fields.title}` : ""}`,
    processorMessage: fields?.detail
  }
}

/**
 * Mollie sends `Retry-After` (seconds) with a 429 (docs "Rate limiting"); nothing else says whether to retry,
 * so that follows the reason (429, 409 in flight and 5xx retry).
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
