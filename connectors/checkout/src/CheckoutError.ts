/**
 * Checkout.com error answers → {@link RefundError.RefundErrorReason}, and Checkout's retry signals.
 *
 * Checkout.com answers errors with `{ request_id, error_type, error_codes? }` (422 validation errors
 * carry `error_codes`; 401 answers often have an EMPTY body) and a `Cko-Request-Id` header
 * (checkout-api-reference `nas_spec` Error.yaml / ValidationError.yaml; checkout-sdk-node
 * `src/services/errors.js`). Applied top to bottom, the first matching row wins:
 *
 * | answer | reason |
 * |---|---|
 * | 401 | Authentication |
 * | 429 | RateLimited (`Retry-After` when given) |
 * | ≥ 500 (502 Bad gateway, ...) | ProcessorUnavailable |
 * | 409 | ProcessorUnavailable (a concurrent request under the same idempotency key) |
 * | 404 | NotFound (payment: every path this connector calls is under `/payments/{id}`) |
 * | 403 on create ("Refund not allowed", `action_not_allowed`) | RefundRejected NotRefundable (or the kind its codes name) |
 * | 403 on get / lookup | Authentication (the key may not read payment details) |
 * | other 4xx with `error_codes` | the reason of the highest-ranked code (below) |
 * | other 4xx without a recognised code | InvalidRequest |
 *
 * Ranking several codes, as Hyperswitch Prism does (`get_error_code_error_message_based_on_priority`):
 * user errors (InvalidRequest: fix the input first) before business errors (RefundRejected) before
 * technical errors (ProcessorUnavailable / RateLimited). Prism puts codes it does not recognise
 * FIRST, which hides a recognised decline behind a generic error; here they rank last. Every code
 * is kept in `processorMessage`.
 *
 * `processorCode` is the highest-ranked code (else `error_type`); `requestId` is `Cko-Request-Id`
 * (else the body's `request_id`). No request data, and so no key, is ever copied into a message.
 */
import type { Connector } from "@refract/core"
import { ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as CheckoutSchema from "./CheckoutSchema.ts"

type Operation = Connector.ProcessorOperation

/** What one error code means. */
export type CodeMeaning =
  | { readonly _tag: "Invalid"; readonly field?: string | undefined }
  | { readonly _tag: "Rejected"; readonly kind: RefundError.RejectionKind }
  | { readonly _tag: "RateLimited" }
  | { readonly _tag: "Unavailable" }

const invalid = (field?: string): CodeMeaning => ({ _tag: "Invalid", ...(field !== undefined ? { field } : {}) })
const rejected = (kind: RefundError.RejectionKind): CodeMeaning => ({ _tag: "Rejected", kind })

/**
 * Codes with a known meaning. Sources: the brief's processor notes (`refund_amount_exceeds_balance`,
 * `amount_invalid`, `reference_invalid`, `action_not_allowed`), checkout-sdk-node's refund test
 * (`amount_exceeds_balance` on an over-refund), and Prism's classification of Checkout codes.
 */
export const knownCodes: Readonly<Record<string, CodeMeaning>> = {
  // Declines (business errors).
  refund_amount_exceeds_balance: rejected("AmountTooLarge"),
  amount_exceeds_balance: rejected("AmountTooLarge"),
  refund_amount_exceeds_available_balance: rejected("AmountTooLarge"),
  payment_already_refunded: rejected("AlreadyRefunded"),
  payment_fully_refunded: rejected("AlreadyRefunded"),
  action_not_allowed: rejected("NotRefundable"),
  refund_not_allowed: rejected("NotRefundable"),
  payment_expired: rejected("NotRefundable"),
  payment_invalid: rejected("NotRefundable"),
  // Input errors (user errors).
  amount_invalid: invalid("amount"),
  amount_required: invalid("amount"),
  currency_invalid: invalid("amount"),
  reference_invalid: invalid("merchantRefundId"),
  metadata_invalid: invalid("metadata"),
  metadata_key_invalid: invalid("metadata"),
  payment_id_invalid: invalid("connectorTransactionId"),
  request_invalid: invalid(),
  request_json_invalid: invalid(),
  request_malformed: invalid(),
  parameter_invalid: invalid(),
  // Technical errors.
  api_calls_quota_exceeded: { _tag: "RateLimited" },
  processing_error: { _tag: "Unavailable" },
  service_unavailable: { _tag: "Unavailable" },
  issuer_network_unavailable: { _tag: "Unavailable" }
}

/** Declines recognised by the code's wording, for codes not in {@link knownCodes}. */
const declinePatterns: ReadonlyArray<readonly [RegExp, RefundError.RejectionKind]> = [
  [/exceeds?_(?:the_)?(?:available_|remaining_|refundable_|captured_)?(?:balance|amount)|amount_too_(?:large|high)/, "AmountTooLarge"],
  [/(?:already|fully)_refunded/, "AlreadyRefunded"],
  [/dispute|chargeback/, "Disputed"],
  [/currency_mismatch|currency_does_not_match/, "CurrencyMismatch"],
  [/insufficient_(?:balance|funds)/, "InsufficientBalance"],
  [/not_refundable|refunds?_not_(?:allowed|supported|possible)|not_captured/, "NotRefundable"]
]

/** Refract field names for the prefix of a `<field>_invalid` / `<field>_required` code. */
const fieldOfPrefix = (prefix: string): string | undefined => {
  if (prefix === "amount" || prefix === "currency") return "amount"
  if (prefix === "reference") return "merchantRefundId"
  if (prefix.startsWith("metadata")) return "metadata"
  if (prefix === "payment_id" || prefix === "id" || prefix === "payment") return "connectorTransactionId"
  return undefined
}

/** The meaning of one code; undefined when it is not recognised. */
export const meaningOf = (code: string): CodeMeaning | undefined => {
  // Own keys only: a code such as "constructor" must not find Object.prototype's members.
  const known = Object.hasOwn(knownCodes, code) ? knownCodes[code] : undefined
  if (known !== undefined) return known
  for (const [pattern, kind] of declinePatterns) if (pattern.test(code)) return rejected(kind)
  const field = /^(.+)_(?:invalid|required)$/.exec(code)
  if (field !== null) return invalid(fieldOfPrefix(field[1]!))
  return undefined
}

const rank = (meaning: CodeMeaning | undefined): number => {
  switch (meaning?._tag) {
    case "Invalid":
      return 1
    case "Rejected":
      return 2
    case "RateLimited":
    case "Unavailable":
      return 3
    case undefined:
      return 4
  }
}

/** The code to act on among several: user errors, then declines, then technical errors, then unknown codes; ties keep Checkout's order. */
export const topCode = (codes: ReadonlyArray<string>): { readonly code: string; readonly meaning: CodeMeaning | undefined } | undefined => {
  let best: { code: string; meaning: CodeMeaning | undefined } | undefined
  for (const code of codes) {
    const meaning = meaningOf(code)
    if (best === undefined || rank(meaning) < rank(best.meaning)) best = { code, meaning }
  }
  return best
}

/** Checkout secret and public keys, and bearer tokens, in case a processor text ever carries one. */
const secretPattern = /\b(?:sk|pk)_[A-Za-z0-9_*#$=-]+|\bBearer\s+\S+/g

export const scrub = (text: string): string => text.replace(secretPattern, "[redacted]")

/** The error body, read leniently: an empty or non-JSON body reads as no fields. */
export interface CheckoutErrorFields {
  readonly requestId?: string | undefined
  readonly errorType?: string | undefined
  readonly errorCodes: ReadonlyArray<string>
}

export const readErrorBody = (body: string): CheckoutErrorFields => {
  const decoded = CheckoutSchema.decodeErrorBody(ProcessorHttp.parseJson(body))
  if (Result.isFailure(decoded)) return { errorCodes: [] }
  const e = decoded.success
  return {
    requestId: e.request_id ?? undefined,
    errorType: e.error_type != null ? scrub(e.error_type) : undefined,
    errorCodes: (e.error_codes ?? []).map(scrub)
  }
}

const describe = (fields: CheckoutErrorFields): string | undefined => {
  const codes = fields.errorCodes.join(", ")
  if (fields.errorType !== undefined && codes !== "") return `${fields.errorType}: ${codes}`
  if (codes !== "") return codes
  return fields.errorType
}

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary} (${detail})` : summary

const fromMeaning = (
  code: string,
  meaning: CodeMeaning,
  detail: string | undefined,
  retryAfterMillis: number | undefined
): RefundError.RefundErrorReason => {
  switch (meaning._tag) {
    case "Invalid":
      return new RefundError.InvalidRequest({
        message: withDetail(`Checkout.com refused the request as invalid: ${code}`, detail),
        ...(meaning.field !== undefined ? { field: meaning.field } : {})
      })
    case "Rejected":
      return new RefundError.RefundRejected({ message: withDetail(`Checkout.com declined the refund: ${code}`, detail), kind: meaning.kind })
    case "RateLimited":
      return new RefundError.RateLimited({
        message: withDetail(`Checkout.com quota reached: ${code}`, detail),
        ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
      })
    case "Unavailable":
      return new RefundError.ProcessorUnavailable({ message: withDetail(`Checkout.com could not process the request: ${code}`, detail) })
  }
}

/** The reason for a Checkout.com error answer (see the table at the top of this module). */
export const reasonOf = (
  status: number,
  fields: CheckoutErrorFields,
  operation: Operation,
  retryAfterMillis: number | undefined
): RefundError.RefundErrorReason => {
  const detail = describe(fields)
  const top = topCode(fields.errorCodes)
  if (status === 401) {
    return new RefundError.Authentication({
      message: withDetail("Checkout.com rejected the secret key (check CHECKOUT_SECRET_KEY and the environment)", detail)
    })
  }
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Checkout.com rate limit reached", detail),
      ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
    })
  }
  if (status >= 500) return new RefundError.ProcessorUnavailable({ message: withDetail(`Checkout.com answered ${status}`, detail) })
  if (status === 409) {
    return new RefundError.ProcessorUnavailable({
      message: withDetail("Checkout.com reported a conflict (a request with the same idempotency key may still be running)", detail)
    })
  }
  if (status === 404) {
    return new RefundError.NotFound({ message: withDetail("Checkout.com has no such payment", detail), resource: "payment" })
  }
  if (status === 403) {
    if (operation === "create") {
      const kind = top?.meaning?._tag === "Rejected" ? top.meaning.kind : "NotRefundable"
      return new RefundError.RefundRejected({ message: withDetail("Checkout.com does not allow this refund", detail), kind })
    }
    return new RefundError.Authentication({
      message: withDetail("Checkout.com refused to show this payment to the secret key (403)", detail)
    })
  }
  if (top?.meaning !== undefined) return fromMeaning(top.code, top.meaning, detail, retryAfterMillis)
  return new RefundError.InvalidRequest({ message: withDetail(`Checkout.com refused the request (HTTP ${status})`, detail) })
}

const retryAfter = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

/** `Connector.mapError` for Checkout.com. */
export const mapError = (
  response: ProcessorHttp.ProcessorResponse,
  operation: Operation,
  now: number
): RefundError.ProcessorErrorDetails => {
  const fields = readErrorBody(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfter(response, now)),
    processorCode: topCode(fields.errorCodes)?.code ?? fields.errorType,
    processorMessage: describe(fields),
    requestId: ProcessorHttp.header(response, "cko-request-id") ?? fields.requestId
  }
}

/**
 * Checkout.com's only retry signal is `Retry-After` (honoured when present, seconds or an HTTP
 * date); whether to retry is left to the reason (429, 409 and 5xx are retried under the same
 * `Cko-Idempotency-Key`, which Checkout does not store for 4xx/5xx answers).
 */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfter(response, now)
})
