/**
 * Wire schemas for the parts of Razorpay's API this connector reads: the refund entity, a
 * collection of refunds, the error body and the webhook event envelope.
 *
 * Only the fields the connector uses are declared; unknown keys are ignored. Shapes follow
 * Razorpay's refund entity (https://razorpay.com/docs/api/refunds/entity, razorpay-node
 * `lib/types/refunds.d.ts`) and error body (https://razorpay.com/docs/errors). Two details of the
 * real wire format matter:
 * - `notes` is an object of string (or number) values, but an empty `notes` is serialised as an
 *   empty JSON array `[]` (Razorpay's webhook samples show `"notes": []`);
 * - error `source`, `step` and `reason` are `null` or the string `"NA"` when they do not apply.
 */
import { Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** `notes`: key/value pairs (values strings or numbers), or `[]` when empty. */
export const Notes = Schema.Union([
  Schema.Record(Schema.String, Schema.Unknown),
  Schema.Array(Schema.Unknown)
])
export type Notes = typeof Notes.Type

/** The notes as strings: numbers are written in decimal, other values (and the empty `[]`) are dropped. */
export const notesOf = (notes: Notes | null | undefined): Readonly<Record<string, string>> => {
  if (notes === null || notes === undefined || Array.isArray(notes)) return {}
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(notes)) {
    if (typeof value === "string") out[key] = value
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = String(value)
  }
  return out
}

/** The refund entity (`"entity": "refund"`). */
export const Refund = Schema.Struct({
  /** `rfnd_` + 14 alphanumerics. */
  id: Schema.String,
  entity: Schema.optionalKey(Schema.Literal("refund")),
  /** Minor units of `currency` (paise for INR). */
  amount: Schema.Number,
  /** Upper-case ISO 4217 code. */
  currency: Schema.String,
  /** The refunded payment, `pay_` + 14 alphanumerics. */
  payment_id: Schema.String,
  notes: optionalNullable(Notes),
  receipt: optionalNullable(Schema.String),
  /**
   * Bank reference numbers: "A dynamic array consisting of a unique reference number (either RRN, ARN
   * or UTR) that is provided by the banking partner when a refund is processed" (razorpay-node
   * `lib/types/refunds.d.ts`), `{ "arn": "10000000000000" }` or `{ "arn": null }` in its samples. Read
   * loosely (an object of anything, or a PHP-style empty `[]`): settlement evidence must never fail a parse.
   */
  acquirer_data: optionalNullable(Schema.Union([Schema.Record(Schema.String, Schema.Unknown), Schema.Array(Schema.Unknown)])),
  /** Unix seconds. Optional: nothing depends on it, and a refund without it is still a refund. */
  created_at: optionalNullable(Schema.Number),
  batch_id: optionalNullable(Schema.String),
  /** `pending`, `processed` or `failed`. */
  status: optionalNullable(Schema.String),
  /** `normal` or `optimum`. */
  speed_requested: optionalNullable(Schema.String),
  /** `instant` or `normal`. */
  speed_processed: optionalNullable(Schema.String)
})
export type Refund = typeof Refund.Type

/** The reference kinds `acquirer_data` may carry, in the order they are preferred as the trace reference. */
export const referenceKinds = ["arn", "rrn", "utr"] as const

/** The first non-blank string reference in `acquirer_data` (`arn`, else `rrn`, else `utr`), with its kind. */
export const acquirerReferenceOf = (
  acquirerData: Refund["acquirer_data"]
): { readonly reference: string; readonly kind: (typeof referenceKinds)[number] } | undefined => {
  if (acquirerData === null || acquirerData === undefined || Array.isArray(acquirerData)) return undefined
  const data = acquirerData as Readonly<Record<string, unknown>>
  for (const kind of referenceKinds) {
    const value = Object.hasOwn(data, kind) ? data[kind] : undefined
    if (typeof value === "string" && value.trim() !== "") return { reference: value, kind }
  }
  return undefined
}

/** `GET /v1/payments/{id}/refunds` and `GET /v1/refunds` answer a collection. */
export const RefundCollection = Schema.Struct({
  entity: Schema.optionalKey(Schema.Literal("collection")),
  count: Schema.optionalKey(Schema.Number),
  items: Schema.Array(Refund)
})
export type RefundCollection = typeof RefundCollection.Type

/** Every non-2xx answer: `{ "error": { code, description, source, step, reason, field, metadata } }`. */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    /** `BAD_REQUEST_ERROR`, `GATEWAY_ERROR`, `SERVER_ERROR`. */
    code: optionalNullable(Schema.String),
    description: optionalNullable(Schema.String),
    /** Who caused it: `business`, `customer`, `bank`, `internal`, ..., or `NA`. */
    source: optionalNullable(Schema.String),
    /** Where it happened: `payment_initiation`, ..., or `NA`. */
    step: optionalNullable(Schema.String),
    /** Why: `input_validation_failed`, ..., or `NA`. */
    reason: optionalNullable(Schema.String),
    /** The request parameter the error is about (`amount`, `payment_id`, ...). */
    field: optionalNullable(Schema.String),
    metadata: optionalNullable(Schema.Unknown)
  })
})
export type ErrorBody = typeof ErrorBody.Type

/**
 * A webhook delivery: `{ entity: "event", account_id, event, contains: ["refund", "payment"],
 * payload: { refund: { entity }, payment: { entity } }, created_at }`.
 */
export const Event = Schema.Struct({
  entity: Schema.optionalKey(Schema.String),
  account_id: optionalNullable(Schema.String),
  event: Schema.String,
  contains: optionalNullable(Schema.Array(Schema.String)),
  payload: Schema.optionalKey(Schema.Struct({
    refund: Schema.optionalKey(Schema.Struct({ entity: Schema.Unknown }))
  })),
  /** Unix seconds. */
  created_at: optionalNullable(Schema.Number)
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
export const decodeRefundCollection = decode(RefundCollection)
export const decodeErrorBody = decode(ErrorBody)
export const decodeEvent = decode(Event)
