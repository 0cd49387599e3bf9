/**
 * Money as an integer count of the currency's minor unit.
 *
 * Floating point never touches an amount: conversions to and from the decimal strings some
 * processors use (PayPal "10.99", Mollie "10.00") are done on the digits, so 0.1 + 0.2 problems
 * cannot occur and an amount with more decimals than the currency allows is rejected, not rounded.
 */
import { Option, Result, Schema } from "effect"
import * as Currency from "./Currency.ts"

/** A non-negative integer number of minor units that stays exact in a JS number. */
export const MinorUnits = Schema.Int.pipe(
  Schema.check(Schema.isBetween({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }))
)

export class Money extends Schema.Class<Money>("@refract/core/Money")({
  /** Amount in the currency's minor unit: 1050 USD is $10.50, 1050 JPY is ¥1050. */
  amount: MinorUnits,
  currency: Currency.CurrencyCode
}) {
  /** The amount as a decimal string in major units, e.g. "10.50", "1050", "1.050". */
  get decimal(): string {
    return toDecimalString(this)
  }
  override toString(): string {
    return `${toDecimalString(this)} ${this.currency}`
  }
}

/** Why an amount could not be turned into {@link Money}. */
export type MoneyProblem =
  | { readonly _tag: "UnknownCurrency"; readonly currency: string }
  | { readonly _tag: "NotAnInteger"; readonly amount: number }
  | { readonly _tag: "Negative"; readonly amount: number }
  | { readonly _tag: "TooLarge"; readonly amount: number }
  | { readonly _tag: "MalformedDecimal"; readonly value: string }
  | { readonly _tag: "TooManyDecimals"; readonly value: string; readonly exponent: number }

export const describeProblem = (p: MoneyProblem): string => {
  switch (p._tag) {
    case "UnknownCurrency":
      return `unknown ISO 4217 currency "${p.currency}"`
    case "NotAnInteger":
      return `amount ${p.amount} is not an integer number of minor units`
    case "Negative":
      return `amount ${p.amount} is negative`
    case "TooLarge":
      return `amount ${p.amount} is larger than ${Number.MAX_SAFE_INTEGER}`
    case "MalformedDecimal":
      return `"${p.value}" is not a decimal amount`
    case "TooManyDecimals":
      return `"${p.value}" has more than ${p.exponent} decimal places`
  }
}

/** Builds Money from minor units, checking the integer and the currency. */
export const fromMinor = (amount: number, currency: string): Result.Result<Money, MoneyProblem> => {
  const code = Currency.parse(currency)
  if (Option.isNone(code)) return Result.fail({ _tag: "UnknownCurrency", currency })
  if (!Number.isInteger(amount)) return Result.fail({ _tag: "NotAnInteger", amount })
  if (amount < 0) return Result.fail({ _tag: "Negative", amount })
  if (amount > Number.MAX_SAFE_INTEGER) return Result.fail({ _tag: "TooLarge", amount })
  return Result.succeed(new Money({ amount, currency: code.value }))
}

/** Like {@link fromMinor} but throws; for literals in tests and examples. */
export const make = (amount: number, currency: string): Money => {
  const result = fromMinor(amount, currency)
  if (Result.isFailure(result)) throw new RangeError(describeProblem(result.failure))
  return result.success
}

/** "10.50" for 1050 USD, "1050" for 1050 JPY, "1.050" for 1050 KWD. Exact: works on digits. */
export const toDecimalString = (money: { readonly amount: number; readonly currency: Currency.CurrencyCode }): string => {
  const exp = Currency.exponentOf(money.currency)
  const digits = String(money.amount)
  if (exp === 0) return digits
  const padded = digits.padStart(exp + 1, "0")
  return `${padded.slice(0, padded.length - exp)}.${padded.slice(padded.length - exp)}`
}

const decimalPattern = /^(\d+)(?:\.(\d+))?$/

/**
 * Parses a major-unit decimal string ("10.5", "10.50", "1050") into minor units.
 * Trailing zeros beyond the exponent are accepted ("10.500" USD), other extra digits are not.
 */
export const fromDecimalString = (value: string, currency: string): Result.Result<Money, MoneyProblem> => {
  const code = Currency.parse(currency)
  if (Option.isNone(code)) return Result.fail({ _tag: "UnknownCurrency", currency })
  const match = decimalPattern.exec(value.trim())
  if (match === null) return Result.fail({ _tag: "MalformedDecimal", value })
  const exp = Currency.exponentOf(code.value)
  const whole = match[1]!
  // Digits past the exponent may only be zeros ("10.500" USD), and are dropped.
  const fraction = match[2] ?? ""
  if (/[^0]/.test(fraction.slice(exp))) return Result.fail({ _tag: "TooManyDecimals", value, exponent: exp })
  // Digits only, so Number is exact up to MAX_SAFE_INTEGER (leading zeros included); beyond it, TooLarge.
  const amount = Number(whole + fraction.slice(0, exp).padEnd(exp, "0"))
  if (amount > Number.MAX_SAFE_INTEGER) return Result.fail({ _tag: "TooLarge", amount })
  return Result.succeed(new Money({ amount, currency: code.value }))
}

export const equals = (a: Money, b: Money): boolean => a.amount === b.amount && a.currency === b.currency
