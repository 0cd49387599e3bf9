/**
 * Wire schemas for the parts of Square's API this connector reads and writes: the refund request,
 * the `PaymentRefund` object, the refund responses (which may carry `errors` next to a refund), the
 * error body, and the webhook event envelope of `refund.created` / `refund.updated`.
 *
 * Source: square/connect-api-specification `api.json` (Square-Version 2025-08-20), schemas
 * `RefundPaymentRequest`, `RefundPaymentResponse`, `GetPaymentRefundResponse`, `PaymentRefund`,
 * `Money`, `Error`, `RefundCreatedEvent`, `RefundUpdatedEvent`. Only the fields the connector uses are
 * declared; unknown keys are ignored (Square adds fields in new versions). Fields the spec marks
 * `nullable` accept `null`.
 */
import { Timestamp } from "@refract/core"
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** `Money`: integer minor units and an ISO 4217 code; both nullable in the spec. */
export const Money = Schema.Struct({
  amount: optionalNullable(Schema.Number),
  currency: optionalNullable(Schema.String)
})
export type Money = typeof Money.Type

/** The `RefundPayment` body this connector sends (linked refunds only). */
export interface RefundPaymentRequest {
  /** At most 45 characters; the core derives it from the merchant refund id. */
  readonly idempotency_key: string
  readonly amount_money: { readonly amount: number; readonly currency: string }
  readonly payment_id: string
  /** At most 192 characters. */
  readonly reason?: string
}

/**
 * `PaymentRefund`. The spec requires `id` and `amount_money`; only `id` is required here, since a
 * snapshot's amount is optional (the refund keeps the amount it was created with).
 */
export const PaymentRefund = Schema.Struct({
  id: Schema.String,
  /** `PENDING`, `COMPLETED`, `REJECTED`, `FAILED` (string, nullable). */
  status: optionalNullable(Schema.String),
  amount_money: optionalNullable(Money),
  payment_id: optionalNullable(Schema.String),
  order_id: optionalNullable(Schema.String),
  location_id: optionalNullable(Schema.String),
  reason: optionalNullable(Schema.String),
  /** RFC 3339. */
  created_at: optionalNullable(Schema.String),
  /** RFC 3339. */
  updated_at: optionalNullable(Schema.String),
  destination_type: optionalNullable(Schema.String),
  /** Present in event payloads. */
  version: optionalNullable(Schema.Number)
})
export type PaymentRefund = typeof PaymentRefund.Type

/**
 * One entry of `errors`. The spec requires `category` and `code`; both are read leniently (a body
 * without a category still maps by code), since error mapping must never fail.
 */
export const SquareError = Schema.Struct({
  category: optionalNullable(Schema.String),
  code: optionalNullable(Schema.String),
  detail: optionalNullable(Schema.String),
  field: optionalNullable(Schema.String)
})
export type SquareError = typeof SquareError.Type

/** `{ "errors": [...] }`, the body of every error answer. */
export const ErrorBody = Schema.Struct({
  errors: Schema.Array(SquareError)
})
export type ErrorBody = typeof ErrorBody.Type

/**
 * `RefundPaymentResponse` / `GetPaymentRefundResponse`: "If there are errors processing the request,
 * the refund field might not be present, or it might be present with a status of FAILED."
 */
export const RefundResponse = Schema.Struct({
  refund: optionalNullable(PaymentRefund),
  errors: optionalNullable(Schema.Array(SquareError))
})
export type RefundResponse = typeof RefundResponse.Type

/**
 * `ListPaymentRefundsResponse`: "Either `errors` or `refunds` is present in a given response (never
 * both)"; `cursor`: "The pagination cursor to be used in a subsequent request. If empty, this is the
 * final response." (square-nodejs-sdk `src/api/types/ListPaymentRefundsResponse.ts`). An empty page
 * leaves `refunds` out.
 */
export const ListRefundsResponse = Schema.Struct({
  refunds: optionalNullable(Schema.Array(PaymentRefund)),
  cursor: optionalNullable(Schema.String),
  errors: optionalNullable(Schema.Array(SquareError))
})
export type ListRefundsResponse = typeof ListRefundsResponse.Type

/** The webhook envelope (`RefundCreatedEvent`, `RefundUpdatedEvent`, and every other event type). */
export const Event = Schema.Struct({
  merchant_id: optionalNullable(Schema.String),
  type: Schema.String,
  event_id: optionalNullable(Schema.String),
  /** RFC 3339. */
  created_at: optionalNullable(Schema.String),
  data: optionalNullable(
    Schema.Struct({
      type: optionalNullable(Schema.String),
      id: optionalNullable(Schema.String),
      object: optionalNullable(Schema.Unknown)
    })
  )
})
export type Event = typeof Event.Type

/** `data.object` of `refund.created` / `refund.updated`. */
export const RefundEventObject = Schema.Struct({
  refund: PaymentRefund
})
export type RefundEventObject = typeof RefundEventObject.Type

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

export const decodeRefundResponse = decode(RefundResponse)
export const decodeListRefundsResponse = decode(ListRefundsResponse)
export const decodeErrorBody = decode(ErrorBody)
export const decodeEvent = decode(Event)
export const decodeRefundEventObject = decode(RefundEventObject)

/**
 * An RFC 3339 timestamp ("2020-02-06T21:27:41.836Z", "2022-07-13T20:30:59.037339943Z",
 * "2021-10-13T14:23:19-07:00") as epoch milliseconds, fractions beyond milliseconds truncated.
 * Undefined when absent, unreadable, not a real date or outside core's {@link Timestamp} bounds
 * (times are informative; a bad one never fails a parse).
 */
export const toEpochMillis = (value: string | null | undefined): number | undefined => Timestamp.fromIsoString(value)
