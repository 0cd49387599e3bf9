/**
 * The raw request a webhook arrives as, and the unified event a connector parses it into.
 */
import { Schema } from "effect"
import { RefundSnapshot } from "../refund/Refund.ts"

/** A webhook exactly as received: the body as raw bytes, since signatures cover the exact bytes. */
export interface RawWebhookRequest {
  readonly method: string
  /** The full URL the processor called (Square signs it). */
  readonly url: string
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

export const makeRawRequest = (input: {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Uint8Array | string
}): RawWebhookRequest => {
  // No prototype: a header named `__proto__` is kept as a header, and looking up an absent
  // header (`constructor`, `toString`) finds nothing rather than Object.prototype's members.
  const headers: Record<string, string> = Object.create(null)
  for (const [k, v] of Object.entries(input.headers)) {
    if (v === undefined) continue
    headers[k.toLowerCase()] = typeof v === "string" ? v : v.join(", ")
  }
  return {
    method: input.method ?? "POST",
    url: input.url ?? "http://localhost/",
    headers,
    body: typeof input.body === "string" ? new TextEncoder().encode(input.body) : input.body
  }
}

export const bodyText = (request: RawWebhookRequest): string => new TextDecoder("utf-8", { fatal: false }).decode(request.body)

/**
 * A delivery that names an object but says nothing trusted about it: Mollie's classic webhook is an
 * unsigned `id=tr_...` ping, Mercado Pago's signed notification names only the payment. The core reads
 * what it names through the connector's `get` flow and applies what the read says; the read, made with
 * the merchant's credentials against the processor's own host, is what verifies it.
 */
export class WebhookNotice extends Schema.Class<WebhookNotice>("@refract/core/WebhookNotice")({
  /** The refund that changed, when the delivery names it. */
  connectorRefundId: Schema.optional(Schema.String),
  /** The refunded payment; alone, every stored refund of that payment is read again. */
  connectorTransactionId: Schema.optional(Schema.String)
}) {}

export class WebhookEvent extends Schema.Class<WebhookEvent>("@refract/core/WebhookEvent")({
  connector: Schema.String,
  /**
   * Identifies this event (per refund it reports on) across redeliveries, for de-duplication.
   * A delivery that reports several refunds yields one event per refund, each with its own id.
   */
  eventId: Schema.String,
  /** The processor's event type, verbatim (`refund.updated`, `REFUND`, ...). */
  eventType: Schema.String,
  /** What the event says about a refund; absent for events that are not about a refund. */
  refund: Schema.optional(RefundSnapshot),
  /** Set instead of `refund` when the delivery only names what changed: the core reads it (see {@link WebhookNotice}). */
  notice: Schema.optional(WebhookNotice),
  /** Processor time of the event (epoch ms), when it gives one. */
  occurredAt: Schema.optional(Schema.Number)
}) {}
