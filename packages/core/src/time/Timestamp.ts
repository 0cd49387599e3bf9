/**
 * Processor times, read from the wire and bounded.
 *
 *   Timestamp.fromUnixSeconds(refund.created)        // Stripe `created`, Razorpay `created_at`
 *   Timestamp.fromEpochMillis(value)                 // a time already in milliseconds
 *   Timestamp.fromIsoString(refund.update_time)      // PayPal, Square, Adyen, Checkout.com (RFC 3339)
 *
 * Each returns epoch milliseconds, or `undefined` when the value is not a plausible instant:
 * not a number (or not a string, for ISO), not finite, out of bounds, or not a real calendar date.
 * Processor times are informative (when a state was observed, when a refund was created), so a bad
 * one is dropped rather than refusing the whole delivery; what must never happen is a signed
 * `"created": 1e306` becoming `Infinity` in a refund's history, or a time that `Date` cannot format.
 *
 * Bounds, inclusive: 2000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z.
 * - Lower: no processor Refract supports issued refunds before 2000. Anything earlier is a
 *   placeholder (`0`, `-1`) or a unit mix-up: unix seconds read as milliseconds land in January 1970.
 * - Upper: the last instant with a four-digit year, so every accepted time formats as RFC 3339 and
 *   round-trips through `Date`, JSON, PostgreSQL `timestamptz` and the processors' own formats.
 *   Milliseconds read as seconds (a 13-digit number) land around the year 55 000 and are refused.
 *
 * The functions are pure and total: they never throw and never read the clock.
 */

/** 2000-01-01T00:00:00.000Z, the earliest accepted time. */
export const minEpochMillis: number = Date.UTC(2000, 0, 1)

/** 9999-12-31T23:59:59.999Z, the latest accepted time. */
export const maxEpochMillis: number = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** True for a finite epoch-millisecond value within the bounds. */
export const isInBounds = (millis: number): boolean =>
  Number.isFinite(millis) && millis >= minEpochMillis && millis <= maxEpochMillis

/** Whole milliseconds, or undefined when out of bounds. */
const bounded = (millis: number): number | undefined => {
  if (!Number.isFinite(millis)) return undefined
  const whole = Math.floor(millis)
  return isInBounds(whole) ? whole : undefined
}

/** Epoch milliseconds, as a number, within the bounds (fractions are dropped). */
export const fromEpochMillis = (value: unknown): number | undefined =>
  typeof value === "number" ? bounded(value) : undefined

/** Unix seconds (fractions allowed), as a number, converted to epoch milliseconds within the bounds. */
export const fromUnixSeconds = (value: unknown): number | undefined =>
  // Rounded, not floored: 1700000000.123 * 1000 is 1700000000122.9999 in binary floating point.
  typeof value === "number" && Number.isFinite(value) ? bounded(Math.round(value * 1000)) : undefined

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?([Zz]|[+-]\d{2}:\d{2})$/

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * An RFC 3339 date-time (`2026-11-20T10:15:30Z`, `2026-11-20T10:15:30.0891199+01:00`, a space or a
 * lower-case `t`/`z` accepted) as epoch milliseconds within the bounds. Fractions beyond
 * milliseconds are truncated; a leap second (`:60`) counts as `:59.999`. Calendar dates are checked
 * (`2026-02-30` is refused, where `Date.parse` would roll it over or guess), and so are offsets.
 */
export const fromIsoString = (value: unknown): number | undefined => {
  if (typeof value !== "string" || value.length > 64) return undefined
  const m = rfc3339.exec(value.trim())
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const zone = m[8]!
  let offsetMinutes = 0
  if (zone !== "Z" && zone !== "z") {
    const hours = Number(zone.slice(1, 3))
    const minutes = Number(zone.slice(4, 6))
    if (hours > 23 || minutes > 59) return undefined
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes)
  }
  const millis = second === 60 ? 999 : Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"))
  // (Date.UTC reads years 0-99 as 1900-1999: both are below the lower bound either way.)
  return bounded(Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millis) - offsetMinutes * 60_000)
}
