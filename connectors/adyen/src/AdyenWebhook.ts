/**
 * Adyen webhooks: HMAC verification and parsing into Refract events.
 *
 * Standard (payment) webhooks arrive as `{"live":"false","notificationItems":[{"NotificationRequestItem":{…}}]}`.
 * Each item carries its own signature in `additionalData.hmacSignature`:
 *
 *   base64(HMAC-SHA256(hex-decode(hmacKey),
 *     pspReference:originalReference:merchantAccountCode:merchantReference:amount.value:amount.currency:eventCode:success))
 *
 * with a missing field as "" and no escaping of ":" or "\" inside values (Adyen's own libraries and
 * the ruby `*_webhook.json` vectors agree). A delivery is accepted only when EVERY item verifies.
 *
 * Adyen's platform webhooks (Balance Platform, Management, ...) are signed differently: the
 * `HmacSignature` header is base64(HMAC-SHA256(hex-decode(hmacKey), raw body)). When that header is
 * present it is checked instead, over the exact bytes received.
 *
 * Adyen has no event id: {@link eventIdOf} derives one from pspReference, eventCode and success, which
 * is what Adyen documents as identifying a duplicate delivery.
 */
import { createHash } from "node:crypto"
import type { Connector, Credentials } from "@refract/core"
import { Refund, Signature, Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import { Effect, Redacted, Result, Schema } from "effect"
import { fromAdyenAmount, NotificationRequestItem } from "./AdyenSchema.ts"

const connectorId = "adyen"

/** The webhook secret: the HMAC key from Customer Area > Developers > Webhooks (hex). */
export const webhookSecrets = {
  hmacKey: {
    secret: true,
    pattern: /^(?:[0-9A-Fa-f]{2})+$/,
    description: "the webhook HMAC key from the Adyen Customer Area (hex digits, even length)",
    env: "ADYEN_HMAC_KEY"
  }
} as const satisfies Credentials.CredentialSpec

/** The header Adyen's platform webhooks carry their raw-body signature in (lower case, as the core stores headers). */
export const signatureHeader = "hmacsignature"

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

type JsonRecord = Record<string, unknown>

const isRecord = (u: unknown): u is JsonRecord => typeof u === "object" && u !== null && !Array.isArray(u)

const text = (value: unknown): string => {
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value)
  return ""
}

/** The string Adyen signs for one notification item (missing fields are ""). */
export const signingString = (item: JsonRecord): string => {
  const amount = isRecord(item["amount"]) ? item["amount"] : {}
  return [
    text(item["pspReference"]),
    text(item["originalReference"]),
    text(item["merchantAccountCode"]),
    text(item["merchantReference"]),
    text(amount["value"]),
    text(amount["currency"]),
    text(item["eventCode"]),
    text(item["success"])
  ].join(":")
}

/** Hex HMAC key to bytes; undefined when it is not an even number of hex digits. */
export const keyFromHex = (hex: string): Uint8Array | undefined => {
  const key = Signature.fromHex(hex.trim())
  return key !== undefined && key.length > 0 ? key : undefined
}

/** base64(HMAC-SHA256(key, data)). */
export const sign = (key: Uint8Array, data: string | Uint8Array): string => Signature.toBase64(Signature.hmacSha256(key, data))

/** Constant-time check of a base64 signature; false (never an exception) for bad base64 or a wrong length. */
export const isValidSignature = (key: Uint8Array, data: string | Uint8Array, signature: string): boolean =>
  Signature.equalsBase64(Signature.hmacSha256(key, data), signature)

// ---------------------------------------------------------------------------------------------
// Verify
// ---------------------------------------------------------------------------------------------

const parseJson = (request: WebhookEvent.RawWebhookRequest): unknown => {
  try {
    return JSON.parse(WebhookEvent.bodyText(request))
  } catch {
    return undefined
  }
}

const itemOf = (element: unknown): JsonRecord | undefined =>
  isRecord(element) && isRecord(element["NotificationRequestItem"]) ? element["NotificationRequestItem"] : undefined

const ordinal = (index: number, total: number): string => `notification item ${index + 1} of ${total}`

/**
 * Verifies a delivery with the decoded HMAC key. Fails closed: a key that is not hex, a missing
 * signature on any item, any mismatch or an unreadable body reject the whole delivery.
 */
export const verifyDelivery = (
  request: WebhookEvent.RawWebhookRequest,
  hmacKey: Redacted.Redacted<string>
): Result.Result<void, WebhookError.WebhookErrorReason> => {
  const key = keyFromHex(Redacted.value(hmacKey))
  if (key === undefined) {
    return Result.fail(new WebhookError.NotConfigured({
      message: "the Adyen HMAC key must be an even number of hex digits (ADYEN_HMAC_KEY)"
    }))
  }
  const header = request.headers[signatureHeader]
  if (header !== undefined) {
    return isValidSignature(key, request.body, header)
      ? Result.void
      : Result.fail(new WebhookError.InvalidSignature({ message: "the HmacSignature header does not match the body" }))
  }
  const body = parseJson(request)
  if (!isRecord(body)) {
    return Result.fail(new WebhookError.MalformedPayload({ message: "the body is not a JSON object" }))
  }
  const items = body["notificationItems"]
  if (items === undefined) {
    return Result.fail(new WebhookError.MissingSignature({
      message: "no HmacSignature header and no notificationItems: nothing in this delivery is signed"
    }))
  }
  if (!Array.isArray(items) || items.length === 0) {
    return Result.fail(new WebhookError.MalformedPayload({ message: "notificationItems must be a non-empty array" }))
  }
  // Every item is checked (no early exit), then the first problem of the most basic kind is reported.
  let malformed: number | undefined
  let missing: number | undefined
  let invalid: number | undefined
  items.forEach((element: unknown, index) => {
    const item = itemOf(element)
    if (item === undefined) {
      malformed ??= index
      return
    }
    const additionalData = item["additionalData"]
    const signature = isRecord(additionalData) ? additionalData["hmacSignature"] : undefined
    if (typeof signature !== "string" || signature === "") {
      missing ??= index
      return
    }
    if (!isValidSignature(key, signingString(item), signature)) invalid ??= index
  })
  if (malformed !== undefined) {
    return Result.fail(new WebhookError.MalformedPayload({
      message: `${ordinal(malformed, items.length)} is not a {"NotificationRequestItem": {...}} object`
    }))
  }
  if (missing !== undefined) {
    return Result.fail(new WebhookError.MissingSignature({
      message: `${ordinal(missing, items.length)} has no additionalData.hmacSignature (enable HMAC signing for this webhook in the Customer Area)`
    }))
  }
  if (invalid !== undefined) {
    return Result.fail(new WebhookError.InvalidSignature({
      message: `${ordinal(invalid, items.length)} has an hmacSignature that does not match; the whole delivery is rejected`
    }))
  }
  return Result.void
}

/** `WebhookSupport.verify`: {@link verifyDelivery} as an Effect failing with a WebhookError. */
export const verify = (
  request: WebhookEvent.RawWebhookRequest,
  secrets: Credentials.Decoded<typeof webhookSecrets>,
  _context: Connector.VerifyContext
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const result = verifyDelivery(request, secrets.hmacKey)
    return Result.isFailure(result)
      ? Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason: result.failure }))
      : Effect.void
  })

// ---------------------------------------------------------------------------------------------
// Parse
// ---------------------------------------------------------------------------------------------

/** What a notification says about a refund; undefined for events that are not about one. */
export interface RefundOutcome {
  readonly status: Refund.RefundSnapshot["status"]
  readonly failure?: { readonly code?: string | undefined; readonly message?: string | undefined } | undefined
}

const nonEmpty = (s: string | null | undefined): string | undefined => (s === null || s === undefined || s === "" ? undefined : s)

const successOf = (item: NotificationRequestItem): string =>
  item.success === undefined || item.success === null ? "" : String(item.success)

/**
 * The refund status an eventCode and success flag mean.
 *
 * | eventCode                         | success | status                                          |
 * |-----------------------------------|---------|-------------------------------------------------|
 * | REFUND, REFUND_WITH_DATA          | true    | Succeeded                                       |
 * | REFUND, REFUND_WITH_DATA          | false   | Failed (failure.message = reason)               |
 * | CANCEL_OR_REFUND (modification.action = refund) | true / false | Succeeded / Failed              |
 * | REFUND_FAILED                     | true    | Reversed: the scheme rejected a refund that had succeeded |
 * | REFUNDED_REVERSED                 | true    | Reversed                                        |
 * | POSTPONED_REFUND                  | true    | Pending                                         |
 * | any of the above, other success   |         | Unknown (the core keeps the previous state)     |
 * | anything else (AUTHORISATION, CAPTURE, CANCEL_OR_REFUND cancel, VOID_PENDING_REFUND, ...) | | no refund |
 */
export const refundOutcome = (item: NotificationRequestItem): RefundOutcome | undefined => {
  const success = successOf(item)
  const reason = nonEmpty(item.reason)
  const unknown: RefundOutcome = { status: "Unknown" }
  const result = (): RefundOutcome =>
    success === "true"
      ? { status: "Succeeded" }
      : success === "false"
      ? { status: "Failed", failure: { message: reason } }
      : unknown
  switch (item.eventCode) {
    case "REFUND":
    case "REFUND_WITH_DATA":
      return result()
    case "CANCEL_OR_REFUND": {
      const action = item.additionalData?.["modification.action"]
      return action === "refund" ? result() : undefined
    }
    case "REFUND_FAILED":
      // Adyen sends REFUND_FAILED only after a successful REFUND (Webhooks-v1.json: "Refund failed due
      // to scheme rejection"), so it is a reversal whichever of the two arrives first.
      return success === "true"
        ? { status: "Reversed", failure: { code: "REFUND_FAILED", message: reason ?? "the refund failed after it was processed" } }
        : unknown
    case "REFUNDED_REVERSED":
      return success === "true"
        ? { status: "Reversed", failure: { code: "REFUNDED_REVERSED", message: reason ?? "the refunded amount was returned to the merchant" } }
        : unknown
    case "POSTPONED_REFUND":
      return success === "true" ? { status: "Pending" } : unknown
    default:
      return undefined
  }
}

const hash = (data: string): string => createHash("sha256").update(data, "utf8").digest("base64url").slice(0, 32)

/**
 * A stable id for a notification item: Adyen sends none, and redeliveries repeat the same
 * pspReference, eventCode and success. Only signed fields make up the id: eventDate (like
 * `reason` and `additionalData`) is outside Adyen's HMAC, so a replay carrying another eventDate
 * must not pass as a new event. Items without a pspReference fall back to a hash of the signed fields.
 */
export const eventIdOf = (item: NotificationRequestItem): string => {
  const psp = nonEmpty(item.pspReference)
  if (psp !== undefined) return `${psp}:${item.eventCode}:${successOf(item)}`
  return `${item.eventCode}:${hash(signingString(item as unknown as JsonRecord))}`
}

/** Adyen's `eventDate` (RFC 3339, `2026-11-22T10:00:00+01:00`), bounded by core's Timestamp. */
const timeOf = (value: string | null | undefined): number | undefined => Timestamp.fromIsoString(value)

const isProcessorId = Schema.is(Refund.ProcessorId)

const malformed = (message: string) => Result.fail(new WebhookError.MalformedPayload({ message }))

/** One notification item as a Refract event. */
export const toEvent = (
  item: NotificationRequestItem,
  label = "notification item"
): Result.Result<WebhookEvent.WebhookEvent, WebhookError.WebhookErrorReason> => {
  const occurredAt = timeOf(item.eventDate)
  const common = {
    connector: connectorId,
    eventId: eventIdOf(item),
    eventType: item.eventCode,
    occurredAt
  }
  const outcome = refundOutcome(item)
  if (outcome === undefined) return Result.succeed(new WebhookEvent.WebhookEvent(common))
  const psp = nonEmpty(item.pspReference)
  if (psp === undefined || !isProcessorId(psp)) {
    return malformed(`${label} (${item.eventCode}) has no usable pspReference`)
  }
  const original = nonEmpty(item.originalReference)
  const merchantReference = nonEmpty(item.merchantReference)
  const value = item.amount?.value
  const currency = item.amount?.currency
  const amount = typeof value === "number" && typeof currency === "string"
    ? fromAdyenAmount({ value, currency })
    : undefined
  const failure = outcome.failure !== undefined && (outcome.failure.code !== undefined || outcome.failure.message !== undefined)
    ? new Refund.FailureDetails({ code: outcome.failure.code, message: outcome.failure.message })
    : undefined
  const refund = new Refund.RefundSnapshot({
    connectorRefundId: psp,
    connectorTransactionId: original !== undefined && isProcessorId(original) ? original : undefined,
    merchantRefundId: merchantReference,
    // An amount Adyen sent but Refract cannot express is left out rather than rejecting the delivery.
    amount: amount !== undefined && Result.isSuccess(amount) ? amount.success : undefined,
    status: outcome.status,
    rawStatus: `${item.eventCode}:${successOf(item)}`,
    failure,
    occurredAt
  })
  return Result.succeed(new WebhookEvent.WebhookEvent({ ...common, refund }))
}

const decodeItem = Schema.decodeUnknownResult(NotificationRequestItem)

/** Parses a (verified) delivery into events: one per notification item, or one for a platform webhook. */
export const parseDelivery = (
  request: WebhookEvent.RawWebhookRequest
): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookErrorReason> => {
  const body = parseJson(request)
  if (!isRecord(body)) return malformed("the body is not a JSON object")
  const items = body["notificationItems"]
  if (items === undefined) {
    // A platform webhook (verified through the HmacSignature header): not about a refund.
    const type = body["type"]
    if (typeof type !== "string" || type === "") return malformed("neither notificationItems nor a webhook type")
    const occurredAt = timeOf(typeof body["timestamp"] === "string" ? body["timestamp"] : undefined)
    return Result.succeed([
      new WebhookEvent.WebhookEvent({
        connector: connectorId,
        eventId: `${type}:${hash(WebhookEvent.bodyText(request))}`,
        eventType: type,
        occurredAt
      })
    ])
  }
  if (!Array.isArray(items) || items.length === 0) return malformed("notificationItems must be a non-empty array")
  const events: Array<WebhookEvent.WebhookEvent> = []
  for (const [index, element] of items.entries()) {
    const label = ordinal(index, items.length)
    const raw = itemOf(element)
    if (raw === undefined) return malformed(`${label} is not a {"NotificationRequestItem": {...}} object`)
    const decoded = decodeItem(raw)
    if (Result.isFailure(decoded)) return malformed(`${label} is malformed: ${decoded.failure.message.replace(/\s+/g, " ")}`)
    const event = toEvent(decoded.success, label)
    if (Result.isFailure(event)) return Result.fail(event.failure)
    events.push(event.success)
  }
  return Result.succeed(events)
}

/** `WebhookSupport.parse`. */
export const parse = (
  request: WebhookEvent.RawWebhookRequest
): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> =>
  Result.mapError(parseDelivery(request), (reason) => new WebhookError.WebhookError({ connector: connectorId, reason }))

/** What Adyen expects once a delivery is stored: HTTP 200 with the text `[accepted]`. */
export const acknowledgement = { status: 200, contentType: "text/plain", body: "[accepted]" } as const

export const support: Connector.WebhookSupport<typeof webhookSecrets> = {
  secrets: webhookSecrets,
  scheme: "HMAC-SHA256 with the hex-decoded HMAC key, base64: per notification item over " +
    "pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success " +
    "(additionalData.hmacSignature, every item must verify), or over the raw body (HmacSignature header)",
  verify,
  parse,
  acknowledgement
}
