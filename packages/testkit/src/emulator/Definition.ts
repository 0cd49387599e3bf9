/**
 * What a processor plugs into the framework ({@link EmulatorDefinition}) and what its routes get back
 * ({@link EmulatorKit}). A definition carries the processor's own numbers too: its settle and reversal
 * delays, how long it remembers idempotency keys, and its webhook retry schedule, each with its source.
 *
 * @since 0.1.0
 */
import type { Layer } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpRouter } from "effect/http"
import type { EmulatorClock } from "./Clock.ts"
import type { CreatePaymentInput, EmulatorOptions, SignedWebhook, SignedWebhookOptions } from "./Emulator.ts"
import type { FaultInjector } from "./Faults.ts"
import type { EmulatorRequest } from "./Http.ts"
import { responseBytes, responseHeaders } from "./Http.ts"
import type { IdempotencyStore, StoredResponse } from "./Idempotency.ts"
import type { Lifecycle, RefundRecord, RefundStore, Timing, Transition } from "./RefundStore.ts"
import type { RequestLog } from "./RequestLog.ts"
import type { RetrySchedule } from "./RetrySchedule.ts"
import type { SeedPolicy } from "./Seed.ts"
import type { Batching, WebhookEngine } from "./WebhookEngine.ts"

/** How a processor answers injected faults. The framework adds `Retry-After` to rate-limit answers itself. */
export interface FaultResponses {
  readonly rateLimit: (retryAfterSeconds: number, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  readonly serverError: (status: number, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** The 200 answer for `MalformedBody`. Default: the real body cut in half (unparsable JSON). */
  readonly malformed?: (real: HttpServerResponse.HttpServerResponse) => HttpServerResponse.HttpServerResponse
}

/** How a processor treats `Idempotency-Key`-style headers. */
export interface IdempotencyPolicy {
  /** Lower-case request header carrying the key. */
  readonly header: string
  /** Which requests take part (typically POSTs). */
  readonly appliesTo: (request: EmulatorRequest) => boolean
  /** What must match for a replay (e.g. method, path and canonical parameters). */
  readonly fingerprint: (request: EmulatorRequest) => string
  /** Whether a first response is stored for replay (otherwise the key is forgotten and a retry runs as new). */
  readonly stores: (response: StoredResponse) => boolean
  /** The replay of a stored response. */
  readonly replay: (stored: StoredResponse, key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** Same key, different fingerprint. `undefined` = replay anyway. */
  readonly mismatch?: (key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** Same key while the first request is still being handled. */
  readonly inFlight: (key: string, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
}

/** Options of {@link WebhookFormat.render}. */
export interface RenderOptions extends SignedWebhookOptions {
  /** The secret to sign with (already defaulted to the emulator's). */
  readonly secret: string
  /** The status before this change, when rendering a transition. */
  readonly previousStatus?: string | undefined
  /** The emulator clock's time (epoch ms): every timestamp in the event comes from here (or `timestampSeconds`). */
  readonly now: number
}

/** An attempt to deliver a frozen message: when, where, and the secret to sign with. */
export interface AttemptContext {
  readonly now: number
  readonly url: string
  readonly secret: string
}

/** How a processor turns refund changes into signed webhook deliveries. */
export interface WebhookFormat<A> {
  /** Event types (Stripe `refund.updated`, Adyen eventCodes) to deliver for a transition; creation has `from: undefined`. */
  readonly eventsFor: (transition: Transition<A>) => ReadonlyArray<string>
  /** Event type used by `signedWebhook` when none is given. */
  readonly defaultEventType: (refund: RefundRecord<A>) => string
  /** Headers and exact body bytes, signed as the processor signs. Honors `tamper`, `secret`, `timestampSeconds`. */
  readonly render: (refund: RefundRecord<A>, eventType: string, options: RenderOptions, kit: EmulatorKit<A>) => SignedWebhook
  /** Whether the receiver acknowledged. Default: any 2xx. */
  readonly isAccepted?: (status: number, body: string) => boolean
  /**
   * Headers for each delivery attempt of an already rendered event, for schemes that sign the moment of
   * sending (Stripe's `t=`, PayPal's transmission id and time) or the URL (Square). Default: the rendered
   * headers, unchanged (a signature over the body alone stays valid on every retry).
   */
  readonly resign?: (message: { readonly headers: Readonly<Record<string, string>>; readonly body: string }, attempt: AttemptContext) => Readonly<Record<string, string>>
  /** The processor's event id in a rendered message, so the event log uses it. Default: an emulator id. */
  readonly eventId?: (message: SignedWebhook) => string | undefined
  /** Several events in one POST, when the processor does that (Adyen). */
  readonly batching?: Batching
}

/** The processor's own numbers, with the options that override them. */
export interface ProcessorNumbers {
  /** Settle and reversal delays. */
  readonly timing: Timing
  /** How long idempotency keys are remembered after their first use (emulator ms; `Infinity` = forever). */
  readonly idempotencyWindowMillis: number
  /** When unacknowledged webhooks are retried. */
  readonly retrySchedule: RetrySchedule
}

/** Everything a processor plugs into the framework. Build one per emulator instance (it may close over options). */
export interface EmulatorDefinition<A> extends ProcessorNumbers {
  /** `"stripe"`, `"adyen"`, ... */
  readonly name: string
  /** Appended to the origin to form `Emulator.url` (Adyen `"/v71"`). Default `""`. */
  readonly basePath?: string
  readonly credentials: Readonly<Record<string, string>>
  readonly webhookSecret: string
  readonly webhookUrl?: string | undefined
  readonly lifecycle: Lifecycle
  /** Ids for a new payment (the first is what `createPayment` returns). */
  readonly newPayment: (input: CreatePaymentInput) => {
    readonly id: string
    readonly aliases?: ReadonlyArray<string>
    readonly currency: string
  }
  /** Extra request headers to redact in the request log. */
  readonly secretHeaders?: ReadonlyArray<string>
  /** Returns an error response when the request is not authenticated. Runs after edge faults. */
  readonly authenticate?: (request: EmulatorRequest) => HttpServerResponse.HttpServerResponse | undefined
  readonly idempotency?: IdempotencyPolicy
  readonly faults: FaultResponses
  /** Applied once to every processor response (e.g. a `Request-Id` header). */
  readonly decorate?: (response: HttpServerResponse.HttpServerResponse, request: EmulatorRequest) => HttpServerResponse.HttpServerResponse
  /** The processor's routes. Handlers should never fail; add a catch-all route for the processor's 404. */
  readonly routes: (kit: EmulatorKit<A>) => Layer.Layer<never, never, HttpRouter.HttpRouter>
  readonly webhooks: WebhookFormat<A>
  /** How items of `seedRefunds` become this processor's refunds. Without it, seeding is refused. */
  readonly seeding?: SeedPolicy<A>
  /** The processor's listing lag (emulator ms) when the options set none. Default 0. */
  readonly listLagMillis?: number
}

/** What route handlers get: the shared state, all on one clock. */
export interface EmulatorKit<A> {
  readonly name: string
  readonly clock: EmulatorClock
  readonly store: RefundStore<A>
  readonly faults: FaultInjector
  readonly log: RequestLog
  readonly idempotency: IdempotencyStore
  /** Event log and delivery; `webhooks.url` is the current webhook URL, `webhooks.events()` the event log. */
  readonly webhooks: WebhookEngine
  readonly definition: EmulatorDefinition<A>
}

/**
 * The default delays, until someone tunes them per processor: none of the processors publishes how long a
 * test-mode refund stays pending, so a refund settles "a few seconds" after creation (long enough that a
 * status read right after the create still sees it pending), and a later reversal or scheme rejection comes
 * days later, when a connector has long stopped polling ([derived], not documented numbers).
 */
export const defaultTiming: Timing = { settleAfterMillis: 2_000, reversalAfterMillis: 3 * 24 * 60 * 60 * 1_000 }

/**
 * The processor's numbers with the user's overrides (`settleAfterMillis`, `reversalAfterMillis`,
 * `idempotencyWindowMillis`) applied.
 */
export const numbers = (options: EmulatorOptions, defaults: ProcessorNumbers): ProcessorNumbers => ({
  timing: {
    settleAfterMillis: options.settleAfterMillis ?? defaults.timing.settleAfterMillis,
    reversalAfterMillis: options.reversalAfterMillis ?? defaults.timing.reversalAfterMillis
  },
  idempotencyWindowMillis: options.idempotencyWindowMillis ?? defaults.idempotencyWindowMillis,
  retrySchedule: defaults.retrySchedule
})

/** A stored (replayable) form of a response built from bytes; undefined for streamed bodies. */
export const snapshot = (response: HttpServerResponse.HttpServerResponse): StoredResponse | undefined => {
  const body = responseBytes(response)
  if (body === undefined) return undefined
  const headers = responseHeaders(response)
  const contentType = response.body._tag === "Uint8Array" ? response.body.contentType : undefined
  if (contentType !== undefined) headers["content-type"] = contentType
  return { status: response.status, headers, body }
}

/** Rebuilds a response from a stored one (used by idempotency replays). */
export const fromStored = (stored: StoredResponse): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, "content-length": _length, ...headers } = stored.headers
  return HttpServerResponse.uint8Array(stored.body, {
    status: stored.status,
    headers,
    ...(contentType === undefined ? {} : { contentType })
  })
}
