import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, PubSub, Stream } from "effect"
import { TestClock } from "effect/testing"
import { EventHandler, MemoryRefundStore, RefundStore, RefundTracker } from "@refract/core"
import type { Refund } from "@refract/core"
import * as HookPay from "../events/HookPay.ts"

const input = (n: number) => ({
  merchantRefundId: `order-${n}`,
  connectorTransactionId: "pay_1",
  amount: { amount: 1050, currency: "USD" }
})

const defaults: RefundTracker.Options = {
  initialDelay: "1 second",
  maxDelay: "30 seconds",
  factor: 2,
  jitter: false,
  stuckAfter: "1 hour",
  // Watching succeeded refunds for reversals has its own tests below.
  reversalWindow: 0
}

const setup = (options: RefundTracker.Options = {}, store: Layer.Layer<RefundStore.RefundStore> = MemoryRefundStore.layer) => {
  const processor = HookPay.processor()
  const deps = Layer.mergeAll(HookPay.registryLayer(), store, processor.layer)
  const layer = RefundTracker.layer({ ...defaults, ...options }).pipe(Layer.provideMerge(deps))
  return { processor, layer }
}

/** Moves the TestClock in steps, letting the tracker's fibers run in between. */
const advance = (totalMillis: number, stepMillis = 250) =>
  Effect.gen(function*() {
    for (let t = 0; t < totalMillis; t += stepMillis) {
      yield* TestClock.adjust(stepMillis)
      yield* Effect.yieldNow
    }
  })

const polls = (processor: HookPay.Processor, id?: string) =>
  processor.requests.filter((r) => r.method === "GET" && (id === undefined || r.url.endsWith(`/refunds/${id}`)))

const stored = (connector: string, id: string) =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    return Option.getOrUndefined(yield* store.get({ connector, connectorRefundId: id }))
  })

const drain = (subscription: PubSub.Subscription<RefundTracker.StatusChange>) =>
  Effect.gen(function*() {
    const n = yield* PubSub.remaining(subscription)
    return yield* PubSub.takeUpTo(subscription, n)
  })

const describeChange = (c: RefundTracker.StatusChange) =>
  c._tag === "Changed"
    ? `${c.refund.connectorRefundId}:${c.previous?.status ?? "-"}>${c.refund.status}:${c.source}`
    : `${c.refund.connectorRefundId}:Stuck${c.webhookOnly ? "(webhook-only)" : ""}`

describe("RefundTracker: watching succeeded refunds for reversals", () => {
  const watching: RefundTracker.Options = { reversalWindow: "2 hours", reversalPollEvery: "30 minutes" }

  it.effect("keeps reading a succeeded refund at a low rate and finds a reversal whose webhook was lost", () => {
    const { processor, layer } = setup(watching)
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", input(1))
      processor.set(refund.connectorRefundId, "succeeded")
      yield* advance(1_000)
      assert.strictEqual((yield* stored("hookpay", refund.connectorRefundId))?.status, "Succeeded")
      assert.deepStrictEqual(yield* tracker.tracked, [{ connector: "hookpay", connectorRefundId: refund.connectorRefundId }])
      yield* advance(29 * 60_000, 60_000)
      assert.strictEqual(polls(processor).length, 1, "nothing read within the watch interval")
      yield* advance(2 * 60_000, 60_000)
      assert.strictEqual(polls(processor).length, 2, "one read per interval")
      processor.set(refund.connectorRefundId, "failed")
      yield* advance(30 * 60_000, 60_000)
      assert.strictEqual((yield* stored("hookpay", refund.connectorRefundId))?.status, "Reversed")
      assert.deepStrictEqual(yield* tracker.tracked, [])
      const after = polls(processor).length
      yield* advance(3 * 60 * 60_000, 60_000)
      assert.strictEqual(polls(processor).length, after, "a reversal is final: no more reads")
    })).pipe(Effect.provide(layer))
  })

  it.effect("stops watching at the end of the reversal window", () => {
    const { processor, layer } = setup(watching)
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", input(2))
      processor.set(refund.connectorRefundId, "succeeded")
      yield* advance(1_000)
      yield* advance(2 * 60 * 60_000, 60_000)
      assert.deepStrictEqual(yield* tracker.tracked, [])
      const reads = polls(processor).length
      assert.strictEqual(reads, 1 + 3, "the settling read, then one every 30 minutes within the 2 hours")
      yield* advance(5 * 60 * 60_000, 60_000)
      assert.strictEqual(polls(processor).length, reads, "no reads after the window")
    })).pipe(Effect.provide(layer))
  })

  it.effect("does not watch refunds of a connector that cannot be read (its reversals come by webhook)", () => {
    const { layer } = setup(watching)
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const store = yield* RefundStore.RefundStore
      yield* store.apply({
        connector: "hookonly",
        snapshot: HookPay.snapshotOf({ id: "re_h1", status: "succeeded", amount: 100, currency: "USD", payment: "pay_1" }),
        source: "webhook",
        eventId: "evt_h1",
        receivedAt: 0
      })
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* tracker.tracked, [])
    })).pipe(Effect.provide(layer))
  })

  it.effect("a restart resumes watching the refunds that succeeded within the window, not older ones", () =>
    Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      yield* TestClock.setTime(10 * 60 * 60_000)
      const now = 10 * 60 * 60_000
      yield* store.apply({ connector: "hookpay", snapshot: HookPay.snapshotOf({ id: "re_old", status: "succeeded", amount: 100, currency: "USD", payment: "pay_1" }), source: "webhook", eventId: "e1", receivedAt: now - 3 * 60 * 60_000 })
      yield* store.apply({ connector: "hookpay", snapshot: HookPay.snapshotOf({ id: "re_new", status: "succeeded", amount: 100, currency: "USD", payment: "pay_1" }), source: "webhook", eventId: "e2", receivedAt: now - 60 * 60_000 })
      yield* store.apply({ connector: "hookpay", snapshot: HookPay.snapshotOf({ id: "re_pend", status: "pending", amount: 100, currency: "USD", payment: "pay_1" }), source: "webhook", eventId: "e3", receivedAt: now - 3 * 60 * 60_000 })
      const tracked = yield* Effect.scoped(Effect.gen(function*() {
        const tracker = yield* RefundTracker.make({ ...defaults, ...watching })
        return (yield* tracker.tracked).map((k) => k.connectorRefundId).toSorted()
      }))
      assert.deepStrictEqual(tracked, ["re_new", "re_pend"])
    }).pipe(Effect.provide(Layer.mergeAll(HookPay.registryLayer(), MemoryRefundStore.layer, HookPay.processor().layer))))
})

describe("RefundTracker", () => {
  it.effect("polls a pending refund with exponential backoff until it settles, and reports the change", () => {
    const { processor, layer } = setup()
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const subscription = yield* tracker.subscribe
      const refund = yield* tracker.create("hookpay", input(1))
      assert.strictEqual(refund.status, "Pending")
      assert.deepStrictEqual(yield* tracker.tracked, [{ connector: "hookpay", connectorRefundId: refund.connectorRefundId }])
      yield* advance(7_000)
      // Polls at 1 s, then 2 s and 4 s later: t = 1000, 3000, 7000.
      assert.deepStrictEqual(polls(processor).map((r) => r.at), [1000, 3000, 7000])
      processor.set(refund.connectorRefundId, "succeeded")
      yield* advance(8_000)
      assert.deepStrictEqual(polls(processor).map((r) => r.at), [1000, 3000, 7000, 15000])
      assert.strictEqual((yield* stored("hookpay", refund.connectorRefundId))?.status, "Succeeded")
      assert.deepStrictEqual(yield* tracker.tracked, [])
      yield* advance(60_000, 5_000)
      assert.strictEqual(polls(processor).length, 4, "no polls after settlement")
      const changes = (yield* drain(subscription)).map(describeChange)
      assert.deepStrictEqual(changes, ["re_1:->Pending:create", "re_1:Pending>Succeeded:poll"])
      const store = yield* RefundStore.RefundStore
      const history = yield* store.history({ connector: "hookpay", connectorRefundId: refund.connectorRefundId })
      assert.deepStrictEqual(history.map((e) => `${e.source}:${e.transition}`), [
        "create:Applied",
        "poll:Unchanged",
        "poll:Unchanged",
        "poll:Unchanged",
        "poll:Applied"
      ])
    })).pipe(Effect.provide(layer))
  })

  it.effect("caps the backoff at maxDelay", () => {
    const { processor, layer } = setup({ maxDelay: "4 seconds" })
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      yield* tracker.create("hookpay", input(1))
      yield* advance(20_000)
      assert.deepStrictEqual(polls(processor).map((r) => r.at), [1000, 3000, 7000, 11000, 15000, 19000])
    })).pipe(Effect.provide(layer))
  })

  it.effect("stops polling as soon as a webhook settles the refund", () => {
    const { processor, layer } = setup()
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", input(1))
      yield* advance(3_000)
      assert.strictEqual(polls(processor).length, 2)
      const result = yield* EventHandler.handleEvent({
        connector: "hookpay",
        request: HookPay.delivery([HookPay.event("evt_1", HookPay.refund({ id: refund.connectorRefundId, status: "succeeded" }))], { t: 3 })
      })
      assert.strictEqual(result.outcomes[0]!._tag, "Applied")
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* tracker.tracked, [])
      yield* advance(120_000, 1_000)
      assert.strictEqual(polls(processor).length, 2, "no poll after the webhook")
    })).pipe(Effect.provide(layer))
  })

  it.effect("re-reads the store before each poll (a webhook stored by another process stops polling too)", () => {
    // A store whose change notifications never arrive, like a webhook handled by another process
    // sharing the PostgreSQL store: only the re-read before each poll can notice.
    const deaf = Layer.effect(
      RefundStore.RefundStore,
      Effect.gen(function*() {
        const store = yield* MemoryRefundStore.make
        const silent = yield* PubSub.unbounded<RefundStore.Change>()
        return { ...store, subscribe: PubSub.subscribe(silent), changes: Stream.never }
      })
    )
    const { processor, layer } = setup({}, deaf)
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", input(1))
      yield* advance(1_000)
      assert.strictEqual(polls(processor).length, 1)
      const store = yield* RefundStore.RefundStore
      yield* store.apply({
        connector: "hookpay",
        snapshot: HookPay.snapshotOf(HookPay.refund({ id: refund.connectorRefundId, status: "failed" })),
        source: "webhook",
        eventId: "evt_elsewhere",
        receivedAt: 1500
      })
      yield* advance(10_000)
      assert.strictEqual(polls(processor).length, 1, "the refund was settled in the store: no further poll")
      assert.deepStrictEqual(yield* tracker.tracked, [])
    })).pipe(Effect.provide(layer))
  })

  it.effect("webhook-only connectors are never polled; a refund pending past the deadline is flagged Stuck once", () => {
    const { processor, layer } = setup({ stuckAfter: "10 minutes", recheckEvery: "1 minute" })
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const subscription = yield* tracker.subscribe
      const refund = yield* tracker.create("hookonly", input(1))
      yield* advance(9 * 60_000, 10_000)
      assert.deepStrictEqual((yield* drain(subscription)).map(describeChange), ["re_1:->Pending:create"])
      yield* advance(2 * 60_000, 10_000)
      const stuck = yield* drain(subscription)
      assert.deepStrictEqual(stuck.map(describeChange), ["re_1:Stuck(webhook-only)"])
      const flag = stuck[0]!
      if (flag._tag === "Stuck") {
        assert.strictEqual(flag.deadline, 600_000)
        assert.isAtLeast(flag.pendingForMillis, 600_000)
      }
      yield* advance(30 * 60_000, 60_000)
      assert.strictEqual((yield* drain(subscription)).length, 0, "flagged once")
      assert.strictEqual(polls(processor).length, 0, "never polled")
      yield* EventHandler.handleEvent({
        connector: "hookonly",
        request: HookPay.delivery([HookPay.event("evt_a", HookPay.refund({ id: refund.connectorRefundId, status: "succeeded" }))], { t: 2400 })
      })
      yield* Effect.yieldNow
      assert.deepStrictEqual((yield* drain(subscription)).map(describeChange), ["re_1:Pending>Succeeded:webhook"])
      assert.deepStrictEqual(yield* tracker.tracked, [])
    })).pipe(Effect.provide(layer))
  })

  it.effect("resumes every unsettled refund found in the store on start", () => {
    const processor = HookPay.processor()
    const deps = Layer.mergeAll(HookPay.registryLayer(), MemoryRefundStore.layer, processor.layer)
    return Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      for (const [id, status] of [["re_a", "pending"], ["re_b", "requires_action"], ["re_c", "succeeded"]] as const) {
        processor.refunds.set(id, HookPay.refund({ id, status }))
        yield* store.apply({ connector: "hookpay", snapshot: HookPay.snapshotOf(HookPay.refund({ id, status })), source: "create", receivedAt: 0 })
      }
      yield* Effect.scoped(Effect.gen(function*() {
        const tracker = yield* RefundTracker.make(defaults)
        const tracked = (yield* tracker.tracked).map((k) => k.connectorRefundId).toSorted()
        assert.deepStrictEqual(tracked, ["re_a", "re_b"])
        processor.set("re_a", "succeeded")
        processor.set("re_b", "failed")
        yield* advance(1_000)
        assert.deepStrictEqual(polls(processor).map((r) => r.url.split("/").pop()).toSorted(), ["re_a", "re_b"])
        assert.strictEqual((yield* stored("hookpay", "re_a"))?.status, "Succeeded")
        assert.strictEqual((yield* stored("hookpay", "re_b"))?.status, "Failed")
        assert.deepStrictEqual(yield* tracker.tracked, [])
      }))
    }).pipe(Effect.provide(deps))
  })

  it.effect("stays within the connector's rate limit across refunds", () => {
    const { processor, layer } = setup({ initialDelay: "1 second" })
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      for (let i = 0; i < 10; i++) yield* tracker.create("slowpay", input(i))
      yield* advance(6_000, 100)
      const times = polls(processor).map((r) => r.at)
      // slowpay allows 2 requests per second (burst 2): at most 2 + 2 * elapsed seconds.
      for (const t of times) {
        const upTo = times.filter((x) => x <= t).length
        assert.isAtMost(upTo, 2 + Math.floor((t - 1000) / 500) + 1, `polls up to ${t} ms`)
      }
      assert.isAtLeast(times.length, 8)
      assert.isAtMost(times.length, 13)
    })).pipe(Effect.provide(layer))
  })

  it.effect("follows refunds first seen in a webhook (created in the dashboard)", () => {
    const { processor, layer } = setup()
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      processor.refunds.set("re_dash", HookPay.refund({ id: "re_dash", status: "pending" }))
      const result = yield* EventHandler.handleEvent({
        connector: "hookpay",
        request: HookPay.delivery([HookPay.event("evt_d", HookPay.refund({ id: "re_dash", status: "pending" }))], { t: 0 })
      })
      assert.strictEqual(result.outcomes[0]!._tag, "UnknownRefund")
      yield* Effect.yieldNow
      assert.deepStrictEqual(yield* tracker.tracked, [{ connector: "hookpay", connectorRefundId: "re_dash" }])
      processor.set("re_dash", "succeeded")
      yield* advance(1_000)
      assert.strictEqual((yield* stored("hookpay", "re_dash"))?.status, "Succeeded")
    })).pipe(Effect.provide(layer))
  })

  it.effect("keeps following through poll errors (a refund the processor does not know yet)", () => {
    const { processor, layer } = setup()
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const store = yield* RefundStore.RefundStore
      const ghost: Refund.Refund = (yield* store.apply({
        connector: "hookpay",
        snapshot: HookPay.snapshotOf(HookPay.refund({ id: "re_ghost" })),
        source: "create",
        receivedAt: 0
      }).pipe(Effect.map((r) => (r._tag === "Observed" ? r.current! : undefined!))))
      yield* tracker.watch({ connector: "hookpay", connectorRefundId: ghost.connectorRefundId })
      yield* advance(3_000)
      assert.strictEqual(polls(processor, "re_ghost").length, 2, "404s do not stop the tracker")
      processor.refunds.set("re_ghost", HookPay.refund({ id: "re_ghost", status: "succeeded" }))
      yield* advance(4_000)
      assert.strictEqual((yield* stored("hookpay", "re_ghost"))?.status, "Succeeded")
    })).pipe(Effect.provide(layer))
  })

  it.effect("an unreachable store pauses tracking instead of ending it", () => {
    let down = false
    const flaky = Layer.effect(
      RefundStore.RefundStore,
      Effect.map(MemoryRefundStore.make, (store) => ({
        ...store,
        get: (key: RefundStore.RefundKey) =>
          down ? Effect.fail(new RefundStore.StoreError({ operation: "get", message: "connection refused" })) : store.get(key)
      }))
    )
    const { processor, layer } = setup({}, flaky)
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", input(1))
      down = true
      yield* advance(10_000)
      assert.strictEqual(polls(processor).length, 0, "no poll without the source of truth")
      assert.strictEqual((yield* tracker.tracked).length, 1, "still tracked")
      down = false
      processor.set(refund.connectorRefundId, "succeeded")
      yield* advance(40_000, 1_000)
      assert.strictEqual((yield* stored("hookpay", refund.connectorRefundId))?.status, "Succeeded")
      assert.deepStrictEqual(yield* tracker.tracked, [])
    })).pipe(Effect.provide(layer))
  })
})
