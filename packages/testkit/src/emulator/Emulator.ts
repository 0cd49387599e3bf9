/**
 * The common contract of every Refract processor emulator (Stripe, Adyen, and the ones built later on the same
 * framework). Connector tests program against {@link Emulator}; Effect tests get it from {@link EmulatorService}.
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { ClockOption, EmulatorClock } from "./Clock.ts"
import type { RetrySchedule } from "./RetrySchedule.ts"
import type { SeedRefund, SeedResult } from "./Seed.ts"

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
 * A transport or server fault injected into matching processor requests, as the processor would see them:
 * replays of an idempotency key are requests too, and get faulted like any other.
 * Control-API requests (`/__emulator/...`) are never faulted.
 *
 * Edge faults (`RateLimit`, `ServerError`, `DropBeforeRecord`) refuse the request before it is handled:
 * nothing is recorded and the idempotency key is untouched. The others apply to whatever answer the processor
 * produced (a new refund, an idempotent replay, a mismatch error, an in-flight 409, a 401...).
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
  /**
   * The request is handled at once (the refund IS recorded) but the answer is held back `delayMillis` on the
   * emulator clock (with a manual clock: until the clock is advanced past it). The key stays in flight meanwhile.
   */
  | { readonly _tag: "Slow"; readonly delayMillis: number }
  /** The request is handled (and recorded), then answered 200 with a truncated, unparsable body. */
  | { readonly _tag: "MalformedBody" }
  /**
   * The request is handled (and recorded); the status line, the headers (with the full `Content-Length`) and
   * the first `sentBytes` of the body (default: half) are sent, then the body stalls. With `resumeAfterMillis`
   * the rest follows after that long on the emulator clock; without, never (until the client gives up).
   */
  | { readonly _tag: "StallMidBody"; readonly sentBytes?: number; readonly resumeAfterMillis?: number }
  /** The request is handled (and recorded); the status line and headers are sent, then the TCP connection is reset. */
  | { readonly _tag: "ResetAfterHeaders" }

/** The `_tag`s of {@link Fault}. */
export type FaultTag = Fault["_tag"]

/**
 * A seeded fault campaign: each matching request gets a fault with probability `rate`, picked from `kinds`.
 * The same seed and the same requests (in the same order) give the same faults. Queued faults
 * ({@link Emulator.injectFault}) are taken first.
 */
export interface RandomFaults {
  /** Probability, 0..1, that a matching request is faulted. */
  readonly rate: number
  /** The faults to pick from (uniformly). */
  readonly kinds: ReadonlyArray<Fault>
  /** Default: a fresh random seed (see `Truth.faultCampaigns` for the one used). */
  readonly seed?: number | string
  /** Which requests take part (`times` is ignored). Default: all. */
  readonly match?: FaultMatch
  /** Stop after this many faults. Default: no limit. */
  readonly maxFaults?: number
}

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

/**
 * What moved a refund from one status to the next: never a read (`timer` = its delay passed on the emulator clock;
 * `seed` = the refund was seeded in that status, see `Emulator.seedRefunds`).
 */
export type TransitionCause = "create" | "timer" | "advance" | "api" | "seed"

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
  /** Epoch milliseconds (emulator clock), like every time below. */
  readonly createdAt: number
  /** The last status change. */
  readonly updatedAt: number
  readonly history: ReadonlyArray<RefundHistoryEntry>
  /** Whether the refund was ever in a success status (a later reversal does not undo this). */
  readonly everSucceeded: boolean
  /** When it takes its next step by time, if it will. */
  readonly nextStepAt?: number
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
  /** What the processor's idempotency did with the request's key, when it had one. */
  readonly idempotency?: IdempotencyNote
}

/**
 * How a keyed request was treated: the key's first use, a replay of the stored answer, a different request
 * under a used key, a request while the first is still in flight, or a key whose window had passed (it was
 * forgotten, so the request ran as new, exactly as the processor would).
 */
export type IdempotencyResult = "first" | "replay" | "mismatch" | "in_flight" | "expired"

/** {@link RecordedRequest.idempotency}. */
export interface IdempotencyNote {
  readonly key: string
  readonly result: IdempotencyResult
  /** For `expired`: when the forgotten key was first used (epoch milliseconds). */
  readonly previousFirstUsedAt?: number
}

/** Why an attempt was made: the first try, a retry of an unacknowledged delivery, or adversity. */
export type AttemptKind = "first" | "retry" | "duplicate" | "redelivery"

/** One webhook delivery attempt (a POST carrying one event, or several when the processor batches). */
export interface WebhookDelivery {
  /** Dispatch order, 1-based. */
  readonly seq: number
  readonly url: string
  /** The first event's type and refund (see `events` for a batch). */
  readonly eventType: string
  readonly refundId: string
  /** Every event in this POST (one, unless the processor batches). */
  readonly events: ReadonlyArray<{ readonly id: string; readonly type: string; readonly refundId: string }>
  readonly kind: AttemptKind
  /** 1 for the first attempt of this delivery, 2 for the first retry, ... (duplicates and redeliveries count too). */
  readonly attempt: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** When it was sent, epoch milliseconds (emulator clock). */
  readonly time: number
  /** False while the POST is in flight. */
  readonly finished: boolean
  /** The receiver's HTTP status (undefined on a transport error or timeout). */
  readonly status?: number
  readonly responseBody?: string
  /** Whether the receiver acknowledged the way the processor expects (Stripe: 2xx; Adyen: 2xx and `[accepted]`). */
  readonly accepted: boolean
  readonly error?: string
}

/** An event in the processor's event log, with every attempt to deliver it. */
export interface WebhookEventRecord {
  /** The processor's event id when its format has one (Stripe `evt_…`), else an emulator id. */
  readonly id: string
  readonly type: string
  readonly refundId: string
  /** Epoch milliseconds (emulator clock). */
  readonly createdAt: number
  /** The event body as first rendered (the exact bytes a single-event delivery carries). */
  readonly payload: string
  /** Whether some attempt was acknowledged. */
  readonly acknowledged: boolean
  readonly acknowledgedAt?: number
  /** When the next attempt is due (a retry, a duplicate or a redelivery), if one is. */
  readonly nextAttemptAt?: number
  /** True once retries ran out unacknowledged. */
  readonly gaveUp: boolean
  /** Whether it was delivered at all (false when no webhook URL was set when it happened). */
  readonly delivered: boolean
  readonly attempts: ReadonlyArray<WebhookDelivery>
}

/** An idempotency key as the processor holds it. */
export interface IdempotencyKeyRecord {
  readonly key: string
  /** Epoch milliseconds of its first use (the window is measured from here). */
  readonly firstUsedAt: number
  /** When the processor forgets it (`Infinity` when it never does). */
  readonly expiresAt: number
  /** `expired` keys are history: a later request under the key ran as new (or will). */
  readonly state: "in_flight" | "stored" | "expired"
}

/** The emulator's ground truth, for test campaigns that check a connector against what really happened. */
export interface Truth {
  readonly name: string
  /** Emulator clock, epoch milliseconds. */
  readonly now: number
  readonly refunds: ReadonlyArray<EmulatedRefund>
  readonly webhookEvents: ReadonlyArray<WebhookEventRecord>
  readonly idempotencyKeys: ReadonlyArray<IdempotencyKeyRecord>
  /** The seed webhook adversity runs with (give it back as `webhooks.seed` to replay a run). */
  readonly webhookSeed: number | string
  /** Seeds of the fault campaigns injected since the last reset. */
  readonly faultCampaigns: ReadonlyArray<{ readonly seed: number | string; readonly rate: number; readonly faulted: number }>
}

/** Options of {@link Emulator.signedWebhook}. */
export interface SignedWebhookOptions {
  /** Event type / Adyen eventCode. Default: the event matching the refund's current status. */
  readonly eventType?: string
  /** Change the body after signing, so the signature no longer matches. */
  readonly tamper?: boolean
  /** Sign with this secret instead of the emulator's. */
  readonly secret?: string
  /** Stripe's `t=` (unix seconds), PayPal's transmission time, Adyen's `eventDate`. Default: the emulator clock. */
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

/**
 * How webhooks are delivered. The default is benign (in order, one at a time, each event once, retried on
 * the processor's schedule until acknowledged), so demos read well. `mode: "adversarial"` turns on the
 * unkindness real processors show (Stripe and Checkout.com document unordered, at-least-once delivery); every
 * knob can also be set on its own. All random choices derive from `seed`, so a run replays exactly.
 */
export interface WebhookOptions {
  /** `"benign"` (default) or `"adversarial"`, which sets the defaults marked (adv.) below. */
  readonly mode?: "benign" | "adversarial"
  /** Seed of every random choice. Default: a fresh one, reported as `Truth.webhookSeed`. */
  readonly seed?: number | string
  /** POSTs in flight at once. Default 1 (adv. 4). */
  readonly concurrency?: number
  /**
   * Each delivery waits a random 1..n multiple of `delayStepMillis`, up to this, before its first attempt
   * (so deliveries go out of order). Default 0 (adv. 3000).
   */
  readonly maxDelayMillis?: number
  /** Granularity of those delays, so deliveries coincide and go out concurrently. Default 1000. */
  readonly delayStepMillis?: number
  /** Deliveries due at the same instant go out in a seeded random order instead of event order. Default false (adv. true). */
  readonly shuffle?: boolean
  /** Probability that a delivery is sent twice at once. Default 0 (adv. 0.25). */
  readonly duplicateRate?: number
  /** Probability that an acknowledged delivery is sent again later. Default 0 (adv. 0.1). */
  readonly redeliveryRate?: number
  /** Such a redelivery comes a random time up to this after the acknowledgement. Default 1 hour. */
  readonly redeliveryWithinMillis?: number
  /** Replaces the processor's retry schedule (e.g. `{ delays: [] }` for no retries). */
  readonly retrySchedule?: RetrySchedule
}

/** Options accepted by every emulator's `start`/`layer`. Processors add their own (e.g. Adyen `merchantAccount`). */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1. 0 (default) picks an ephemeral port. */
  readonly port?: number
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string
  /**
   * The emulator clock. `"real"` (default): wall-clock time, or `{ kind: "real", timeScale: 60 }` for a minute
   * per second. `"manual"` (what tests want): time moves only with `emulator.clock.advance(ms)`. An existing
   * `EmulatorClock` may be shared by several emulators.
   */
  readonly clock?: ClockOption
  /** Delay (emulator ms) before a refund takes each ordinary step (pending → outcome). Default per processor (seconds). `Infinity` = only `advance`. */
  readonly settleAfterMillis?: number
  /** Delay (emulator ms) before a later reversal or scheme rejection (`succeeded_then_*`). Default per processor (days). */
  readonly reversalAfterMillis?: number
  /** Overrides how long the processor remembers idempotency keys (emulator ms, from the key's first use). */
  readonly idempotencyWindowMillis?: number
  /** Deliver signed webhooks for every state change here. */
  readonly webhookUrl?: string
  /** Webhook signing secret (Stripe `whsec_…`; Adyen the hex HMAC key). */
  readonly webhookSecret?: string
  /** How webhooks are delivered (benign by default). */
  readonly webhooks?: WebhookOptions
  /** The one valid API key. */
  readonly apiKey?: string
  /** Abort a webhook POST after this many real milliseconds (an unanswered POST is a failed attempt). Default 5000. */
  readonly webhookTimeoutMillis?: number
  /**
   * Listing lag (emulator ms): a refund, and each status change, shows in the processor's list endpoints
   * only once the clock has passed its time plus this (eventually consistent listings). Reads by id are
   * never lagged. Default: the processor's own (0 for Stripe, which documents none).
   */
  readonly listLagMillis?: number
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
  /** The emulator clock: `now()`, and for tests `advance(ms)` / `setTime(epochMs)`. */
  readonly clock: EmulatorClock
  /** Creates a captured, refundable payment; returns the id refunds reference. */
  createPayment(input: CreatePaymentInput): Promise<string>
  /** Sets the outcome of refunds on that payment (including existing refunds that have not moved yet). */
  scriptOutcome(paymentId: string, outcome: Outcome, options?: { readonly reason?: string }): void
  injectFault(fault: Fault, match?: FaultMatch): void
  /** Starts a seeded fault campaign on a fraction of matching requests. */
  injectRandomFaults(campaign: RandomFaults): void
  /** Removes every fault not yet consumed, and every campaign. */
  clearFaults(): void
  refunds(): ReadonlyArray<EmulatedRefund>
  requests(): ReadonlyArray<RecordedRequest>
  /** Every delivery attempt, in dispatch order. */
  webhookDeliveries(): ReadonlyArray<WebhookDelivery>
  /** The event log: every event with its delivery attempts. */
  webhookEvents(): ReadonlyArray<WebhookEventRecord>
  /** The ground truth: refunds with their full history, events with their attempts, idempotency keys. */
  truth(): Truth
  /**
   * Moves the refund one step along its path now (whatever its timer says; the next step is then timed from
   * now); resolves once the webhooks due now were delivered (or failed).
   */
  advance(refundId: string): Promise<void>
  setWebhookUrl(url: string | undefined): void
  /** Resolves when no delivery is in flight and none is due at or before the current clock time. */
  flushWebhooks(): Promise<void>
  signedWebhook(refundId: string, options?: SignedWebhookOptions): SignedWebhook
  /**
   * Stores refunds that already happened, in bulk (a million in seconds): all items are validated first
   * (a bad one rejects with a `SeedError` naming it, and nothing is stored), then stored in the status
   * given, with no timers and no webhooks. See `Seed.ts` and the processor's README section for the mapping.
   */
  seedRefunds(items: Iterable<SeedRefund> | AsyncIterable<SeedRefund>): Promise<SeedResult>
  /** The listing lag now in force (see {@link EmulatorOptions.listLagMillis}). */
  listLagMillis(): number
  /** Changes the listing lag (emulator ms, non-negative, finite). `reset()` restores the one set at start. */
  setListLagMillis(millis: number): void
  /**
   * Back to the state right after start: no payments, refunds, faults, requests, events, deliveries or
   * idempotency keys. The clock keeps its time (emulator time never goes back).
   */
  reset(): void
  close(): Promise<void>
}

/** The running emulator as an Effect service (`StripeEmulator.layer(...)`, `AdyenEmulator.layer(...)` provide it). */
export class EmulatorService extends Context.Service<EmulatorService, Emulator>()("@refract/testkit/EmulatorService") {}
