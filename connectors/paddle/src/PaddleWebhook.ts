/**
 * Paddle webhooks: `Paddle-Signature` verification and adjustment notification parsing.
 *
 * Verification (https://developer.paddle.com/webhooks/about/signature-verification; SDK 3.10.0
 * `notifications/helpers/webhooks-validator`): the header is `ts=<unix seconds>;h1=<hex>`, where `h1` is
 * HMAC-SHA256 keyed with the notification destination's secret key over `"<ts>:" + raw body`. During a
 * secret rotation Paddle sends several `h1` values: any one matching is enough (the SDK reads only the last
 * `h1`). The comparison is constant time over decoded bytes and never throws on a malformed header. The
 * timestamp must be within {@link TOLERANCE_SECONDS} of now (the SDK's `MAX_VALID_TIME_DIFFERENCE`, and the
 * docs: "five-second timestamp tolerance by default"), in the past or the future.
 *
 * Failure reasons: no header → MissingSignature; no `ts`/`h1`, not hex, or no match (tampered body, wrong
 * secret) → InvalidSignature; a matching signature out of tolerance → TimestampOutOfTolerance; a verified
 * body that is not a Paddle notification → MalformedPayload (at parse).
 *
 * Events (https://developer.paddle.com/webhooks/adjustments): `adjustment.created` and `adjustment.updated`
 * carry the adjustment entity as `data`. Only `action: "refund"` adjustments become refund snapshots
 * (chargebacks and credits are not refunds this connector created). The event id is `event_id`, from the
 * signed body: a redelivery (same event, new `ts`) has the same id, a replay cannot change it.
 */
import { Money, Refund, Signature, Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import * as PaddleSchema from "./PaddleSchema.ts"

export const SIGNATURE_HEADER = "paddle-signature"
/** Seconds between the signed `ts` and now that are accepted (the SDK's five). */
export const TOLERANCE_SECONDS = 5

const connectorId = "paddle"

export const secrets = {
  webhookSecret: {
    secret: true,
    description: "the notification destination's secret key (Paddle → Developer tools → Notifications, pdl_ntfset_…)",
    env: "PADDLE_WEBHOOK_SECRET"
  }
} as const

/** The `Paddle-Signature` header for `body` signed at `timestampSeconds` (used by tests and tools). */
export const signatureHeader = (body: Uint8Array | string, secret: string | Redacted.Redacted<string>, timestampSeconds: number): string =>
  `ts=${timestampSeconds};h1=${Signature.hmacSha256Hex(secret, Signature.concatBytes(`${timestampSeconds}:`, body))}`

/** `ts` and every `h1` of a header; undefined when either is missing or `ts` is not a whole number of seconds. */
export const parseHeader = (header: string): { readonly ts: number; readonly h1: ReadonlyArray<string> } | undefined => {
  let ts: number | undefined
  const h1: Array<string> = []
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    if (eq <= 0) continue
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === "ts") {
      if (!/^\d{1,12}$/.test(value) || ts !== undefined) return undefined
      ts = Number(value)
    } else if (key === "h1" && value !== "") h1.push(value)
  }
  return ts === undefined || h1.length === 0 ? undefined : { ts, h1 }
}

const failWith = (reason: WebhookError.WebhookErrorReason) => Effect.fail(new WebhookError.WebhookError({ connector: connectorId, reason }))

/** Verifies a delivery's `Paddle-Signature` over its raw bytes, in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>,
  now: number,
  toleranceSeconds: number = TOLERANCE_SECONDS
): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const header = request.headers[SIGNATURE_HEADER]
    if (header === undefined || header.trim() === "") return failWith(new WebhookError.MissingSignature({ message: "no Paddle-Signature header" }))
    const parsed = parseHeader(header)
    if (parsed === undefined) return failWith(new WebhookError.InvalidSignature({ message: "Paddle-Signature needs ts=<unix seconds> and at least one h1=<hex>" }))
    const expected = Signature.hmacSha256(secret, Signature.concatBytes(`${parsed.ts}:`, request.body))
    // Every candidate is compared (no early exit), so the time taken says nothing about which matched.
    let matched = false
    for (const candidate of parsed.h1) matched = Signature.equalsHex(expected, candidate) || matched
    if (!matched) {
      return failWith(new WebhookError.InvalidSignature({
        message: "Paddle-Signature does not match the payload: check the destination's secret key and that the raw body is passed unchanged"
      }))
    }
    if (Math.abs(now / 1000 - parsed.ts) > toleranceSeconds) {
      return failWith(new WebhookError.TimestampOutOfTolerance({
        message: `Paddle-Signature ts=${parsed.ts} is more than ${toleranceSeconds} s from now (a replay, or a skewed clock)`,
        toleranceSeconds
      }))
    }
    return Effect.void
  })

/** Paddle adjustment status → unified status. Anything else (and null) is Unknown, with the raw string. */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "pending_approval":
      return { status: "Pending", rawStatus: raw }
    case "approved":
      return { status: "Succeeded", rawStatus: raw }
    case "rejected":
      return { status: "Failed", rawStatus: raw }
    case "reversed":
      return { status: "Reversed", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/**
 * Where the connector records the merchant refund id and the idempotency key: Paddle adjustments have no
 * metadata or custom_data, only a free-text `reason`, so the create appends
 * ` [refract merchant_refund_id=<id> idempotency_key=<key>]` to it. Lookups and parsers read it back.
 */
export const MARKER_PREFIX = " [refract merchant_refund_id="
const KEY_PART = " idempotency_key="

export const markReason = (reason: string, merchantRefundId: string, idempotencyKey: string): string =>
  `${reason}${MARKER_PREFIX}${merchantRefundId}${KEY_PART}${idempotencyKey}]`

/** The marker of a reason, when it has one: the caller's reason, the merchant refund id and the key. */
export const readMarker = (reason: string | null | undefined):
  | { readonly reason: string; readonly merchantRefundId: string; readonly idempotencyKey: string }
  | undefined => {
  if (reason === null || reason === undefined || !reason.endsWith("]")) return undefined
  const start = reason.lastIndexOf(MARKER_PREFIX)
  if (start < 0) return undefined
  const inner = reason.slice(start + MARKER_PREFIX.length, -1)
  const keyAt = inner.lastIndexOf(KEY_PART)
  if (keyAt <= 0) return undefined
  const idempotencyKey = inner.slice(keyAt + KEY_PART.length)
  if (!/^[A-Za-z0-9_-]+$/.test(idempotencyKey)) return undefined
  return { reason: reason.slice(0, start), merchantRefundId: inner.slice(0, keyAt), idempotencyKey }
}

export interface SnapshotOptions {
  readonly occurredAt?: number | undefined
}

/** An adjustment → a snapshot. Fails (never throws) on an unknown currency or an amount that is not minor units. */
export const toSnapshot = (adjustment: PaddleSchema.Adjustment, options: SnapshotOptions = {}): Result.Result<Refund.RefundSnapshot, string> => {
  if (!/^\d{1,15}$/.test(adjustment.totals.total)) return Result.fail(`adjustment ${adjustment.id}: totals.total ${JSON.stringify(adjustment.totals.total.slice(0, 32))} is not minor units`)
  const money = Money.fromMinor(Number(adjustment.totals.total), adjustment.currency_code)
  if (Result.isFailure(money)) return Result.fail(`adjustment ${adjustment.id}: ${Money.describeProblem(money.failure)}`)
  const { status, rawStatus } = statusOf(adjustment.status)
  const marker = readMarker(adjustment.reason)
  try {
    return Result.succeed(
      new Refund.RefundSnapshot({
        connectorRefundId: adjustment.id,
        connectorTransactionId: adjustment.transaction_id,
        merchantRefundId: marker?.merchantRefundId,
        amount: money.success,
        status,
        rawStatus,
        ...(marker !== undefined && marker.reason !== "" ? { reason: marker.reason } : {}),
        occurredAt: options.occurredAt,
        createdAt: Timestamp.fromIsoString(adjustment.created_at)
      })
    )
  } catch (error) {
    return Result.fail(`adjustment ${adjustment.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/** Adjustments carry no metadata; `raw` is the adjustment as Paddle sent it. */
export const withRaw = (snapshot: Refund.RefundSnapshot, raw: unknown): Refund.RefundSnapshot => Refund.withProcessorData(snapshot, { metadata: undefined, raw })

const malformed = (message: string) => new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/**
 * Parses a verified delivery: an `adjustment.*` notification about a refund gives one event with the refund
 * snapshot; any other notification (other entities, chargeback or credit adjustments) one event without a refund.
 */
export const parseEvents = (request: { readonly body: Uint8Array }): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(request.body))
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const decoded = PaddleSchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Paddle notification: ${decoded.failure}`))
  const evt = decoded.success
  if (!/^evt_[a-z\d]{26}$/.test(evt.event_id)) return Result.fail(malformed(`event_id ${JSON.stringify(evt.event_id.slice(0, 40))} is not a Paddle event id`))
  const occurredAt = Timestamp.fromIsoString(evt.occurred_at)
  const base = { connector: connectorId, eventId: evt.event_id, eventType: evt.event_type, occurredAt }
  if (!evt.event_type.startsWith("adjustment.")) return Result.succeed([new WebhookEvent.WebhookEvent(base)])
  const adjustment = PaddleSchema.decodeAdjustment(evt.data)
  if (Result.isFailure(adjustment)) return Result.fail(malformed(`${evt.event_type}: data is not an adjustment: ${adjustment.failure}`))
  if (adjustment.success.action !== "refund") return Result.succeed([new WebhookEvent.WebhookEvent(base)])
  const parsed = toSnapshot(adjustment.success, { occurredAt })
  if (Result.isFailure(parsed)) return Result.fail(malformed(`${evt.event_type}: ${parsed.failure}`))
  return Result.succeed([new WebhookEvent.WebhookEvent({ ...base, refund: withRaw(parsed.success, evt.data) })])
}

export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: `Paddle-Signature: ts=<unix>;h1=hex(HMAC-SHA256(destination secret key, "<ts>:" + raw body)), any h1 of several; ts within ${TOLERANCE_SECONDS} s`,
  verify: (request, decoded, context) => verifySignature(request, decoded.webhookSecret, context.now),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
