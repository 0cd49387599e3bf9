import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { RefundStateMachine, RefundStatus } from "@refract/core"

type S = RefundStatus.RefundStatus
type O = RefundStatus.ObservedStatus
const { transition, replay, evidenceOf, derive } = RefundStateMachine

const obs = (status: O, at: number, rawStatus = status.toLowerCase()): RefundStateMachine.Observation => ({
  status,
  rawStatus,
  source: "poll",
  at
})

const known = (status: S, at: number): RefundStateMachine.Evidence => evidenceOf({ status, rawStatus: status.toLowerCase(), at })

const observed: ReadonlyArray<O> = [...RefundStatus.all, "Unknown"]
const froms: ReadonlyArray<S | undefined> = [undefined, ...RefundStatus.all]

type Table = Record<string, Record<O, [string, S | undefined]>>

/** Every status against every observation made LATER (5 s after the current status was set). */
const later: Table = {
  none: {
    Pending: ["Applied", "Pending"],
    RequiresAction: ["Applied", "RequiresAction"],
    Succeeded: ["Applied", "Succeeded"],
    Failed: ["Applied", "Failed"],
    Cancelled: ["Applied", "Cancelled"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", undefined]
  },
  Pending: {
    Pending: ["Unchanged", "Pending"],
    RequiresAction: ["Applied", "RequiresAction"],
    Succeeded: ["Applied", "Succeeded"],
    Failed: ["Applied", "Failed"],
    Cancelled: ["Applied", "Cancelled"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", "Pending"]
  },
  RequiresAction: {
    Pending: ["Applied", "Pending"],
    RequiresAction: ["Unchanged", "RequiresAction"],
    Succeeded: ["Applied", "Succeeded"],
    Failed: ["Applied", "Failed"],
    Cancelled: ["Applied", "Cancelled"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", "RequiresAction"]
  },
  Succeeded: {
    Pending: ["Stale", "Succeeded"],
    RequiresAction: ["Stale", "Succeeded"],
    Succeeded: ["Unchanged", "Succeeded"],
    Failed: ["Applied", "Reversed"],
    Cancelled: ["Rejected", "Succeeded"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", "Succeeded"]
  },
  Failed: {
    Pending: ["Stale", "Failed"],
    RequiresAction: ["Stale", "Failed"],
    Succeeded: ["Applied", "Reversed"],
    Failed: ["Unchanged", "Failed"],
    Cancelled: ["Applied", "Cancelled"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", "Failed"]
  },
  Cancelled: {
    Pending: ["Stale", "Cancelled"],
    RequiresAction: ["Stale", "Cancelled"],
    Succeeded: ["Applied", "Succeeded"],
    Failed: ["Applied", "Failed"],
    Cancelled: ["Unchanged", "Cancelled"],
    Reversed: ["Applied", "Reversed"],
    Unknown: ["Unrecognised", "Cancelled"]
  },
  Reversed: {
    Pending: ["Stale", "Reversed"],
    RequiresAction: ["Stale", "Reversed"],
    Succeeded: ["Stale", "Reversed"],
    Failed: ["Unchanged", "Reversed"],
    Cancelled: ["Rejected", "Reversed"],
    Reversed: ["Unchanged", "Reversed"],
    Unknown: ["Unrecognised", "Reversed"]
  }
}

/** The cells that differ when the observation is OLDER (5 s before the current status was set). */
const olderDiffers: Partial<Record<S, Partial<Record<O, [string, S]>>>> = {
  Pending: { RequiresAction: ["Stale", "Pending"] },
  RequiresAction: { Pending: ["Stale", "RequiresAction"] },
  Failed: { Cancelled: ["Stale", "Failed"] },
  Cancelled: { Failed: ["Stale", "Cancelled"] }
}

const rank = (s: S | undefined) =>
  s === undefined ? -1 : s === "Pending" || s === "RequiresAction" ? 0 : 1

const check = (from: S | undefined, o: O, currentAt: number, observedAt: number, tag: string, to: S | undefined) => {
  const t = transition(from === undefined ? undefined : known(from, currentAt), obs(o, observedAt))
  assert.strictEqual(t._tag, tag)
  assert.strictEqual(t.state?.status, to)
  if (t._tag === "Applied") {
    assert.strictEqual(t.from, from)
    assert.strictEqual(t.to, to)
  }
  if (t._tag === "Stale" || t._tag === "Rejected") assert.strictEqual(t.observed, o)
  if (t._tag === "Unrecognised") assert.strictEqual(t.rawStatus, "unknown")
}

describe("RefundStateMachine", () => {
  describe("every state against every observation made later", () => {
    for (const from of froms) {
      for (const o of observed) {
        const [tag, to] = later[from ?? "none"]![o]
        it(`${from ?? "(none)"} + later ${o} -> ${tag} ${to ?? ""}`, () => check(from, o, 10_000, 15_000, tag, to))
      }
    }
  })

  describe("every state against every observation made earlier", () => {
    for (const from of RefundStatus.all) {
      for (const o of observed) {
        const [tag, to] = olderDiffers[from]?.[o] ?? later[from]![o]
        it(`${from} + earlier ${o} -> ${tag} ${to ?? ""}`, () => check(from, o, 15_000, 10_000, tag, to))
      }
    }
  })

  describe("time", () => {
    it("orders by whole seconds: within one second RequiresAction beats Pending, in either order", () => {
      assert.strictEqual(transition(known("Pending", 10_900), obs("RequiresAction", 10_100))._tag, "Applied")
      assert.strictEqual(transition(known("RequiresAction", 10_100), obs("Pending", 10_900))._tag, "Stale")
    })
    it("within one second Failed beats Cancelled, in either order", () => {
      assert.strictEqual(transition(known("Cancelled", 20_900), obs("Failed", 20_000)).state?.status, "Failed")
      assert.strictEqual(transition(known("Failed", 20_000), obs("Cancelled", 20_900)).state?.status, "Failed")
    })
    it("a read made later within the second of an event does not beat it (Stripe stamps events in seconds)", () => {
      // The refund moved to requires_action at 10.7 s; Stripe's event says created=10. A read at 10.5 s saw pending.
      const afterRead = transition(undefined, obs("Pending", 10_500)).state!
      const t = transition(afterRead.evidence, obs("RequiresAction", 10_000))
      assert.strictEqual(t._tag, "Applied")
      assert.strictEqual(t.state?.status, "RequiresAction")
    })
    it("the same status seen again keeps the latest time and raw status", () => {
      const first = transition(undefined, obs("Pending", 1_000, "pending")).state!
      const t = transition(first.evidence, obs("Pending", 3_000, "processing"))
      assert.strictEqual(t._tag, "Unchanged")
      assert.strictEqual(t.state?.occurredAt, 3_000)
      assert.strictEqual(t.state?.rawStatus, "processing")
      const back = transition(t.state?.evidence, obs("Pending", 2_000, "pending"))
      assert.strictEqual(back.state?.occurredAt, 3_000)
      assert.strictEqual(back.state?.rawStatus, "processing")
    })
    it("an exact tie has one answer: the raw status decides", () => {
      const a = replay([obs("Failed", 5_000, "declined"), obs("Failed", 5_000, "expired")])
      const b = replay([obs("Failed", 5_000, "expired"), obs("Failed", 5_000, "declined")])
      assert.strictEqual(a?.rawStatus, "expired")
      assert.deepStrictEqual(a, b)
    })
    it("an older Succeeded still settles a Pending refund (progress is never undone by clocks)", () => {
      const t = transition(known("Pending", 50_000), obs("Succeeded", 10_000))
      assert.strictEqual(t._tag, "Applied")
      assert.strictEqual(t.state?.status, "Succeeded")
      assert.strictEqual(t.state?.occurredAt, 10_000)
    })
  })

  describe("failure details on an exact tie", () => {
    const failed = (failure: RefundStateMachine.Failure | undefined, at = 5_000, rawStatus = "failed"): RefundStateMachine.Observation => ({
      ...obs("Failed", at, rawStatus),
      ...(failure === undefined ? {} : { failure })
    })
    const both = (a: RefundStateMachine.Observation, b: RefundStateMachine.Observation) => {
      const ab = replay([a, b])
      const ba = replay([b, a])
      assert.deepStrictEqual(ab, ba)
      return ab?.failure
    }

    it("two failures at the same time with different details keep the same details in either arrival order", () => {
      assert.deepStrictEqual(both(failed({ code: "a" }), failed({ code: "b" })), { code: "b" })
      assert.deepStrictEqual(both(failed({ code: "a", message: "x" }), failed({ code: "a", message: "y" })), { code: "a", message: "y" })
      assert.deepStrictEqual(both(failed({ message: "x" }), failed({ code: "a" })), { code: "a" })
      assert.deepStrictEqual(both(failed({ code: "a" }), failed({ code: "a", message: "x" })), { code: "a", message: "x" })
      assert.deepStrictEqual(both(failed(undefined), failed({})), {})
      assert.deepStrictEqual(both(failed(undefined), failed({ code: "a" })), { code: "a" })
    })

    it("the same details in a reversal, whichever failure arrives first", () => {
      const success = obs("Succeeded", 2_000)
      const a = failed({ code: "card_expired" }, 9_000)
      const b = failed({ code: "account_closed" }, 9_000)
      const one = replay([success, a, b])
      const two = replay([b, success, a])
      assert.strictEqual(one?.status, "Reversed")
      assert.deepStrictEqual(one, two)
      assert.deepStrictEqual(one?.failure, { code: "card_expired" })
    })

    it("time and raw status still come before the details", () => {
      assert.deepStrictEqual(both(failed({ code: "z" }, 5_000), failed({ code: "a" }, 5_001)), { code: "a" })
      assert.deepStrictEqual(both(failed({ code: "z" }, 5_000, "declined"), failed({ code: "a" }, 5_000, "expired")), { code: "a" })
    })

    it("property: the final state, failure details included, does not depend on arrival order", () => {
      const failures: ReadonlyArray<RefundStateMachine.Failure | undefined> = [
        undefined, {}, { code: "a" }, { code: "b" }, { message: "x" }, { code: "a", message: "x" }, { code: "a", message: "y" }
      ]
      const observation = fc.record({
        status: fc.constantFrom<O>("Failed", "Succeeded", "Reversed", "Cancelled", "Pending"),
        at: fc.constantFrom(5_000, 5_400, 6_000),
        raw: fc.constantFrom("x", "y"),
        failure: fc.constantFrom(...failures)
      }).map(({ at, failure, raw, status }) => ({ ...obs(status, at, raw), ...(failure === undefined ? {} : { failure }) }))
      fc.assert(fc.property(fc.array(observation, { maxLength: 8 }), (seq) => {
        assert.deepStrictEqual(replay(seq.toReversed()), replay(seq))
        for (let i = 1; i < seq.length; i++) {
          assert.deepStrictEqual(replay([...seq.slice(i), ...seq.slice(0, i)]), replay(seq))
        }
      }), { numRuns: 500 })
    })
  })

  describe("reversals", () => {
    it("succeeded then failed is a reversal in both arrival orders, and keeps the failure's raw status and time", () => {
      const inOrder = replay([obs("Pending", 1_000), obs("Succeeded", 2_000), obs("Failed", 9_000, "failed")])
      const reordered = replay([obs("Failed", 9_000, "failed"), obs("Pending", 1_000), obs("Succeeded", 2_000)])
      assert.strictEqual(inOrder?.status, "Reversed")
      assert.strictEqual(inOrder?.rawStatus, "failed")
      assert.strictEqual(inOrder?.occurredAt, 9_000)
      assert.deepStrictEqual(reordered, inOrder)
    })
    it("a reversal reported first (Adyen REFUND_FAILED) stays Reversed when the older success arrives", () => {
      const t = transition(transition(undefined, obs("Reversed", 9_000, "REFUND_FAILED")).state!.evidence, obs("Succeeded", 2_000, "REFUND"))
      assert.strictEqual(t._tag, "Stale")
      assert.strictEqual(t.state?.status, "Reversed")
      assert.strictEqual(t.state?.rawStatus, "REFUND_FAILED")
    })
    it("keeps the failure details of the failure it derives the reversal from", () => {
      const failure = { code: "expired_or_canceled_card" }
      const state = replay([{ ...obs("Failed", 9_000), failure }, obs("Succeeded", 2_000)])
      assert.strictEqual(state?.status, "Reversed")
      assert.deepStrictEqual(state?.failure, failure)
    })
  })

  describe("the bugs this machine was rebuilt for", () => {
    it("a poll's RequiresAction is not undone by the older refund.created webhook arriving after it", () => {
      const poll = transition(undefined, obs("RequiresAction", 60_000)).state!
      const created = transition(poll.evidence, { ...obs("Pending", 30_000), source: "webhook" })
      assert.strictEqual(created._tag, "Stale")
      assert.strictEqual(created.state?.status, "RequiresAction")
    })
    it("a Stripe refund that succeeded then failed ends Reversed whichever message arrives first", () => {
      const updated = { ...obs("Succeeded", 100_000), source: "webhook" as const }
      const failedRead = obs("Failed", 200_500)
      assert.strictEqual(replay([updated, failedRead])?.status, "Reversed")
      assert.strictEqual(replay([failedRead, updated])?.status, "Reversed")
    })
  })

  describe("properties", () => {
    const observation = fc.record({
      status: fc.constantFrom(...observed),
      at: fc.integer({ min: 0, max: 20_000 }),
      raw: fc.constantFrom("a", "b")
    }).map(({ at, raw, status }) => obs(status, at, `${status.toLowerCase()}-${raw}`))
    const sequences = fc.array(observation, { maxLength: 24 })

    it("the final state does not depend on arrival order", () => {
      fc.assert(fc.property(sequences, fc.integer(), (seq, seed) => {
        const shuffled = [...seq]
        let s = seed
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) | 0
          const j = Math.abs(s) % (i + 1)
          ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
        }
        assert.deepStrictEqual(replay(shuffled), replay(seq))
      }), { numRuns: 3000 })
    })

    it("re-applying observations (duplicates, redeliveries) changes nothing", () => {
      fc.assert(fc.property(sequences, (seq) => {
        assert.deepStrictEqual(replay([...seq, ...seq]), replay(seq))
        assert.deepStrictEqual(replay(seq.flatMap((o) => [o, o])), replay(seq))
      }), { numRuns: 2000 })
    })

    it("never regresses: settled never goes back in flight, success is never hidden, Reversed is final", () => {
      fc.assert(fc.property(sequences, (seq) => {
        let evidence: RefundStateMachine.Evidence | undefined
        let status: S | undefined
        for (const o of seq) {
          const t = transition(evidence, o)
          const next = t.state?.status
          assert.isAtLeast(rank(next), rank(status))
          if (status === "Succeeded" || status === "Reversed") assert.include(["Succeeded", "Reversed"], next)
          if (status === "Reversed") assert.strictEqual(next, "Reversed")
          if (t._tag !== "Applied") assert.strictEqual(next, status)
          evidence = t.state?.evidence ?? evidence
          status = next
        }
      }), { numRuns: 3000 })
    })

    it("an Unknown observation never changes the state", () => {
      fc.assert(fc.property(sequences, fc.nat(), (seq, at) => {
        const before = replay(seq)
        const t = transition(before?.evidence, obs("Unknown", at))
        assert.strictEqual(t._tag, "Unrecognised")
        assert.deepStrictEqual(t.state, before)
      }), { numRuns: 1000 })
    })

    /** A truthful processor history: each step at least a second after the previous one. */
    const paths: ReadonlyArray<ReadonlyArray<S>> = [
      ["Pending", "Succeeded"],
      ["Pending", "Failed"],
      ["Pending", "RequiresAction", "Cancelled"],
      ["Pending", "RequiresAction", "Pending", "Succeeded"],
      ["Pending", "RequiresAction"],
      ["Pending", "RequiresAction", "Pending"],
      ["Pending", "Succeeded", "Failed"],
      ["Pending", "Succeeded", "Reversed"]
    ]
    /** What the processor's evidence says: a failure is a reversal only when the success was seen too. */
    const truthOf = (path: ReadonlyArray<S>, seen: ReadonlyArray<S>): S => {
      const last = path[path.length - 1]!
      return last === "Failed" && seen.includes("Succeeded") ? "Reversed" : last
    }

    it("any subset of a truthful history that includes its last step, in any order, ends at the truth", () => {
      const scenario = fc.record({
        path: fc.constantFrom(...paths),
        gaps: fc.array(fc.integer({ min: 1_000, max: 100_000 }), { minLength: 4, maxLength: 4 }),
        picks: fc.array(fc.nat(), { maxLength: 12 }),
        order: fc.array(fc.nat(), { maxLength: 24 })
      })
      fc.assert(fc.property(scenario, ({ gaps, order, path, picks }) => {
        let at = 1_000_000
        const steps = path.map((status, i) => obs(status, (at += i === 0 ? 0 : gaps[i - 1]!)))
        // The last step is always seen (the processor's webhooks are redelivered until acknowledged);
        // any earlier step may be seen any number of times, by polls (later times) or webhooks.
        const seen = [steps[steps.length - 1]!, ...picks.map((p) => steps[p % steps.length]!)]
        const arrival = [...seen]
        order.forEach((o, i) => {
          const a = i % arrival.length
          const b = o % arrival.length
          ;[arrival[a], arrival[b]] = [arrival[b]!, arrival[a]!]
        })
        assert.strictEqual(replay(arrival)?.status, truthOf(path, seen.map((o) => o.status as S)))
      }), { numRuns: 3000 })
    })
  })

  describe("evidence", () => {
    it("replay of nothing, or of only unknown statuses, is undefined; from initial evidence it continues", () => {
      assert.isUndefined(replay([]))
      assert.isUndefined(replay([obs("Unknown", 1_000), obs("Unknown", 2_000)]))
      assert.strictEqual(replay([obs("Unknown", 1_000), obs("Pending", 2_000)])?.status, "Pending")
      assert.strictEqual(replay([], known("Failed", 3_000))?.status, "Failed")
      assert.strictEqual(replay([obs("Succeeded", 1_000)], known("Failed", 3_000))?.status, "Reversed")
    })
    it("evidence holds exactly the latest mark of each kind, with failure details only when there are some", () => {
      const state = replay([obs("Pending", 1_000), { ...obs("Failed", 4_000), failure: { code: "declined" } }, obs("Pending", 2_000, "processing")])
      assert.deepStrictEqual(state?.evidence, {
        inFlight: { status: "Pending", rawStatus: "processing", at: 2_000 },
        failed: { status: "Failed", rawStatus: "failed", at: 4_000, failure: { code: "declined" } }
      })
      assert.deepStrictEqual(known("Cancelled", 5_000), { cancelled: { status: "Cancelled", rawStatus: "cancelled", at: 5_000 } })
      assert.deepStrictEqual(derive(known("Cancelled", 5_000)), { status: "Cancelled", rawStatus: "cancelled", occurredAt: 5_000, evidence: known("Cancelled", 5_000) })
    })
    it("derive of empty evidence is undefined, and evidenceOf round-trips a status", () => {
      assert.isUndefined(derive({}))
      for (const status of RefundStatus.all) {
        const state = derive(known(status, 7_000))
        assert.strictEqual(state?.status, status)
        assert.strictEqual(state?.occurredAt, 7_000)
      }
    })
  })

  describe("the three-value view", () => {
    it("maps every status", () => {
      const view = Object.fromEntries(RefundStatus.all.map((s) => [s, RefundStatus.toSimple(s)]))
      assert.deepStrictEqual(view, {
        Pending: "PENDING",
        RequiresAction: "PENDING",
        Succeeded: "SUCCEEDED",
        Failed: "FAILED",
        Cancelled: "FAILED",
        Reversed: "FAILED"
      })
    })
  })
})
