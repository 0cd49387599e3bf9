/**
 * Authorize.net webhooks: `X-ANET-Signature` verification and notification parsing.
 *
 * Verification (https://developer.authorize.net/api/reference/features/webhooks.html, "Verifying the
 * Notification"): the header is `sha512=<HEX>`, the hex of HMAC-SHA512 over the raw body keyed with the
 * merchant's Signature Key (128 hex characters from the Merchant Interface), upper-case in deliveries and
 * compared case-insensitively. The key is used as its TEXT (the ASCII of the 128 hex characters), not
 * hex-decoded: the community's working verifiers do so (PHP `hash_hmac('sha512', $body, $key)`,
 * https://dev.to/slothy/authorize-net-validate-webhook-signature-3ale; hyperswitch's authorizedotnet
 * connector), and a thread where hex-decoding failed and the text worked is recorded in the README. The
 * comparison is constant time over the decoded bytes; a missing or malformed header fails closed.
 *
 * The scheme signs no timestamp and no header. The event id is the signed body's `notificationId`
 * (with the transaction id), so a redelivery, which carries the same notification, is applied once.
 *
 * What a notification says: `net.authorize.payment.refund.created` (a refund transaction was approved)
 * and `net.authorize.payment.void.created` (a transaction, possibly a refund, was voided) carry
 * `payload.id`, the transaction id, with `responseCode` and `authAmount`, but no transaction status and
 * nothing about settlement (Authorize.net sends no event when a batch settles). They are parsed as
 * NOTICES naming the refund: the core reads it through `get` (getTransactionDetails) and applies what the
 * read says. Other events (payments, customers, fraud) parse into events without a refund.
 */
import { Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector } from "@refract/core"
import { createHmac, timingSafeEqual } from "node:crypto"
import { Effect, Redacted, Result } from "effect"
import * as AuthorizeNetSchema from "./AuthorizeNetSchema.ts"

export const SIGNATURE_HEADER = "x-anet-signature"
export const REFUND_CREATED = "net.authorize.payment.refund.created"
export const VOID_CREATED = "net.authorize.payment.void.created"

const connectorId = "authorizenet"

/** The webhook secrets a receiver holds. */
export const secrets = {
  signatureKey: {
    secret: true,
    pattern: /^[0-9A-Fa-f]{128}$/,
    description: "the Signature Key, 128 hex characters (Merchant Interface → Account → Settings → API Credentials & Keys)",
    env: "AUTHORIZENET_SIGNATURE_KEY"
  }
} as const

/** HMAC-SHA512 of `body` keyed with the Signature Key's text (UTF-8 bytes of the hex string). */
export const hmac = (body: Uint8Array | string, signatureKey: string | Redacted.Redacted<string>): Uint8Array =>
  createHmac("sha512", Buffer.from(typeof signatureKey === "string" ? signatureKey : Redacted.value(signatureKey), "utf8"))
    .update(body)
    .digest()

/** The `X-ANET-Signature` value for a body: `sha512=` + upper-case hex. */
export const signature = (body: Uint8Array | string, signatureKey: string | Redacted.Redacted<string>): string =>
  `sha512=${Buffer.from(hmac(body, signatureKey)).toString("hex").toUpperCase()}`

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))

const headerPattern = /^sha512=([0-9A-Fa-f]{128})$/

/** Verifies a delivery's `X-ANET-Signature` over its raw bytes, in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  signatureKey: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const header = request.headers[SIGNATURE_HEADER]
    if (header === undefined || header.trim() === "") {
      return failWith(new WebhookError.MissingSignature({ message: "no X-ANET-Signature header" }))
    }
    const match = headerPattern.exec(header.trim())
    const expected = hmac(request.body, signatureKey)
    const given = match === null ? undefined : Buffer.from(match[1]!, "hex")
    if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return failWith(new WebhookError.InvalidSignature({
        message: "X-ANET-Signature does not match the payload: check the Signature Key and that the raw body is passed unchanged"
      }))
    }
    return Effect.void
  })

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/** Authorize.net's `eventDate` ("2026-12-06T04:13:56.123Z"; sometimes without the zone, then UTC). */
export const timeOf = (value: string | null | undefined): number | undefined =>
  value === null || value === undefined ? undefined : Timestamp.fromIsoString(/(?:Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`)

/**
 * Parses a verified delivery. Refund and void notifications about a transaction name it (a notice, read
 * through `get`); other notifications parse into an event without a refund. The event id is
 * `<notificationId>:<transaction id>` from the signed body.
 */
export const parseEvents = (request: {
  readonly body: Uint8Array
}): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const json = AuthorizeNetSchema.parseBody(new TextDecoder().decode(request.body))
  if (json === undefined) return Result.fail(malformed("the body is not JSON"))
  const decoded = AuthorizeNetSchema.decodeNotification(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not an Authorize.net notification: ${decoded.failure}`))
  const n = decoded.success
  if (n.notificationId.trim() === "") return Result.fail(malformed("notificationId is empty"))
  const occurredAt = timeOf(n.eventDate)
  const names = n.eventType === REFUND_CREATED || n.eventType === VOID_CREATED
  if (!names) {
    return Result.succeed([new WebhookEvent.WebhookEvent({ connector: connectorId, eventId: n.notificationId, eventType: n.eventType, occurredAt })])
  }
  if (n.payload?.entityName !== undefined && n.payload.entityName !== null && n.payload.entityName !== "transaction") {
    return Result.fail(malformed(`${n.eventType}: payload.entityName is ${JSON.stringify(n.payload.entityName)}, not "transaction"`))
  }
  const id = AuthorizeNetSchema.idOf(n.payload?.id)
  if (id === undefined || id === "0") return Result.fail(malformed(`${n.eventType}: payload.id is not a transaction id`))
  return Result.succeed([
    new WebhookEvent.WebhookEvent({
      connector: connectorId,
      eventId: `${n.notificationId}:${id}`,
      eventType: n.eventType,
      notice: new WebhookEvent.WebhookNotice({ connectorRefundId: id }),
      occurredAt
    })
  ])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "X-ANET-Signature: sha512=HEX(HMAC-SHA512(Signature Key text, raw body)); no signed timestamp; notices read through getTransactionDetails",
  verify: (request, decoded) => verifySignature(request, decoded.signatureKey),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
