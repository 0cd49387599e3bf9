/**
 * Square webhooks: `x-square-hmacsha256-signature` verification and refund event parsing.
 *
 * Verification follows square-nodejs-sdk `src/wrapper/WebhooksHelper.ts` (processors.md §7):
 * the header is `base64(HMAC-SHA256(key = the subscription's signature key as a UTF-8 string (NOT
 * base64-decoded), message = notificationUrl + raw body))`. The comparison is constant time (the SDK
 * uses `===`).
 *
 * The URL is the one CONFIGURED (`notificationUrl`, SQUARE_WEBHOOK_URL): exactly the URL registered in
 * the webhook subscription, byte for byte. The URL the request arrived on is never used: behind a
 * proxy, load balancer or tunnel it differs (scheme, host, port, path prefix), and a signature over a
 * URL an attacker can influence proves nothing.
 *
 * Failure reasons: no header (or an empty one) → MissingSignature; a signature that does not match
 * (wrong key, wrong URL, changed body, re-serialised JSON) → InvalidSignature. Square's scheme signs no
 * timestamp, so replays of a genuine delivery cannot be detected here: de-duplicate on `event_id`
 * (the core's event store does).
 *
 * Events (spec `RefundCreatedEvent`, `RefundUpdatedEvent`): `refund.created` and `refund.updated`
 * carry the refund at `data.object.refund`; every other type parses to an event without a refund.
 * `eventId` is Square's `event_id`. Acknowledge with any 2xx (here 200, empty JSON object).
 */
import { Money, Refund, Signature, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, Credentials, RefundStatus } from "@refract/core"
import { Effect, Redacted, Result, Schema } from "effect"
import * as SquareSchema from "./SquareSchema.ts"

export const SIGNATURE_HEADER = "x-square-hmacsha256-signature"

const connectorId = "square"

/** The webhook secrets a receiver holds. */
export const secrets = {
  signatureKey: {
    secret: true,
    pattern: /^\S+$/,
    description: "the webhook subscription's signature key (Developer Console → Webhooks → Subscriptions → your subscription)",
    env: "SQUARE_WEBHOOK_SIGNATURE_KEY"
  },
  notificationUrl: {
    secret: false,
    pattern: /^https?:\/\/[^\s/?#]+[^\s]*$/,
    description: "the exact notification URL registered in the webhook subscription (Square signs it together with the body)",
    env: "SQUARE_WEBHOOK_URL"
  }
} as const satisfies Credentials.CredentialSpec

export type SquareWebhookSecrets = Credentials.Decoded<typeof secrets>

/** `base64(HMAC-SHA256(signatureKey as UTF-8, notificationUrl + body))`, as Square computes it. */
export const signature = (
  signatureKey: string | Redacted.Redacted<string>,
  notificationUrl: string,
  body: Uint8Array | string
): string =>
  Signature.toBase64(
    Signature.hmacSha256(
      // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, core's HMAC also takes the plain string at run time
      typeof signatureKey === "string" ? Redacted.make(signatureKey) : signatureKey,
      Signature.concatBytes(notificationUrl, body)
    )
  )

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))

/** Verifies a delivery's signature over the configured URL and the raw body bytes. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secrets: { readonly signatureKey: Redacted.Redacted<string>; readonly notificationUrl: string }
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const header = request.headers[SIGNATURE_HEADER]
    if (header === undefined || header.trim() === "") {
      return failWith(new WebhookError.MissingSignature({ message: "no x-square-hmacsha256-signature header" }))
    }
    // Empty secrets never reach here (the credential spec refuses them); fail closed anyway.
    if (Redacted.value(secrets.signatureKey) === "" || secrets.notificationUrl === "") {
      return failWith(new WebhookError.NotConfigured({ message: "the Square signature key and notification URL must not be empty" }))
    }
    const expected = Signature.hmacSha256(secrets.signatureKey, Signature.concatBytes(secrets.notificationUrl, request.body))
    if (!Signature.equalsBase64(expected, header)) {
      return failWith(new WebhookError.InvalidSignature({
        message: "the signature does not match: check the signature key, that SQUARE_WEBHOOK_URL is exactly the subscription's " +
          "notification URL, and that the raw body is passed unchanged"
      }))
    }
    return Effect.void
  })

/** Event types that carry a refund at `data.object.refund`. */
export const refundEventTypes: ReadonlySet<string> = new Set(["refund.created", "refund.updated"])

/**
 * Square `PaymentRefund.status` → unified status. `REJECTED` is Failed, not Cancelled: Square (or the
 * bank) refused the refund, it never happened, and nobody cancelled it. Refract's Cancelled is a
 * refund withdrawn before it completed (Stripe `canceled`), which Square has no state for.
 * Anything else (and null) is Unknown with the raw string.
 */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "PENDING":
      return { status: "Pending", rawStatus: raw }
    case "COMPLETED":
      return { status: "Succeeded", rawStatus: raw }
    case "REJECTED":
    case "FAILED":
      return { status: "Failed", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw === null || raw === undefined ? "null" : raw }
  }
}

export interface SnapshotOptions {
  /** The merchant refund id, when the caller knows it (Square refunds do not carry it). */
  readonly merchantRefundId?: string | undefined
  /** Processor time of this state (epoch ms); defaults to the refund's `updated_at`, else `created_at`. */
  readonly occurredAt?: number | undefined
  /** Failure details Square attached to the answer (`errors` next to a FAILED refund). */
  readonly failure?: { readonly code?: string | undefined; readonly message?: string | undefined } | undefined
}

const isProcessorId: (value: string) => boolean = Schema.is(Refund.ProcessorId)

/**
 * A Square `PaymentRefund` → a snapshot. Fails (never throws) on an id that is not a processor id,
 * an unknown currency or an amount that is not a non-negative integer.
 */
export const toSnapshot = (
  refund: SquareSchema.PaymentRefund,
  options: SnapshotOptions = {}
): Result.Result<Refund.RefundSnapshot, string> => {
  if (!isProcessorId(refund.id)) return Result.fail(`the refund id ${JSON.stringify(refund.id.slice(0, 64))} is not a Square id`)
  let amount: Money.Money | undefined
  const money = refund.amount_money ?? {}
  if (money.amount != null || money.currency != null) {
    if (money.amount == null || money.currency == null) return Result.fail(`refund ${refund.id}: amount_money lacks its amount or currency`)
    const converted = Money.fromMinor(money.amount, money.currency)
    if (Result.isFailure(converted)) return Result.fail(`refund ${refund.id}: ${Money.describeProblem(converted.failure)}`)
    amount = converted.success
  }
  const payment = refund.payment_id != null && isProcessorId(refund.payment_id) ? refund.payment_id : undefined
  const { status, rawStatus } = statusOf(refund.status)
  const createdAt = SquareSchema.toEpochMillis(refund.created_at)
  const occurredAt = options.occurredAt ?? SquareSchema.toEpochMillis(refund.updated_at) ?? createdAt
  // Square's PaymentRefund has no failure reason; details exist only when the answer carried `errors`.
  const failure = status === "Failed" && options.failure !== undefined &&
      (options.failure.code !== undefined || options.failure.message !== undefined)
    ? new Refund.FailureDetails({ code: options.failure.code, message: options.failure.message })
    : undefined
  // Every field is checked above, so the constructor cannot throw.
  return Result.succeed(
    new Refund.RefundSnapshot({
      connectorRefundId: refund.id,
      connectorTransactionId: payment,
      merchantRefundId: options.merchantRefundId,
      amount,
      status,
      rawStatus,
      reason: refund.reason != null && refund.reason !== "" ? refund.reason : undefined,
      failure,
      occurredAt,
      createdAt
    })
  )
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/**
 * Parses a verified delivery: one event per delivery. `refund.created` / `refund.updated` carry the
 * refund (`data.object.refund`); other types (`payment.updated`, `webhooks.test_notification`, ...)
 * yield an event without a refund. A delivery without `event_id` is not what Square sends and is
 * refused (MalformedPayload), since it could not be de-duplicated.
 */
export const parseEvents = (
  request: { readonly body: Uint8Array }
): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  // Lenient (U+FFFD for invalid bytes): the bytes were verified, and JSON.parse refuses what is not JSON.
  const text = new TextDecoder().decode(request.body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = SquareSchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Square event: ${decoded.failure}`))
  const evt = decoded.success
  if (evt.event_id == null || evt.event_id === "") return Result.fail(malformed(`${evt.type}: the event has no event_id`))
  const occurredAt = SquareSchema.toEpochMillis(evt.created_at)
  const base = {
    connector: connectorId,
    eventId: evt.event_id,
    eventType: evt.type,
    occurredAt
  }
  if (!refundEventTypes.has(evt.type)) return Result.succeed([new WebhookEvent.WebhookEvent(base)])
  const object = SquareSchema.decodeRefundEventObject(evt.data?.object)
  if (Result.isFailure(object)) {
    return Result.fail(malformed(`${evt.type} ${evt.event_id}: data.object.refund is not a refund: ${object.failure}`))
  }
  const snapshot = toSnapshot(object.success.refund)
  if (Result.isFailure(snapshot)) return Result.fail(malformed(`${evt.type} ${evt.event_id}: ${snapshot.failure}`))
  const raw = (evt.data?.object as { refund?: unknown } | undefined)?.refund
  return Result.succeed([new WebhookEvent.WebhookEvent({ ...base, refund: Refund.withProcessorData(snapshot.success, { raw }) })])
}

/** Square wants any 2xx, quickly; it retries anything else. */
export const acknowledgement = { status: 200, contentType: "application/json", body: "{}" } as const

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "x-square-hmacsha256-signature: base64(HMAC-SHA256(signature key as UTF-8, notification URL + raw body)); no timestamp",
  verify: (request, decoded, _context) => verifySignature(request, decoded),
  parse: parseEvents,
  acknowledgement
}
