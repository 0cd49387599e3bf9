/**
 * Wire schemas for the parts of GoCardless's API this connector reads: the refund resource (in its
 * `{"refunds": ...}` envelope), a cursor-paginated list of refunds, the error body and the webhook events.
 *
 * Only the fields the connector uses are declared; unknown keys are ignored. Shapes follow
 * gocardless-nodejs 10.1.2 `types/types/Types.d.ts` (`Refund`, `Event`, `ListMeta`) and `esm/errors.js`
 * (the error envelope), and the error bodies of gocardless-nodejs `src/fixtures/*.json`.
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** The refund resource. */
export const Refund = Schema.Struct({
  /** "Unique identifier, beginning with RF". */
  id: Schema.String,
  /** "Amount in minor unit (e.g. pence in GBP, cents in EUR)." */
  amount: Schema.Number,
  /** ISO 4217, "set to the currency of the refund's payment". */
  currency: Schema.String,
  /** created, pending_submission, submitted, paid, cancelled, bounced, funds_returned. */
  status: optionalNullable(Schema.String),
  /** ISO 8601. Optional: nothing depends on it. */
  created_at: optionalNullable(Schema.String),
  /** The reference shown on the customer's bank statement. */
  reference: optionalNullable(Schema.String),
  /** Up to 3 string keys. Read loosely: a non-string value is dropped, never a failed parse. */
  metadata: optionalNullable(Schema.Record(Schema.String, Schema.Unknown)),
  links: optionalNullable(Schema.Struct({
    payment: optionalNullable(Schema.String),
    mandate: optionalNullable(Schema.String)
  }))
})
export type Refund = typeof Refund.Type

/** `{"refunds": refund}`: the answer of create, get and update. */
export const RefundEnvelope = Schema.Struct({ refunds: Schema.Unknown })

/** `GET /refunds`: `{"refunds": [...], "meta": {"cursors": {"before", "after"}, "limit"}}`. */
export const RefundList = Schema.Struct({
  refunds: Schema.Array(Schema.Unknown),
  meta: Schema.Struct({
    cursors: Schema.Struct({
      before: optionalNullable(Schema.String),
      after: optionalNullable(Schema.String)
    }),
    limit: optionalNullable(Schema.Number)
  })
})
export type RefundList = typeof RefundList.Type

/** One entry of `error.errors`. */
export const ErrorDetail = Schema.Struct({
  reason: optionalNullable(Schema.String),
  field: optionalNullable(Schema.String),
  message: optionalNullable(Schema.String),
  request_pointer: optionalNullable(Schema.String),
  links: optionalNullable(Schema.Record(Schema.String, Schema.Unknown))
})
export type ErrorDetail = typeof ErrorDetail.Type

/** Every error answer: `{"error": {message, documentation_url, type, request_id, code, errors}}`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: optionalNullable(Schema.String),
    documentation_url: optionalNullable(Schema.String),
    /** invalid_api_usage, invalid_state, validation_failed, gocardless. */
    type: optionalNullable(Schema.String),
    request_id: optionalNullable(Schema.String),
    /** The HTTP status (a number on the wire; gocardless-nodejs types it as a string). */
    code: optionalNullable(Schema.Union([Schema.Number, Schema.String])),
    errors: optionalNullable(Schema.Array(ErrorDetail))
  })
})
export type ErrorBody = typeof ErrorBody.Type

/** A webhook delivery: `{"events": [...], "meta": {"webhook_id"}}`; events are decoded one by one. */
export const Delivery = Schema.Struct({
  events: Schema.Array(Schema.Unknown)
})

/** One event. It names the resource and what happened to it (`action`); it carries no resource state. */
export const Event = Schema.Struct({
  /** "EV…". */
  id: Schema.String,
  created_at: optionalNullable(Schema.String),
  resource_type: Schema.String,
  action: Schema.String,
  links: optionalNullable(Schema.Record(Schema.String, Schema.Unknown)),
  details: optionalNullable(Schema.Struct({
    origin: optionalNullable(Schema.String),
    cause: optionalNullable(Schema.String),
    description: optionalNullable(Schema.String),
    reason_code: optionalNullable(Schema.String)
  }))
})
export type Event = typeof Event.Type

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
export const decodeRefundEnvelope = decode(RefundEnvelope)
export const decodeRefundList = decode(RefundList)
export const decodeErrorBody = decode(ErrorBody)
export const decodeDelivery = decode(Delivery)
export const decodeEvent = decode(Event)
