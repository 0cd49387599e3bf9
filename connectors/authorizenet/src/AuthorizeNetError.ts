/**
 * Authorize.net error answers → {@link RefundError.RefundErrorReason}, and retry signals.
 *
 * Authorize.net answers HTTP 200 for refusals too: the body's `messages.resultCode` is `Error` with
 * `messages.message[0].code` (`E000xx`), and a transaction the gateway refused carries
 * `transactionResponse.responseCode` "2" (declined), "3" (error) or "4" (held for review) with
 * `transactionResponse.errors[]{errorCode, errorText}` (the response reason code). The same mapping
 * serves the parsers (a 2xx with an error) and {@link mapError} (non-2xx, and the details of a 2xx the
 * core could not use).
 *
 * | code | reason |
 * |---|---|
 * | E00007, E00008 (authentication failed / account or user inactive), E00011 (no permission) | Authentication |
 * | E00040 (record not found) | NotFound (the refund for get) |
 * | E00001 (an error occurred during processing, try again) | ProcessorUnavailable |
 * | E00003, E00013, E00014, E00015 (schema, format, missing field, length) | InvalidRequest |
 * | E00027 + reason 11 (duplicate within the duplicate window) | RefundRejected DuplicateRequest |
 * | reason 54 (the referenced transaction does not meet the criteria for issuing a credit) | RefundRejected NotRefundable |
 * | reason 55 (credits exceed the original amount) | RefundRejected AmountTooLarge |
 * | reason 39 (currency not supported for the merchant) | RefundRejected CurrencyMismatch |
 * | reason 5 (valid amount required) | InvalidRequest (amount) |
 * | reason 6, 33, 37 (card number invalid / required) | InvalidRequest (connectorTransactionId: the card's last four) |
 * | reason 2, 3, 4 (declined) | RefundRejected Declined |
 * | reason 19–23, 25, 26, 57–63 (processing error, try again) | ProcessorUnavailable |
 * | other reason codes | RefundRejected Other |
 * | HTTP 429 / ≥ 500 (proxies, maintenance) | RateLimited / ProcessorUnavailable |
 */
import { Connector, ProcessorHttp, RefundError, RetryPolicy } from "@refract/core"
import { Result } from "effect"
import * as AuthorizeNetSchema from "./AuthorizeNetSchema.ts"

type Operation = Connector.ProcessorOperation

/** What an answer says went wrong, when it says so. */
export interface ErrorFields {
  /** `messages.message[0].code` (E000xx). */
  readonly code?: string | undefined
  readonly text?: string | undefined
  /** `transactionResponse.errors[0].errorCode` (the response reason code). */
  readonly reasonCode?: string | undefined
  readonly reasonText?: string | undefined
  /** `transactionResponse.responseCode`. */
  readonly responseCode?: string | undefined
}

/** Reads the error parts of an answer; undefined when it is not an Authorize.net answer or reports no error. */
export const readErrors = (body: string): ErrorFields | undefined => {
  const json = AuthorizeNetSchema.parseBody(body)
  const envelope = AuthorizeNetSchema.decodeEnvelope(json)
  if (Result.isFailure(envelope)) return undefined
  const first = envelope.success.messages.message?.[0]
  const tr = (json as { transactionResponse?: unknown }).transactionResponse
  const decodedTr = tr === undefined || tr === null ? undefined : Result.getOrUndefined(AuthorizeNetSchema.decode(AuthorizeNetSchema.TransactionResponse)(tr))
  const error = decodedTr?.errors?.[0]
  const responseCode = decodedTr?.responseCode === undefined || decodedTr.responseCode === null ? undefined : String(decodedTr.responseCode)
  if (envelope.success.messages.resultCode === "Ok" && error === undefined) return undefined
  return {
    code: first?.code,
    text: first?.text ?? undefined,
    reasonCode: error === undefined ? undefined : String(error.errorCode),
    reasonText: error?.errorText ?? undefined,
    responseCode
  }
}

/** "E00027 The transaction was unsuccessful. (reason 54: The referenced transaction ...)" */
export const describe = (fields: ErrorFields | undefined): string | undefined => {
  if (fields === undefined) return undefined
  const head = [fields.code, fields.text].filter((p) => p !== undefined && p !== "").join(" ")
  const reason = fields.reasonCode !== undefined ? `reason ${fields.reasonCode}${fields.reasonText !== undefined ? `: ${fields.reasonText}` : ""}` : undefined
  if (head === "" && reason === undefined) return undefined
  return reason === undefined ? head : head === "" ? reason : `${head} (${reason})`
}

const withDetail = (summary: string, detail: string | undefined): string =>
  detail !== undefined && detail !== "" ? `${summary}: ${detail}` : summary

const rejected = (kind: RefundError.RejectionKind, detail: string | undefined) =>
  new RefundError.RefundRejected({ message: withDetail("Authorize.net declined the refund", detail), kind })

/** Response reason codes of refusals, by kind. */
const reasonKinds: ReadonlyMap<string, RefundError.RejectionKind> = new Map([
  ["11", "DuplicateRequest"],
  ["54", "NotRefundable"],
  ["55", "AmountTooLarge"],
  ["39", "CurrencyMismatch"],
  ["2", "Declined"],
  ["3", "Declined"],
  ["4", "Declined"]
])
const transientReasons: ReadonlySet<string> = new Set(["19", "20", "21", "22", "23", "25", "26", "57", "58", "59", "60", "61", "62", "63"])
const invalidCard: ReadonlySet<string> = new Set(["6", "33", "37"])
const authenticationCodes: ReadonlySet<string> = new Set(["E00007", "E00008", "E00011"])
const invalidCodes: ReadonlySet<string> = new Set(["E00003", "E00013", "E00014", "E00015"])

/** The reason for an Authorize.net error (a 2xx that reports one, or a non-2xx). */
export const reasonOf = (
  status: number,
  fields: ErrorFields | undefined,
  operation: Operation,
  retryAfter?: number
): RefundError.RefundErrorReason => {
  const detail = describe(fields)
  if (status === 429) {
    return new RefundError.RateLimited({
      message: withDetail("Authorize.net rate limit reached", detail),
      ...(retryAfter !== undefined ? { retryAfterMillis: retryAfter } : {})
    })
  }
  if (status >= 500) return new RefundError.ProcessorUnavailable({ message: withDetail(`Authorize.net answered ${status}`, detail) })
  const code = fields?.code
  if (code !== undefined && authenticationCodes.has(code)) {
    return new RefundError.Authentication({
      message: withDetail("Authorize.net rejected the API credentials (check AUTHORIZENET_API_LOGIN_ID and AUTHORIZENET_TRANSACTION_KEY)", detail)
    })
  }
  if (code === "E00040") {
    const resource = operation === "get" ? "refund" : undefined
    return new RefundError.NotFound({ message: withDetail("Authorize.net has no such transaction", detail), ...(resource !== undefined ? { resource } : {}) })
  }
  if (code === "E00001") return new RefundError.ProcessorUnavailable({ message: withDetail("Authorize.net could not process the request", detail) })
  const reason = fields?.reasonCode
  if (reason !== undefined) {
    if (reason === "5") return new RefundError.InvalidRequest({ message: withDetail("Authorize.net refused the amount", detail), field: "amount" })
    if (invalidCard.has(reason)) {
      return new RefundError.InvalidRequest({
        message: withDetail("Authorize.net refused the card's last four digits (the part after ':' of the payment reference)", detail),
        field: "connectorTransactionId"
      })
    }
    if (transientReasons.has(reason)) return new RefundError.ProcessorUnavailable({ message: withDetail("Authorize.net could not process the refund now", detail) })
    const kind = reasonKinds.get(reason)
    return rejected(kind ?? "Other", detail)
  }
  if (code !== undefined && invalidCodes.has(code)) return new RefundError.InvalidRequest({ message: withDetail("Authorize.net refused the request", detail) })
  if (fields === undefined) {
    return RefundError.reasonFromHttpStatus(status, `Authorize.net answered ${status} with a body that is not an API answer`, retryAfter)
  }
  if (status >= 400) return RefundError.reasonFromHttpStatus(status, withDetail(`Authorize.net answered ${status}`, detail), retryAfter)
  return new RefundError.InvalidRequest({ message: withDetail("Authorize.net refused the request", detail) })
}

const retryAfterMillis = (response: ProcessorHttp.ProcessorResponse, now: number): number | undefined =>
  RetryPolicy.parseRetryAfter(ProcessorHttp.header(response, "retry-after"), now)

/** Maps an answer (non-2xx, or the details of a 2xx) to a reason plus Authorize.net's code and message. */
export const mapError: Connector.Connector["mapError"] = (response, operation, now) => {
  const fields = readErrors(response.body)
  return {
    reason: reasonOf(response.status, fields, operation, retryAfterMillis(response, now)),
    processorCode: fields?.reasonCode ?? fields?.code,
    processorMessage: describe(fields)
  }
}

/** Authorize.net sends no retry header of its own; a proxy's `Retry-After` is honoured. */
export const retryHint = (response: ProcessorHttp.ProcessorResponse, now: number): Connector.RetryHint => ({
  afterMillis: retryAfterMillis(response, now)
})
