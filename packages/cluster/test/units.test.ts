/**
 * The cluster package's pure parts: settings (defaults as the core tracker's, nonsense refused),
 * the key an execution is idempotent on, and how a reconciliation window is split into slices.
 */
import { describe, expect, it } from "vitest"
import * as fc from "fast-check"
import { Refund } from "@refract/core"
import { ClusterReconcile, Settings, TrackRefund, Tracking } from "@refract/cluster"

describe("Settings.resolve", () => {
  it("defaults as the in-process tracker does", () => {
    const s = Settings.resolve()
    expect(s).toEqual({
      schema: "public",
      initialDelayMillis: 2_000,
      maxDelayMillis: 300_000,
      factor: 2,
      jitter: true,
      stuckAfterMillis: 86_400_000,
      recheckEveryMillis: 300_000,
      reversalWindowMillis: 30 * 86_400_000,
      reversalPollEveryMillis: 6 * 3_600_000,
      pollRateShare: 0.5
    })
    expect(Settings.resolve({ maxDelay: "1 minute" }).recheckEveryMillis).toBe(60_000)
  })

  it("refuses settings that cannot work", () => {
    expect(() => Settings.resolve({ factor: 0.5 })).toThrow(/factor/)
    expect(() => Settings.resolve({ pollRateShare: 0 })).toThrow(/pollRateShare/)
    expect(() => Settings.resolve({ pollRateShare: 1.5 })).toThrow(/pollRateShare/)
    expect(() => Settings.resolve({ initialDelay: 0 })).toThrow(/positive/)
  })
})

describe("TrackRefund.trackingKey", () => {
  const request = (merchantRefundId: string) =>
    new Refund.CreateRefundRequest({ merchantRefundId, connectorTransactionId: "pi_1" } as ConstructorParameters<typeof Refund.CreateRefundRequest>[0])

  it("keys a created refund by its merchant refund id and a followed one by the processor's id, per connector", () => {
    const created = TrackRefund.trackingKey({ connector: "stripe", merchantRefundId: "m-1", connectorRefundId: null, create: request("m-1") })
    const followed = TrackRefund.trackingKey({ connector: "stripe", merchantRefundId: "m-1", connectorRefundId: "re_1", create: null })
    expect(created).not.toBe(followed)
    expect(TrackRefund.trackingKey({ connector: "adyen", merchantRefundId: null, connectorRefundId: null, create: request("m-1") })).not.toBe(created)
    // The processor id a create later learns does not change its key: one execution per refund.
    expect(TrackRefund.trackingKey({ connector: "stripe", merchantRefundId: "m-1", connectorRefundId: "re_1", create: request("m-1") })).toBe(created)
  })

  it("never lets one id pose as another (ids may contain any character)", () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (c1, id1, c2, id2) => {
      fc.pre(c1 !== c2 || id1 !== id2)
      const a = TrackRefund.trackingKey({ connector: c1.replaceAll("\u0000", ""), merchantRefundId: null, connectorRefundId: id1, create: null })
      const b = TrackRefund.trackingKey({ connector: c2.replaceAll("\u0000", ""), merchantRefundId: null, connectorRefundId: id2, create: null })
      const sameInputs = c1.replaceAll("\u0000", "") === c2.replaceAll("\u0000", "") && id1 === id2
      expect(a === b).toBe(sameInputs)
    }))
  })
})

describe("ClusterReconcile.split", () => {
  it("covers the window edge to edge with non-empty slices", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 42 }), fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 1, max: 200 }), (from, length, n) => {
      const slices = ClusterReconcile.split(from, from + length, n)
      expect(slices.length).toBe(Math.min(n, length))
      expect(slices[0]!.from).toBe(from)
      expect(slices.at(-1)!.to).toBe(from + length)
      for (const [i, s] of slices.entries()) {
        expect(s.from).toBeLessThan(s.to)
        if (i > 0) expect(s.from).toBe(slices[i - 1]!.to)
      }
    }))
  })
})

describe("Tracking.tableIn", () => {
  it("accepts plain schema names and refuses anything that could break out of the identifier", () => {
    expect(Tracking.tableIn("refract")).toBe(`"refract".refract_tracking`)
    for (const bad of ["", "Refract", "a\"; DROP TABLE x; --", "1abc", "a-b", "x".repeat(64)]) expect(() => Tracking.tableIn(bad)).toThrow(/invalid schema/)
  })
})
