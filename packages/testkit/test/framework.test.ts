import { assert, describe, it } from "@effect/vitest"
import { EmulatorClock, Faults, Http, Idempotency, RefundStore, RequestLog, StripeEmulator } from "@refract/testkit"

const lifecycle: RefundStore.Lifecycle = {
  initialStatus: "new",
  steps: (outcome, reason) =>
    outcome === "failed"
      ? [{ status: "bad", reason: reason ?? "nope" }]
      : outcome === "succeeded_then_reversed"
      ? [{ status: "good" }, { status: "undone", after: "reversal" }]
      : outcome === "canceled"
      ? [{ status: "waiting", after: 5_000 }]
      : [{ status: "good" }],
  holdsFunds: (status) => status !== "bad" && status !== "undone",
  successStatuses: ["good"]
}

const timing: RefundStore.Timing = { settleAfterMillis: 1_000, reversalAfterMillis: 86_400_000 }

const storeWith = (t: RefundStore.Timing = timing) => {
  const clock = EmulatorClock.manual({ startTime: Date.UTC(2026, 0, 1) })
  const store = new RefundStore.RefundStore<null>(lifecycle, t, clock)
  const transitions: Array<string> = []
  store.onTransition((tr) => transitions.push(`${tr.from ?? "∅"}→${tr.to}:${tr.cause}@${clock.now() - Date.UTC(2026, 0, 1)}`))
  const payment = store.addPayment({ id: "pay_1", aliases: ["alias_1"], amount: 1000, currency: "usd" })
  let n = 0
  const refund = (amount: number, extra: Partial<RefundStore.CreateRefundInput<null>> = {}) =>
    store.createRefund({ id: `r_${++n}`, payment, amount, currency: "usd", attributes: null, ...extra })
  return { store, clock, transitions, payment, refund }
}

describe("RefundStore", () => {
  it("moves a refund by time on its clock, one step per delay, never by looking at it", async () => {
    const { store, clock, refund, transitions } = storeWith()
    store.scriptOutcome("pay_1", "succeeded_then_reversed")
    const r = refund(100)
    for (let i = 0; i < 5; i++) assert.strictEqual(store.get(r.id)!.status, "new")
    assert.strictEqual(store.nextStepAt(r.id), r.createdAt + 1_000)
    await clock.advance(999)
    assert.strictEqual(r.status, "new")
    await clock.advance(1)
    assert.strictEqual(r.status, "good")
    // The reversal waits its own (long) delay, counted from the previous change.
    await clock.advance(86_399_999)
    assert.strictEqual(r.status, "good")
    await clock.advance(1)
    assert.strictEqual(r.status, "undone")
    assert.isUndefined(store.nextStepAt(r.id))
    assert.deepStrictEqual(transitions, ["∅→new:create@0", "new→good:timer@1000", "good→undone:timer@86401000"])
    assert.isTrue(store.snapshot(r).everSucceeded, "it succeeded once, even though it was reversed")
    assert.strictEqual(store.snapshot(r).updatedAt, r.createdAt + 86_401_000)
  })

  it("honors explicit step delays and Infinity (advance and transitionTo still work)", async () => {
    const { store, clock, refund } = storeWith({ settleAfterMillis: Infinity, reversalAfterMillis: Infinity })
    const r = refund(100)
    await clock.advance(365 * 86_400_000)
    assert.strictEqual(r.status, "new", "Infinity: never by time")
    assert.strictEqual(store.advance(r.id)!.to, "good")
    assert.strictEqual(r.history.at(-1)!.via, "advance")
    assert.isUndefined(store.advance(r.id))
    assert.strictEqual(store.transitionTo(r.id, "manual", "api").to, "manual")
    assert.throws(() => store.advance("missing"), RefundStore.UnknownRefundError)
    store.scriptOutcome("pay_1", "canceled")
    const explicit = refund(100)
    await clock.advance(4_999)
    assert.strictEqual(explicit.status, "new")
    await clock.advance(1)
    assert.strictEqual(explicit.status, "waiting", "a step's own `after` wins over the timing")
  })

  it("times the next step from an advance, not from creation", async () => {
    const { store, clock, refund } = storeWith()
    store.scriptOutcome("pay_1", "succeeded_then_reversed")
    const r = refund(100)
    await clock.advance(500)
    store.advance(r.id)
    assert.strictEqual(store.nextStepAt(r.id), clock.now() + 86_400_000)
  })

  it("re-plans (and re-times) unmoved refunds when the outcome is scripted later, with the scripted reason", async () => {
    const { store, clock, refund } = storeWith()
    const r = refund(100)
    store.scriptOutcome("alias_1", "failed", "insufficient")
    await clock.advance(1_000)
    assert.strictEqual(r.status, "bad")
    assert.strictEqual(r.failureReason, "insufficient")
    assert.strictEqual(store.snapshot(r).outcome, "failed")
    assert.isFalse(store.snapshot(r).everSucceeded)
    // A moved refund keeps its path.
    store.scriptOutcome("pay_1", "succeeded")
    assert.isUndefined(store.advance(r.id))
    assert.throws(() => store.scriptOutcome("nope", "failed"), RefundStore.UnknownPaymentError)
    // Re-timed: a 5 s path scripted after 600 ms fires 5 s after creation, not 5 s after scripting.
    const late = refund(100)
    await clock.advance(600)
    store.scriptOutcome("pay_1", "canceled")
    assert.strictEqual(store.nextStepAt(late.id), late.createdAt + 5_000)
  })

  it("accounts refundable amounts by status and forced paths", () => {
    const { store, refund } = storeWith()
    refund(300)
    assert.strictEqual(store.refundable("pay_1"), 700)
    const doomed = refund(5000, { forcedSteps: [{ status: "bad", reason: "too much" }], reservesFunds: false })
    assert.strictEqual(store.refundable("pay_1"), 700)
    store.scriptOutcome("pay_1", "failed")
    const failing = refund(200)
    assert.strictEqual(store.refundable("pay_1"), 500)
    store.advance(failing.id)
    assert.strictEqual(store.refundable("pay_1"), 700)
    store.advance(doomed.id)
    assert.strictEqual(doomed.failureReason, "too much")
  })

  it("stops moving refunds on close and after reset", async () => {
    const { store, clock, refund } = storeWith()
    const r = refund(100)
    store.close()
    await clock.advance(10_000)
    assert.strictEqual(r.status, "new")
    const other = storeWith()
    const s = other.refund(100)
    other.store.reset()
    await other.clock.advance(10_000)
    assert.strictEqual(s.status, "new")
  })

  it("validates payments and timing", () => {
    const { store } = storeWith()
    assert.throws(() => store.addPayment({ id: "x", amount: 0, currency: "usd" }), RangeError)
    assert.throws(() => store.addPayment({ id: "x", amount: 1.5, currency: "usd" }), RangeError)
    assert.throws(() => store.addPayment({ id: "x", amount: 1, currency: "dollars" }), RangeError)
    assert.throws(() => storeWith({ settleAfterMillis: -1, reversalAfterMillis: 1 }), RangeError)
  })
})

describe("FaultInjector", () => {
  it("matches by method, exact path, prefix and RegExp, in order, `times` times", () => {
    const faults = new Faults.FaultInjector()
    faults.inject({ _tag: "ServerError" }, { method: "post", path: "/v1/refunds", times: 2 })
    faults.inject({ _tag: "MalformedBody" }, { path: "/v1/refunds/*" })
    faults.inject({ _tag: "DropBeforeRecord" }, { path: /cancel$/ })
    assert.isUndefined(faults.take("GET", "/v1/refunds"))
    assert.strictEqual(faults.take("POST", "/v1/refunds")?._tag, "ServerError")
    assert.strictEqual(faults.take("POST", "/v1/refunds/re_1/cancel")?._tag, "MalformedBody")
    assert.strictEqual(faults.take("POST", "/v1/refunds/re_1/cancel")?._tag, "DropBeforeRecord")
    assert.strictEqual(faults.take("POST", "/v1/refunds")?._tag, "ServerError")
    assert.isUndefined(faults.take("POST", "/v1/refunds"))
    assert.lengthOf(faults.pending(), 0)
  })

  it("an unrestricted fault hits the next request of any kind", () => {
    const faults = new Faults.FaultInjector()
    faults.inject({ _tag: "Slow", delayMillis: 1 })
    assert.strictEqual(faults.take("DELETE", "/anything")?._tag, "Slow")
    faults.inject({ _tag: "Slow", delayMillis: 1 })
    faults.clear()
    assert.isUndefined(faults.take("GET", "/"))
  })

  it("rejects nonsense", () => {
    const faults = new Faults.FaultInjector()
    assert.throws(() => faults.inject({ _tag: "RateLimit", retryAfterSeconds: -1 }), RangeError)
    assert.throws(() => faults.inject({ _tag: "ServerError", status: 404 }), RangeError)
    assert.throws(() => faults.inject({ _tag: "Slow", delayMillis: Number.NaN }), RangeError)
    assert.throws(() => faults.inject({ _tag: "DropAfterRecord" }, { times: 0 }), RangeError)
    assert.throws(() => faults.inject({ _tag: "Explode" } as never), RangeError)
  })
})

describe("RequestLog", () => {
  it("redacts secrets but keeps schemes and key prefixes", () => {
    assert.strictEqual(RequestLog.redactValue("Bearer sk_test_123"), "Bearer [REDACTED]")
    assert.strictEqual(RequestLog.redactValue("Basic dXNlcjpwYXNz"), "Basic [REDACTED]")
    assert.strictEqual(RequestLog.redactValue("sk_live_abcdef"), "sk_live_[REDACTED]")
    assert.strictEqual(RequestLog.redactValue("AQEyhmfx"), "[REDACTED]")
    const log = new RequestLog.RequestLog([...RequestLog.defaultSecretHeaders, "x-custom-secret"])
    const entry = log.record({
      method: "post",
      url: "/v1/refunds?expand[]=charge",
      headers: { Authorization: "Bearer sk_test_secret", "X-Custom-Secret": "s3cr3t", Accept: ["a", "b"] },
      body: "amount=1",
      time: 1_700_000_000_000
    })
    assert.deepStrictEqual(entry.headers, {
      authorization: "Bearer [REDACTED]",
      "x-custom-secret": "[REDACTED]",
      accept: "a, b"
    })
    assert.strictEqual(entry.method, "POST")
    assert.strictEqual(entry.path, "/v1/refunds")
    assert.strictEqual(entry.query, "expand[]=charge")
    assert.strictEqual(entry.seq, 1)
    assert.strictEqual(entry.time, 1_700_000_000_000)
    assert.notInclude(JSON.stringify(log.list()), "s3cr3t")
  })
})

describe("Http helpers", () => {
  it("parses Stripe-style bracket forms", () => {
    assert.deepStrictEqual(
      Http.parseForm("amount=100&metadata[merchant_refund_id]=mr%201&metadata[x]=y&expand[]=charge&expand[]=pi&items[0][id]=a"),
      {
        amount: "100",
        metadata: { merchant_refund_id: "mr 1", x: "y" },
        expand: ["charge", "pi"],
        items: { "0": { id: "a" } }
      }
    )
    assert.deepStrictEqual(Http.parseForm(""), {})
  })

  it("parses prototype names in forms as data, never into Object.prototype", () => {
    const parsed = Http.parseForm("__proto__[polluted]=1&constructor[prototype][polluted]=2&notes[__proto__]=3&list[][__proto__]=4")
    assert.isUndefined((Object.prototype as Record<string, unknown>)["polluted"])
    assert.deepStrictEqual(Object.keys(parsed), ["__proto__", "constructor", "notes", "list"])
    assert.strictEqual((parsed["__proto__"] as Record<string, unknown>)["polluted"], "1")
    assert.strictEqual((parsed["notes"] as Record<string, unknown>)["__proto__"], "3")
  })

  it("keeps prototype keys as plain data and never writes through to Object.prototype", () => {
    const parsed = Http.parseForm("__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x&toString[a]=1")
    assert.isUndefined(({} as Record<string, unknown>)["polluted"])
    assert.isUndefined((Object.prototype as Record<string, unknown>)["polluted"])
    assert.deepStrictEqual(Object.keys(parsed), ["__proto__", "constructor", "toString"])
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value, "x")
    assert.deepStrictEqual(parsed["constructor"], { prototype: { polluted: "yes" } })
    assert.deepStrictEqual(parsed["toString"], { a: "1" })
    assert.strictEqual(Object.getPrototypeOf(parsed), Object.prototype)
  })

  it("formats Stripe amounts and masks keys", () => {
    assert.strictEqual(StripeEmulator.formatAmount(2500, "usd"), "$25.00")
    assert.strictEqual(StripeEmulator.formatAmount(999, "eur"), "€9.99")
    assert.strictEqual(StripeEmulator.formatAmount(500, "jpy"), "¥500")
    assert.strictEqual(StripeEmulator.formatAmount(1234, "chf"), "12.34 CHF")
    assert.strictEqual(StripeEmulator.maskKey("sk_test_abcdefghijkl1234"), "sk_test_************1234")
    assert.strictEqual(StripeEmulator.maskKey("short"), "*****")
    assert.notInclude(StripeEmulator.maskKey("sk_test_abc"), "abc")
  })
})

describe("IdempotencyStore", () => {
  it("runs the begin/complete protocol", () => {
    const store = new Idempotency.IdempotencyStore(EmulatorClock.manual())
    const response = { status: 200, headers: {}, body: new TextEncoder().encode("{}") }
    assert.strictEqual(store.begin("k", "a")._tag, "Proceed")
    assert.strictEqual(store.begin("k", "a")._tag, "InFlight")
    store.complete("k", response)
    assert.strictEqual(store.begin("k", "a")._tag, "Replay")
    assert.strictEqual(store.begin("k", "b")._tag, "Mismatch")
    assert.strictEqual(store.begin("j", "a")._tag, "Proceed")
    store.complete("j", undefined)
    assert.isFalse(store.has("j"))
    assert.strictEqual(store.begin("j", "other")._tag, "Proceed")
  })

  it("forgets a key once its window has passed since its first use, and keeps the forgotten key on record", async () => {
    const clock = EmulatorClock.manual({ startTime: 0 })
    const store = new Idempotency.IdempotencyStore(clock, 1_000)
    const response = { status: 200, headers: {}, body: new TextEncoder().encode("{}") }
    store.begin("k", "a")
    store.complete("k", response)
    await clock.advance(999)
    assert.strictEqual(store.begin("k", "a")._tag, "Replay", "a replay does not renew the window")
    assert.isTrue(store.has("k"))
    await clock.advance(1)
    assert.isFalse(store.has("k"))
    assert.deepStrictEqual(store.records().map((r) => [r.key, r.state, r.expiresAt]), [["k", "expired", 1_000]])
    const again = store.begin("k", "a")
    assert.deepStrictEqual(again, { _tag: "Proceed", expired: { firstUsedAt: 0 } })
    store.complete("k", response)
    assert.deepStrictEqual(store.records().map((r) => [r.key, r.state, r.firstUsedAt]), [["k", "expired", 0], ["k", "stored", 1_000]])
  })

  it("never expires a key while its first request is in flight", async () => {
    const clock = EmulatorClock.manual({ startTime: 0 })
    const store = new Idempotency.IdempotencyStore(clock, 10)
    store.begin("k", "a")
    await clock.advance(1_000)
    assert.strictEqual(store.begin("k", "a")._tag, "InFlight")
    assert.throws(() => new Idempotency.IdempotencyStore(clock, 0), RangeError)
  })
})
