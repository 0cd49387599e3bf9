/**
 * ISO 4217 currencies and their minor-unit exponents.
 *
 * The exponent is what turns "1000 minor units" into a real amount: 1000 JPY is ¥1000 (exponent 0),
 * 1000 USD is $10.00 (exponent 2), 1000 KWD is 1.000 KWD (exponent 3). Getting it wrong refunds 100x
 * too much or too little, so an unknown code is an error, never a silent default of 2.
 */
import { Option, Schema, SchemaGetter } from "effect"

/** Currencies whose minor unit is not 1/100. Everything else in {@link codes} uses 2. */
const exponents: Readonly<Record<string, number>> = {
  // exponent 0
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // exponent 3
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // exponent 4
  CLF: 4, UYW: 4
}

/** Active ISO 4217 codes (list one, 2026), funds codes included, precious metals and test codes excluded. */
const codes: ReadonlyArray<string> = (
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
  "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL " +
  "GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD " +
  "KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO " +
  "NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS " +
  "SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND " +
  "VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL"
).split(" ")

const known = new Set(codes)

/** True when `code` is an ISO 4217 code Refract knows the exponent of. */
export const isKnown = (code: string): boolean => known.has(code)

/** The number of decimal digits of the currency's minor unit, or none for an unknown code. */
export const exponent = (code: string): Option.Option<number> =>
  known.has(code) ? Option.some(exponents[code] ?? 2) : Option.none()

/** Exponent of a code already validated by {@link CurrencyCode}. */
export const exponentOf = (code: CurrencyCode): number => exponents[code] ?? 2

/**
 * An upper-case ISO 4217 code that Refract knows the exponent of.
 * Decoding lower-case input (Stripe answers "usd") is done by {@link CurrencyCodeFromProcessor}.
 */
export const CurrencyCode = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => known.has(s) || `unknown ISO 4217 currency code "${s}"`)),
  Schema.brand("@refract/core/CurrencyCode")
)
export type CurrencyCode = typeof CurrencyCode.Type

/** Accepts any case on the wire ("usd", "USD") and normalises to the upper-case code. */
export const CurrencyCodeFromProcessor = Schema.String.pipe(
  Schema.decodeTo(CurrencyCode, {
    decode: SchemaGetter.transform((s: string) => s.toUpperCase()),
    encode: SchemaGetter.transform((s: string) => s)
  })
)

/** Parses a code, in any case. */
export const parse = (code: string): Option.Option<CurrencyCode> => {
  const upper = code.toUpperCase()
  return known.has(upper) ? Option.some(upper as CurrencyCode) : Option.none()
}

/** All codes Refract knows, for docs and property tests. */
export const all: ReadonlyArray<CurrencyCode> = codes as ReadonlyArray<CurrencyCode>
