/**
 * Adyen wire formats (Checkout API v71 and the standard webhook notification) and the amount
 * conversion between Refract `Money` (ISO 4217 exponents) and Adyen's minor units.
 *
 * Sources: Adyen/adyen-openapi `json/CheckoutService-v71.json` (`PaymentRefundRequest`,
 * `PaymentRefundResponse`, `ServiceError`) and `json/Webhooks-v1.json` (`NotificationRequestItem`).
 */
import { Currency, Money } from "@refract/core"
import { Result, Schema } from "effect"

/** `{ currency, value }`: value in Adyen minor units (see {@link toAdyenAmount}). */
export const Amount = Schema.Struct({
  currency: Schema.String,
  value: Schema.Number
})
export type Amount = typeof Amount.Type

/** Values of `merchantRefundReason` (PaymentRefundRequest). */
export const MerchantRefundReason = Schema.Literals(["FRAUD", "CUSTOMER REQUEST", "RETURN", "DUPLICATE", "OTHER"])
export type MerchantRefundReason = typeof MerchantRefundReason.Type

/** The body of `POST /payments/{paymentPspReference}/refunds` (only the fields Refract sends). */
export interface PaymentRefundRequest {
  readonly merchantAccount: string
  readonly amount: Amount
  /** Your reference for the refund, at most 80 characters: Refract sends the merchant refund id. */
  readonly reference: string
  readonly merchantRefundReason?: MerchantRefundReason
}

/**
 * The 201 answer. The spec marks `merchantAccount`, `paymentPspReference`, `pspReference`, `status`
 * and `amount` required; Refract only insists on what it uses: the refund's `pspReference` and the
 * `status`, which is always `received` (the outcome arrives later, by webhook).
 */
export const PaymentRefundResponse = Schema.Struct({
  merchantAccount: Schema.optionalKey(Schema.String),
  paymentPspReference: Schema.optionalKey(Schema.String),
  pspReference: Schema.String,
  reference: Schema.optionalKey(Schema.NullOr(Schema.String)),
  status: Schema.Literal("received"),
  amount: Schema.optionalKey(Amount),
  merchantRefundReason: Schema.optionalKey(Schema.NullOr(Schema.String))
})
export type PaymentRefundResponse = typeof PaymentRefundResponse.Type

/** Adyen's error body. Every field is optional here: undecodable bodies still map by HTTP status. */
export interface ServiceError {
  readonly status?: number | undefined
  readonly errorCode?: string | undefined
  readonly message?: string | undefined
  readonly errorType?: string | undefined
  readonly pspReference?: string | undefined
}

const stringField = (record: Record<string, unknown>, key: string): string | undefined => {
  const value = record[key]
  return typeof value === "string" && value !== "" ? value : undefined
}

/** Reads a `ServiceError` leniently: a field of the wrong type is dropped, a non-JSON body gives `{}`. */
export const readServiceError = (body: string): ServiceError => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return {}
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {}
  const record = parsed as Record<string, unknown>
  const status = record["status"]
  const errorCode = record["errorCode"]
  return {
    status: typeof status === "number" ? status : undefined,
    // errorCode is a string in the spec ("000", "901", "14_030"); tolerate a bare number.
    errorCode: typeof errorCode === "number" ? String(errorCode) : stringField(record, "errorCode"),
    message: stringField(record, "message"),
    errorType: stringField(record, "errorType"),
    pspReference: stringField(record, "pspReference")
  }
}

/**
 * One item of a standard webhook delivery (`notificationItems[].NotificationRequestItem`).
 * Values are read leniently; the HMAC is computed from the raw JSON values, not from this type.
 */
export const NotificationRequestItem = Schema.Struct({
  pspReference: Schema.optionalKey(Schema.NullOr(Schema.String)),
  originalReference: Schema.optionalKey(Schema.NullOr(Schema.String)),
  merchantAccountCode: Schema.optionalKey(Schema.NullOr(Schema.String)),
  merchantReference: Schema.optionalKey(Schema.NullOr(Schema.String)),
  eventCode: Schema.String,
  eventDate: Schema.optionalKey(Schema.NullOr(Schema.String)),
  success: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Boolean]))),
  reason: Schema.optionalKey(Schema.NullOr(Schema.String)),
  paymentMethod: Schema.optionalKey(Schema.NullOr(Schema.String)),
  amount: Schema.optionalKey(Schema.NullOr(Schema.Struct({
    currency: Schema.optionalKey(Schema.NullOr(Schema.String)),
    value: Schema.optionalKey(Schema.NullOr(Schema.Number))
  }))),
  additionalData: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)))
})
export type NotificationRequestItem = typeof NotificationRequestItem.Type

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/**
 * Currencies where Adyen's minor unit differs from ISO 4217 (docs.adyen.com "Currency codes":
 * "For CLP, CVE, IDR, and ISK the standard has a different number of decimals than shown in our
 * table ... the decimals in the table are leading"). Value: Adyen's exponent.
 * ISO: CLP 0, ISK 0, IDR 2, CVE 2. Adyen: CLP 2, ISK 2, IDR 0, CVE 0.
 */
export const adyenExponentOverrides: Readonly<Record<string, number>> = { CLP: 2, ISK: 2, IDR: 0, CVE: 0 }

const isoExponent = (currency: Currency.CurrencyCode): number => Currency.exponentOf(currency)

/** Adyen's exponent for a currency Refract knows. */
export const adyenExponent = (currency: Currency.CurrencyCode): number =>
  (Object.hasOwn(adyenExponentOverrides, currency) ? adyenExponentOverrides[currency] : undefined) ?? isoExponent(currency)

/**
 * Refract Money (ISO minor units) to Adyen's `{ currency, value }`. Fails, with a message, when the
 * amount cannot be expressed exactly (IDR 1050 is Rp 10.50, but Adyen counts whole rupiah).
 */
export const toAdyenAmount = (money: Money.Money): Result.Result<Amount, string> => {
  const shift = adyenExponent(money.currency) - isoExponent(money.currency)
  if (shift === 0) return Result.succeed({ currency: money.currency, value: money.amount })
  const factor = 10 ** Math.abs(shift)
  if (shift > 0) {
    const value = money.amount * factor
    return Number.isSafeInteger(value)
      ? Result.succeed({ currency: money.currency, value })
      : Result.fail(`${money.currency} amount ${money.amount} is too large for Adyen`)
  }
  return money.amount % factor === 0
    ? Result.succeed({ currency: money.currency, value: money.amount / factor })
    : Result.fail(
      `Adyen counts ${money.currency} in whole units: ${Money.toDecimalString(money)} ${money.currency} has a fractional part`
    )
}

/** Adyen's `{ currency, value }` to Refract Money (ISO minor units). */
export const fromAdyenAmount = (amount: { readonly currency: string; readonly value: number }): Result.Result<Money.Money, string> => {
  const iso = Money.fromMinor(amount.value, amount.currency)
  if (Result.isFailure(iso)) return Result.fail(Money.describeProblem(iso.failure))
  const money = iso.success
  const shift = adyenExponent(money.currency) - isoExponent(money.currency)
  if (shift === 0) return Result.succeed(money)
  const factor = 10 ** Math.abs(shift)
  if (shift > 0) {
    return money.amount % factor === 0
      ? Result.succeed(Money.make(money.amount / factor, money.currency))
      : Result.fail(`Adyen ${money.currency} value ${amount.value} has a fraction of the ISO minor unit`)
  }
  const value = money.amount * factor
  return Number.isSafeInteger(value)
    ? Result.succeed(Money.make(value, money.currency))
    : Result.fail(`Adyen ${money.currency} value ${amount.value} is too large`)
}
