/**
 * Wire schemas for the parts of Paddle Billing's API this connector reads: the adjustment entity, a
 * page of adjustments, the error body and the webhook notification envelope.
 *
 * Only the fields the connector uses are declared; unknown keys are ignored. Shapes follow
 * @paddle/paddle-node-sdk 3.10.0 (`types/adjustment/adjustment-response`, `internal/types/response`:
 * `Response`, `ResponsePaginated`, `ErrorResponse`) and https://developer.paddle.com/api-reference/adjustments.
 * Amounts are strings of minor units ("lowest denomination"), times RFC 3339 strings.
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** One adjusted line item. */
export const AdjustmentItem = Schema.Struct({
  id: optionalNullable(Schema.String),
  item_id: optionalNullable(Schema.String),
  type: optionalNullable(Schema.String),
  amount: optionalNullable(Schema.String)
})

/** `totals`: strings of minor units. */
export const Totals = Schema.Struct({
  subtotal: optionalNullable(Schema.String),
  tax: optionalNullable(Schema.String),
  /** What the customer gets back (subtotal + tax). */
  total: Schema.String,
  fee: optionalNullable(Schema.String),
  earnings: optionalNullable(Schema.String),
  currency_code: optionalNullable(Schema.String)
})

/** The adjustment entity. */
export const Adjustment = Schema.Struct({
  /** `adj_` + 26 characters. */
  id: Schema.String,
  /** `refund`, `credit`, `chargeback`, … (SDK `AdjustmentAction`). */
  action: Schema.String,
  /** `full` or `partial`. */
  type: optionalNullable(Schema.String),
  transaction_id: Schema.String,
  customer_id: optionalNullable(Schema.String),
  reason: optionalNullable(Schema.String),
  currency_code: Schema.String,
  /** `pending_approval`, `approved`, `rejected`, `reversed` (SDK `AdjustmentStatus`). */
  status: optionalNullable(Schema.String),
  items: optionalNullable(Schema.Array(AdjustmentItem)),
  totals: Totals,
  created_at: optionalNullable(Schema.String),
  updated_at: optionalNullable(Schema.String)
})
export type Adjustment = typeof Adjustment.Type

/** `{ data: Adjustment, meta }`: the answer of `POST /adjustments`. */
export const AdjustmentResponse = Schema.Struct({ data: Adjustment })

/** `{ data: [...], meta: { pagination: { per_page, next, has_more, estimated_total } } }`. */
export const AdjustmentPage = Schema.Struct({
  data: Schema.Array(Adjustment),
  meta: Schema.Struct({
    request_id: optionalNullable(Schema.String),
    pagination: Schema.Struct({
      per_page: optionalNullable(Schema.Number),
      next: optionalNullable(Schema.String),
      has_more: Schema.Boolean,
      estimated_total: optionalNullable(Schema.Number)
    })
  })
})
export type AdjustmentPage = typeof AdjustmentPage.Type

/** Every non-2xx answer: `{ error: { type, code, detail, documentation_url, errors? }, meta: { request_id } }`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    type: optionalNullable(Schema.String),
    code: optionalNullable(Schema.String),
    detail: optionalNullable(Schema.String),
    documentation_url: optionalNullable(Schema.String),
    errors: optionalNullable(Schema.Array(Schema.Struct({ field: optionalNullable(Schema.String), message: optionalNullable(Schema.String) })))
  }),
  meta: optionalNullable(Schema.Struct({ request_id: optionalNullable(Schema.String) }))
})
export type ErrorBody = typeof ErrorBody.Type

/** A notification: `{ event_id, event_type, occurred_at, notification_id, data }`. */
export const Event = Schema.Struct({
  /** `evt_` + 26 characters. */
  event_id: Schema.String,
  event_type: Schema.String,
  occurred_at: optionalNullable(Schema.String),
  notification_id: optionalNullable(Schema.String),
  data: Schema.Unknown
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

export const decodeAdjustment = decode(Adjustment)
export const decodeAdjustmentResponse = decode(AdjustmentResponse)
export const decodeAdjustmentPage = decode(AdjustmentPage)
export const decodeErrorBody = decode(ErrorBody)
export const decodeEvent = decode(Event)
