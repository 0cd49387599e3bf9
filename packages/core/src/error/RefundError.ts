/**
 * One error for everything that can go wrong creating or reading a refund.
 *
 * The package entry exports the class itself, `import { RefundError } from "@refract/core"`, so
 * `error instanceof RefundError` works in Promise code. The reasons hang off it as statics and
 * types (`RefundError.RateLimited`, `RefundError.Reason`), so Effect code keeps one import:
 *
 *   Effect.catchReason("RefundError", "RateLimited", (reason) => ...)
 *   if (error instanceof RefundError && error.reason._tag === "RateLimited") ...
 *   new RefundError.InvalidRequest({ message, field: "amount" })            // in a connector
 *
 * `RefundError` carries where it happened (connector, operation) and what the processor said
 * (HTTP status, code, message, request id). `reason` says what it means, as a union that every
 * connector maps onto, so application code handles "rate limited" or "outcome unknown" the same way
 * for every processor (`Effect.catchReason("RefundError", "RateLimited", ...)`).
 *
 * Nothing here ever holds a secret: connectors map bodies to code and message only, and request
 * headers are never copied into an error.
 */
import { Schema } from "effect"

/** The request is malformed or was refused as invalid (bad id, missing field, bad amount). Not retryable. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  field: Schema.optional(Schema.String)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The credentials were rejected. */
export class Authentication extends Schema.TaggedError<Authentication>()("Authentication", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The refund or the payment does not exist at the processor. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String,
  resource: Schema.optional(Schema.Literals(["refund", "payment"]))
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Refract is set up wrongly: unknown connector, missing or malformed credentials, bad base URL. */
export class Configuration extends Schema.TaggedError<Configuration>()("Configuration", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** Too many requests. `retryAfterMillis` is the processor's own hint (Retry-After), when it gave one. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  message: Schema.String,
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The processor failed (5xx, maintenance, lock timeouts). */
export class ProcessorUnavailable extends Schema.TaggedError<ProcessorUnavailable>()("ProcessorUnavailable", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * The request did not get an HTTP answer. `requestSent` says whether it may have reached the
 * processor: false only when the connection was never established (refused, DNS), so a retry is
 * safe even without an idempotency key.
 */
export class Network extends Schema.TaggedError<Network>()("Network", {
  message: Schema.String,
  requestSent: Schema.Boolean
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A request that moves money was sent and no answer came back (a timeout or a dropped connection
 * after sending). The refund may or may not exist. Resolve it with a status read or by retrying
 * with the SAME idempotency key (`idempotencyKey`), never with a new create.
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>()("OutcomeUnknown", {
  message: Schema.String,
  idempotencyKey: Schema.String,
  merchantRefundId: Schema.String,
  /**
   * When the first attempt under this key was sent (epoch ms). A same-key replay is only safe within
   * the processor's key window from then (`recover` checks it).
   */
  firstAttemptAt: Schema.optional(Schema.Number)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A replay of a create whose outcome is unknown was refused, because the processor has forgotten
 * the idempotency key (its key window has passed, or when the key was first used is not known) and
 * the connector cannot look the refund up by the merchant refund id. Sending it again could refund
 * twice. Find the refund at the processor (its dashboard, its webhooks, a reconciliation) instead.
 */
export class IdempotencyExpired extends Schema.TaggedError<IdempotencyExpired>()("IdempotencyExpired", {
  message: Schema.String,
  idempotencyKey: Schema.String,
  merchantRefundId: Schema.String,
  /** When the key was first used (epoch ms), when known. */
  firstAttemptAt: Schema.optional(Schema.Number),
  /** The processor's key window (ms). */
  windowMillis: Schema.Number
}) {
  get isRetryable(): boolean {
    return false
  }
}

export const RejectionKind = Schema.Literals([
  "AmountTooLarge",
  "AlreadyRefunded",
  "InsufficientBalance",
  "Disputed",
  "NotRefundable",
  "CurrencyMismatch",
  "Declined",
  "DuplicateRequest",
  "Other"
])
export type RejectionKind = typeof RejectionKind.Type

/** The processor understood the request and declined the refund. */
export class RefundRejected extends Schema.TaggedError<RefundRejected>()("RefundRejected", {
  message: Schema.String,
  kind: RejectionKind
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The connector cannot do this (e.g. Adyen has no refund-status endpoint). */
export class Unsupported extends Schema.TaggedError<Unsupported>()("Unsupported", {
  message: Schema.String,
  capability: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The processor answered with a body the connector could not decode. */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

export const RefundErrorReason = Schema.Union([
  InvalidRequest,
  Authentication,
  NotFound,
  Configuration,
  RateLimited,
  ProcessorUnavailable,
  Network,
  OutcomeUnknown,
  IdempotencyExpired,
  RefundRejected,
  Unsupported,
  UnexpectedResponse
])
export type RefundErrorReason = typeof RefundErrorReason.Type

export const Operation = Schema.Literals(["create", "get", "lookup", "cancel", "list", "authenticate", "webhook", "configure", "reconcile"])
export type Operation = typeof Operation.Type

/** Details a connector extracts from a processor error answer. */
export interface ProcessorErrorDetails {
  readonly reason: RefundErrorReason
  readonly processorCode?: string | undefined
  readonly processorMessage?: string | undefined
  readonly requestId?: string | undefined
}

/** Fallback mapping from an HTTP status when a connector has nothing better. */
export const reasonFromHttpStatus = (status: number, message: string, retryAfterMillis?: number): RefundErrorReason => {
  if (status === 401 || status === 403) return new Authentication({ message })
  if (status === 404) return new NotFound({ message })
  if (status === 409) return new ProcessorUnavailable({ message })
  if (status === 429) return new RateLimited({ message, retryAfterMillis })
  if (status >= 500) return new ProcessorUnavailable({ message })
  return new InvalidRequest({ message })
}

export class RefundError extends Schema.TaggedError<RefundError>()("RefundError", {
  connector: Schema.String,
  operation: Operation,
  reason: RefundErrorReason,
  /** HTTP status of the processor's answer, when there was one. */
  httpStatus: Schema.optional(Schema.Number),
  /** The processor's own error code (Stripe `code`/`decline_code`, Adyen `errorCode`, ...). */
  processorCode: Schema.optional(Schema.String),
  processorMessage: Schema.optional(Schema.String),
  /** The processor's request id (Stripe `Request-Id`, Adyen `pspReference`, PayPal `debug_id`). */
  requestId: Schema.optional(Schema.String),
  /** How many HTTP attempts were made before giving up. */
  attempts: Schema.optional(Schema.Number)
}) {
  // The reasons and helpers, reachable from the one exported name (values; the types are in the namespace below).
  static readonly InvalidRequest = InvalidRequest
  static readonly Authentication = Authentication
  static readonly NotFound = NotFound
  static readonly Configuration = Configuration
  static readonly RateLimited = RateLimited
  static readonly ProcessorUnavailable = ProcessorUnavailable
  static readonly Network = Network
  static readonly OutcomeUnknown = OutcomeUnknown
  static readonly IdempotencyExpired = IdempotencyExpired
  static readonly RefundRejected = RefundRejected
  static readonly Unsupported = Unsupported
  static readonly UnexpectedResponse = UnexpectedResponse
  /** The schema of the reason union. */
  static readonly RefundErrorReason = RefundErrorReason
  static readonly RejectionKind = RejectionKind
  static readonly Operation = Operation
  static readonly reasonFromHttpStatus = reasonFromHttpStatus

  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
  override get message(): string {
    const parts = [`${this.connector} ${this.operation}: ${this.reason._tag}: ${this.reason.message}`]
    if (this.httpStatus !== undefined) parts.push(`http=${this.httpStatus}`)
    if (this.processorCode !== undefined) parts.push(`code=${this.processorCode}`)
    if (this.requestId !== undefined) parts.push(`request=${this.requestId}`)
    return parts.join(" ")
  }
}

type InvalidRequest_ = InvalidRequest
type Authentication_ = Authentication
type NotFound_ = NotFound
type Configuration_ = Configuration
type RateLimited_ = RateLimited
type ProcessorUnavailable_ = ProcessorUnavailable
type Network_ = Network
type OutcomeUnknown_ = OutcomeUnknown
type IdempotencyExpired_ = IdempotencyExpired
type RefundRejected_ = RefundRejected
type Unsupported_ = Unsupported
type UnexpectedResponse_ = UnexpectedResponse
type RefundErrorReason_ = RefundErrorReason
type RejectionKind_ = RejectionKind
type Operation_ = Operation
type ProcessorErrorDetails_ = ProcessorErrorDetails

/** The types that go with the statics: `RefundError.RateLimited`, `RefundError.Reason`, ... */
export declare namespace RefundError {
  export type InvalidRequest = InvalidRequest_
  export type Authentication = Authentication_
  export type NotFound = NotFound_
  export type Configuration = Configuration_
  export type RateLimited = RateLimited_
  export type ProcessorUnavailable = ProcessorUnavailable_
  export type Network = Network_
  export type OutcomeUnknown = OutcomeUnknown_
  export type IdempotencyExpired = IdempotencyExpired_
  export type RefundRejected = RefundRejected_
  export type Unsupported = Unsupported_
  export type UnexpectedResponse = UnexpectedResponse_
  /** The reason union: what went wrong, as one of the classes above. */
  export type Reason = RefundErrorReason_
  export type RefundErrorReason = RefundErrorReason_
  export type RejectionKind = RejectionKind_
  export type Operation = Operation_
  export type ProcessorErrorDetails = ProcessorErrorDetails_
}
