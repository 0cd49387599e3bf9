/**
 * Wire schemas for the parts of Checkout.com's API this connector reads and writes: the refund
 * request and its 202 answer, the payment actions list, the error body, and the webhook event.
 *
 * Sources: checkout/checkout-api-reference `nas_spec` (RefundRequest, RefundAcceptedResponse,
 * PaymentAction, PaymentActionsResponse, Error, ValidationError, ActionId), checkout-sdk-node
 * (`src/config.js`, `src/services/errors.js`, its refund tests) and Checkout's webhook event
 * examples (`payment_refunded`, `payment_refund_declined`, `payment_refund_pending`).
 *
 * Only the fields the connector uses are declared; unknown keys are ignored, and every optional
 * field may also be `null`.
 */
import { Currency, Timestamp } from "@refract/core"
import { Option, Result, Schema } from "effect"

const optionalNullable = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

/**
 * A payment id: `pay_` and 26 lower-case letters and digits (Checkout's ids are base32; the spec
 * pattern is `^(pay)_(\w{26})$`). Validated before anything is sent.
 */
export const paymentIdPattern = /^pay_[a-z0-9]{26}$/

/** An action id, as the spec's `ActionId` schema has it: `^(act)_(\w{26})$`, 30 characters. */
export const actionIdPattern = /^act_\w{26}$/

export const isPaymentId = (id: string | null | undefined): id is string => typeof id === "string" && paymentIdPattern.test(id)
export const isActionId = (id: string | null | undefined): id is string => typeof id === "string" && actionIdPattern.test(id)

// ---------------------------------------------------------------------------------------------
// Composite refund ids
// ---------------------------------------------------------------------------------------------

/**
 * Checkout.com has no refund resource: a refund is an action (`act_…`) on its payment (`pay_…`),
 * and its status is read from `GET /payments/{paymentId}/actions`. The connector refund id carries
 * both, `pay_…:act_…`, so a status read needs nothing but the id.
 */
export const refundId = (paymentId: string, actionId: string): string => `${paymentId}:${actionId}`

export interface RefundIdParts {
  readonly paymentId: string
  readonly actionId: string
}

/** Splits a composite refund id; fails with what is wrong, never throws. */
export const parseRefundId = (id: string): Result.Result<RefundIdParts, string> => {
  const parts = id.split(":")
  if (parts.length !== 2) {
    return Result.fail("a Checkout.com refund id is <payment id>:<action id> (pay_…:act_…), as returned by create")
  }
  const [paymentId, actionId] = parts as [string, string]
  if (!isPaymentId(paymentId)) {
    return Result.fail("the payment part of a Checkout.com refund id is pay_ and 26 lower-case letters and digits")
  }
  if (!isActionId(actionId)) {
    return Result.fail("the action part of a Checkout.com refund id is act_ and 26 letters, digits or _")
  }
  return Result.succeed({ paymentId, actionId })
}

// ---------------------------------------------------------------------------------------------
// Refund request and answer
// ---------------------------------------------------------------------------------------------

/** `reference` is at most 50 characters (RefundRequest.yaml). */
export const REFERENCE_MAX_LENGTH = 50

/** "The amount value must not contain more than nine digits" (Format the amount value). */
export const MAX_AMOUNT = 999_999_999

/** `POST /payments/{id}/refunds` body. `amount` is in Checkout's minor units; omitted = full refund. */
export interface RefundRequest {
  readonly amount?: number
  readonly reference: string
  readonly metadata?: Readonly<Record<string, string>> | undefined
}

/** The 202 answer: `{ action_id, reference, _links: { payment } }`. */
export const RefundAccepted = Schema.Struct({
  action_id: Schema.String,
  reference: optionalNullable(Schema.String)
})
export type RefundAccepted = typeof RefundAccepted.Type

// ---------------------------------------------------------------------------------------------
// Payment actions
// ---------------------------------------------------------------------------------------------

/**
 * One element of `GET /payments/{id}/actions` (PaymentAction.yaml). `type` is one of
 * Authorization, Card Verification, Void, Capture, Refund, Payout, Return; `approved` says whether
 * the action succeeded and is read loosely (a missing or null `approved` is a refund not yet decided).
 */
export const PaymentAction = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  /** An ISO date-time; read loosely (see {@link timestamp}). */
  processed_on: Schema.optionalKey(Schema.Unknown),
  approved: Schema.optionalKey(Schema.Unknown),
  response_code: optionalNullable(Schema.String),
  response_summary: optionalNullable(Schema.String),
  reference: optionalNullable(Schema.String),
  /**
   * `{ retrieval_reference_number, acquirer_reference_number, acquirer_transaction_id }`: "information
   * related to the processing of the payment". Read loosely: see {@link acquirerReferenceOf}.
   */
  processing: Schema.optionalKey(Schema.Unknown)
})
export type PaymentAction = typeof PaymentAction.Type

/**
 * An action's `processing.acquirer_reference_number` ("A unique identifier for the capture that is
 * submitted to the card scheme during processing", PaymentAction.yaml): the ARN the customer's bank
 * can trace. Undefined when absent, empty or not a string.
 */
export const acquirerReferenceOf = (processing: unknown): string | undefined => {
  if (typeof processing !== "object" || processing === null || Array.isArray(processing)) return undefined
  const arn = Object.hasOwn(processing, "acquirer_reference_number")
    ? (processing as { readonly acquirer_reference_number?: unknown }).acquirer_reference_number
    : undefined
  return typeof arn === "string" && arn.trim() !== "" ? arn.trim() : undefined
}

/** The actions list is a bare JSON array, latest first. Elements are decoded one by one. */
export const PaymentActions = Schema.Array(Schema.Unknown)

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Error bodies: `{ request_id, error_type, error_codes? }` (Error.yaml, ValidationError.yaml).
 * 401 answers often have an empty body.
 */
export const ErrorBody = Schema.Struct({
  request_id: optionalNullable(Schema.String),
  error_type: optionalNullable(Schema.String),
  error_codes: optionalNullable(Schema.Array(Schema.String))
})
export type ErrorBody = typeof ErrorBody.Type

// ---------------------------------------------------------------------------------------------
// Webhook events
// ---------------------------------------------------------------------------------------------

/** `data` of a payment event: the payment id is `data.id`, the refund action `data.action_id`. */
export const EventData = Schema.Struct({
  id: optionalNullable(Schema.String),
  action_id: optionalNullable(Schema.String),
  reference: optionalNullable(Schema.String),
  /** Minor units of `currency`; both read loosely (an event whose amount cannot be read still reports the status). */
  amount: Schema.optionalKey(Schema.Unknown),
  currency: Schema.optionalKey(Schema.Unknown),
  processed_on: Schema.optionalKey(Schema.Unknown),
  response_code: optionalNullable(Schema.String),
  response_summary: optionalNullable(Schema.String)
})
export type EventData = typeof EventData.Type

/** The event envelope. Older versions carry `timestamp` instead of `created_on`. */
export const Event = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  version: optionalNullable(Schema.String),
  created_on: Schema.optionalKey(Schema.Unknown),
  timestamp: Schema.optionalKey(Schema.Unknown),
  data: Schema.optionalKey(Schema.Unknown)
})
export type Event = typeof Event.Type

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/** "The amount you specify is the final amount" (Format the amount value). */
const fullAmountCurrencies: ReadonlySet<string> = new Set([
  "BIF", "CLF", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VUV", "VND", "XAF", "XOF", "XPF"
])

/** "The amount you specify is divided by 1000." */
const thousandthCurrencies: ReadonlySet<string> = new Set(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])

/** How many decimals Checkout.com's `amount` has for a currency: 0, 3, or 2 for all others. */
export const checkoutExponent = (currency: string): number =>
  fullAmountCurrencies.has(currency) ? 0 : thousandthCurrencies.has(currency) ? 3 : 2

/**
 * Why a currency cannot be refunded through Refract: Checkout's scale differs from ISO 4217, so an
 * ISO minor-unit amount sent unchanged would be off by a power of ten (CLP, UYI: ISO has no minor
 * unit, Checkout divides by 100; CLF, UYW: ISO has four decimals). Undefined when the scales agree.
 */
export const scaleMismatch = (currency: string): string | undefined => {
  const iso = Currency.exponent(currency)
  if (Option.isNone(iso)) return undefined
  const checkout = checkoutExponent(currency)
  return iso.value === checkout
    ? undefined
    : `Checkout.com's amount for ${currency} has ${checkout} decimals while ISO 4217 gives it ${iso.value}`
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** Decodes without throwing; the failure is a one-line description. */
export const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const run = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], string> => {
    const result = run(input)
    return Result.isSuccess(result)
      ? Result.succeed(result.success)
      : Result.fail(result.failure.message.replace(/\s+/g, " ").trim())
  }
}

export const decodeRefundAccepted = decode(RefundAccepted)
export const decodePaymentActions = decode(PaymentActions)
export const decodePaymentAction = decode(PaymentAction)
export const decodeErrorBody = decode(ErrorBody)
export const decodeEvent = decode(Event)
export const decodeEventData = decode(EventData)

/**
 * An ISO 8601 date-time (`2023-05-24T09:27:47.0891199Z`) as epoch ms; undefined when absent, not one,
 * not a real date or outside core's {@link Timestamp} bounds.
 */
export const timestamp = (value: unknown): number | undefined => Timestamp.fromIsoString(value)
