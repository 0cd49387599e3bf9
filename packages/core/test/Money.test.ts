import { assert, describe, it } from "@effect/vitest"
import { Option, Result, Schema } from "effect"
import * as fc from "fast-check"
import { Currency, Money } from "@refract/core"

describe("Currency", () => {
  it("knows the real exponents", () => {
    const exp = (c: string) => Option.getOrUndefined(Currency.exponent(c))
    assert.strictEqual(exp("USD"), 2)
    assert.strictEqual(exp("EUR"), 2)
    assert.strictEqual(exp("JPY"), 0)
    assert.strictEqual(exp("KRW"), 0)
    assert.strictEqual(exp("KWD"), 3)
    assert.strictEqual(exp("BHD"), 3)
    assert.strictEqual(exp("TND"), 3)
    assert.strictEqual(exp("CLF"), 4)
    assert.strictEqual(exp("XYZ"), undefined)
  })
  it("parses any case", () => {
    assert.strictEqual(Option.getOrUndefined(Currency.parse("usd")), "USD")
    assert.isTrue(Option.isNone(Currency.parse("us")))
  })
})

describe("Money", () => {
  it("rejects unknown currencies, fractions, negatives and unsafe integers", () => {
    const tag = (r: Result.Result<Money.Money, Money.MoneyProblem>) => (Result.isFailure(r) ? r.failure._tag : "ok")
    assert.strictEqual(tag(Money.fromMinor(100, "XXQ")), "UnknownCurrency")
    assert.strictEqual(tag(Money.fromMinor(10.5, "USD")), "NotAnInteger")
    assert.strictEqual(tag(Money.fromMinor(-1, "USD")), "Negative")
    assert.strictEqual(tag(Money.fromMinor(2 ** 60, "USD")), "TooLarge")
    assert.strictEqual(tag(Money.fromMinor(100, "usd")), "ok")
  })

  it("formats decimals on digits, with the currency's exponent", () => {
    assert.strictEqual(Money.make(1050, "USD").decimal, "10.50")
    assert.strictEqual(Money.make(5, "USD").decimal, "0.05")
    assert.strictEqual(Money.make(0, "USD").decimal, "0.00")
    assert.strictEqual(Money.make(1050, "JPY").decimal, "1050")
    assert.strictEqual(Money.make(1050, "KWD").decimal, "1.050")
    assert.strictEqual(Money.make(7, "KWD").decimal, "0.007")
    assert.strictEqual(Money.make(Number.MAX_SAFE_INTEGER, "USD").decimal, "90071992547409.91")
    assert.strictEqual(String(Money.make(1999, "EUR")), "19.99 EUR")
  })

  it("parses decimals exactly, refusing extra precision", () => {
    const amount = (v: string, c: string) => {
      const r = Money.fromDecimalString(v, c)
      return Result.isSuccess(r) ? r.success.amount : r.failure._tag
    }
    assert.strictEqual(amount("10.99", "USD"), 1099)
    assert.strictEqual(amount("10.9", "USD"), 1090)
    assert.strictEqual(amount("10", "USD"), 1000)
    assert.strictEqual(amount("0.29", "USD"), 29) // 0.29 * 100 is 28.999999999999996 in floating point
    assert.strictEqual(amount("10.500", "USD"), 1050)
    assert.strictEqual(amount("10.505", "USD"), "TooManyDecimals")
    assert.strictEqual(amount("1050", "JPY"), 1050)
    assert.strictEqual(amount("1050.5", "JPY"), "TooManyDecimals")
    assert.strictEqual(amount("1.005", "KWD"), 1005)
    assert.strictEqual(amount("-1.00", "USD"), "MalformedDecimal")
    assert.strictEqual(amount("1e3", "USD"), "MalformedDecimal")
    assert.strictEqual(amount("", "USD"), "MalformedDecimal")
    assert.strictEqual(amount("99999999999999999.99", "USD"), "TooLarge")
  })

  it("round-trips every amount in every currency", () => {
    fc.assert(fc.property(fc.constantFrom(...Currency.all), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (currency, amount) => {
      const money = Money.make(amount, currency)
      const back = Money.fromDecimalString(money.decimal, currency)
      assert.isTrue(Result.isSuccess(back) && Money.equals(back.success, money))
    }), { numRuns: 3000 })
  })

  it("describes every problem in words that name the offending value", () => {
    assert.strictEqual(Money.describeProblem({ _tag: "UnknownCurrency", currency: "XXQ" }), `unknown ISO 4217 currency "XXQ"`)
    assert.strictEqual(Money.describeProblem({ _tag: "NotAnInteger", amount: 10.5 }), "amount 10.5 is not an integer number of minor units")
    assert.strictEqual(Money.describeProblem({ _tag: "Negative", amount: -1 }), "amount -1 is negative")
    assert.strictEqual(Money.describeProblem({ _tag: "TooLarge", amount: 2 ** 60 }), `amount ${2 ** 60} is larger than 9007199254740991`)
    assert.strictEqual(Money.describeProblem({ _tag: "MalformedDecimal", value: "1e3" }), `"1e3" is not a decimal amount`)
    assert.strictEqual(Money.describeProblem({ _tag: "TooManyDecimals", value: "10.505", exponent: 2 }), `"10.505" has more than 2 decimal places`)
  })

  it("make throws a RangeError that says what is wrong, and builds Money otherwise", () => {
    assert.throws(() => Money.make(-5, "USD"), RangeError, "amount -5 is negative")
    assert.throws(() => Money.make(5, "XXQ"), RangeError, `unknown ISO 4217 currency "XXQ"`)
    const m = Money.make(5, "jpy")
    assert.strictEqual(m.amount, 5)
    assert.strictEqual(m.currency, "JPY")
  })

  it("accepts the bounds of minor units: zero and the largest safe integer, nothing past them", () => {
    const outcome = (r: Result.Result<Money.Money, Money.MoneyProblem>) => (Result.isFailure(r) ? r.failure : r.success.amount)
    assert.strictEqual(outcome(Money.fromMinor(0, "USD")), 0)
    assert.strictEqual(outcome(Money.fromMinor(Number.MAX_SAFE_INTEGER, "USD")), Number.MAX_SAFE_INTEGER)
    assert.deepStrictEqual(outcome(Money.fromMinor(Number.MAX_SAFE_INTEGER + 1, "USD")), { _tag: "TooLarge", amount: Number.MAX_SAFE_INTEGER + 1 })
    assert.deepStrictEqual(outcome(Money.fromMinor(-1, "USD")), { _tag: "Negative", amount: -1 })
    assert.deepStrictEqual(outcome(Money.fromMinor(0.5, "USD")), { _tag: "NotAnInteger", amount: 0.5 })
    assert.deepStrictEqual(outcome(Money.fromMinor(1, "XXQ")), { _tag: "UnknownCurrency", currency: "XXQ" })
  })

  it("the Money schema refuses fractions, negatives and unsafe integers when decoding", () => {
    const decode = Schema.decodeUnknownResult(Money.Money)
    assert.isTrue(Result.isSuccess(decode({ amount: 0, currency: "USD" })))
    assert.isTrue(Result.isSuccess(decode({ amount: Number.MAX_SAFE_INTEGER, currency: "USD" })))
    for (const amount of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      assert.isTrue(Result.isFailure(decode({ amount, currency: "USD" })), String(amount))
    }
    assert.isTrue(Result.isFailure(decode({ amount: 1, currency: "XXQ" })))
  })

  it("reports the parse problem with its value, exponent or currency", () => {
    const problem = (v: string, c: string) => {
      const r = Money.fromDecimalString(v, c)
      return Result.isFailure(r) ? r.failure : r.success.amount
    }
    assert.deepStrictEqual(problem("10.505", "USD"), { _tag: "TooManyDecimals", value: "10.505", exponent: 2 })
    assert.deepStrictEqual(problem("1.0001", "KWD"), { _tag: "TooManyDecimals", value: "1.0001", exponent: 3 })
    assert.deepStrictEqual(problem("10.50", "XXQ"), { _tag: "UnknownCurrency", currency: "XXQ" })
    assert.deepStrictEqual(problem("ten", "USD"), { _tag: "MalformedDecimal", value: "ten" })
    assert.deepStrictEqual(problem("90071992547409.92", "USD"), { _tag: "TooLarge", amount: 9007199254740992 })
  })

  it("parses only plain decimals: digits, optionally a point and more digits, surrounding spaces ignored", () => {
    const amount = (v: string, c: string) => {
      const r = Money.fromDecimalString(v, c)
      return Result.isSuccess(r) ? r.success.amount : r.failure._tag
    }
    assert.strictEqual(amount(" 10.50 ", "USD"), 1050)
    assert.strictEqual(amount("0010.50", "USD"), 1050)
    assert.strictEqual(amount("0.00", "USD"), 0)
    assert.strictEqual(amount("10.5000", "USD"), 1050)
    assert.strictEqual(amount("10.5001", "USD"), "TooManyDecimals")
    assert.strictEqual(amount("10.00", "JPY"), 10)
    assert.strictEqual(amount("10.01", "JPY"), "TooManyDecimals")
    for (const bad of ["10.", ".50", "a10.50", "10.50a", "10,50", "1 0", "+1", "10.5.0"]) {
      assert.strictEqual(amount(bad, "USD"), "MalformedDecimal", bad)
    }
  })

  it("parses up to the largest safe integer of minor units and refuses one more", () => {
    const amount = (v: string, c: string) => {
      const r = Money.fromDecimalString(v, c)
      return Result.isSuccess(r) ? r.success.amount : r.failure._tag
    }
    assert.strictEqual(amount("90071992547409.91", "USD"), Number.MAX_SAFE_INTEGER)
    assert.strictEqual(amount("9007199254740991", "JPY"), Number.MAX_SAFE_INTEGER)
    assert.strictEqual(amount("9007199254740992", "JPY"), "TooLarge")
    assert.strictEqual(amount("1000000000000000", "JPY"), 1_000_000_000_000_000) // 16 digits, safe
    assert.strictEqual(amount("0000000000000000001", "JPY"), 1) // many digits, small amount
    assert.strictEqual(amount("1".repeat(400), "JPY"), "TooLarge")
  })

  it("equals compares amount and currency", () => {
    assert.isTrue(Money.equals(Money.make(100, "USD"), Money.make(100, "usd")))
    assert.isFalse(Money.equals(Money.make(100, "USD"), Money.make(101, "USD")))
    assert.isFalse(Money.equals(Money.make(100, "USD"), Money.make(100, "EUR")))
  })

  it("toString and decimal agree for every exponent", () => {
    assert.strictEqual(String(Money.make(12345, "CLF")), "1.2345 CLF")
    assert.strictEqual(Money.make(1, "CLF").decimal, "0.0001")
    assert.strictEqual(Money.make(10, "USD").decimal, "0.10")
    assert.strictEqual(Money.make(100, "USD").decimal, "1.00")
    assert.strictEqual(String(Money.make(7, "JPY")), "7 JPY")
  })
})
