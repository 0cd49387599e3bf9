/**
 * Mollie's classic webhook, read as a notice, plus the refund → snapshot mapping shared with the parsers.
 *
 * The classic webhook (docs.mollie.com "Webhooks"; mollie/api-documentation `source/guides/webhooks.rst`) is an
 * UNSIGNED `application/x-www-form-urlencoded` POST of one parameter, `id`, to the payment's `webhookUrl`: for a
 * refund, `id` is the PAYMENT id (`tr_…`), sent when one of its refunds changes (reaches `processing`, `refunded`
 * or `failed`). "Since the status is not transmitted in the webhook, fake calls to your webhook will never
 * result in orders being processed": nothing in a delivery is trusted. So the webhook secrets are `{}` and
 * {@link parseEvents} yields only a `notice` naming the payment; the core reads the payment's stored refunds
 * back through the connector's `get` flow, with the merchant's key, against Mollie's host, and applies what the
 * reads say. A forged ping costs one read each and changes nothing.
 *
 * `verify` has no signature to check; it fails closed on anything that is not a classic ping (a body that is
 * not form-encoded, other parameters, an `id` that is not a Mollie object id), so only pings reach `parse`.
 * Mollie's next-generation webhooks (JSON events signed with `X-Mollie-Signature`) are not supported: such a
 * delivery is refused as malformed, never half-read.
 *
 * Event ids: a ping carries nothing but the payment id, so its event id is `ping:<payment id>`. Notices are
 * never de-duplicated by id (each one causes a read), so two real pings about one payment both take effect.
 */
import { Money, Refund, Timestamp, WebhookError, WebhookEvent } from "@refract/core"
import type { Connector, RefundStatus } from "@refract/core"
import { Effect, Result } from "effect"
import type * as MollieSchema from "./MollieSchema.ts"

const connectorId = "mollie"

/** The metadata key that carries the merchant refund id (set on create, read by lookup and every parser). */
export const MERCHANT_REFUND_ID_KEY = "merchant_refund_id"

/** Classic webhooks are unsigned: the receiver holds no secret. */
export const secrets = {} as const

/** A Mollie payment id. */
export const paymentIdPattern = /^tr_[A-Za-z0-9]{1,64}$/
/** Any Mollie object id a classic webhook may name (`tr_`, `ord_`, `sub_`, `re_`, …). */
const objectIdPattern = /^[a-z]{2,8}_[A-Za-z0-9]{1,64}$/

/** Mollie refund status → unified status. Anything else (and a missing status) is Unknown, with the raw string. */
export const statusOf = (raw: string | null | undefined): { readonly status: RefundStatus.ObservedStatus; readonly rawStatus: string } => {
  switch (raw) {
    case "queued": // waiting for balance; still cancelable
    case "pending": // ready to be sent; still cancelable
    case "processing":
      return { status: "Pending", rawStatus: raw }
    case "refunded":
      return { status: "Succeeded", rawStatus: raw }
    case "failed":
      return { status: "Failed", rawStatus: raw }
    case "canceled":
      return { status: "Cancelled", rawStatus: raw }
    default:
      return { status: "Unknown", rawStatus: raw ?? "null" }
  }
}

/** The merchant refund id a refund carries in `metadata.merchant_refund_id`. */
export const merchantRefundIdOf = (refund: MollieSchema.Refund): string | undefined => {
  const metadata = refund.metadata
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return undefined
  const value = Object.hasOwn(metadata, MERCHANT_REFUND_ID_KEY) ? (metadata as Record<string, unknown>)[MERCHANT_REFUND_ID_KEY] : undefined
  return typeof value === "string" ? value : undefined
}

/**
 * The settlement evidence a refund carries: `externalReference` ("a reference to the refund as registered by
 * the payment provider", type e.g. `acquirer-reference`) as the trace reference, and `settlementId` (the
 * settlement the refund was deducted in, `stl_…`) as the batch. Undefined when there is neither.
 */
export const settlementOf = (refund: MollieSchema.Refund): Refund.Settlement | undefined => {
  const reference = refund.externalReference?.id ?? undefined
  const type = refund.externalReference?.type ?? undefined
  const batch = refund.settlementId ?? undefined
  if ((reference === undefined || reference.trim() === "") && (batch === undefined || batch.trim() === "")) return undefined
  return new Refund.Settlement({
    ...(reference !== undefined && reference.trim() !== "" ? { traceReference: reference, ...(type !== undefined ? { traceReferenceType: type } : {}) } : {}),
    ...(batch !== undefined && batch.trim() !== "" ? { batchId: batch } : {})
  })
}

/** The refund's metadata as the caller set it (string values, without `merchant_refund_id`). */
export const metadataOf = (refund: MollieSchema.Refund) => Refund.metadataOf(refund.metadata, [MERCHANT_REFUND_ID_KEY])

/**
 * A Mollie refund object → a snapshot. Fails (never throws) on an unknown currency or a value that is not the
 * currency's exact decimal string.
 */
export const toSnapshot = (
  refund: MollieSchema.Refund,
  options: { readonly occurredAt?: number | undefined; readonly raw?: unknown } = {}
): Result.Result<Refund.RefundSnapshot, string> => {
  const money = Money.fromDecimalString(refund.amount.value, refund.amount.currency)
  if (Result.isFailure(money)) return Result.fail(`refund ${refund.id}: ${Money.describeProblem(money.failure)}`)
  const { status, rawStatus } = statusOf(refund.status)
  try {
    const snapshot = new Refund.RefundSnapshot({
      connectorRefundId: refund.id,
      connectorTransactionId: refund.paymentId ?? undefined,
      merchantRefundId: merchantRefundIdOf(refund),
      amount: money.success,
      status,
      rawStatus,
      occurredAt: options.occurredAt,
      createdAt: Timestamp.fromIsoString(refund.createdAt),
      settlement: settlementOf(refund)
    })
    return Result.succeed(options.raw === undefined ? snapshot : Refund.withProcessorData(snapshot, { metadata: metadataOf(refund), raw: options.raw }))
  } catch (error) {
    return Result.fail(`refund ${refund.id}: ${error instanceof Error ? error.message.replace(/\s+/g, " ") : "invalid"}`)
  }
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/** The id a classic ping names, or why the delivery is not a classic ping. */
export const pingId = (body: Uint8Array, contentType: string | undefined): Result.Result<string, string> => {
  if (body.length > 512) return Result.fail("a Mollie webhook ping is one short form parameter; this body is too long")
  const media = contentType?.split(";")[0]?.trim().toLowerCase()
  if (media !== undefined && media !== "" && media !== "application/x-www-form-urlencoded") {
    return Result.fail(`a Mollie classic webhook is form-encoded, got ${JSON.stringify(media.slice(0, 64))} (next-gen signed webhooks are not supported)`)
  }
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body)
  } catch {
    return Result.fail("the body is not UTF-8")
  }
  const params = [...new URLSearchParams(text)]
  if (params.length !== 1 || params[0]![0] !== "id") return Result.fail("a Mollie webhook ping has exactly one parameter, id")
  const id = params[0]![1]
  if (!objectIdPattern.test(id)) return Result.fail(`the ping's id ${JSON.stringify(id.slice(0, 64))} is not a Mollie object id`)
  return Result.succeed(id)
}

const contentTypeOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() === "content-type") return value
  return undefined
}

/** Nothing to verify cryptographically; refuses (fails closed) anything that is not a classic ping. */
export const verifyPing = (request: WebhookEvent.RawWebhookRequest): Effect.Effect<void, WebhookError.WebhookError> =>
  Effect.suspend(() => {
    const id = pingId(request.body, contentTypeOf(request.headers))
    return Result.isFailure(id) ? Effect.fail(malformed(id.failure)) : Effect.void
  })

/**
 * Parses a ping: `id=tr_…` becomes one event with a notice naming the payment (the core re-reads its refunds);
 * a ping about another kind of object (`ord_…`, `sub_…`) becomes an event without notice (ignored).
 */
export const parseEvents = (
  request: WebhookEvent.RawWebhookRequest
): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const id = pingId(request.body, contentTypeOf(request.headers))
  if (Result.isFailure(id)) return Result.fail(malformed(id.failure))
  const payment = paymentIdPattern.test(id.success)
  return Result.succeed([
    new WebhookEvent.WebhookEvent({
      connector: connectorId,
      eventId: `ping:${id.success}`,
      eventType: payment ? "payment" : "object",
      ...(payment ? { notice: new WebhookEvent.WebhookNotice({ connectorTransactionId: id.success }) } : {})
    })
  ])
}

/** The connector's webhook support: unsigned pings, read as notices. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "unsigned form POST id=tr_… (the payment id): a notice, read back through the API; nothing in it is trusted",
  verify: (request) => verifyPing(request),
  parse: parseEvents,
  // Mollie wants a 2xx; the body is not read.
  acknowledgement: { status: 200, contentType: "text/plain", body: "OK" }
}
