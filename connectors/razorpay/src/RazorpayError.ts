/**
 * Razorpay error answers → {@link RefundError.RefundErrorReason}, and Razorpay's retry signals.
 *
 * Razorpay answers every failure with
 * `{ "error": { code, description, source, step, reason, field, metadata } }` (https://razorpay.com/docs/errors).
 * `code` is coarse (`BAD_REQUEST_ERROR`, `GATEWAY_ERROR`, `SERVER_ERROR`), so refund declines are told
 * apart by their `description`:
 *
 * | answer | reason |
 * |---|---|
 * | 401 | Authentication |
 * | 403 | Authentication (the key may not do this) |
 * | 409 (a request with the same `X-Refund-Idempotency` is still in progress) | ProcessorUnavailable (retried, same key) |
 * | 429 | RateLimited (with `Retry-After` when given) |
 * | ≥ 500, code `SERVER_ERROR` or `GATEWAY_ERROR` | ProcessorUnavailable |
 * | "Different request with the same idempotency key ..." | InvalidRequest (the key was reused with different parameters) |
 * | "... does not exist", 404 | NotFound (payment for create/lookup, refund for get) |
 * | "... fully refunded already" | RefundRejected AlreadyRefunded |
 * | "... greater than amount captured", "The total refund amount is greater than the refund payment amount", "refund amount ... exceeds ..." | RefundRejected AmountTooLarge |
 * | "... enough balance ...", "insufficient balance" | RefundRejected InsufficientBalance |
 * | "... more than 6 months old ...", "refund is not supported ...", "... not captured" | RefundRejected NotRefundable |
 * | "... disputed ..." | RefundRejected Disputed |
 * | other 400 / 4xx | InvalidRequest (field = `error.field`) |
 *
 * `processorCode` is `error.code`; `processorMessage` is the description with `source`, `step` and
 * `reason` appended when Razorpay sets them (it says `NA` when they do not apply), so both stay visible.
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as RazorpaySchema from "./RazorpaySchema.ts"

/** The fields of Razorpay's error body, when it decodes (`NA` and empty strings become undefined). */
export interface RazorpayErrorFields {
  readonly code?: string | undefined
  readonly description?: string | undefined
  readonly source?: string | undefined
  readonly step?: string | undefined
  readonly reason?: string | undefined
  readonly field?: string | undefined
}

const present = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" || value.trim().toUpperCase() === "NA" ? undefined : value.trim()

/** Anything that looks like an HTTP credential or a Razorpay key secret label in a processor text. */
const secretPattern = /\b(?:Basic|Bearer)\s+\S+/gi

/** Removes credentials from a processor text (Razorpay's own messages carry none; proxies may). */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** Reads the error body; undefined when it is not Razorpay's error shape. */
export const readErrorBody = (body: string): RazorpayErrorFields | undefined => {
  const decoded = RazorpaySchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success.error
  const description = present(e.description)
  return {
    code: present(e.code),
    description: description !== undefined ? scrub(description) : undefined,
    source: present(e.source),
    step: present(e.step),
    reason: present(e.reason),
    field: present(e.field)
  }
}

/** "description (source=…, step=…, reason=…)" with only the parts Razorpay set. */
export const describe = (fields: RazorpayErrorFields | undefined): string | undefined => {
  if (fields === undefined) return undefined
  const context = [
    fields.source !== undefined ? `source=${fields.source}` : undefined,
    fields.step !== undefined ? `step=${fields.step}` : undefined,
    fields.reason !== undefined ? `reason=${fields.reason}` : undefined
  ].filter((part): part is string => part !== undefined)
  if (fields.description === undefined && context.length === 0) return undefined
  const head = fields.description ?? "(no description)"
  return context.length > 0 ? `${head} (${context.join(", ")})` : head
}

/** Retry-After in milliseconds (delay-seconds or an HTTP date), when Razorpay sends one. */
const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

type Operation = Connector.ProcessorOperation

const notFoundResource = (operation: Operation, field: string | undefined): "refund" | "payment" | undefined => {
  if (field === "payment_id") return "payment"
  if (field === "refund_id") return "refund"
  if (operation === "get") return "refund"
  if (operation === "create" || operation === "lookup") return "payment"
  return undefined
}

/** Description patterns of refund declines, in the order they are tried. */
export const rejections: ReadonlyArray<readonly [RegExp, RefundError.RejectionKind]> = [
  [/fully refunded already|already been fully refunded|already fully refunded/i, "AlreadyRefunded"],
  [/greater than (?:the )?(?:amount captured|captured amount|refundable amount|amount that can be refunded|unrefunded)/i, "AmountTooLarge"],
  // A refund within the captured amount but above what is left. Razorpay's own text
  // (BAD_REQUEST_TOTAL_REFUND_AMOUNT_IS_GREATER_THAN_THE_PAYMENT_AMOUNT in Razorpay's server,
  // app/Error/PublicErrorDescription.php, published in the history of github.com/razorpay/opencensus-php).
  [/total refund amount is greater than/i, "AmountTooLarge"],
  [/refund(?:ed)? amount\b.*\bexceed|exceeds? (?:the )?(?:amount captured|captured amount|refundable amount|payment amount|amount)/i, "AmountTooLarge"],
  [/(?:not have )?enough balance|insufficient balance|balance is (?:low|insufficient)/i, "InsufficientBalance"],
  [/more than 6 months old|refund is not supported|refunds? (?:are|is) not (?:supported|allowed)|(?:has not been|not) captured|cannot be refunded/i, "NotRefundable"],
  [/disput/i, "Disputed"]
]

const idempotencyConflict = /different request with the same idempotency key/i
const doesNotExist = /does not exist|no such|not found/i

/** The reason for a Razorpay error answer. */
export const reasonOf = (
  status: number,
  fields: RazorpayErrorFields | undefined,
  operation: Operation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const code = fields?.code
  const detail = describe(fields)
  const description = fields?.description ?? ""
  if (status === 401) {
    return new RefundError.Authentication({
      message: withDetail("Razorpay rejected the API key (check RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET)", detail)
    })
  }
  if (status === 403) {
    return new RefundError.Authentication({ message: withDetail("the API key may not do this", detail) })
  }
  if (status === 409) {
    return new RefundError.ProcessorUnavailable({
      message: withDetail("a request with the same X-Refund-Idempotency key is still in progress; retry with the same key", detail)
    })
  }
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Razorpay rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500 || code === "SERVER_ERROR" || code === "GATEWAY_ERROR") {
    return new RefundError.ProcessorUnavailable({
      message: withDetail(`Razorpay answered ${status}${code !== undefined ? ` ${code}` : ""}`, detail)
    })
  }
  if (idempotencyConflict.test(description)) {
    return new RefundError.InvalidRequest({
      message: withDetail(
        "the X-Refund-Idempotency key was reused with different parameters (use a new merchant refund id for a different refund)",
        detail
      )
    })
  }
  if (status === 404 || doesNotExist.test(description)) {
    const resource = notFoundResource(operation, fields?.field)
    return new RefundError.NotFound({
      message: withDetail(`Razorpay has no such ${resource ?? "object"}`, detail),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  for (const [pattern, kind] of rejections) {
    if (pattern.test(description)) {
      return new RefundError.RefundRejected({ message: withDetail("Razorpay declined the refund", detail), kind })
    }
  }
  return new RefundError.InvalidRequest({
    message: withDetail(`Razorpay refused the request (${status}${code !== undefined ? ` ${code}` : ""})`, detail),
    ...(fields?.field !== undefined ? { field: fields.field } : {})
  })
}

/** Maps a non-2xx answer (and, for its details, a 2xx answer whose body did not parse). */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.code,
    processorMessage: describe(fields)
  }
}

/**
 * Razorpay sends no retry verdict header; `Retry-After` is honoured when present (Razorpay documents
 * none for 429: back off exponentially). Whether to retry follows the reason (429, 409, 5xx retry).
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
