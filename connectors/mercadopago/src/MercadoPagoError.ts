/**
 * Mercado Pago error answers → {@link RefundError.RefundErrorReason}, and its retry signals.
 *
 * Mercado Pago answers failures with `{ message, error, status, cause: [{ code, description }] }` (the body the
 * official SDK's `MercadoPagoError` reads: `message`, `error`, `status`, `cause`). The refund operations' documented
 * codes (API reference, mercadopago/devsite-docs `reference/api-json/chargebacks.json`):
 *
 * | answer | reason |
 * |---|---|
 * | 401 (`Invalid token`, code 401; "Must provide your access token", code 5) | Authentication |
 * | 403 | Authentication (the token may not do this) |
 * | 409, 423 (SDK: idempotency conflict / key locked, retryable) | ProcessorUnavailable (retried, same key) |
 * | 429 | RateLimited (Retry-After when given) |
 * | ≥ 500, 424 (SDK: failed dependency, retryable) | ProcessorUnavailable |
 * | 2000 Payment not found | NotFound (payment) |
 * | 2032 Refund not found | NotFound (refund) |
 * | 2024, 15016 Payment too old to be refunded | RefundRejected NotRefundable |
 * | 2063 The action requested is not valid for the current payment state | RefundRejected NotRefundable |
 * | 3024 partial refund unsupported for this transaction | RefundRejected NotRefundable |
 * | 4296 Charge already refunded | RefundRejected AlreadyRefunded |
 * | 4040 amount must be positive, 4041 amount must be numeric | InvalidRequest (amount) |
 * | 4292 X-Idempotency-Key can't be null | InvalidRequest |
 * | a message saying the amount exceeds what is refundable | RefundRejected AmountTooLarge |
 * | other 404 | NotFound; other 4xx | InvalidRequest |
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as MercadoPagoSchema from "./MercadoPagoSchema.ts"

export interface MercadoPagoErrorFields {
  readonly message?: string | undefined
  readonly error?: string | undefined
  /** The first cause's code, as text. */
  readonly code?: string | undefined
  readonly description?: string | undefined
}

const text = (value: string | number | null | undefined): string | undefined =>
  value === null || value === undefined || String(value).trim() === "" ? undefined : String(value).trim()

/** Removes bearer tokens and Mercado Pago access tokens from a processor text. */
export const scrub = (value: string): string =>
  value.replace(/\bBearer\s+\S+/gi, "[redacted]").replace(/\b(?:TEST|APP_USR)-[A-Za-z0-9-]{8,}/g, "[redacted]")

/** Reads the error body; undefined when it is not Mercado Pago's shape. */
export const readErrorBody = (body: string): MercadoPagoErrorFields | undefined => {
  const decoded = MercadoPagoSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return undefined
  const e = decoded.success
  const causes = e.cause === null || e.cause === undefined ? [] : Array.isArray(e.cause) ? e.cause : [e.cause]
  const first = causes[0] as { readonly code?: string | number | null; readonly description?: string | null } | undefined
  const message = text(e.message)
  const description = text(first?.description)
  return {
    message: message === undefined ? undefined : scrub(message),
    error: text(e.error),
    code: text(first?.code),
    description: description === undefined ? undefined : scrub(description)
  }
}

/** "message (cause code: description)" with what Mercado Pago set. */
export const describe = (fields: MercadoPagoErrorFields | undefined): string | undefined => {
  if (fields === undefined) return undefined
  const cause = fields.code !== undefined || fields.description !== undefined
    ? `${fields.code ?? "?"}${fields.description !== undefined ? `: ${fields.description}` : ""}`
    : undefined
  const head = fields.message ?? fields.error
  if (head === undefined) return cause
  return cause !== undefined && fields.description !== fields.message ? `${head} (${cause})` : head
}

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

/** Documented cause codes of the refund operations → a decline kind. */
const rejectionCodes: ReadonlyMap<string, RefundError.RejectionKind> = new Map([
  ["2024", "NotRefundable"],
  ["15016", "NotRefundable"],
  ["2063", "NotRefundable"],
  ["3024", "NotRefundable"],
  ["4293", "NotRefundable"],
  ["4294", "NotRefundable"],
  ["4295", "NotRefundable"],
  ["4296", "AlreadyRefunded"]
])

const exceeds = /exceed|greater than|mayor (?:al|que)|maior (?:que|do que)|invalid refund amount/i

export const reasonOf = (
  status: number,
  fields: MercadoPagoErrorFields | undefined,
  operation: Connector.ProcessorOperation,
  retryAfter: number | undefined
): RefundError.RefundErrorReason => {
  const detail = describe(fields)
  const code = fields?.code
  if (status === 401) {
    return new RefundError.Authentication({ message: withDetail("Mercado Pago rejected the access token (check MERCADOPAGO_ACCESS_TOKEN)", detail) })
  }
  if (status === 403) return new RefundError.Authentication({ message: withDetail("the access token may not do this", detail) })
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Mercado Pago rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status === 409 || status === 423) {
    return new RefundError.ProcessorUnavailable({
      message: withDetail("a request with the same X-Idempotency-Key is still being processed; retry with the same key", detail)
    })
  }
  if (status >= 500 || status === 424) {
    return new RefundError.ProcessorUnavailable({ message: withDetail(`Mercado Pago answered ${status}`, detail) })
  }
  if (code === "2000") return new RefundError.NotFound({ message: withDetail("Mercado Pago has no such payment", detail), resource: "payment" })
  if (code === "2032") return new RefundError.NotFound({ message: withDetail("Mercado Pago has no such refund", detail), resource: "refund" })
  const kind = code !== undefined && rejectionCodes.has(code) ? rejectionCodes.get(code) : undefined
  if (kind !== undefined) return new RefundError.RefundRejected({ message: withDetail("Mercado Pago declined the refund", detail), kind })
  if (code === "4040" || code === "4041") {
    return new RefundError.InvalidRequest({ message: withDetail("Mercado Pago refused the amount", detail), field: "amount" })
  }
  if (exceeds.test(`${fields?.message ?? ""} ${fields?.description ?? ""}`)) {
    return new RefundError.RefundRejected({ message: withDetail("Mercado Pago declined the refund", detail), kind: "AmountTooLarge" })
  }
  if (status === 404) {
    const resource = operation === "get" ? "refund" : operation === "create" || operation === "lookup" ? "payment" : undefined
    return new RefundError.NotFound({
      message: withDetail(`Mercado Pago has no such ${resource ?? "object"}`, detail),
      ...(resource !== undefined ? { resource } : {})
    })
  }
  return new RefundError.InvalidRequest({ message: withDetail(`Mercado Pago refused the request (${status})`, detail) })
}

export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.code ?? fields?.error,
    processorMessage: describe(fields),
    requestId: ProcessorHttp.header(response, "x-request-id")
  }
}

/** `Retry-After` when present (the SDK honours it on 429); whether to retry follows the reason. */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
