/**
 * GoCardless error answers → {@link RefundError.RefundErrorReason}, and GoCardless's retry signals.
 *
 * Every failure is `{"error": {message, documentation_url, type, request_id, code, errors: [{reason, field,
 * message, request_pointer, links}]}}` (gocardless-nodejs `esm/errors.js` and `src/fixtures/*.json`). `type`
 * is one of `invalid_api_usage`, `invalid_state`, `validation_failed`, `gocardless`; the `reason` of each
 * entry of `errors` says what went wrong.
 *
 * | answer | reason |
 * |---|---|
 * | 401 (`unauthorized`) | Authentication |
 * | 403 (`insufficient_permissions`) | Authentication (the token may not do this) |
 * | 429 (`rate_limit_exceeded`) | RateLimited (wait: `Retry-After`, else `RateLimit-Reset`) |
 * | ≥ 500, type `gocardless` | ProcessorUnavailable |
 * | 409 `idempotent_creation_conflict` | RefundRejected DuplicateRequest, naming `links.conflicting_resource_id` (never retried: the refund exists) |
 * | 404, `resource_not_found` | NotFound (payment for create/lookup/list, refund for get) |
 * | `total_amount_confirmation_invalid` | RefundRejected DuplicateRequest (the payment has refunds this request did not count) |
 * | `available_refund_amount_insufficient` | RefundRejected InsufficientBalance |
 * | `number_of_refunds_exceeded` | RefundRejected NotRefundable |
 * | `refund_payment_invalid_state` | RefundRejected NotRefundable |
 * | validation_failed on `amount` saying it exceeds what can be refunded | RefundRejected AmountTooLarge |
 * | other invalid_state | RefundRejected Other |
 * | other 4xx (invalid_api_usage, validation_failed) | InvalidRequest (field = the first `errors[].field`) |
 *
 * `processorCode` is the first `errors[].reason`, else `error.type`; `processorMessage` is `error.message`
 * with the entries' `field message` appended; `requestId` is `error.request_id`.
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy, Timestamp } from "@refract/core"
import { Result } from "effect"
import * as GoCardlessSchema from "./GoCardlessSchema.ts"

/** The fields of GoCardless's error body, when it decodes. */
export interface GoCardlessErrorFields {
  readonly type?: string | undefined
  readonly message?: string | undefined
  readonly requestId?: string | undefined
  readonly reasons: ReadonlyArray<string>
  readonly field?: string | undefined
  readonly details: ReadonlyArray<string>
  /** `links.conflicting_resource_id` of an `idempotent_creation_conflict`. */
  readonly conflictingResourceId?: string | undefined
}

const present = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.trim() === "" ? undefined : value.trim()

const secretPattern = /\b(?:Bearer)\s+\S+|\b(?:sandbox|live)_[A-Za-z0-9_-]{8,}/g

/** Removes credentials from a processor text (GoCardless's own messages carry none; proxies may). */
export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** Reads the error body; undefined when it is not GoCardless's error shape. */
export const readErrorBody = (body: string): GoCardlessErrorFields | undefined => {
  const decoded = GoCardlessSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success.error
  const entries = e.errors ?? []
  const reasons = entries.map((d) => present(d.reason)).filter((r): r is string => r !== undefined)
  const field = entries.map((d) => present(d.field)).find((f) => f !== undefined)
  const details = entries
    .map((d) => [present(d.field), present(d.message)].filter((p) => p !== undefined).join(" "))
    .filter((d) => d !== "")
    .map(scrub)
  let conflictingResourceId: string | undefined
  for (const d of entries) {
    const links = d.links
    const id = links !== null && links !== undefined && Object.hasOwn(links, "conflicting_resource_id") ? links["conflicting_resource_id"] : undefined
    if (typeof id === "string" && id !== "") conflictingResourceId = id
  }
  const message = present(e.message)
  return {
    type: present(e.type),
    message: message === undefined ? undefined : scrub(message),
    requestId: present(e.request_id),
    reasons,
    field,
    details,
    conflictingResourceId
  }
}

/** "message (field detail, ...)" with the details that add something. */
export const describe = (fields: GoCardlessErrorFields | undefined): string | undefined => {
  if (fields === undefined) return undefined
  const extra = fields.details.filter((d) => d !== fields.message)
  if (fields.message === undefined && extra.length === 0) return undefined
  const head = fields.message ?? "(no message)"
  return extra.length > 0 ? `${head} (${extra.join(", ")})` : head
}

/**
 * How long to wait before retrying: `Retry-After` when given, else `RateLimit-Reset` ("the time at which the
 * rate limit resets", an HTTP date), as milliseconds from `now`.
 */
export const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined => {
  const retryAfter = RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)
  if (retryAfter !== undefined) return retryAfter
  const reset = ProcessorHttp.header(response, "ratelimit-reset")
  if (reset === undefined) return undefined
  const at = /^\d{1,12}$/.test(reset.trim()) ? Timestamp.fromUnixSeconds(Number(reset.trim())) : Timestamp.fromEpochMillis(Date.parse(reset))
  return at === undefined ? undefined : Math.max(0, at - now)
}

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

type Operation = Connector.ProcessorOperation

const rejections: ReadonlyArray<readonly [string, RefundError.RejectionKind, string]> = [
  ["total_amount_confirmation_invalid", "DuplicateRequest", "the payment has refunds this request did not count (total_amount_confirmation did not match)"],
  ["available_refund_amount_insufficient", "InsufficientBalance", "the creditor's balance available for refunds is too low"],
  ["number_of_refunds_exceeded", "NotRefundable", "the payment has had the most refunds GoCardless allows"],
  ["refund_payment_invalid_state", "NotRefundable", "the payment is not in a state that can be refunded"]
]

const exceeds = /exceed|greater than|more than/i

/** The reason for a GoCardless error answer. */
export const reasonOf = (
  status: number,
  fields: GoCardlessErrorFields | undefined,
  operation: Operation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const detail = describe(fields)
  const reasons = new Set(fields?.reasons ?? [])
  if (status === 401) {
    return new RefundError.Authentication({ message: withDetail("GoCardless rejected the access token (check GOCARDLESS_ACCESS_TOKEN)", detail) })
  }
  if (status === 403) return new RefundError.Authentication({ message: withDetail("the access token may not do this", detail) })
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("GoCardless rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500 || fields?.type === "gocardless") {
    return new RefundError.ProcessorUnavailable({ message: withDetail(`GoCardless answered ${status}`, detail) })
  }
  if (reasons.has("idempotent_creation_conflict")) {
    const id = fields?.conflictingResourceId
    return new RefundError.RefundRejected({
      kind: "DuplicateRequest",
      message: withDetail(
        `GoCardless already created ${id ?? "a refund"} under this Idempotency-Key: read it (get, or recover by the merchant refund id) instead of creating again`,
        detail
      )
    })
  }
  if (status === 404 || reasons.has("resource_not_found")) {
    const resource = operation === "get" ? "refund" : operation === "create" || operation === "lookup" ? "payment" : undefined
    return new RefundError.NotFound({
      message: withDetail(`GoCardless has no such ${resource ?? "resource"}`, detail),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  for (const [reason, kind, summary] of rejections) {
    if (reasons.has(reason)) return new RefundError.RefundRejected({ kind, message: withDetail(`GoCardless declined the refund: ${summary}`, detail) })
  }
  if (fields?.type === "validation_failed" && fields.field === "amount" && exceeds.test(detail ?? "")) {
    return new RefundError.RefundRejected({ kind: "AmountTooLarge", message: withDetail("GoCardless declined the refund: the amount exceeds what can be refunded", detail) })
  }
  if (fields?.type === "invalid_state") {
    return new RefundError.RefundRejected({ kind: "Other", message: withDetail("GoCardless declined the refund", detail) })
  }
  return new RefundError.InvalidRequest({
    message: withDetail(`GoCardless refused the request (${status}${fields?.type !== undefined ? ` ${fields.type}` : ""})`, detail),
    ...(fields?.field !== undefined ? { field: fields.field } : {})
  })
}

/** Maps a non-2xx answer. */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.reasons[0] ?? fields?.type,
    processorMessage: describe(fields),
    requestId: fields?.requestId ?? ProcessorHttp.header(response, "x-request-id")
  }
}

/**
 * GoCardless sends no retry verdict header. A 409 idempotency conflict is never worth retrying (every
 * retry under the key gets the same answer); otherwise the wait follows `Retry-After` / `RateLimit-Reset`
 * and whether to retry follows the reason (429, 5xx retry).
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => {
  if (response.status === 409 && readErrorBody(response.body)?.reasons.includes("idempotent_creation_conflict") === true) return { retry: false }
  return { afterMillis: retryAfterMillis(response, now) }
}
