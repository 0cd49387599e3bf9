/**
 * GoCardless webhooks: `Webhook-Signature` verification and refund event parsing.
 *
 * Verification (gocardless-nodejs 10.1.2 `esm/webhooks.js` `verifySignature`): the header is
 * `hex(HMAC-SHA256(key = the webhook endpoint secret, message = the raw request body))`. The comparison is
 * constant time over the decoded bytes and fails, never throws, on a malformed header. The scheme signs no
 * timestamp and no header; every event in the body carries GoCardless's own id (`EV…`), covered by the
 * signature, so redeliveries and replays de-duplicate on it.
 *
 * Failure reasons: no header → MissingSignature; a header that is not hex, or does not match (tampered body,
 * wrong secret) → InvalidSignature; a verified body that is not `{"events": [...]}` → MalformedPayload.
 *
 * Events carry no refund state: `{id, created_at, resource_type, action, links: {refund, ...}, details: {origin,
 * cause, description}}`. An action whose documented meaning is a status change becomes a snapshot with that
 * status (see {@link actionStatus}); any other refund action becomes a `notice` naming the refund (the core
 * reads it through `get`); events about other resources become events without a refund.
 */
import { Refund, Signature, Timestamp, WebhookError, WebhookEvent, Webhooks } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import * as GoCardlessSchema from "./GoCardlessSchema.ts"

export const SIGNATURE_HEADER = "webhook-signature"

const connectorId = "gocardless"

/** The webhook secrets a receiver holds. */
export const secrets = {
  webhookSecret: {
    secret: true,
    description: "the secret of the webhook endpoint (Dashboard → Developers → Webhook endpoints)",
    env: "GOCARDLESS_WEBHOOK_SECRET"
  }
} as const

/** Hex HMAC-SHA256 of `body` keyed with `secret` (UTF-8): the `Webhook-Signature` of a delivery. */
export const signature = (body: Uint8Array | string, secret: string | Redacted.Redacted<string>): string =>
  Signature.hmacSha256Hex(secret, body)


/** Verifies a delivery's `Webhook-Signature` over its raw bytes, in constant time. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  secret: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Webhooks.verifyBodyHmacSha256Hex(
    {
      connector: connectorId,
      header: "Webhook-Signature",
      mismatch: "Webhook-Signature does not match the payload: check the webhook endpoint secret and that the raw body is passed unchanged"
    },
    request,
    secret
  )

type Observed = { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string }

/**
 * GoCardless refund status → unified status (gocardless-pro-java `Refund.getStatus`):
 * created ("the refund has been created"), pending_submission ("created, but not yet submitted to the
 * banks"), submitted ("submitted to the banks") → Pending; paid ("included in a payout") → Succeeded;
 * cancelled → Cancelled; bounced ("failed to be paid") and funds_returned ("had its funds returned") →
 * Failed (the core records Reversed when the refund had been paid). Anything else is Unknown.
 */
export const statusOf = (raw: string | null | undefined): Observed => {
  switch (raw) {
    case "created":
    case "pending_submission":
    case "submitted":
      return { status: "Pending", rawStatus: raw }
    case "paid":
      return { status: "Succeeded", rawStatus: raw }
    case "cancelled":
      return { status: "Cancelled", rawStatus: raw }
    case "bounced":
    case "funds_returned":
      return { status: "Failed", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/**
 * The status a refund event's action states, where GoCardless documents one: `created` ("A refund has been
 * created": Pending), `paid` ("The refund has been paid to your customer": Succeeded), `failed` ("The refund did
 * not reach your customer, the funds will be returned to you"; "a refund can fail even after it's been
 * settled") and `funds_returned` (the funds came back to you): Failed, which the core records as Reversed when
 * the refund had succeeded. Undefined for `refund_settled` ("deducted from a payout": no status) and for any
 * action GoCardless does not document for refunds: those become notices, read through `get`.
 */
export const actionStatus = (action: string): Observed | undefined => {
  switch (action) {
    case "created":
      return { status: "Pending", rawStatus: "created" }
    case "paid":
      return { status: "Succeeded", rawStatus: "paid" }
    case "failed":
      return { status: "Failed", rawStatus: "failed" }
    case "funds_returned":
      return { status: "Failed", rawStatus: "funds_returned" }
    default:
      return undefined
  }
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

const processorId = /^[A-Za-z0-9][A-Za-z0-9._:|@-]{0,254}$/

const link = (event: GoCardlessSchema.Event, name: string): string | undefined => {
  const links = event.links
  const value = links !== null && links !== undefined && Object.hasOwn(links, name) ? links[name] : undefined
  return typeof value === "string" && processorId.test(value) ? value : undefined
}

/** One verified event → a unified event (with a snapshot when its action states a refund status). */
export const toEvent = (event: GoCardlessSchema.Event): Result.Result<WebhookEvent.WebhookEvent, string> => {
  const occurredAt = Timestamp.fromIsoString(event.created_at)
  const eventType = `${event.resource_type}.${event.action}`
  const base = { connector: connectorId, eventId: event.id, eventType, ...(occurredAt !== undefined ? { occurredAt } : {}) }
  if (event.resource_type !== "refunds") return Result.succeed(new WebhookEvent.WebhookEvent(base))
  const refundId = link(event, "refund")
  if (refundId === undefined) return Result.fail(`event ${event.id}: links.refund is missing or not an id`)
  const observed = actionStatus(event.action)
  const paymentId = link(event, "payment")
  if (observed === undefined) {
    // An action that states no status (refund_settled, reference_changed, one GoCardless adds later): the
    // event only names the refund, so the core reads it through `get` and applies what the read says.
    return Result.succeed(new WebhookEvent.WebhookEvent({
      ...base,
      notice: new WebhookEvent.WebhookNotice({ connectorRefundId: refundId, ...(paymentId !== undefined ? { connectorTransactionId: paymentId } : {}) })
    }))
  }
  const cause = event.details?.cause ?? undefined
  const description = event.details?.description ?? undefined
  const failed = observed.status === "Failed" && (cause !== undefined || description !== undefined)
  try {
    const snapshot = new Refund.RefundSnapshot({
      connectorRefundId: refundId,
      ...(paymentId !== undefined ? { connectorTransactionId: paymentId } : {}),
      status: observed.status,
      rawStatus: observed.rawStatus,
      ...(occurredAt !== undefined ? { occurredAt } : {}),
      ...(failed ? { failure: new Refund.FailureDetails({ ...(cause !== undefined ? { code: cause } : {}), ...(description !== undefined ? { message: description } : {}) }) } : {})
    })
    return Result.succeed(new WebhookEvent.WebhookEvent({ ...base, refund: snapshot }))
  } catch (error) {
    return Result.fail(`event ${event.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

/**
 * Parses a verified delivery: one unified event per GoCardless event, each identified by GoCardless's event
 * id (signed). A delivery with no events is refused as malformed.
 */
export const parseEvents = (request: {
  readonly body: Uint8Array
}): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(request.body))
  } catch {
    return Result.fail(malformed("the body is not JSON"))
  }
  const delivery = GoCardlessSchema.decodeDelivery(json)
  if (Result.isFailure(delivery)) return Result.fail(malformed(`not a GoCardless webhook: ${delivery.failure}`))
  if (delivery.success.events.length === 0) return Result.fail(malformed("the delivery carries no events"))
  const out: Array<WebhookEvent.WebhookEvent> = []
  for (const raw of delivery.success.events) {
    const event = GoCardlessSchema.decodeEvent(raw)
    if (Result.isFailure(event)) return Result.fail(malformed(`not a GoCardless event: ${event.failure}`))
    if (!processorId.test(event.success.id)) return Result.fail(malformed("an event id is not an id"))
    const parsed = toEvent(event.success)
    if (Result.isFailure(parsed)) return Result.fail(malformed(parsed.failure))
    out.push(parsed.success)
  }
  return Result.succeed(out)
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "Webhook-Signature: hex(HMAC-SHA256(webhook endpoint secret, raw body)); no signed timestamp (de-duplicated on the signed event ids)",
  verify: (request, decoded) => verifySignature(request, decoded.webhookSecret),
  parse: parseEvents,
  // GoCardless treats any 2xx as delivered; 204 No Content is what its guides answer.
  acknowledgement: { status: 204, contentType: "text/plain", body: "" }
}
