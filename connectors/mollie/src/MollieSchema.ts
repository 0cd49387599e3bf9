/**
 * Wire schemas for the parts of Mollie's Payments API v2 this connector reads: the refund object, a page of
 * refunds (HAL `_embedded.refunds` with `_links.next`) and the error (problem) body.
 *
 * Only the fields the connector uses are declared; unknown keys are ignored. Shapes follow Mollie's reference
 * (docs.mollie.com "Get payment refund", "List refunds", "Handling errors") and @mollie/api-client 4.6.0
 * (`data/refunds/data.d.ts` `RefundData`, `errors/ApiError.d.ts`):
 * - amounts are `{ currency, value }` with `value` a decimal string carrying the currency's exact decimals;
 * - `settlementAmount.value` is negative for refunds; `settlementId` is omitted until the refund is settled;
 * - `metadata` is whatever the merchant sent (any JSON value, `null` when none);
 * - times are ISO 8601 with an offset (`2018-03-14T17:09:02+00:00`).
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** `{ currency, value }`. */
export const Amount = Schema.Struct({
  currency: Schema.String,
  value: Schema.String
})
export type Amount = typeof Amount.Type

const Link = Schema.Struct({ href: Schema.String, type: Schema.optionalKey(Schema.String) })

/** The refund object (`"resource": "refund"`). */
export const Refund = Schema.Struct({
  resource: Schema.optionalKey(Schema.String),
  /** `re_…`. */
  id: Schema.String,
  mode: optionalNullable(Schema.String),
  amount: Amount,
  settlementAmount: optionalNullable(Amount),
  settlementId: optionalNullable(Schema.String),
  description: optionalNullable(Schema.String),
  metadata: Schema.optionalKey(Schema.Unknown),
  /** queued, pending, processing, refunded, failed, canceled. */
  status: optionalNullable(Schema.String),
  /** `tr_…`. */
  paymentId: optionalNullable(Schema.String),
  orderId: optionalNullable(Schema.String),
  /** ISO 8601. Optional: nothing but listing windows depends on it. */
  createdAt: optionalNullable(Schema.String),
  /** `{ type: "acquirer-reference", id }`, "a reference to the refund as registered by the payment provider". */
  externalReference: optionalNullable(Schema.Struct({ type: optionalNullable(Schema.String), id: optionalNullable(Schema.String) }))
})
export type Refund = typeof Refund.Type

/** A page of refunds: `{ count, _embedded: { refunds }, _links: { next } }`. */
export const RefundPage = Schema.Struct({
  count: Schema.optionalKey(Schema.Number),
  _embedded: Schema.Struct({ refunds: Schema.Array(Schema.Unknown) }),
  _links: Schema.optionalKey(Schema.Struct({ next: optionalNullable(Link) }))
})
export type RefundPage = typeof RefundPage.Type

/** Every error answer: `{ status, title, detail, field?, _links: { documentation } }`. */
export const ErrorBody = Schema.Struct({
  status: Schema.optionalKey(Schema.Number),
  title: optionalNullable(Schema.String),
  detail: optionalNullable(Schema.String),
  field: optionalNullable(Schema.String),
  _links: Schema.optionalKey(Schema.Struct({ documentation: optionalNullable(Link) }))
})
export type ErrorBody = typeof ErrorBody.Type

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
export const decodeRefundPage = decode(RefundPage)
export const decodeErrorBody = decode(ErrorBody)
