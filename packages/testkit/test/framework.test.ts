import { assert, describe, it } from "@effect/vitest"
import { Faults, Http, Idempotency, RefundStore, RequestLog, StripeEmulator } from "@refract/testkit"
import { sleep } from "./helpers.ts"

const lifecycle: RefundStore.Lifecycle = {
  initialStatus: "new",
  steps: (outcome, reason) =>
    outcome === "failed"
      ? [{ status: "bad", reason: reason ?? "nope" }]
      : outcome === "succeeded_then_reversed"
      ? [{ status: "good" }, { status: "undone" }]
      : [{ status: "good" }],
  holdsFunds: (status) => status !== "bad" && status !== "undone"
}

const storeWith = (settle: RefundStore.SettleRules) => {
  const store = new RefundStore.RefundStore<null>(lifecycle, settle)
  const transitions: Array<string> = []
  store.onTransition((t) => transitions.push(`${t.from ?? "∅"}→${t.to}:${t.cause}`))
  const payment = store.addPayment({ id: "pay_1", aliases: ["alias_1"], amount: 1000, currency: "usd" })
  let n = 0
  const refund = (amount: number, extra: Partial<RefundStore.CreateRefundInput<null>> = {}) =>
    store.createRefund({ id: `r_${++n}`, payment, amount, currency: "usd", attributes: null, ...extra })
  return { store, transitions, payment, refund }
}

describe("RefundStore", () => {
  it("shows each status to settleAfterReads reads before moving", () => {
    const { store, refund, transitions } = storeWith({ afterReads: 2 })
    store.scriptOutcome("pay_1", "succeeded_then_reversed")
    const r = refund(100)
    const seen = Array.from({ length: 7 }, () => store.read(r.id)!.status)
    assert.deepStrictEqual(seen, ["new", "new", "good", "good", "undone", "undone", "undone"])
    assert.deepStrictEqual(transitions, ["∅→new:create", "new→good:read", "good→undone:read"])
  })

  it("never moves on reads with afterReads Infinity; advance and transitionTo still work", () => {
    const { store, refund } = storeWith({ afterReads: Infinity })
    const r = refund(100)
    for (let i = 0; i < 5; i++) assert.strictEqual(store.read(r.id)!.status, "new")
    assert.strictEqual(store.advance(r.id)!.to, "good")
    assert.isUndefined(store.advance(r.id))
    assert.strictEqual(store.transitionTo(r.id, "manual", "api").to, "manual")
    assert.throws(() => store.advance("missing"), RefundStore.UnknownRefundError)
  })

  it("re-plans unmoved refunds when the outcome is scripted later, with the scripted reason", () => {
    const { store, refund } = storeWith({ afterReads: 0 })
    const r = refund(100)
    store.scriptOutcome("alias_1", "failed", "insufficient")
    assert.strictEqual(store.read(r.id)!.status, "bad")
    assert.strictEqual(r.failureReason, "insufficient")
    assert.strictEqual(store.snapshot(r).outcome, "failed")
    // A moved refund keeps its path.
    store.scriptOutcome("pay_1", "succeeded")
    assert.isUndefined(store.advance(r.id))
    assert.throws(() => store.scriptOutcome("nope", "failed"), RefundStore.UnknownPaymentError)
  })

  it("accounts refundable amounts by status and forced paths", () => {
    const { store, refund } = storeWith({ afterReads: 0 })
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

  it("moves refunds by real time and stops on close", async () => {
    const { store, refund } = storeWith({ afterReads: Infinity, afterMillis: 30 })
    store.scriptOutcome("pay_1", "succeeded_then_reversed")
    const r = refund(100)
    await sleep(250)
    assert.deepStrictEqual(r.history.map((h) => `${h.status}:${h.via}`), ["new:create", "good:timer", "undone:timer"])
    const other = refund(100)
    store.close()
    await sleep(60)
    assert.strictEqual(other.status, "new")
  })

  it("validates payments", () => {
    const { store } = storeWith({ afterReads: 1 })
    assert.throws(() => store.addPayment({ id: "x", amount: 0, currency: "usd" }), RangeError)
    assert.throws(() => store.addPayment({ id: "x", amount: 1.5, currency: "usd" }), RangeError)
    assert.throws(() => store.addPayment({ id: "x", amount: 1, currency: "dollars" }), RangeError)
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
      body: "amount=1"
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
    const store = new Idempotency.IdempotencyStore()
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
})
