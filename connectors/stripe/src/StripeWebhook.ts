/**
 * Stripe webhooks: `Stripe-Signature` verification and refund event parsing.
 *
 * Verification follows stripe-node `src/Webhooks.ts` (`constructEvent`):
 * - the header is `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`; it is split on `,` and each item
 *   on the first `=`; every `v1` entry is a candidate (Stripe sends several while a secret is rolled),
 *   other schemes (`v0`) are ignored;
 * - the expected signature is `hex(HMAC-SHA256(key = the whole "whsec_…" string as UTF-8,
 *   message = "<t>." + the raw body bytes))`, with `t` as the decimal number it parses to (stripe-node
 *   uses `parseInt`; here `t` must be digits only), compared in constant time with each candidate;
 * - the timestamp must be within the tolerance (300 s, stripe-node's `DEFAULT_TOLERANCE`) of the
 *   receiver's clock. stripe-node only rejects old timestamps; this also rejects timestamps more
 *   than the tolerance in the future (a forged or badly skewed clock), which genuine deliveries never are.
 *
 * Failure reasons: no header → MissingSignature; a header without `t=` or without any `v1=` (stripe-node:
 * "Unable to extract timestamp and signatures", "No signatures found with expected scheme") →
 * InvalidSignature, since the sender could not prove it holds the secret (answered 401, like a wrong
 * signature); no candidate matches → InvalidSignature; a matching signature outside the tolerance →
 * TimestampOutOfTolerance; an empty body → MalformedPayload (stripe-node: "No webhook payload was provided").
 */
import { Money, Refund, Signature, Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import * as StripeSchema from "./StripeSchema.ts"

/** stripe-node's `Webhook.DEFAULT_TOLERANCE`, seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300

export const SIGNATURE_HEADER = "stripe-signature"

const connectorId = "stripe"

/** The webhook secrets a receiver holds. */
export const secrets = {
  signingSecret: {
    secret: true,
    pattern: /^whsec_\S+$/,
    description: "the endpoint's signing secret (whsec_…, Dashboard → Developers → Webhooks, or `stripe listen`)",
    env: "STRIPE_WEBHOOK_SECRET"
  }
} as const

/** Hex HMAC-SHA256 of `message` keyed with `secret` (as UTF-8), as Stripe computes signatures. */
export const hmacHex = (secret: Signature.Key | string, message: Uint8Array | string): string =>
  Signature.hmacSha256Hex(secret, message)

/** The bytes Stripe signs: `"<t>."` followed by the raw body. */
export const signedPayload = (timestamp: number | string, body: Uint8Array | string): Uint8Array =>
  Signature.concatBytes(`${timestamp}.`, body)

/**
 * A `Stripe-Signature` header for a payload, like stripe-node's `generateTestHeaderString`: for tests
 * and for emulators that sign deliveries.
 */
export const signatureHeader = (options: {
  readonly payload: Uint8Array | string
  readonly secret: string | Redacted.Redacted<string>
  /** Unix seconds. */
  readonly timestamp: number
  readonly scheme?: string | undefined
}): string =>
  `t=${options.timestamp},${options.scheme ?? "v1"}=${hmacHex(options.secret, signedPayload(options.timestamp, options.payload))}`

export interface ParsedHeader {
  /** Unix seconds, or undefined when the header has no usable `t=` (digits only). */
  readonly timestamp: number | undefined
  /** Every `v1=` value, in order. */
  readonly signatures: ReadonlyArray<string>
}

/** Splits a `Stripe-Signature` header the way stripe-node does (`,` then the first `=`); the last `t=` wins. */
export const parseHeader = (header: string): ParsedHeader => {
  let timestamp: number | undefined
  const signatures: Array<string> = []
  for (const item of header.split(",")) {
    const at = item.indexOf("=")
    // Stryker disable next-line EqualityOperator: equivalent, at = 0 leaves an empty key, which is neither t nor v1
    if (at < 0) continue
    const key = item.slice(0, at).trim()
    const value = item.slice(at + 1).trim()
    // Digits only (no sign, fraction, exponent or hex spelling of the same number), at most 15 (exact in a double).
    if (key === "t") timestamp = /^\d{1,15}$/.test(value) ? Number(value) : undefined
    else if (key === "v1") signatures.push(value)
  }
  return { timestamp, signatures }
}

export interface VerifyOptions {
  /** Receiver time, epoch milliseconds. */
  readonly now: number
  /** Accepted distance between `t` and `now`, in seconds. Default {@link DEFAULT_TOLERANCE_SECONDS}. */
  readonly toleranceSeconds?: number | undefined
}

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))

/** Verifies a delivery's `Stripe-Signature` over its raw bytes. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>,
  options: VerifyOptions
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
    const header = request.headers[SIGNATURE_HEADER]
    if (header === undefined || header.trim() === "") {
      return failWith(new WebhookError.MissingSignature({ message: "no Stripe-Signature header" }))
    }
    const parsed = parseHeader(header)
    if (parsed.timestamp === undefined) {
      return failWith(new WebhookError.InvalidSignature({ message: "unable to extract the timestamp (t=) from the Stripe-Signature header" }))
    }
    if (parsed.signatures.length === 0) {
      return failWith(new WebhookError.InvalidSignature({ message: "no signatures with the expected scheme (v1=) in the Stripe-Signature header" }))
    }
    if (request.body.length === 0) {
      return failWith(new WebhookError.MalformedPayload({ message: "empty webhook body" }))
    }
    const expected = Signature.hmacSha256(secret, signedPayload(parsed.timestamp, request.body))
    // Compare with every candidate (no early exit), each in constant time.
    let matched = false
    for (const candidate of parsed.signatures) {
      if (Signature.equalsHex(expected, candidate)) matched = true
    }
    if (!matched) {
      return failWith(new WebhookError.InvalidSignature({
        message: "no v1 signature matches the payload: check the endpoint's signing secret and that the raw body is passed unchanged"
      }))
    }
    if (tolerance > 0) {
      const age = Math.floor(options.now / 1000) - parsed.timestamp
      if (age > tolerance) {
        return failWith(new WebhookError.TimestampOutOfTolerance({
          message: `the signed timestamp is ${age} s old (tolerance ${tolerance} s): a replay or a skewed clock`,
          toleranceSeconds: tolerance
        }))
      }
      if (-age > tolerance) {
        return failWith(new WebhookError.TimestampOutOfTolerance({
          message: `the signed timestamp is ${-age} s in the future (tolerance ${tolerance} s): a skewed clock`,
          toleranceSeconds: tolerance
        }))
      }
    }
    return Effect.void
  })

/** `refund.*` events and `charge.refund.updated` carry a refund object as `data.object`. */
export const refundEventTypes: ReadonlySet<string> = new Set([
  "refund.created",
  "refund.updated",
  "refund.failed",
  "charge.refund.updated"
])

/** Stripe refund status → unified status. Anything else (and null) is Unknown, with the raw string. */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "pending":
      return { status: "Pending", rawStatus: raw }
    case "requires_action":
      return { status: "RequiresAction", rawStatus: raw }
    case "succeeded":
      return { status: "Succeeded", rawStatus: raw }
    case "failed":
      return { status: "Failed", rawStatus: raw }
    case "canceled":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/**
 * The settlement evidence a refund object carries: the card network's reference
 * (`destination_details.card.reference`, an ARN when `reference_type` is `acquirer_reference_number`),
 * only once `reference_status` is `available` (stripe-node: "This can be `pending`, `available` or
 * `unavailable`"); a pending or unavailable reference is no evidence. Stripe's refund object has no
 * settlement date or payout: those live on the balance transaction, which would take another call
 * (and the emulator cannot expand it), so they are left out. Undefined when there is nothing.
 */
export const settlementOf = (refund: StripeSchema.Refund): Refund.Settlement | undefined => {
  const card = refund.destination_details?.card
  const reference = card?.reference
  if (card == null || reference == null || reference.trim() === "" || card.reference_status !== "available") return undefined
  return new Refund.Settlement({
    traceReference: reference,
    traceReferenceType: card.reference_type != null && card.reference_type !== "" ? card.reference_type : undefined
  })
}

export interface SnapshotOptions {
  /** Processor time of this state (epoch ms). */
  readonly occurredAt?: number | undefined
  /** The payment id the caller used, preferred when the refund names it (charge or payment intent). */
  readonly preferredTransactionId?: string | undefined
}

/**
 * A Stripe refund object → a snapshot. The transaction id is the caller's (when the refund belongs
 * to it), else the payment intent, else the charge: the caller's id only changes the answer when it
 * is the refund's charge, since a payment intent the refund names is the default anyway. Fails (never throws) on an unknown currency, a
 * currency whose Stripe scale differs from ISO 4217 ({@link StripeSchema.scaleMismatch}) or an
 * amount that is not a non-negative integer.
 */
export const toSnapshot = (
  refund: StripeSchema.Refund,
  options: SnapshotOptions = {}
): Result.Result<Refund.RefundSnapshot, string> => {
  const mismatch = StripeSchema.scaleMismatchOf(refund.currency.toUpperCase())
  if (mismatch !== undefined) return Result.fail(`refund ${refund.id}: ${refund.currency} is not supported: ${mismatch}`)
  const money = Money.fromMinor(refund.amount, refund.currency)
  if (Result.isFailure(money)) return Result.fail(`refund ${refund.id}: ${Money.describeProblem(money.failure)}`)
  const charge = StripeSchema.expandableId(refund.charge)
  const paymentIntent = StripeSchema.expandableId(refund.payment_intent)
  const preferred = options.preferredTransactionId
  const transaction = preferred !== undefined && preferred === charge ? preferred : paymentIntent ?? charge
  const { status, rawStatus } = statusOf(refund.status)
  const merchantRefundId = refund.metadata?.["merchant_refund_id"]
  try {
    return Result.succeed(
      Refund.makeSnapshot({
        connectorRefundId: refund.id,
        connectorTransactionId: transaction,
        merchantRefundId,
        amount: money.success,
        status,
        rawStatus,
        reason: refund.reason ?? undefined,
        failure: refund.failure_reason != null ? new Refund.FailureDetails({ code: refund.failure_reason }) : undefined,
        occurredAt: options.occurredAt,
        createdAt: Timestamp.fromUnixSeconds(refund.created),
        settlement: settlementOf(refund)
      })
    )
  } catch (error) {
    return Result.fail(`refund ${refund.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/**
 * A failed refund whose `refund.updated` event says it was `succeeded` just before is a reversal:
 * Stripe's own evidence, so the state is right even when this event arrives before the success.
 */
export const reversalEvidence = (snapshot: Refund.RefundSnapshot, previousStatus: string | undefined): Refund.RefundSnapshot =>
  snapshot.status === "Failed" && previousStatus === "succeeded"
    ? new Refund.RefundSnapshot({ ...snapshot, status: "Reversed" })
    : snapshot

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

const event = (fields: {
  readonly eventId: string
  readonly eventType: string
  readonly refund?: Refund.RefundSnapshot | undefined
  readonly occurredAt?: number | undefined
}) =>
  new WebhookEvent.WebhookEvent({
    connector: connectorId,
    eventId: fields.eventId,
    eventType: fields.eventType,
    refund: fields.refund,
    occurredAt: fields.occurredAt
  })

/**
 * Parses a verified delivery.
 * - `refund.created`, `refund.updated`, `refund.failed`, `charge.refund.updated`: one event with the refund.
 * - `charge.refunded`: one event per refund in the charge's `refunds.data` (API versions before
 *   2022-11-15 include it), each with event id `<evt id>:<refund id>` so they de-duplicate
 *   independently; when the charge carries no refunds list (current API versions), one event
 *   without a refund. Subscribe to `refund.*` events for refund state.
 * - any other type: one event without a refund.
 */
export const parseEvents = (request: { readonly body: Uint8Array }): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const text = new TextDecoder().decode(request.body)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = StripeSchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Stripe event: ${decoded.failure}`))
  const evt = decoded.success
  // Snapshot events carry unix seconds, thin (v2) event notifications an ISO string.
  const occurredAt = Timestamp.fromUnixSeconds(evt.created) ?? Timestamp.fromIsoString(evt.created)
  const base = { eventId: evt.id, eventType: evt.type, occurredAt }

  if (refundEventTypes.has(evt.type)) {
    const refund = StripeSchema.decodeRefund(evt.data?.object)
    if (Result.isFailure(refund)) return Result.fail(malformed(`${evt.type} ${evt.id}: data.object is not a refund: ${refund.failure}`))
    const snapshot = toSnapshot(refund.success, { occurredAt })
    if (Result.isFailure(snapshot)) return Result.fail(malformed(`${evt.type} ${evt.id}: ${snapshot.failure}`))
    const object = evt.data?.object as { metadata?: unknown } | undefined
    const withData = Refund.withProcessorData(snapshot.success, {
      metadata: Refund.metadataOf(object?.metadata, ["merchant_refund_id"]),
      raw: object
    })
    return Result.succeed([event({ ...base, refund: reversalEvidence(withData, StripeSchema.previousStatus(evt)) })])
  }

  if (evt.type === "charge.refunded") {
    const charge = StripeSchema.decodeCharge(evt.data?.object)
    if (Result.isFailure(charge)) return Result.fail(malformed(`${evt.type} ${evt.id}: data.object is not a charge: ${charge.failure}`))
    const refunds = charge.success.refunds?.data ?? []
    if (refunds.length === 0) return Result.succeed([event(base)])
    const events: Array<WebhookEvent.WebhookEvent> = []
    for (const r of refunds) {
      const snapshot = toSnapshot(r, { occurredAt, preferredTransactionId: charge.success.id })
      if (Result.isFailure(snapshot)) return Result.fail(malformed(`${evt.type} ${evt.id}: ${snapshot.failure}`))
      events.push(event({ ...base, eventId: `${evt.id}:${r.id}`, refund: snapshot.success }))
    }
    return Result.succeed(events)
  }

  return Result.succeed([event(base)])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "Stripe-Signature: t=<unix>,v1=hex(HMAC-SHA256(signing secret, \"<t>.\" + raw body)); tolerance 300 s",
  verify: (request, decoded, context) => verifySignature(request, decoded.signingSecret, { now: context.now }),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "application/json", body: "{\"received\":true}" }
}
