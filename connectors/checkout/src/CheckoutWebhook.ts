/**
 * Checkout.com webhooks: `Cko-Signature` verification and refund event parsing.
 *
 * Verification (Checkout docs, "Set up your webhook receiver"): `Cko-Signature` is the **hex**
 * HMAC-SHA256 of the **raw body**, keyed with the signature key set on the webhook (the workflow's
 * webhook action `signature.key`). The expected MAC is computed over the exact bytes received and
 * compared in constant time. No header → MissingSignature; anything that does not match (not hex,
 * wrong length, wrong key, altered body) → InvalidSignature. The scheme signs no timestamp, so
 * replays cannot be refused by age: de-duplicate by `eventId` (the event's `evt_…` id), which the
 * event handler does.
 *
 * Events (`nas_spec` EventTypesObject, Checkout's webhook examples):
 * - `payment_refunded` → Succeeded, `payment_refund_declined` → Failed (failure code
 *   `response_code`, message `response_summary`), `payment_refund_pending` → Pending;
 * - `data.id` is the payment, `data.action_id` the refund action: together they form the same
 *   composite refund id the API flows use (`pay_…:act_…`, see `CheckoutSchema.refundId`);
 * - `data.reference` is the merchant refund id; `data.amount` with `data.currency` the amount;
 *   `data.processed_on` the time of the state;
 * - every other event type parses to an event without a refund.
 *
 * Checkout.com expects a 2xx answer and retries otherwise (up to 8 times over about 30 hours).
 */
import { Money, ProcessorHttp, Refund, Signature, WebhookError, WebhookEvent, Webhooks } from "@refract/core"
import type { Connector, Credentials, RefundStatus } from "@refract/core"
import { Effect, Redacted, Result } from "effect"
import * as CheckoutSchema from "./CheckoutSchema.ts"

const connectorId = "checkout"

/** Header names are lower case in a `RawWebhookRequest`. */
export const SIGNATURE_HEADER = "cko-signature"

/** The webhook secret a receiver holds. */
export const secrets = {
  signatureKey: {
    secret: true,
    description: "the webhook's signature key (Dashboard → Developers → Webhooks, or the workflow webhook action's signature.key)",
    env: "CHECKOUT_WEBHOOK_SIGNATURE_KEY"
  }
} as const satisfies Credentials.CredentialSpec

// ---------------------------------------------------------------------------------------------
// Signing and verification
// ---------------------------------------------------------------------------------------------

/** hex(HMAC-SHA256(key as UTF-8, raw body)): the `Cko-Signature` value. */
export const signature = (key: string | Redacted.Redacted<string>, body: Uint8Array | string): string =>
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, core's Signature.hmac hands a plain string key to createHmac unchanged; wrapping it only satisfies the Key type
  Signature.toHex(Signature.hmacSha256(typeof key === "string" ? Redacted.make(key) : key, body))


/** Verifies `Cko-Signature` over the raw bytes. Fails closed. */
export const verifySignature = (
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: Uint8Array },
  key: Redacted.Redacted<string>
): Effect.Effect<void, WebhookError.WebhookError> =>
  Webhooks.verifyBodyHmacSha256Hex(
    {
      connector: connectorId,
      header: "Cko-Signature",
      mismatch: "Cko-Signature does not match the body: check the webhook's signature key and that the raw body is passed unchanged"
    },
    request,
    key
  )

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Refund event types and the status each reports. */
export const refundEventStatus: Readonly<Record<string, RefundStatus.RefundStatus>> = {
  payment_refunded: "Succeeded",
  payment_refund_declined: "Failed",
  payment_refund_pending: "Pending"
}

const malformed = (message: string) =>
  new WebhookError.WebhookError({ connector: connectorId, reason: new WebhookError.MalformedPayload({ message }) })

/** The amount of an event, when its currency is known and shares ISO 4217's scale; else none (the status still counts). */
const amountOf = (data: CheckoutSchema.EventData): Money.Money | undefined => {
  if (typeof data.currency !== "string") return undefined
  // Stryker disable next-line ConditionalExpression: equivalent, Money.fromMinor refuses any non-integer (Number.isInteger does not coerce); this only narrows the type
  if (typeof data.amount !== "number") return undefined
  const currency = data.currency.toUpperCase()
  if (CheckoutSchema.scaleMismatch(currency) !== undefined) return undefined
  const money = Money.fromMinor(data.amount, currency)
  return Result.isSuccess(money) ? money.success : undefined
}

/**
 * A refund event's data → a snapshot; fails with what is missing. Every field is checked before the
 * snapshot is built (ids by pattern, the amount by Money, times by Timestamp), so building it cannot throw.
 */
export const toSnapshot = (
  eventType: string,
  status: RefundStatus.RefundStatus,
  data: CheckoutSchema.EventData
): Result.Result<Refund.RefundSnapshot, string> => {
  const paymentId = data.id
  const actionId = data.action_id
  if (!CheckoutSchema.isPaymentId(paymentId)) return Result.fail("data.id is not a payment id (pay_…)")
  if (!CheckoutSchema.isActionId(actionId)) return Result.fail("data.action_id is not an action id (act_…)")
  const reference = data.reference != null && data.reference !== "" ? data.reference : undefined
  const failure = status === "Failed" && (data.response_code != null || data.response_summary != null)
    ? new Refund.FailureDetails({
      ...(data.response_code != null ? { code: data.response_code } : {}),
      ...(data.response_summary != null ? { message: data.response_summary } : {})
    })
    : undefined
  return Result.succeed(new Refund.RefundSnapshot({
    connectorRefundId: CheckoutSchema.refundId(paymentId, actionId),
    connectorTransactionId: paymentId,
    merchantRefundId: reference,
    amount: amountOf(data),
    status,
    rawStatus: eventType,
    failure,
    occurredAt: CheckoutSchema.timestamp(data.processed_on)
  }))
}

/** Parses a verified delivery: one event, with the refund when it is a refund event. */
export const parseEvents = (
  request: { readonly body: Uint8Array }
): Result.Result<ReadonlyArray<WebhookEvent.WebhookEvent>, WebhookError.WebhookError> => {
  const json = ProcessorHttp.parseJson(new TextDecoder().decode(request.body))
  if (json === undefined) return Result.fail(malformed("the body is not JSON"))
  const decoded = CheckoutSchema.decodeEvent(json)
  if (Result.isFailure(decoded)) return Result.fail(malformed(`not a Checkout.com event: ${decoded.failure}`))
  const event = decoded.success
  if (event.id === "") return Result.fail(malformed("the event has an empty id"))
  const occurredAt = CheckoutSchema.timestamp(event.created_on) ?? CheckoutSchema.timestamp(event.timestamp)
  const base = { connector: connectorId, eventId: event.id, eventType: event.type, occurredAt }
  const status = Object.hasOwn(refundEventStatus, event.type) ? refundEventStatus[event.type] : undefined
  if (status === undefined) return Result.succeed([new WebhookEvent.WebhookEvent(base)])
  const data = CheckoutSchema.decodeEventData(event.data)
  if (Result.isFailure(data)) return Result.fail(malformed(`${event.type} ${event.id}: data is not payment event data: ${data.failure}`))
  const snapshot = toSnapshot(event.type, status, data.success)
  if (Result.isFailure(snapshot)) return Result.fail(malformed(`${event.type} ${event.id}: ${snapshot.failure}`))
  const refund = Refund.withProcessorData(snapshot.success, {
    metadata: Refund.metadataOf((event.data as { metadata?: unknown } | undefined)?.metadata),
    raw: event.data
  })
  return Result.succeed([new WebhookEvent.WebhookEvent({ ...base, refund })])
}

/** The connector's webhook support. */
export const webhooks: Connector.WebhookSupport<typeof secrets> = {
  secrets,
  scheme: "Cko-Signature: hex(HMAC-SHA256(signature key, raw body)); no signed timestamp",
  verify: (request, decoded) => verifySignature(request, decoded.signatureKey),
  parse: parseEvents,
  acknowledgement: { status: 200, contentType: "application/json", body: "{\"received\":true}" }
}
