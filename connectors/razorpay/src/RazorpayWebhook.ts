/**
 * Razorpay webhooks: `X-Razorpay-Signature` verification and refund event parsing.
 *
 * Verification (https://razorpay.com/docs/webhooks/validate-test, razorpay-node
 * `validateWebhookSignature`): the header is `hex(HMAC-SHA256(key = the webhook secret as UTF-8,
 * message = the raw request body))`. razorpay-node compares with `===`; here the comparison is
 * constant time over the decoded bytes (and fails, never throws, on a malformed header). The scheme
 * signs no timestamp and no header, so replays are caught by de-duplicating on an event id taken
 * from the signed body only (see {@link parseEvents}). Razorpay's `x-razorpay-event-id` header is
 * NOT covered by the signature: anyone holding one genuine delivery could resend it under fresh
 * header values, so it is never used as the event's identity.
 *
 * Failure reasons: no header → MissingSignature; a header that is not hex, or does not match
 * (tampered body, wrong secret) → InvalidSignature; a verified body that is not a Razorpay event →
 * MalformedPayload (at parse).
 *
 * Events (https://razorpay.com/docs/webhooks/refunds): `refund.created`, `refund.processed`,
 * `refund.failed`, `refund.speed_changed`, each with the refund entity at `payload.refund.entity`.
 */
import { Money, Refund, Signature, Timestamp, WebhookError, WebhookEvent, Webhooks } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { createHash } from "node:crypto"
import { Effect, Redacted, Result } from "effect"
import * as RazorpaySchema from "./RazorpaySchema.ts"

export const SIGNATURE_HEADER = "x-razorpay-signature"
/**
 * Razorpay's id of the event. Unsigned, so informational only: never the de-duplication key
 * (a replayed body with a new header value must still be recognised as the same event).
 */
export const EVENT_ID_HEADER = "x-razorpay-event-id"

/** The notes key that carries the merchant refund id (set on create, read by lookup and webhooks). */
export const MERCHANT_REFUND_ID_KEY = "merchant_refund_id"

const connectorId = "razorpay"

/** The webhook secrets a receiver holds. */
export const secrets = {
  webhookSecret: {
    secret: true,
    description: "the secret entered for the webhook endpoint (Dashboard → Accounts & Settings → Webhooks)",
    env: "RAZORPAY_WEBHOOK_SECRET"
  }
} as const

/** Hex HMAC-SHA256 of `body` keyed with `secret` (UTF-8): the `X-Razorpay-Signature` of a delivery. */
export const signature = (body: Uint8Array | string, secret: string | Redacted.Redacted<string>): string =>
  Signature.hmacSha256Hex(secret, body)


/** Verifies a delivery's `X-Razorpay-Signature` over its raw bytes, in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Webhooks.verifyBodyHmacSha256Hex(
    {
      connector: connectorId,
      header: "X-Razorpay-Signature",
      mismatch: "X-Razorpay-Signature does not match the payload: check the webhook secret and that the raw body is passed unchanged"
    },
    request,
    secret
  )

/** Razorpay refund status → unified status. Anything else (and null) is Unknown, with the raw string. */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "pending":
      return { status: "Pending", rawStatus: raw }
    case "processed":
      return { status: "Succeeded", rawStatus: raw }
    case "failed":
      return { status: "Failed", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/** The merchant refund id a refund carries: `notes.merchant_refund_id`, else `receipt`. */
export const merchantRefundIdOf = (refund: RazorpaySchema.Refund): string | undefined =>
  RazorpaySchema.notesOf(refund.notes)[MERCHANT_REFUND_ID_KEY] ?? refund.receipt ?? undefined

/**
 * The settlement evidence a refund entity carries: the bank's reference from `acquirer_data` (`arn`,
 * else `rrn`, else `utr`) as the trace reference, typed by the key it came from. Razorpay notes that an
 * instant refund's UTR "appears against the ARN parameter" (razorpay.com/docs/payments/refunds/chargeback),
 * so an `arn` may be a UTR. No settlement date or batch: Razorpay's `batch_id` is the bulk-upload batch
 * a refund was created in, not a settlement. Undefined when there is no reference.
 */
export const settlementOf = (refund: RazorpaySchema.Refund): Refund.Settlement | undefined => {
  const found = RazorpaySchema.acquirerReferenceOf(refund.acquirer_data)
  return found === undefined ? undefined : new Refund.Settlement({ traceReference: found.reference, traceReferenceType: found.kind })
}

export interface SnapshotOptions {
  /** Processor time of this state (epoch ms). */
  readonly occurredAt?: number | undefined
  /** Overrides the status read from the entity (webhook event types say what happened). */
  readonly status?: { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } | undefined
}

/**
 * A Razorpay refund entity → a snapshot. Fails (never throws) on an unknown currency or an amount
 * that is not a non-negative integer.
 */
export const toSnapshot = (
  refund: RazorpaySchema.Refund,
  options: SnapshotOptions = {}
): Result.Result<Refund.RefundSnapshot, string> => {
  const money = Money.fromMinor(refund.amount, refund.currency)
  if (Result.isFailure(money)) return Result.fail(`refund ${refund.id}: ${Money.describeProblem(money.failure)}`)
  const { status, rawStatus } = options.status ?? statusOf(refund.status)
  try {
    return Result.succeed(
      new Refund.RefundSnapshot({
        connectorRefundId: refund.id,
        connectorTransactionId: refund.payment_id,
        merchantRefundId: merchantRefundIdOf(refund),
        amount: money.success,
        status,
        rawStatus,
        occurredAt: options.occurredAt,
        createdAt: Timestamp.fromUnixSeconds(refund.created_at),
        settlement: settlementOf(refund)
      })
    )
  } catch (error) {
    return Result.fail(`refund ${refund.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/**
 * The status a refund event reports. `refund.processed` and `refund.failed` say what happened;
 * `refund.created` reports the entity's status when it is a known one (an instant refund can be
 * created already `processed`), else Pending (the refund exists and has not settled);
 * `refund.speed_changed` and any other refund event report the entity's status.
 */
export const eventStatus = (
  eventType: string,
  entityStatus: string | null | undefined
): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  const fromEntity = statusOf(entityStatus)
  switch (eventType) {
    case "refund.processed":
      return { status: "Succeeded", rawStatus: "processed" }
    case "refund.failed":
      return { status: "Failed", rawStatus: "failed" }
    case "refund.created":
      return fromEntity.status !== "Unknown" ? fromEntity : { status: "Pending", rawStatus: entityStatus ?? "created" }
    default:
      return fromEntity
  }
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

const shortDigest = (body: Uint8Array): string => createHash("sha256").update(body).digest("hex").slice(0, 32)

/**
 * Parses a verified delivery.
 * - events whose payload carries a refund entity (`refund.*`): one event with the refund snapshot;
 * - any other event: one event without a refund.
 *
 * The event id comes from the signed body alone: `<event>:<refund id>:<sha256 of the body>` for
 * refund events, `<event>:<sha256 of the body>` for others. A redelivery (Razorpay resends the same
 * bytes) and a replay under new headers both map to the same id and are applied once; two different
 * events about the same refund (another `created_at`, another entity state) keep different ids.
 */
export const parseEvents = (request: {
  readonly body: Uint8Array
}): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const text = new TextDecoder().decode(request.body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = RazorpaySchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Razorpay event: ${decoded.failure}`))
  const evt = decoded.success
  const occurredAt = Timestamp.fromUnixSeconds(evt.created_at)
  const digest = shortDigest(request.body)

  const refundPayload = evt.payload?.refund
  if (refundPayload === undefined) {
    if (evt.event.startsWith("refund.")) return Result.fail(malformed(`${evt.event}: payload.refund.entity is missing`))
    return Result.succeed([
      new WebhookEvent.WebhookEvent({
        connector: connectorId,
        eventId: `${evt.event}:${digest}`,
        eventType: evt.event,
        occurredAt
      })
    ])
  }
  const refund = RazorpaySchema.decodeRefund(refundPayload.entity)
  if (Result.isFailure(refund)) return Result.fail(malformed(`${evt.event}: payload.refund.entity is not a refund: ${refund.failure}`))
  const status = eventStatus(evt.event, refund.success.status)
  const parsed = toSnapshot(refund.success, { occurredAt, status })
  if (Result.isFailure(parsed)) return Result.fail(malformed(`${evt.event}: ${parsed.failure}`))
  const snapshot = Refund.withProcessorData(parsed.success, {
    metadata: Refund.metadataOf((refundPayload.entity as { notes?: unknown } | undefined)?.notes, ["merchant_refund_id"]),
    raw: refundPayload.entity
  })
  return Result.succeed([
    new WebhookEvent.WebhookEvent({
      connector: connectorId,
      eventId: `${evt.event}:${refund.success.id}:${digest}`,
      eventType: evt.event,
      refund: snapshot,
      occurredAt
    })
  ])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "X-Razorpay-Signature: hex(HMAC-SHA256(webhook secret, raw body)); no signed timestamp (de-duplicated on a digest of the signed body)",
  verify: (request, decoded) => verifySignature(request, decoded.webhookSecret),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
