import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { RefundStateMachine, RefundStatus } from "@refract/core"

type S = RefundStatus.RefundStatus
type O = RefundStatus.ObservedStatus
const { transition, replay } = RefundStateMachine

const obs = (status: O, occurredAt?: number): RefundStateMachine.Observation => ({
  status,
  rawStatus: status.toLowerCase(),
  source: "poll",
  occurredAt
})

const observed: ReadonlyArray<O> = [...RefundStatus.all, "Unknown"]
const froms: ReadonlyArray<S | undefined> = [undefined, ...RefundStatus.all]

/** The whole table, written out: from -> observed -> [transition tag, resulting status]. */
const expected: Record<string, Record<O, [string, S | undefined]>> = {
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
    Succeeded: ["Stale", "Failed"],
    Failed: ["Unchanged", "Failed"],
    Cancelled: ["Stale", "Failed"],
    Reversed: ["Stale", "Failed"],
    Unknown: ["Unrecognised", "Failed"]
  },
  Cancelled: {
    Pending: ["Stale", "Cancelled"],
    RequiresAction: ["Stale", "Cancelled"],
    Succeeded: ["Stale", "Cancelled"],
    Failed: ["Stale", "Cancelled"],
    Cancelled: ["Unchanged", "Cancelled"],
    Reversed: ["Stale", "Cancelled"],
    Unknown: ["Unrecognised", "Cancelled"]
  },
  Reversed: {
    Pending: ["Stale", "Reversed"],
    RequiresAction: ["Stale", "Reversed"],
    Succeeded: ["Stale", "Reversed"],
    Failed: ["Stale", "Reversed"],
    Cancelled: ["Stale", "Reversed"],
    Reversed: ["Unchanged", "Reversed"],
    Unknown: ["Unrecognised", "Reversed"]
  }
}

const rank = (s: S | undefined) =>
  s === undefined ? -1 : s === "Pending" || s === "RequiresAction" ? 0 : s === "Succeeded" ? 1 : 2

describe("RefundStateMachine", () => {
  describe("every state against every observation", () => {
    for (const from of froms) {
      for (const o of observed) {
        const [tag, to] = expected[from ?? "none"]![o]
        it(`${from ?? "(none)"} + ${o} -> ${tag} ${to ?? ""}`, () => {
          const t = transition(from === undefined ? undefined : { status: from }, obs(o))
          assert.strictEqual(t._tag, tag)
          assert.strictEqual(t.state?.status, to)
          if (t._tag === "Applied") {
            assert.strictEqual(t.from, from)
            assert.strictEqual(t.to, to)
          }
          if (t._tag === "Stale" || t._tag === "Rejected") assert.strictEqual(t.observed, o)
          if (t._tag === "Unrecognised") assert.strictEqual(t.rawStatus, "unknown")
        })
      }
    }
    it("covers 49 cases", () => {
      assert.strictEqual(froms.length * observed.length, 49)
    })
  })

  describe("processor time between in-flight states", () => {
    it("an older Pending after RequiresAction is stale", () => {
      const t = transition({ status: "RequiresAction", occurredAt: 20 }, obs("Pending", 10))
      assert.strictEqual(t._tag, "Stale")
    })
    it("a newer Pending after RequiresAction applies", () => {
      const t = transition({ status: "RequiresAction", occurredAt: 20 }, obs("Pending", 30))
      assert.strictEqual(t._tag, "Applied")
      assert.strictEqual(t.state?.occurredAt, 30)
    })
    it("without times, the later observation wins", () => {
      assert.strictEqual(transition({ status: "RequiresAction" }, obs("Pending"))._tag, "Applied")
    })
    it("an older Succeeded still settles a Pending refund (progress is never undone by clocks)", () => {
      const t = transition({ status: "Pending", occurredAt: 50 }, obs("Succeeded", 10))
      assert.strictEqual(t._tag, "Applied")
      assert.strictEqual(t.state?.status, "Succeeded")
    })
  })

  describe("properties over random observation orders", () => {
    const observation = fc.record({
      status: fc.constantFrom(...observed),
      occurredAt: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined })
    }).map(({ status, occurredAt }) => obs(status, occurredAt))
    const sequences = fc.array(observation, { maxLength: 30 })

    it("never regresses: the rank only grows", () => {
      fc.assert(fc.property(sequences, (seq) => {
        let state: RefundStateMachine.State | undefined
        for (const o of seq) {
          const next = transition(state, o).state
          assert.isAtLeast(rank(next?.status), rank(state?.status))
          state = next
        }
      }), { numRuns: 2000 })
    })

    it("re-applying an observation is idempotent", () => {
      fc.assert(fc.property(sequences, (seq) => {
        const once = replay(seq)
        const twice = replay(seq.flatMap((o) => [o, o]))
        assert.deepStrictEqual(twice?.status, once?.status)
      }), { numRuns: 2000 })
    })

    it("an Unknown observation never changes the state", () => {
      fc.assert(fc.property(sequences, fc.nat(), (seq, at) => {
        const before = replay(seq)
        const t = transition(before, obs("Unknown"))
        assert.strictEqual(t._tag, "Unrecognised")
        assert.deepStrictEqual(t.state, before)
        void at
      }), { numRuns: 1000 })
    })

    it("terminal states absorb every later observation", () => {
      fc.assert(fc.property(fc.constantFrom<S>("Failed", "Cancelled", "Reversed"), sequences, (terminal, seq) => {
        assert.strictEqual(replay(seq, { status: terminal })?.status, terminal)
      }), { numRuns: 1000 })
    })

    it("in-flight reads in any order around one Succeeded end Succeeded", () => {
      const inflight = fc.array(fc.constantFrom<O>("Pending", "RequiresAction", "Unknown"), { maxLength: 12 })
      fc.assert(fc.property(inflight, fc.nat(), (others, position) => {
        const seq = [...others]
        seq.splice(position % (others.length + 1), 0, "Succeeded")
        assert.strictEqual(replay(seq.map((s) => obs(s)))?.status, "Succeeded")
      }), { numRuns: 2000 })
    })

    it("a Succeeded seen before any failure ends Succeeded or Reversed, never Pending/Failed", () => {
      fc.assert(fc.property(sequences, sequences, (before, after) => {
        const clean = before.filter((o) => o.status === "Pending" || o.status === "RequiresAction" || o.status === "Unknown")
        const final = replay([...clean, obs("Succeeded"), ...after])?.status
        assert.include(["Succeeded", "Reversed"], final)
      }), { numRuns: 2000 })
    })

    it("succeeded then failed is a reversal; failed then succeeded stays failed", () => {
      assert.strictEqual(replay([obs("Pending"), obs("Succeeded"), obs("Failed")])?.status, "Reversed")
      assert.strictEqual(replay([obs("Pending"), obs("Failed"), obs("Succeeded")])?.status, "Failed")
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
