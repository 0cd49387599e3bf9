/**
 * The connector contract: what a processor package implements.
 *
 * A connector is a value, not a class: an id, declared capabilities, environments, a credentials
 * schema, and per flow a pure request builder and a pure response parser. It also maps processor
 * errors onto {@link RefundErrorReason}, gives retry hints from processor signals, and verifies and
 * parses webhooks. The core runs all of it (see `pipeline/Executor.ts`); a connector never does I/O
 * itself, except webhook verification that needs a certificate (done through the context it is given).
 */
import type { Effect, Option, Redacted, Result } from "effect"
import type { ProcessorErrorDetails, RefundErrorReason } from "../error/RefundError.ts"
import type { CreateRefundRequest, RefundReference, RefundSnapshot } from "../refund/Refund.ts"
import type { WebhookError } from "../webhook/WebhookError.ts"
import type { RawWebhookRequest, WebhookEvent } from "../webhook/WebhookEvent.ts"
import type { CredentialSpec, Decoded } from "./Credentials.ts"
import type { HeaderValue, ProcessorRequest, ProcessorResponse } from "./ProcessorHttp.ts"

export type Environment = "sandbox" | "production"

/** What idempotency keys this processor accepts (Square: at most 45; Razorpay: at least 10, `[A-Za-z0-9_-]`). */
export interface IdempotencyKeyRules {
  readonly maxLength: number
  readonly minLength?: number | undefined
  readonly pattern?: RegExp | undefined
  /**
   * How long the processor remembers a key (ms), measured from its first use: a replay within the
   * window returns the first outcome, one after it runs as a NEW request. Where the processor
   * publishes no window, declare the shortest one it could plausibly have and say so.
   *
   * 0: the processor de-duplicates nothing (Braintree takes no idempotency key). The key then only
   * names the refund: a connector sends it where a {@link Connector.lookup} can find the refund again
   * (an order id, an invoice number). The core never sends a create again once an attempt may have
   * reached the processor, and resolves an OutcomeUnknown only through that lookup, never a replay.
   */
  readonly windowMillis: number
}

/** Whether the processor replays a create sent again under the same key (see {@link IdempotencyKeyRules.windowMillis}). */
export const replaysKeys = (rules: IdempotencyKeyRules): boolean => rules.windowMillis > 0

export interface Capabilities {
  /** Can create refunds. */
  readonly create: boolean
  /** Has a refund-status endpoint (Adyen does not: its outcomes arrive only by webhook). */
  readonly get: boolean
  /** Can find a refund by the merchant refund id, which resolves an OutcomeUnknown without a new create. */
  readonly lookup: boolean
  /**
   * A lookup also finds refunds the processor has not processed yet, so finding nothing proves there
   * is none (Stripe and Razorpay list a refund from its creation). Checkout.com lists a refund among
   * a payment's actions only once processed: finding nothing there proves nothing, and a recovery
   * falls back to a same-key replay within the key window.
   */
  readonly lookupFindsPending: boolean
  /** Verifies and parses refund webhooks. */
  readonly webhooks: boolean
  readonly partialRefunds: boolean
  /**
   * The processor refunds the whole remaining amount when the request has no amount (Stripe, PayPal,
   * Checkout.com, Razorpay). Where it requires one (Adyen, Square), the core refuses a create without
   * an amount with `Unsupported` before anything is sent.
   */
  readonly fullRefundWithoutAmount: boolean
  /** Does the processor ever report a succeeded refund as failed or reversed later? */
  readonly reportsReversals: boolean
  /** Does the processor have a cancelled refund state? */
  readonly cancellation: boolean
  /**
   * Can a refund be cancelled through the processor's API (Stripe: `POST /v1/refunds/{id}/cancel`, only
   * while the refund is `requires_action`)? Where it cannot, the core answers `Unsupported` before
   * anything is sent. Declared by every connector; true needs a {@link Connector.cancel} flow.
   */
  readonly cancelRefund: boolean
  /**
   * Lists its refunds over a window of creation times, page by page (Stripe, Square, Razorpay, PayPal's
   * transaction search). True needs a {@link Connector.list}. Reconciliation reads the processor's
   * truth through it.
   */
  readonly list: boolean
  /**
   * Parses a report the processor publishes (Adyen's settlement details CSV) into refund snapshots with
   * their settlement evidence, for processors whose refunds cannot be listed. True needs a
   * {@link Connector.report}.
   */
  readonly reports: boolean
}

/** Per-request context handed to builders. */
export interface BuildContext<C> {
  readonly credentials: C
  readonly environment: Environment
}

export interface CreateContext<C> extends BuildContext<C> {
  /**
   * The caller's key, else derived from the merchant refund id; identical on every attempt. Put it
   * where the processor wants it.
   */
  readonly idempotencyKey: string
}

/**
 * Context of a cancel. Cancelling moves no money and a replay is harmless (an already cancelled refund
 * is refused, never cancelled twice), but it is a state-changing request: where the processor takes an
 * idempotency key, send this one. The core makes one per `cancel` call and sends it on every attempt
 * of that call, so a retry after a lost answer gets the first answer back instead of a refusal.
 */
export interface CancelContext<C> extends BuildContext<C> {
  readonly idempotencyKey: string
}

/** The operations a connector's {@link Connector.mapError} is asked about. */
export type ProcessorOperation = "create" | "get" | "lookup" | "cancel" | "list" | "authenticate"

/** Finds a refund by the merchant's id (after an OutcomeUnknown). */
export interface LookupRequest {
  readonly merchantRefundId: string
  readonly connectorTransactionId: string
}

/** A window of processor creation times, epoch ms: `from` inclusive, `to` exclusive. */
export interface ListWindow {
  readonly from: number
  readonly to: number
}

/**
 * Whether a snapshot's creation time (when known) lies in the window, `from` inclusive and `to`
 * exclusive. Listing parsers keep only these: processors differ on whether their bounds are
 * inclusive (or do not say), so a connector may ask a little more and filter, and consecutive windows
 * then never list a refund twice.
 */
export const createdIn = (snapshot: { readonly createdAt?: number | undefined }, window: ListWindow): boolean =>
  snapshot.createdAt === undefined || (snapshot.createdAt >= window.from && snapshot.createdAt < window.to)

/** One page of a refund listing. */
export interface ListRequest {
  /** Never longer than the connector's `maxWindowMillis` (the core splits longer ranges). */
  readonly window: ListWindow
  /** The `next` of the previous page; absent for the first page. */
  readonly cursor?: string | undefined
  /** At most the connector's `maxPageSize`. */
  readonly pageSize: number
}

export interface ListPage {
  /**
   * The refunds on this page, as snapshots (with settlement evidence where the listing carries it).
   * A processor listing other things too (PayPal's transaction search) leaves those out, so a page may
   * be empty and still have a `next`.
   */
  readonly refunds: ReadonlyArray<RefundSnapshot>
  /**
   * Where the next page starts, opaque to the core (Stripe: the last refund id; Razorpay: the skip
   * count; PayPal: the page number); absent on the last page. The core checkpoints it, so it must
   * stay valid across a restart.
   */
  readonly next?: string | undefined
}

/** How a processor lists refunds (see `capabilities.list`). */
export interface ListingSupport<C> {
  /** The most refunds a page holds (Stripe 100). */
  readonly maxPageSize: number
  /** The longest window one listing may cover (PayPal: 31 days); absent when unlimited. */
  readonly maxWindowMillis?: number | undefined
  /**
   * How long a new or changed refund may take to show in the listing (PayPal: up to 3 hours; Square:
   * eventually consistent). Reconciliation does not call a refund missing until it is older than this.
   */
  readonly lagMillis: number
  readonly page: Flow<ListRequest, ListPage, BuildContext<C>>
}

/** Reads one data row of a report, once its header is known: a refund, or nothing (a payment, a fee). */
export type ReportRowParser = (cells: ReadonlyArray<string>) => Result.Result<Option.Option<RefundSnapshot>, string>

/**
 * A report the processor publishes with refunds and their settlement (see `capabilities.reports`).
 * Pure and row by row, so a report of any size is read in bounded memory; the core splits the CSV.
 */
export interface ReportSupport {
  /** For docs and the CLI: "Settlement details report (CSV)". */
  readonly name: string
  /** Binds the header row: a parser for the data rows, or why this is not the report. */
  readonly columns: (header: ReadonlyArray<string>) => Result.Result<ReportRowParser, string>
}

export interface Flow<In, Out, Ctx> {
  readonly build: (input: In, context: Ctx) => Result.Result<ProcessorRequest, RefundErrorReason>
  /**
   * Reads a 2xx answer. Non-2xx answers go to {@link Connector.mapError} instead. A 2xx body that
   * carries the processor's refusal (Authorize.net answers everything 200, Square declines with 200 and
   * `errors`) fails with that refusal's reason (Authentication, InvalidRequest, NotFound, RefundRejected):
   * the core treats it like a 4xx, final and never retried. A body that cannot be read fails with
   * UnexpectedResponse: for a create the processor may then have acted, so the outcome is unknown.
   */
  readonly parse: (response: ProcessorResponse, input: In, context: Ctx) => Result.Result<Out, RefundErrorReason>
}

/** A processor hint about retrying a failed answer. */
export interface RetryHint {
  /** true: retry is safe and useful; false: do not retry; undefined: decide from the error reason. */
  readonly retry?: boolean | undefined
  /** Wait at least this long first (Retry-After). */
  readonly afterMillis?: number | undefined
}

export interface AccessToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresInSeconds: number
}

/** How requests are authenticated. */
export type Auth<C> =
  | {
    readonly _tag: "Static"
    /** Headers to add to every request (e.g. `Authorization: Bearer <key>`); values stay Redacted. */
    readonly headers: (credentials: C) => Readonly<Record<string, HeaderValue>>
  }
  | {
    /** OAuth2-style access tokens, fetched once, cached until shortly before expiry, refreshed on 401. */
    readonly _tag: "AccessToken"
    readonly tokenRequest: (credentials: C) => ProcessorRequest
    readonly parseToken: (response: ProcessorResponse) => Result.Result<AccessToken, RefundErrorReason>
    readonly headers: (token: Redacted.Redacted<string>, credentials: C) => Readonly<Record<string, HeaderValue>>
  }

export interface VerifyContext {
  /** Current time, epoch ms (from Effect's Clock, so tests control it). */
  readonly now: number
  /** GETs an absolute URL (used for PayPal's signing certificate; the connector enforces its own host allow-list). */
  readonly fetchText: (url: string) => Effect.Effect<string, WebhookError>
}

export interface WebhookSupport<W extends CredentialSpec> {
  /** The secrets the receiver must hold (signing secret, HMAC key, ...); decoded with secrets Redacted. */
  readonly secrets: W
  /** How deliveries are signed, for docs: "HMAC-SHA256 of t.payload", ... */
  readonly scheme: string
  /**
   * Checks the signature over the exact raw bytes; fails closed. Must run before {@link parse}.
   * Processors without signing need an explicit opt-in from the user, never a silent pass.
   */
  readonly verify: (request: RawWebhookRequest, secrets: Decoded<W>, context: VerifyContext) => Effect.Effect<void, WebhookError>
  /** Parses a verified delivery into events (Adyen batches several notification items in one delivery). */
  readonly parse: (request: RawWebhookRequest) => Result.Result<ReadonlyArray<WebhookEvent>, WebhookError>
  /** The answer the processor expects once the delivery is safely stored (Adyen wants `[accepted]`). */
  readonly acknowledgement: { readonly status: number; readonly contentType: string; readonly body: string }
}

export interface Connector<Spec extends CredentialSpec = any, W extends CredentialSpec = any, C = Decoded<Spec>> {
  /** Lower-case id users pick the connector by: "stripe". */
  readonly id: string
  readonly displayName: string
  readonly capabilities: Capabilities
  /**
   * Base URLs. A `{field}` placeholder is filled from the string credential of that name
   * (Adyen live URLs carry a per-merchant prefix).
   */
  readonly environments: Readonly<Record<Environment, string>>
  /** Credential fields; the core decodes them, secrets become `Redacted`, failures never echo values. */
  readonly credentials: Spec
  readonly auth: Auth<C>
  /** Limits on the idempotency key this processor accepts; the core derives a key that fits. */
  readonly idempotencyKey: IdempotencyKeyRules
  /** Header names that carry secrets and must be redacted from traces and logs. */
  readonly secretHeaders: ReadonlyArray<string>
  /** The processor's documented request rate, used by pollers to stay under it. */
  readonly rateLimit?: { readonly requestsPerSecond: number } | undefined
  readonly create: Flow<CreateRefundRequest, RefundSnapshot, CreateContext<C>>
  readonly get?: Flow<RefundReference, RefundSnapshot, BuildContext<C>> | undefined
  readonly lookup?: Flow<LookupRequest, Option.Option<RefundSnapshot>, BuildContext<C>> | undefined
  /**
   * Cancels a refund the processor still holds (with `capabilities.cancelRefund`); parses the refund as
   * the processor answers it (its Cancelled status comes from that answer, never assumed).
   */
  readonly cancel?: Flow<RefundReference, RefundSnapshot, CancelContext<C>> | undefined
  /** Lists refunds over a window (with `capabilities.list`). */
  readonly list?: ListingSupport<C> | undefined
  /** Parses the processor's settlement report (with `capabilities.reports`). */
  readonly report?: ReportSupport | undefined
  /** Maps a non-2xx answer to a reason plus the processor's code, message and request id. `now` is epoch ms. */
  readonly mapError: (
    response: ProcessorResponse,
    operation: ProcessorOperation,
    now: number
  ) => ProcessorErrorDetails
  /** Processor retry signals (Retry-After, Stripe-Should-Retry, Adyen Transient-Error). `now` is epoch ms (HTTP-date Retry-After). */
  readonly retryHint: (response: ProcessorResponse, now: number) => RetryHint
  /**
   * Cross-field checks on decoded credentials that a field pattern cannot express (a test key used
   * with the production environment). Runs when the connector is bound; a message means Configuration error.
   */
  readonly validate?: ((credentials: C, environment: Environment) => string | undefined) | undefined
  readonly webhooks?: WebhookSupport<W> | undefined
}

/** Identity function that checks a connector against the contract and keeps its precise types. */
export const make = <const Spec extends CredentialSpec, const W extends CredentialSpec = {}>(
  connector: Connector<Spec, W>
): Connector<Spec, W> => connector

export type CredentialsOf<K> = K extends Connector<infer Spec, any> ? Decoded<Spec> : never
export type WebhookSecretsOf<K> = K extends Connector<any, infer W> ? Decoded<W> : never
