import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Timestamp } from "@refract/core"

const nov2026 = Date.UTC(2026, 10, 20, 10, 15, 30)

describe("Timestamp bounds", () => {
  it("are 2000-01-01 to the end of 9999, inclusive", () => {
    assert.strictEqual(new Date(Timestamp.minEpochMillis).toISOString(), "2000-01-01T00:00:00.000Z")
    assert.strictEqual(new Date(Timestamp.maxEpochMillis).toISOString(), "9999-12-31T23:59:59.999Z")
    assert.isTrue(Timestamp.isInBounds(Timestamp.minEpochMillis))
    assert.isTrue(Timestamp.isInBounds(Timestamp.maxEpochMillis))
    assert.isFalse(Timestamp.isInBounds(Timestamp.minEpochMillis - 1))
    assert.isFalse(Timestamp.isInBounds(Timestamp.maxEpochMillis + 1))
  })
})

describe("Timestamp.fromUnixSeconds", () => {
  it("converts processor seconds to milliseconds", () => {
    assert.strictEqual(Timestamp.fromUnixSeconds(1763899200), 1763899200000)
    assert.strictEqual(Timestamp.fromUnixSeconds(1700000000.123), 1700000000123)
  })

  it("refuses non-finite, negative, absurd and non-number values", () => {
    for (const value of [1e306, -1e306, Number.POSITIVE_INFINITY, Number.NaN, -1, 0, 1, 946684799, 1763899200000, 253402300800]) {
      assert.isUndefined(Timestamp.fromUnixSeconds(value), String(value))
    }
    for (const value of ["1763899200", null, undefined, {}, [1763899200], true, 1763899200n]) {
      assert.isUndefined(Timestamp.fromUnixSeconds(value), String(value))
    }
  })

  it("accepts exactly the bounds", () => {
    assert.strictEqual(Timestamp.fromUnixSeconds(946684800), Timestamp.minEpochMillis)
    assert.strictEqual(Timestamp.fromUnixSeconds(253402300799), Timestamp.maxEpochMillis - 999)
  })
})

describe("Timestamp.fromEpochMillis", () => {
  it("keeps milliseconds within the bounds, dropping fractions", () => {
    assert.strictEqual(Timestamp.fromEpochMillis(nov2026), nov2026)
    assert.strictEqual(Timestamp.fromEpochMillis(nov2026 + 0.9), nov2026)
  })

  it("refuses what is not a plausible instant", () => {
    for (const value of [1e306, Number.NaN, Number.NEGATIVE_INFINITY, -1, 0, 1763899200, 8.64e15, "1763899200000", null]) {
      assert.isUndefined(Timestamp.fromEpochMillis(value), String(value))
    }
  })
})

describe("Timestamp.fromIsoString", () => {
  it("reads the RFC 3339 shapes processors send", () => {
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20T10:15:30Z"), nov2026)
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20T02:15:30-08:00"), nov2026)
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20T11:15:30+01:00"), nov2026)
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20T10:15:30.0891199Z"), nov2026 + 89)
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20T10:15:30.5z"), nov2026 + 500)
    assert.strictEqual(Timestamp.fromIsoString("2026-11-20 10:15:30Z"), nov2026)
    assert.strictEqual(Timestamp.fromIsoString("2016-12-31T23:59:60Z"), Date.UTC(2016, 11, 31, 23, 59, 59, 999), "a leap second")
  })

  it("refuses dates that do not exist, other formats, and out-of-bounds years", () => {
    for (
      const value of [
        "2026-02-30T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-20T24:00:00Z",
        "2026-11-20T10:60:00Z",
        "2026-11-20T10:15:30+25:00",
        "2026-11-20T10:15:30",
        "2026-11-20",
        "20 Nov 2026 10:15:30 GMT",
        "1763899200",
        "1999-12-31T23:59:59Z",
        "0000-01-01T00:00:00Z",
        "+275760-09-13T00:00:00Z",
        "",
        `2026-11-20T10:15:30.${"9".repeat(80)}Z`
      ]
    ) {
      assert.isUndefined(Timestamp.fromIsoString(value), value)
    }
    assert.isUndefined(Timestamp.fromIsoString(1763899200000))
    assert.isUndefined(Timestamp.fromIsoString(null))
  })

  it("agrees with Date for every in-bounds millisecond time", () => {
    fc.assert(fc.property(fc.integer({ min: Timestamp.minEpochMillis, max: Timestamp.maxEpochMillis }), (millis) => {
      const iso = new Date(millis).toISOString()
      return Timestamp.fromIsoString(iso) === millis && Timestamp.fromEpochMillis(millis) === millis
    }))
  })

  it("never throws and never returns a value outside the bounds", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.anything()), (value) => {
      for (const result of [Timestamp.fromIsoString(value), Timestamp.fromUnixSeconds(value), Timestamp.fromEpochMillis(value)]) {
        if (result !== undefined && !Timestamp.isInBounds(result)) return false
      }
      return true
    }))
  })
})
