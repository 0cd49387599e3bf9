/**
 * The unified refund model and the requests to create and read one.
 */
import { Schema } from "effect"
import { Money } from "../money/Money.ts"
import { ObservedStatus, RefundStatus } from "./RefundStatus.ts"
import type { SimpleStatus } from "./RefundStatus.ts"
import { toSimple } from "./RefundStatus.ts"

/**
 * The merchant's own id for a refund. It is the idempotency anchor: every attempt to create the
 * refund derives the same idempotency key from it, so keep it stable across retries and restarts.
 */
export const MerchantRefundId = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, {
      message: "a merchant refund id is 1 to 64 characters of letters, digits, and . _ : - (starting with a letter or digit)"
    })
  ),
  Schema.brand("@refract/core/MerchantRefundId")
)
export type MerchantRefundId = typeof MerchantRefundId.Type

/** An identifier assigned by a processor (refund or payment). Never empty, never with whitespace or slashes. */
export const ProcessorId = Schema.String.pipe(
  Schema.check(
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._:|@-]{0,254}$/, {
      message: "a processor id is 1 to 255 characters of letters, digits, and . _ : | @ - with no spaces or slashes"
    })
  )
)

export const RefundReason = Schema.Literals(["duplicate", "fraudulent", "requested_by_customer", "other"])
export type RefundReason = typeof RefundReason.Type

/** Free-form key/value data sent to processors that support it. */
export const Metadata = Schema.Record(Schema.String, Schema.String)

export class CreateRefundRequest extends Schema.Class<CreateRefundRequest>("@refract/core/CreateRefundRequest")({
  merchantRefundId: MerchantRefundId,
  /** The processor's id of the payment being refunded (Stripe charge or payment intent, Adyen pspReference, PayPal capture id, ...). */
  connectorTransactionId: ProcessorId,
  amount: Money,
  reason: Schema.optional(RefundReason),
  metadata: Schema.optional(Metadata)
}) {}

/**
 * Everything needed to read a refund back. Connectors encode what their status lookup needs into
 * `connectorRefundId` when the processor has no refund resource of its own, so callers never pass
 * extra arguments.
 */
export class RefundReference extends Schema.Class<RefundReference>("@refract/core/RefundReference")({
  connectorRefundId: ProcessorId,
  connectorTransactionId: Schema.optional(ProcessorId),
  merchantRefundId: Schema.optional(MerchantRefundId)
}) {}

/** Error details a processor attached to a failed refund (not an API error: the refund exists and failed). */
export class FailureDetails extends Schema.Class<FailureDetails>("@refract/core/FailureDetails")({
  code: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String)
}) {}

/** One observation kept as evidence by the state machine (see `RefundStateMachine`). */
export const EvidenceMark = Schema.Struct({
  status: RefundStatus,
  rawStatus: Schema.String,
  /** Epoch ms. */
  at: Schema.Number,
  failure: Schema.optional(FailureDetails)
})

/** The latest observation of each kind of status: what the refund's status is derived from. */
export const Evidence = Schema.Struct({
  inFlight: Schema.optional(EvidenceMark),
  succeeded: Schema.optional(EvidenceMark),
  failed: Schema.optional(EvidenceMark),
  cancelled: Schema.optional(EvidenceMark),
  reversed: Schema.optional(EvidenceMark)
})

/**
 * What a processor said about a refund at one moment: the output of a connector's response parser
 * and webhook parser. The core folds snapshots into a {@link Refund} through the state machine.
 */
export class RefundSnapshot extends Schema.Class<RefundSnapshot>("@refract/core/RefundSnapshot")({
  connectorRefundId: ProcessorId,
  connectorTransactionId: Schema.optional(ProcessorId),
  merchantRefundId: Schema.optional(Schema.String),
  amount: Schema.optional(Money),
  status: ObservedStatus,
  rawStatus: Schema.String,
  reason: Schema.optional(Schema.String),
  failure: Schema.optional(FailureDetails),
  /**
   * Processor time at which this status held (epoch ms), when the processor gives one: the event
   * time of a webhook, the processor's own update time of a read. Leave it out for a read that
   * carries no such time (the core then uses the time of the read), never use the creation time
   * for a later status. A create answer may carry the creation time: a replay returns the original.
   */
  occurredAt: Schema.optional(Schema.Number),
  /** Processor creation time (epoch ms). */
  createdAt: Schema.optional(Schema.Number)
}) {}

export class Refund extends Schema.Class<Refund>("@refract/core/Refund")({
  connector: Schema.String,
  merchantRefundId: Schema.optional(Schema.String),
  connectorRefundId: ProcessorId,
  connectorTransactionId: Schema.optional(ProcessorId),
  amount: Schema.optional(Money),
  status: RefundStatus,
  /** The processor's status string for the current state, verbatim. */
  rawStatus: Schema.String,
  reason: Schema.optional(Schema.String),
  failure: Schema.optional(FailureDetails),
  /** Time of the observation that set the current status (epoch ms; see `RefundStateMachine`). */
  statusAt: Schema.optional(Schema.Number),
  /**
   * Set when the latest observation carried a processor status the connector does not know.
   * The status above is then the last known one, never a guess.
   */
  unrecognisedStatus: Schema.optional(Schema.String),
  /** Processor creation time when known, else when Refract first saw the refund (epoch ms). */
  createdAt: Schema.Number,
  /** When Refract last changed the refund's status (epoch ms). */
  updatedAt: Schema.Number,
  /**
   * The latest observation of each kind of status, which the status is derived from. Absent on
   * records written before it existed; the state machine then starts from the status alone.
   */
  evidence: Schema.optional(Evidence)
}) {
  /** PENDING, SUCCEEDED or FAILED. */
  get simpleStatus(): SimpleStatus {
    return toSimple(this.status)
  }
  get reference(): RefundReference {
    return new RefundReference({
      connectorRefundId: this.connectorRefundId,
      ...(this.connectorTransactionId !== undefined ? { connectorTransactionId: this.connectorTransactionId } : {})
    }, { disableChecks: true })
  }
}
