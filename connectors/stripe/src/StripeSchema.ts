/**
 * Wire schemas for the parts of Stripe's API this connector reads: the refund object, a list of
 * refunds, the error body and the webhook event envelope (with the charge object that
 * `charge.refunded` carries).
 *
 * Only the fields the connector uses are declared; Stripe adds fields in every API version and
 * unknown keys are ignored. Nullable fields follow Stripe's own types (stripe-node
 * `src/resources/Refunds.ts`): `status` is `string | null`, `charge` and `payment_intent` are an id,
 * an expanded object or null.
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** An id, or the object when the request expanded it (`expand[]=charge`). */
export const Expandable = Schema.Union([Schema.String, Schema.Struct({ id: Schema.String })])
export type Expandable = typeof Expandable.Type

/** The id of an expandable field, whatever form it came in. */
export const expandableId = (value: Expandable | null | undefined): string | undefined =>
  value === null || value === undefined ? undefined : typeof value === "string" ? value : value.id

/** Stripe metadata: string keys to string values. */
export const Metadata = Schema.Record(Schema.String, Schema.String)

/**
 * `destination_details.card`: the reference the card network assigned to the refund (stripe-node
 * `Refund.DestinationDetails.Card`): `reference` ("Value of the reference number assigned to the
 * refund"), `reference_status` ("`pending`, `available` or `unavailable`"), `reference_type` ("Type of
 * the reference number", e.g. `acquirer_reference_number`) and `type` (`refund`, `reversal`, `pending`).
 */
export const CardDestination = Schema.Struct({
  reference: optionalNullable(Schema.String),
  reference_status: optionalNullable(Schema.String),
  reference_type: optionalNullable(Schema.String),
  type: optionalNullable(Schema.String)
})
export type CardDestination = typeof CardDestination.Type

/**
 * `destination_details`: `type` names the payment method, and a hash of that name carries its details.
 * Only `card` is read (the only one with a typed network reference); the others are left to `raw`.
 */
export const DestinationDetails = Schema.Struct({
  type: optionalNullable(Schema.String),
  card: optionalNullable(CardDestination)
})
export type DestinationDetails = typeof DestinationDetails.Type

/** The Stripe refund object (`"object": "refund"`). */
export const Refund = Schema.Struct({
  id: Schema.String,
  object: Schema.optionalKey(Schema.Literal("refund")),
  /** Minor units of `currency`. */
  amount: Schema.Number,
  /** Lower-case ISO 4217 code. */
  currency: Schema.String,
  /** `pending`, `requires_action`, `succeeded`, `failed`, `canceled`, or null. */
  status: optionalNullable(Schema.String),
  charge: optionalNullable(Expandable),
  payment_intent: optionalNullable(Expandable),
  /** Unix seconds. Optional: nothing depends on it, and a refund without it is still a refund. */
  created: optionalNullable(Schema.Number),
  metadata: optionalNullable(Metadata),
  reason: optionalNullable(Schema.String),
  failure_reason: optionalNullable(Schema.String),
  pending_reason: optionalNullable(Schema.String),
  next_action: optionalNullable(Schema.Struct({ type: Schema.String })),
  description: optionalNullable(Schema.String),
  /** Settlement evidence: the card network's reference (ARN) once Stripe has it. */
  destination_details: optionalNullable(DestinationDetails)
})
export type Refund = typeof Refund.Type

/** `GET /v1/refunds?charge=…` and `GET /v1/refunds?created[gte]=…` answer a list object. */
export const RefundList = Schema.Struct({
  object: Schema.Literal("list"),
  data: Schema.Array(Refund),
  has_more: Schema.Boolean,
  url: Schema.optionalKey(Schema.String)
})
export type RefundList = typeof RefundList.Type

/** The error body of every non-2xx answer: `{ "error": { "type", "code", ... } }`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    /** `api_error`, `card_error`, `idempotency_error`, `invalid_request_error`, `rate_limit_error`, `authentication_error`, ... */
    type: optionalNullable(Schema.String),
    code: optionalNullable(Schema.String),
    decline_code: optionalNullable(Schema.String),
    message: optionalNullable(Schema.String),
    /** The parameter the error is about (`charge`, `payment_intent`, `amount`, `id`, ...). */
    param: optionalNullable(Schema.String),
    doc_url: optionalNullable(Schema.String),
    request_log_url: optionalNullable(Schema.String)
  })
})
export type ErrorBody = typeof ErrorBody.Type

/**
 * The envelope of a webhook event. `created` is unix seconds for snapshot ("v1") events; thin
 * ("v2") event notifications carry an ISO string, so it is read loosely.
 */
export const Event = Schema.Struct({
  id: Schema.String,
  object: Schema.optionalKey(Schema.String),
  type: Schema.String,
  created: Schema.optionalKey(Schema.Unknown),
  livemode: Schema.optionalKey(Schema.Boolean),
  api_version: optionalNullable(Schema.String),
  data: Schema.optionalKey(Schema.Struct({
    object: Schema.Unknown,
    /** `*.updated` events: the changed fields' values before the change (only `status` is read). */
    previous_attributes: Schema.optionalKey(Schema.Unknown)
  }))
})
export type Event = typeof Event.Type

/** The status a `*.updated` event's `previous_attributes` says the object had, when it says. */
export const previousStatus = (event: Event): string | undefined => {
  const previous = event.data?.previous_attributes
  if (previous === null || typeof previous !== "object" || !Object.hasOwn(previous, "status")) return undefined
  const status = (previous as { readonly status?: unknown }).status
  return typeof status === "string" ? status : undefined
}

/** The charge object of `charge.refunded`. `refunds` is only included by older API versions. */
export const Charge = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("charge"),
  payment_intent: optionalNullable(Expandable),
  refunds: optionalNullable(
    Schema.Struct({
      data: Schema.Array(Refund),
      has_more: Schema.optionalKey(Schema.Boolean)
    })
  )
})
export type Charge = typeof Charge.Type

/**
 * Currencies whose scale in Stripe's API differs from ISO 4217, so ISO minor units sent unchanged
 * would refund 100 times too little or too much. The connector refuses them rather than guess.
 * (Other Stripe special cases, HUF and TWD payouts in whole units and three-decimal currencies
 * ending in 0, share the ISO scale: Stripe answers an error instead of moving a wrong amount.)
 */
export const scaleMismatch: Readonly<Record<string, string>> = {
  ISK: "Stripe's API keeps ISK two-decimal (100 = 1 króna) while ISO 4217 gives it no minor unit",
  MGA: "Stripe's API treats MGA as zero-decimal while ISO 4217 gives it two decimals"
}

/** Why a currency cannot be refunded through Stripe, or undefined (own keys only: never `constructor`). */
export const scaleMismatchOf = (currency: string): string | undefined =>
  Object.hasOwn(scaleMismatch, currency) ? scaleMismatch[currency] : undefined

/** Decodes without throwing; the failure is a one-line description of the first problems. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], string> => {
    const result = run(input)
    return Result.isSuccess(result)
      ? Result.succeed(result.success)
      : Result.fail(result.failure.message.replace(/\s+/g, " ").trim())
  }
}

export const decodeRefund = decode(Refund)
export const decodeRefundList = decode(RefundList)
export const decodeErrorBody = decode(ErrorBody)
export const decodeEvent = decode(Event)
export const decodeCharge = decode(Charge)
