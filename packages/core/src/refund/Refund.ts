/**
 * The unified refund model and the requests to create and read one.
 */
import { Inspectable, Redactable, Schema, SchemaGetter } from "effect"
import { Money } from "../money/Money.ts"
import { ObservedStatus, RefundStatus } from "./RefundStatus.ts"
import type { SimpleStatus } from "./RefundStatus.ts"
import { SimpleStatus as SimpleStatusSchema } from "./RefundStatus.ts"
import { toSimple } from "./RefundStatus.ts"
import { trusted } from "./Trusted.ts"

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

/**
 * The processor's own refund object, as JSON. It may hold personal data (names, emails, card
 * details), so it is redacted wherever Effect formats a refund for a log or a span.
 */
export const Raw = Schema.Json
export type Raw = typeof Raw.Type

export class CreateRefundRequest extends Schema.Class<CreateRefundRequest>("@refract/core/CreateRefundRequest")({
  merchantRefundId: MerchantRefundId,
  /** The processor's id of the payment being refunded (Stripe charge or payment intent, Adyen pspReference, PayPal capture id, ...). */
  connectorTransactionId: ProcessorId,
  /**
   * Absent: refund whatever remains of the payment, where the connector declares
   * `capabilities.fullRefundWithoutAmount` (the core refuses the request before sending otherwise).
   */
  amount: Schema.optional(Money),
  reason: Schema.optional(RefundReason),
  metadata: Schema.optional(Metadata),
  /**
   * The caller's own idempotency key, when given (checked against the connector's key rules);
   * otherwise the core derives one from `merchantRefundId`. Connectors read the key from the
   * create context, never from here.
   */
  idempotencyKey: Schema.optional(Schema.String)
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

/**
 * What the processor says about a refund's money leaving: the reference the customer's bank sees, when
 * the refund settled, and the payout or batch that carried it. Every field is optional: processors
 * report different parts, and at different times (Stripe's ARN appears once the refund succeeded;
 * Adyen's batch only in its settlement report).
 */
export class Settlement extends Schema.Class<Settlement>("@refract/core/Settlement")({
  /**
   * The trace reference the customer's bank can look up: the card network's acquirer reference number
   * (Stripe `destination_details.card.reference`, Razorpay `acquirer_data.arn`), else the bank transfer
   * reference (RRN, UTR) the processor gives.
   */
  traceReference: Schema.optional(Schema.String),
  /** What the trace reference is: "arn", "rrn", "utr", ... as the processor names it. */
  traceReferenceType: Schema.optional(Schema.String),
  /** When the processor settled the refund against the merchant's balance (epoch ms). */
  settledAt: Schema.optional(Schema.Number),
  /** The payout, settlement batch or report that carried the refund (Stripe payout, Adyen batch number). */
  batchId: Schema.optional(Schema.String)
}) {}

/** Field by field, the newer value where it has one: evidence accumulates, a later read without an ARN keeps the known one. */
export const mergeSettlement = (older: Settlement | undefined, newer: Settlement | undefined): Settlement | undefined => {
  if (newer === undefined) return older
  if (older === undefined) return newer
  return trusted(Settlement, {
    traceReference: newer.traceReference ?? older.traceReference,
    traceReferenceType: newer.traceReference !== undefined ? newer.traceReferenceType : older.traceReferenceType,
    settledAt: newer.settledAt ?? older.settledAt,
    batchId: newer.batchId ?? older.batchId
  })
}

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
  createdAt: Schema.optional(Schema.Number),
  /**
   * The metadata the processor holds for the refund, as the caller set it (keys a connector reserves
   * for itself, such as `merchant_refund_id`, left out). Absent when the processor has no metadata.
   */
  metadata: Schema.optional(Metadata),
  /** Settlement evidence, where this answer, event or report carries it. */
  settlement: Schema.optional(Settlement),
  /** The processor's refund object this snapshot was read from (its answer, or the webhook's object). */
  raw: Schema.optional(Raw)
}) {}

const processorIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:|@-]{0,254}$/
const observedStatuses: ReadonlySet<string> = new Set(ObservedStatus.literals)

/**
 * `new RefundSnapshot(fields)`, checked by hand instead of by the schema: the same checks (processor
 * ids, status, the types of every field), an order of magnitude cheaper. For parsers that build a
 * snapshot per refund of a listing. Throws like the constructor on invalid fields;
 * `test/refund/Refund.test.ts` checks the two accept and refuse the same inputs.
 */
export const makeSnapshot = (fields: ConstructorParameters<typeof RefundSnapshot>[0]): RefundSnapshot => {
  const problem = snapshotProblem(fields)
  if (problem !== undefined) throw new Error(`invalid refund snapshot: ${problem}`)
  const own: Record<string, unknown> = {}
  for (const key in fields) {
    if (!snapshotKeys.has(key)) continue // the constructor drops fields the class does not have
    const value = (fields as Record<string, unknown>)[key]
    // Like the constructor: a key given as undefined stays an own key; a nested class given as its
    // plain fields is built (and checked) as that class.
    if (value === undefined) {
      own[key] = value
      continue
    }
    const Nested = nestedClasses[key]
    own[key] = Nested !== undefined && !(value instanceof Nested) ? new Nested(value as never) : value
  }
  return trusted(RefundSnapshot, own as ConstructorParameters<typeof RefundSnapshot>[0])
}

const snapshotKeys: ReadonlySet<string> = new Set(Object.keys(RefundSnapshot.fields))

const nestedClasses: Readonly<Record<string, new(fields: never) => object>> = {
  amount: Money,
  failure: FailureDetails,
  settlement: Settlement
}

const isString = (v: unknown): v is string => typeof v === "string"
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v)
const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v)

const snapshotProblem = (f: Record<string, unknown>): string | undefined => {
  if (!isString(f.connectorRefundId) || !processorIdPattern.test(f.connectorRefundId)) return "connectorRefundId is not a processor id"
  if (!optional(f.connectorTransactionId, (v) => isString(v) && processorIdPattern.test(v))) return "connectorTransactionId is not a processor id"
  if (!optional(f.merchantRefundId, isString)) return "merchantRefundId is not a string"
  if (!optional(f.amount, isObject)) return "amount is not Money"
  if (!isString(f.status) || !observedStatuses.has(f.status)) return "status is not a refund status"
  if (!isString(f.rawStatus)) return "rawStatus is not a string"
  if (!optional(f.reason, isString)) return "reason is not a string"
  if (!optional(f.failure, isObject)) return "failure is not FailureDetails"
  if (!optional(f.occurredAt, (v) => typeof v === "number")) return "occurredAt is not a number"
  if (!optional(f.createdAt, (v) => typeof v === "number")) return "createdAt is not a number"
  if (!optional(f.metadata, (v) => isObject(v) && Object.values(v as object).every(isString))) return "metadata is not a record of strings"
  if (!optional(f.settlement, isObject)) return "settlement is not Settlement"
  return undefined
}

/** The snapshot with the processor's metadata and raw object, where the connector has them. */
export const withProcessorData = (
  snapshot: RefundSnapshot,
  data: { readonly metadata?: Readonly<Record<string, string>> | undefined; readonly raw?: unknown }
): RefundSnapshot =>
  trusted(RefundSnapshot, {
    ...snapshot,
    ...(data.metadata !== undefined ? { metadata: data.metadata } : {}),
    ...(data.raw !== undefined ? { raw: data.raw as Schema.Json } : {})
  })

/**
 * The string entries of a processor's metadata object (Stripe `metadata`, Razorpay `notes`), without
 * the keys a connector reserves for itself; undefined when there are none.
 */
export const metadataOf = (value: unknown, reserved: ReadonlyArray<string> = []): Record<string, string> | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const entries = Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string" && !reserved.includes(e[0]))
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

/** Epoch ms in the model, an ISO 8601 string in JSON. */
const IsoMillis = Schema.String.pipe(Schema.decodeTo(Schema.Number, {
  decode: SchemaGetter.transform((s: string) => Date.parse(s)),
  encode: SchemaGetter.transform((n: number) => new Date(n).toISOString())
}))

const refundFields = {
  connector: Schema.String,
  merchantRefundId: Schema.optional(Schema.String),
  connectorRefundId: ProcessorId,
  connectorTransactionId: Schema.optional(ProcessorId),
  /** The refunded amount: as requested, else as the processor answered (a full refund without an amount). */
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
  evidence: Schema.optional(Evidence),
  /** The refund's metadata as the processor holds it (else as it was sent), string to string. */
  metadata: Schema.optional(Metadata),
  /** Settlement evidence gathered from every observation (trace reference, settlement date, batch). */
  settlement: Schema.optional(Settlement),
  /**
   * The processor's latest refund object, verbatim JSON, for fields Refract does not model. It may
   * hold personal data: Effect's logger and spans see it redacted, `console.log`/`inspect` too.
   */
  raw: Schema.optional(Raw)
}

const EvidenceMarkJson = Schema.Struct({ ...EvidenceMark.fields, at: IsoMillis })
const SettlementJson = Schema.Struct({ ...Settlement.fields, settledAt: Schema.optional(IsoMillis) })

/**
 * A refund as JSON (`JSON.stringify(refund)`, `Refund.toJSON`): every field a user reads, including
 * `simpleStatus`; money as `{ amount, currency }` in minor units; times as ISO 8601 strings.
 * `Refund.fromJSON` reads it back.
 */
export const RefundJson = Schema.Struct({
  ...refundFields,
  simpleStatus: SimpleStatusSchema,
  statusAt: Schema.optional(IsoMillis),
  createdAt: IsoMillis,
  updatedAt: IsoMillis,
  settlement: Schema.optional(SettlementJson),
  evidence: Schema.optional(Schema.Struct({
    inFlight: Schema.optional(EvidenceMarkJson),
    succeeded: Schema.optional(EvidenceMarkJson),
    failed: Schema.optional(EvidenceMarkJson),
    cancelled: Schema.optional(EvidenceMarkJson),
    reversed: Schema.optional(EvidenceMarkJson)
  }))
})
export type RefundJson = typeof RefundJson.Encoded

export class Refund extends Schema.Class<Refund>("@refract/core/Refund")(refundFields) {
  /** PENDING, SUCCEEDED or FAILED. */
  get simpleStatus(): SimpleStatus {
    return toSimple(this.status)
  }
  get reference(): RefundReference {
    return trusted(RefundReference, {
      connectorRefundId: this.connectorRefundId,
      ...(this.connectorTransactionId !== undefined ? { connectorTransactionId: this.connectorTransactionId } : {})
    })
  }

  /** The JSON form ({@link RefundJson}); what `JSON.stringify(refund)` writes. Includes `raw`; unset fields are left out. */
  toJSON(): RefundJson {
    const set = Object.fromEntries(Object.entries(this).filter(([, v]) => v !== undefined)) as unknown as Refund
    const encoded = Schema.encodeSync(RefundJson)({ ...set, simpleStatus: this.simpleStatus })
    return (encoded.evidence === undefined
      ? encoded
      : { ...encoded, evidence: Object.fromEntries(Object.entries(encoded.evidence).filter(([, v]) => v !== undefined)) }) as RefundJson
  }

  /** Reads a refund back from its JSON form (the output of `toJSON`, parsed or not). */
  static fromJSON(json: unknown): Refund {
    const input = typeof json === "string" ? JSON.parse(json) : json
    const { simpleStatus: _, ...fields } = Schema.decodeUnknownSync(RefundJson)(input)
    return new Refund(fields)
  }

  /** What logs and spans see: everything but the processor's raw object. */
  [Redactable.symbolRedactable](): unknown {
    const { raw, ...rest } = this.toJSON()
    return raw === undefined ? rest : { ...rest, raw: "<redacted>" }
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this[Redactable.symbolRedactable]()
  }
  override toString(): string {
    return `Refund(${JSON.stringify(this[Redactable.symbolRedactable]())})`
  }
}
