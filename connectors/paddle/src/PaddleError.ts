/**
 * Paddle error answers → {@link RefundError.RefundErrorReason}, and Paddle's retry signals.
 *
 * Paddle answers every failure with `{ error: { type, code, detail, documentation_url, errors? }, meta:
 * { request_id } }` (https://developer.paddle.com/errors; SDK `ErrorResponse`). `code` is specific, so the
 * mapping is by code:
 *
 * | answer | reason |
 * |---|---|
 * | 401, 403 (`authentication_missing`, `authentication_malformed`, `invalid_token`, `forbidden`, any 401/403) | Authentication |
 * | 429 `too_many_requests` | RateLimited (with `Retry-After`, seconds) |
 * | ≥ 500 (`internal_error`, `bad_gateway`, `service_unavailable`), 409 `concurrent_modification`, `conflict` | ProcessorUnavailable |
 * | 404 `not_found` | NotFound (the transaction for create/lookup, the adjustment for get) |
 * | `adjustment_amount_above_remaining_allowed`, `adjustment_total_amount_above_remaining_allowed`, `adjustment_transaction_item_over_adjustment` | RefundRejected AmountTooLarge |
 * | `adjustment_transaction_item_has_already_been_fully_adjusted` | RefundRejected AlreadyRefunded |
 * | `adjustment_pending_refund_request` | RefundRejected DuplicateRequest (a refund of the transaction awaits Paddle's approval) |
 * | `adjustment_transaction_invalid_status_for_refund`, `adjustment_transaction_without_captured_payment`, `adjustment_transaction_missing_customer_id`, `adjustment_invalid_credit_action`, `adjustment_transaction_invalid_status_for_credit`, `adjustment_cannot_adjust_imported_transaction` | RefundRejected NotRefundable |
 * | `adjustment_transaction_item_invalid` | RefundRejected AmountTooLarge / AlreadyRefunded when an item message says so, else InvalidRequest |
 * | other 4xx (`invalid_field`, `bad_request`, `adjustment_amount_cannot_be_zero`, …) | InvalidRequest (field = `errors[0].field`) |
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as PaddleSchema from "./PaddleSchema.ts"

export interface PaddleErrorFields {
  readonly type?: string | undefined
  readonly code?: string | undefined
  readonly detail?: string | undefined
  readonly requestId?: string | undefined
  readonly errors: ReadonlyArray<{ readonly field?: string | undefined; readonly message?: string | undefined }>
}

const present = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" ? undefined : value.trim()

/** Credentials never belong in a message (Paddle's carry none; proxies may). */
export const scrub = (text: string): string => text.replace(/\b(?:Basic|Bearer)\s+\S+/gi, "[redacted]").replace(/pdl_(?:sdbx|live)_apikey_\S+/gi, "[redacted]")

/** Reads the error body; undefined when it is not Paddle's error shape. */
export const readErrorBody = (body: string): PaddleErrorFields | undefined => {
  const decoded = PaddleSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success.error
  const detail = present(e.detail)
  return {
    type: present(e.type),
    code: present(e.code),
    detail: detail === undefined ? undefined : scrub(detail),
    requestId: present(decoded.success.meta?.request_id),
    errors: (e.errors ?? []).map((x) => ({
      field: present(x.field),
      message: present(x.message) === undefined ? undefined : scrub(x.message!)
    }))
  }
}

/** "detail (field: message; …)". */
export const describe = (fields: PaddleErrorFields | undefined): string | undefined => {
  if (fields === undefined) return undefined
  const parts = fields.errors.map((x) => [x.field, x.message].filter((p) => p !== undefined).join(": ")).filter((p) => p !== "")
  const head = fields.detail ?? fields.code
  if (head === undefined && parts.length === 0) return undefined
  return parts.length > 0 ? `${head ?? "(no detail)"} (${parts.join("; ")})` : head
}

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

const withDetail = (summary: string, detail: string | undefined): string => (detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary)

const codes = (entries: ReadonlyArray<readonly [string, RefundError.RejectionKind]>) => new Map(entries)

/** Refund declines by code. */
export const rejections: ReadonlyMap<string, RefundError.RejectionKind> = codes([
  ["adjustment_amount_above_remaining_allowed", "AmountTooLarge"],
  ["adjustment_total_amount_above_remaining_allowed", "AmountTooLarge"],
  ["adjustment_transaction_item_over_adjustment", "AmountTooLarge"],
  ["adjustment_transaction_item_has_already_been_fully_adjusted", "AlreadyRefunded"],
  ["adjustment_pending_refund_request", "DuplicateRequest"],
  ["adjustment_transaction_invalid_status_for_refund", "NotRefundable"],
  ["adjustment_transaction_without_captured_payment", "NotRefundable"],
  ["adjustment_transaction_missing_customer_id", "NotRefundable"],
  ["adjustment_invalid_credit_action", "NotRefundable"],
  ["adjustment_transaction_invalid_status_for_credit", "NotRefundable"],
  ["adjustment_cannot_adjust_imported_transaction", "NotRefundable"]
])

const unavailableCodes = new Set(["internal_error", "bad_gateway", "service_unavailable", "concurrent_modification", "conflict"])

/** The reason for a Paddle error answer. */
export const reasonOf = (
  status: number,
  fields: PaddleErrorFields | undefined,
  operation: Connector.ProcessorOperation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const code = fields?.code
  const detail = describe(fields)
  if (status === 401 || status === 403) {
    return new RefundError.Authentication({
      message: withDetail(
        code === "forbidden" ? "Paddle refused the API key or its permissions (adjustment.write / adjustment.read; check PADDLE_API_KEY)" : "Paddle rejected the API key (check PADDLE_API_KEY)",
        detail
      )
    })
  }
  if (status === 429 || code === "too_many_requests") {
    return new RefundError.RateLimited({
      message: withDetail("Paddle rate limit reached (240 requests a minute per IP)", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500 || status === 409 || (code !== undefined && unavailableCodes.has(code))) {
    return new RefundError.ProcessorUnavailable({ message: withDetail(`Paddle answered ${status}${code !== undefined ? ` ${code}` : ""}`, detail) })
  }
  if (status === 404 || code === "not_found") {
    const resource = operation === "get" ? "refund" : operation === "create" || operation === "lookup" ? "payment" : undefined
    return new RefundError.NotFound({
      message: withDetail(`Paddle has no such ${resource === "payment" ? "transaction" : resource === "refund" ? "adjustment" : "object"}`, detail),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  const kind = code === undefined ? undefined : rejections.get(code)
  if (code === "adjustment_pending_refund_request") {
    return new RefundError.RefundRejected({
      message: withDetail("another refund of this transaction awaits Paddle's approval; create this one once that is approved or rejected", detail),
      kind: "DuplicateRequest"
    })
  }
  if (kind !== undefined) return new RefundError.RefundRejected({ message: withDetail("Paddle declined the refund", detail), kind })
  if (code === "adjustment_transaction_item_invalid") {
    const messages = (fields?.errors ?? []).map((x) => x.message ?? "").join(" ")
    if (/over remaining allowed|exceed/i.test(messages)) return new RefundError.RefundRejected({ message: withDetail("Paddle declined the refund", detail), kind: "AmountTooLarge" })
    if (/already been fully adjusted/i.test(messages)) return new RefundError.RefundRejected({ message: withDetail("Paddle declined the refund", detail), kind: "AlreadyRefunded" })
  }
  const field = fields?.errors.find((x) => x.field !== undefined)?.field
  return new RefundError.InvalidRequest({
    message: withDetail(`Paddle refused the request (${status}${code !== undefined ? ` ${code}` : ""})`, detail),
    ...(field !== undefined ? { field } : {})
  })
}

/** Maps a non-2xx answer. */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.code,
    processorMessage: describe(fields),
    requestId: fields?.requestId
  }
}

/** Paddle sends `Retry-After` (seconds) with 429 (https://developer.paddle.com/api-reference/about/rate-limiting). */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
