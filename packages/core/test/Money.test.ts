import { assert, describe, it } from "@effect/vitest"
import { Option, Result } from "effect"
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
})
