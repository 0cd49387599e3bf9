/**
 * The common contract of every Refract processor emulator (Stripe, Adyen, and the ones built later on the same
 * framework). Connector tests program against {@link Emulator}; Effect tests get it from {@link EmulatorService}.
 *
 * @since 0.1.0
 */
import { Context } from "effect"

/**
 * The scripted fate of refunds on one payment. Every processor maps it onto its own raw statuses and webhooks
 * (see the README table). Default: `"succeeded"`.
 *
 * - `succeeded_then_reversed`: the refund first succeeds, later it is reversed (Stripe: `failed` with
 *   `refund.failed`; Adyen: `REFUND` success, then `REFUNDED_REVERSED`).
 * - `succeeded_then_failed`: the refund first succeeds, later the scheme rejects it (Stripe: same as
 *   `succeeded_then_reversed`; Adyen: `REFUND` success, then `REFUND_FAILED`).
 */
export type Outcome =
  | "succeeded"
  | "failed"
  | "canceled"
  | "requires_action"
  | "succeeded_then_reversed"
  | "succeeded_then_failed"

/** Every {@link Outcome}, in a stable order. */
export const outcomes: ReadonlyArray<Outcome> = [
  "succeeded",
  "failed",
  "canceled",
  "requires_action",
  "succeeded_then_reversed",
  "succeeded_then_failed"
]

/** Type guard for {@link Outcome}. */
export const isOutcome = (u: unknown): u is Outcome => typeof u === "string" && (outcomes as ReadonlyArray<string>).includes(u)

/**
 * A transport or server fault injected into the next matching processor request(s).
 * Control-API requests (`/__emulator/...`) are never faulted.
 */
export type Fault =
  /** 429 with the processor's rate-limit body and a `Retry-After: <seconds>` header. Nothing is recorded. */
  | { readonly _tag: "RateLimit"; readonly retryAfterSeconds: number }
  /** A 5xx (default 500) with the processor's real error body. Nothing is recorded, nothing stored for idempotency. */
  | { readonly _tag: "ServerError"; readonly status?: number }
  /** The socket is destroyed before the request is handled: no refund exists afterwards. */
  | { readonly _tag: "DropBeforeRecord" }
  /** The request is fully handled (refund stored, idempotent result saved), then the socket is destroyed unanswered. */
  | { readonly _tag: "DropAfterRecord" }
  /** The request is handled at once (the refund IS recorded) but the response is held back for `delayMillis`. */
  | { readonly _tag: "Slow"; readonly delayMillis: number }
  /** The request is handled (and recorded), then answered 200 with a truncated, unparsable body. */
  | { readonly _tag: "MalformedBody" }

/** The `_tag`s of {@link Fault}. */
export type FaultTag = Fault["_tag"]

/**
 * Which requests a fault applies to. Omitted fields match everything.
 * A string `path` matches the request path exactly (query excluded), or as a prefix when it ends in `*`.
 */
export interface FaultMatch {
  readonly method?: string
  readonly path?: RegExp | string
  /** How many matching requests get the fault. Default 1. */
  readonly times?: number
}

/** What moved a refund from one status to the next. */
export type TransitionCause = "create" | "read" | "timer" | "advance" | "api"

/** One entry of a refund's status history. */
export interface RefundHistoryEntry {
  readonly status: string
  /** Epoch milliseconds. */
  readonly at: number
  readonly via: TransitionCause
}

/** A refund as the emulator holds it (a snapshot; mutating it changes nothing). */
export interface EmulatedRefund {
  /** The processor's refund id (Stripe `re_…`, Adyen refund `pspReference`). */
  readonly id: string
  /** The id {@link Emulator.createPayment} returned for the refunded payment. */
  readonly paymentId: string
  /** Minor units. */
  readonly amount: number
  /** As the processor reports it (Stripe lowercase, Adyen uppercase). */
  readonly currency: string
  /** The processor's raw status (Stripe `pending`/`succeeded`/…; Adyen see README). */
  readonly status: string
  readonly idempotencyKey?: string
  /** Epoch milliseconds. */
  readonly createdAt: number
  readonly history: ReadonlyArray<RefundHistoryEntry>
  /** The outcome the refund is following (fixed at its first transition). */
  readonly outcome: Outcome
  /** The processor's failure reason once failed (Stripe `failure_reason`, Adyen `reason`). */
  readonly failureReason?: string
  /** The merchant's own reference, when the processor has one (Stripe `metadata`, Adyen `reference`). */
  readonly reference?: string
  readonly metadata: Readonly<Record<string, string>>
}

/** A processor request as the emulator received it. Secret headers are redacted. */
export interface RecordedRequest {
  /** 1-based sequence number. */
  readonly seq: number
  readonly method: string
  /** Path without the query string. */
  readonly path: string
  /** The query string without `?` ("" when none). */
  readonly query: string
  /** Lower-cased names; `authorization`, `x-api-key` etc. are redacted. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Epoch milliseconds. */
  readonly time: number
  /** Response status, once answered (undefined when the socket was dropped or the answer is still pending). */
  readonly status?: number
  readonly fault?: FaultTag
}

/** One webhook delivery attempt. */
export interface WebhookDelivery {
  readonly seq: number
  readonly url: string
  readonly eventType: string
  readonly refundId: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Epoch milliseconds. */
  readonly time: number
  /** The receiver's HTTP status (undefined on a transport error). */
  readonly status?: number
  readonly responseBody?: string
  /** Whether the receiver acknowledged the way the processor expects (Stripe: 2xx; Adyen: 2xx and `[accepted]`). */
  readonly accepted: boolean
  readonly error?: string
}

/** Options of {@link Emulator.signedWebhook}. */
export interface SignedWebhookOptions {
  /** Event type / Adyen eventCode. Default: the event matching the refund's current status. */
  readonly eventType?: string
  /** Change the body after signing, so the signature no longer matches. */
  readonly tamper?: boolean
  /** Sign with this secret instead of the emulator's. */
  readonly secret?: string
  /** Stripe's `t=` (unix seconds). Default: now. */
  readonly timestampSeconds?: number
}

/** A signed webhook delivery that can be POSTed or verified. */
export interface SignedWebhook {
  readonly headers: Record<string, string>
  readonly body: string
}

/** Input of {@link Emulator.createPayment}. */
export interface CreatePaymentInput {
  /** Captured amount, minor units. */
  readonly amount: number
  /** ISO currency code, any case. */
  readonly currency: string
  /** The merchant reference of the payment (Adyen `merchantReference`). Optional. */
  readonly reference?: string
}

/** Options accepted by every emulator's `start`/`layer`. Processors add their own (e.g. Adyen `merchantAccount`). */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1. 0 (default) picks an ephemeral port. */
  readonly port?: number
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string
  /**
   * Each status is shown to this many status reads before the next read moves the refund one step along its path.
   * Default 1 (first read: pending, second read: the outcome). 0 = a read always moves first.
   * When `settleAfterMillis` is set and this is not, reads do not move refunds.
   */
  readonly settleAfterReads?: number
  /** Move a refund one step every this many milliseconds (real time). `Infinity` = never by time. */
  readonly settleAfterMillis?: number
  /** Deliver signed webhooks for every state change here. */
  readonly webhookUrl?: string
  /** Webhook signing secret (Stripe `whsec_…`; Adyen the hex HMAC key). */
  readonly webhookSecret?: string
  /** The one valid API key. */
  readonly apiKey?: string
  /** Abort a webhook POST after this long. Default 5000. */
  readonly webhookTimeoutMillis?: number
}

/** The running emulator. */
export interface Emulator {
  /** `"stripe"`, `"adyen"`, ... */
  readonly name: string
  /** The base URL a connector points at (Stripe `http://127.0.0.1:PORT`, Adyen `http://127.0.0.1:PORT/v71`). */
  readonly url: string
  /** `http://127.0.0.1:PORT`: where the control API lives (`${origin}/__emulator`). */
  readonly origin: string
  readonly port: number
  /** Valid test credentials, e.g. `{ apiKey }` / `{ apiKey, merchantAccount, hmacKey }`. */
  readonly credentials: Readonly<Record<string, string>>
  readonly webhookSecret: string
  /** Creates a captured, refundable payment; returns the id refunds reference. */
  createPayment(input: CreatePaymentInput): Promise<string>
  /** Sets the outcome of refunds on that payment (including existing refunds that have not moved yet). */
  scriptOutcome(paymentId: string, outcome: Outcome, options?: { readonly reason?: string }): void
  injectFault(fault: Fault, match?: FaultMatch): void
  /** Removes every fault not yet consumed. */
  clearFaults(): void
  refunds(): ReadonlyArray<EmulatedRefund>
  requests(): ReadonlyArray<RecordedRequest>
  webhookDeliveries(): ReadonlyArray<WebhookDelivery>
  /** Moves the refund one step along its path now; resolves once its webhooks were delivered (or failed). */
  advance(refundId: string): Promise<void>
  setWebhookUrl(url: string | undefined): void
  /** Resolves when every queued webhook delivery has finished. */
  flushWebhooks(): Promise<void>
  signedWebhook(refundId: string, options?: SignedWebhookOptions): SignedWebhook
  /** Back to the state right after start: no payments, refunds, faults, requests, deliveries or idempotency keys. */
  reset(): void
  close(): Promise<void>
}

/** The running emulator as an Effect service (`StripeEmulator.layer(...)`, `AdyenEmulator.layer(...)` provide it). */
export class EmulatorService extends Context.Service<EmulatorService, Emulator>()("@refract/testkit/EmulatorService") {}
