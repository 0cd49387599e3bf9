import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Stream } from "effect"
import { EventHandler, MemoryRefundStore, RefundStore, WebhookError, WebhookEvent } from "@refract/core"
import * as HookPay from "./HookPay.ts"

const key = (id: string, connector = "hookpay") => ({ connector, connectorRefundId: id })

const env = (over: Parameters<typeof HookPay.registryLayer>[0] = {}) =>
  Layer.mergeAll(HookPay.registryLayer(over), MemoryRefundStore.layer, HookPay.processor().layer)

const run = <A, E>(effect: Effect.Effect<A, E, any>, over?: Parameters<typeof HookPay.registryLayer>[0]) =>
  effect.pipe(Effect.provide(env(over))) as Effect.Effect<A, E>

const handle = (request: WebhookEvent.RawWebhookRequest, options?: EventHandler.HandleOptions, connector = "hookpay") =>
  EventHandler.handleEvent({ connector, request }, options)

const created = (id: string, status = "pending", connector = "hookpay") =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    return yield* store.apply({
      connector,
      snapshot: HookPay.snapshotOf(HookPay.refund({ id, status, merchant_refund_id: `order-${id}` })),
      source: "create",
      receivedAt: 1
    })
  })

/** Fails the test unless `effect` fails with a WebhookError; returns it. */
const refused = <A, E>(effect: Effect.Effect<A, E, any>) =>
  effect.pipe(
    Effect.flip,
    Effect.map((e) => {
      assert.strictEqual((e as { _tag: string })._tag, "WebhookError")
      return e as unknown as WebhookError.WebhookError
    })
  )

const untouched = (id: string, expected: string) =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    const current = yield* store.get(key(id))
    assert.strictEqual(Option.getOrUndefined(current)?.status, expected)
    assert.strictEqual((yield* store.history(key(id))).length, 1)
  })

describe("EventHandler.handleEvent", () => {
  it.live("verifies, parses and applies a signed delivery; answers with the connector's acknowledgement", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      const result = yield* handle(HookPay.delivery([HookPay.event("evt_1", HookPay.refund({ status: "succeeded" }))]))
      assert.strictEqual(result.connector, "hookpay")
      assert.deepStrictEqual(result.acknowledgement, { status: 200, contentType: "application/json", body: "{\"received\":true}" })
      assert.strictEqual(result.outcomes.length, 1)
      const outcome = result.outcomes[0]!
      assert.strictEqual(outcome._tag, "Applied")
      if (outcome._tag === "Applied") {
        assert.strictEqual(outcome.previous.status, "Pending")
        assert.strictEqual(outcome.current.status, "Succeeded")
        assert.strictEqual(outcome.current.merchantRefundId, "order-re_1")
      }
      const store = yield* RefundStore.RefundStore
      const history = yield* store.history(key("re_1"))
      assert.deepStrictEqual(history.map((e) => `${e.source}:${e.rawStatus}:${e.transition}`), [
        "create:pending:Applied",
        "webhook:succeeded:Applied"
      ])
      assert.strictEqual(history[1]!.eventId, "evt_1")
      assert.strictEqual(EventHandler.describe(outcome), "re_1: Pending -> Succeeded")
    })))

  it.live("a tampered body fails closed with 401 and changes nothing", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      const error = yield* refused(handle(HookPay.delivery([HookPay.event("evt_t", HookPay.refund({ status: "succeeded" }))], { tamper: true })))
      assert.strictEqual(error.reason._tag, "InvalidSignature")
      assert.strictEqual(error.httpStatus, 401)
      yield* untouched("re_1", "Pending")
      const store = yield* RefundStore.RefundStore
      assert.isFalse(yield* store.hasEvent("hookpay", "evt_t"))
    })))

  it.live("missing, wrongly keyed and expired signatures are refused (401) without touching state", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      const events = [HookPay.event("evt_s", HookPay.refund({ status: "failed" }))]
      const signed = HookPay.delivery(events)
      const { "x-hookpay-signature": _drop, ...unsignedHeaders } = signed.headers
      const missing = yield* refused(handle({ ...signed, headers: unsignedHeaders }))
      assert.strictEqual(missing.reason._tag, "MissingSignature")
      const wrongKey = yield* refused(handle(HookPay.delivery(events, { secret: "whsec_other" })))
      assert.strictEqual(wrongKey.reason._tag, "InvalidSignature")
      const expired = yield* refused(handle(HookPay.delivery(events, { t: Math.floor(Date.now() / 1000) - 3600 })))
      assert.strictEqual(expired.reason._tag, "TimestampOutOfTolerance")
      for (const e of [missing, wrongKey, expired]) assert.strictEqual(e.httpStatus, 401)
      yield* untouched("re_1", "Pending")
    })))

  it.live("a correctly signed but malformed body is a 400 and changes nothing", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      const body = "{\"not\":\"events\"}"
      const error = yield* refused(handle(WebhookEvent.makeRawRequest({ headers: { "x-hookpay-signature": HookPay.sign(body) }, body })))
      assert.strictEqual(error.reason._tag, "MalformedPayload")
      assert.strictEqual(error.httpStatus, 400)
      yield* untouched("re_1", "Pending")
    })))

  it.live("redeliveries are Duplicate; a pending event after a succeeded one is Stale", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      const succeeded = HookPay.delivery([HookPay.event("evt_2", HookPay.refund({ status: "succeeded", updated: 200 }))])
      const first = yield* handle(succeeded)
      const again = yield* handle(succeeded)
      assert.strictEqual(first.outcomes[0]!._tag, "Applied")
      assert.strictEqual(again.outcomes[0]!._tag, "Duplicate")
      const late = yield* handle(HookPay.delivery([HookPay.event("evt_1", HookPay.refund({ status: "pending", updated: 100 }))]))
      const outcome = late.outcomes[0]!
      assert.strictEqual(outcome._tag, "Stale")
      if (outcome._tag === "Stale") {
        assert.strictEqual(outcome.current.status, "Succeeded")
        assert.strictEqual(outcome.observed, "Pending")
      }
      const store = yield* RefundStore.RefundStore
      assert.deepStrictEqual((yield* store.history(key("re_1"))).map((e) => e.transition), ["Applied", "Applied", "Stale"])
    })))

  it.live("succeeded then failed is a reversal; an unknown status keeps the state", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      yield* handle(HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))]))
      const reversed = yield* handle(HookPay.delivery([HookPay.event("e2", HookPay.refund({ status: "failed" }))]))
      assert.strictEqual(reversed.outcomes[0]!._tag, "Applied")
      assert.strictEqual((reversed.outcomes[0] as { current: { status: string } }).current.status, "Reversed")
      yield* created("re_2")
      const weird = yield* handle(HookPay.delivery([HookPay.event("e3", HookPay.refund({ id: "re_2", status: "on_hold_for_review" }))]))
      const outcome = weird.outcomes[0]!
      assert.strictEqual(outcome._tag, "Unrecognised")
      if (outcome._tag === "Unrecognised") {
        assert.strictEqual(outcome.rawStatus, "on_hold_for_review")
        assert.strictEqual(outcome.current.status, "Pending")
      }
    })))

  it.live("an event for a refund never seen is recorded (UnknownRefund), and a non-refund event is Ignored", () =>
    run(Effect.gen(function*() {
      const result = yield* handle(HookPay.delivery([
        HookPay.event("evt_ping", undefined, "ping"),
        HookPay.event("evt_dash", HookPay.refund({ id: "re_dash", status: "pending" })),
        HookPay.event("evt_dash_odd", HookPay.refund({ id: "re_odd", status: "mystery" }))
      ]))
      assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["Ignored", "UnknownRefund", "UnknownRefund"])
      const store = yield* RefundStore.RefundStore
      assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_dash")))?.status, "Pending")
      assert.deepStrictEqual((yield* store.listUnsettled("hookpay")).map((r) => r.connectorRefundId), ["re_dash"])
      assert.strictEqual((yield* store.history(key("re_odd"))).length, 1)
      assert.isTrue(Option.isNone(yield* store.get(key("re_odd"))))
      assert.match(EventHandler.describe(result.outcomes[2]!), /first seen, recorded as unrecognised "mystery"/)
    })))

  it.live("a batch applies each event in order", () =>
    run(Effect.gen(function*() {
      yield* created("re_1")
      yield* created("re_2")
      const result = yield* handle(HookPay.delivery([
        HookPay.event("b1", HookPay.refund({ id: "re_1", status: "succeeded" })),
        HookPay.event("b2", HookPay.refund({ id: "re_2", status: "failed" })),
        HookPay.event("b1", HookPay.refund({ id: "re_1", status: "succeeded" }))
      ]))
      assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["Applied", "Applied", "Duplicate"])
    })))

  it.live("verifies with explicit secrets when given, instead of the bound connector's", () =>
    run(
      Effect.gen(function*() {
        yield* created("re_1")
        const events = [HookPay.event("evt_x", HookPay.refund({ status: "succeeded" }))]
        // Bound without webhook secrets: refused as not configured.
        const notConfigured = yield* refused(handle(HookPay.delivery(events)))
        assert.strictEqual(notConfigured.reason._tag, "NotConfigured")
        const request = HookPay.delivery(events, { secret: "whsec_explicit" })
        const wrong = yield* refused(EventHandler.handleEvent({ connector: "hookpay", request, secrets: { signingSecret: "whsec_nope" } }))
        assert.strictEqual(wrong.reason._tag, "InvalidSignature")
        const ok = yield* EventHandler.handleEvent({ connector: "hookpay", request, secrets: { signingSecret: "whsec_explicit" } })
        assert.strictEqual(ok.outcomes[0]!._tag, "Applied")
        const bad = yield* refused(EventHandler.handleEvent({ connector: "hookpay", request, secrets: {} }))
        assert.strictEqual(bad.reason._tag, "NotConfigured")
      }),
      { webhookSecrets: undefined }
    ))

  it.live("an unknown connector is refused as not configured (404)", () =>
    run(Effect.gen(function*() {
      const error = yield* refused(handle(HookPay.delivery([]), undefined, "nopay"))
      assert.strictEqual(error.reason._tag, "NotConfigured")
      assert.strictEqual(error.httpStatus, 404)
      assert.match(error.message, /unknown connector "nopay"/)
    })))

  it.live("a processor without signing is refused unless explicitly allowed; the opt-in never disables verification of a signing processor", () =>
    run(Effect.gen(function*() {
      yield* created("re_1", "pending", "plainhook")
      const body = JSON.stringify({ events: [HookPay.event("p1", HookPay.refund({ status: "succeeded" }))] })
      const request = WebhookEvent.makeRawRequest({ headers: {}, body })
      const refusedUnsigned = yield* refused(handle(request, undefined, "plainhook"))
      assert.strictEqual(refusedUnsigned.reason._tag, "MissingSignature")
      assert.strictEqual(refusedUnsigned.httpStatus, 401)
      assert.match(refusedUnsigned.message, /allowUnsigned/)
      const store = yield* RefundStore.RefundStore
      assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_1", "plainhook")))?.status, "Pending")
      const allowed = yield* handle(request, { allowUnsigned: ["plainhook"] }, "plainhook")
      assert.strictEqual(allowed.outcomes[0]!._tag, "Applied")
      // Opting hookpay in does not turn its verification off.
      yield* created("re_9")
      const tampered = HookPay.delivery([HookPay.event("h1", HookPay.refund({ id: "re_9", status: "succeeded" }))], { tamper: true })
      const still = yield* refused(handle(tampered, { allowUnsigned: ["hookpay", "plainhook"] }))
      assert.strictEqual(still.reason._tag, "InvalidSignature")
    })))

  describe("notices: deliveries that only name what changed", () => {
    const withProcessor = <A, E>(f: (processor: HookPay.Processor) => Effect.Effect<A, E, any>) =>
      Effect.suspend(() => {
        const processor = HookPay.processor()
        return f(processor).pipe(
          Effect.provide(Layer.mergeAll(HookPay.registryLayer(), MemoryRefundStore.layer, processor.layer))
        ) as Effect.Effect<A, E>
      })
    const unsigned = (events: ReadonlyArray<HookPay.WireEvent>) =>
      WebhookEvent.makeRawRequest({ headers: {}, body: JSON.stringify({ events }) })
    const seed = (processor: HookPay.Processor, id: string, status: string, payment = "pay_1") =>
      Effect.gen(function*() {
        processor.refunds.set(id, HookPay.refund({ id, status, payment }))
        const store = yield* RefundStore.RefundStore
        yield* store.apply({
          connector: "plainhook",
          snapshot: HookPay.snapshotOf(HookPay.refund({ id, status: "pending", payment })),
          source: "create",
          receivedAt: 1
        })
      })

    it.live("an unsigned notice naming a payment needs no opt-in: every stored refund of that payment is read and applied as a poll", () =>
      withProcessor((processor) =>
        Effect.gen(function*() {
          yield* seed(processor, "re_1", "succeeded")
          yield* seed(processor, "re_2", "failed")
          yield* seed(processor, "re_3", "succeeded", "pay_other")
          const result = yield* handle(unsigned([{ id: "n1", type: "payment", notice: { payment: "pay_1" } }]), undefined, "plainhook")
          assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["Applied", "Applied"])
          const store = yield* RefundStore.RefundStore
          assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_1", "plainhook")))?.status, "Succeeded")
          assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_2", "plainhook")))?.status, "Failed")
          // The other payment's refund was neither read nor changed.
          assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_3", "plainhook")))?.status, "Pending")
          assert.isFalse(processor.requests.some((r) => r.url.endsWith("/re_3")))
          const history = yield* store.history(key("re_1", "plainhook"))
          assert.strictEqual(history.at(-1)!.source, "poll", "the state came from the read, not from the delivery")
          assert.match(EventHandler.describe(result.outcomes[0]!), /^re_\d: Pending -> /)
        })))

    it.live("a notice naming a refund reads that one; an id the processor does not know is ignored", () =>
      withProcessor((processor) =>
        Effect.gen(function*() {
          yield* seed(processor, "re_1", "succeeded")
          const one = yield* handle(unsigned([{ id: "n1", type: "refund", notice: { refund: "re_1" } }]), undefined, "plainhook")
          assert.deepStrictEqual(one.outcomes.map((o) => o._tag), ["Applied"])
          const forged = yield* handle(unsigned([{ id: "n2", type: "refund", notice: { refund: "re_nope", payment: "pay_1" } }]), undefined, "plainhook")
          assert.deepStrictEqual(forged.outcomes.map((o) => o._tag), ["Ignored"])
          const nothingStored = yield* handle(unsigned([{ id: "n3", type: "payment", notice: { payment: "pay_unknown" } }]), undefined, "plainhook")
          assert.deepStrictEqual(nothingStored.outcomes.map((o) => o._tag), ["Ignored"])
        })))

    it.live("a read that fails fails the delivery with 503 (the processor delivers it again) and changes nothing", () =>
      withProcessor((processor) =>
        Effect.gen(function*() {
          yield* seed(processor, "re_1", "succeeded")
          processor.down = true
          const error = yield* refused(handle(unsigned([{ id: "n1", type: "payment", notice: { payment: "pay_1" } }]), undefined, "plainhook"))
          assert.strictEqual(error.reason._tag, "VerificationUnavailable")
          assert.strictEqual(error.httpStatus, 503)
          const store = yield* RefundStore.RefundStore
          assert.strictEqual(Option.getOrUndefined(yield* store.get(key("re_1", "plainhook")))?.status, "Pending")
          processor.down = false
          const again = yield* handle(unsigned([{ id: "n1", type: "payment", notice: { payment: "pay_1" } }]), undefined, "plainhook")
          assert.deepStrictEqual(again.outcomes.map((o) => o._tag), ["Applied"])
        })))

    it.live("an unsigned delivery that states a refund's status still needs the opt-in, even beside a notice", () =>
      withProcessor((processor) =>
        Effect.gen(function*() {
          yield* seed(processor, "re_1", "pending")
          const mixed = unsigned([
            { id: "n1", type: "payment", notice: { payment: "pay_1" } },
            HookPay.event("s1", HookPay.refund({ id: "re_1", status: "succeeded" }))
          ])
          const error = yield* refused(handle(mixed, undefined, "plainhook"))
          assert.strictEqual(error.reason._tag, "MissingSignature")
          assert.strictEqual(processor.requests.length, 0, "nothing read for a refused delivery")
          const garbage = yield* refused(handle(WebhookEvent.makeRawRequest({ headers: {}, body: "id=tr_1" }), undefined, "plainhook"))
          assert.strictEqual(garbage.reason._tag, "MissingSignature", "an unparseable unsigned delivery is refused as unsigned, not parsed further")
        })))
  })

  it.live("a store failure is a StoreError (so the endpoint answers 5xx and the processor retries)", () =>
    Effect.gen(function*() {
      const failing = Layer.effect(
        RefundStore.RefundStore,
        Effect.map(MemoryRefundStore.make, (store) => ({
          ...store,
          apply: () => Effect.fail(new RefundStore.StoreError({ operation: "apply", message: "disk full" }))
        }))
      )
      const error = yield* handle(HookPay.delivery([HookPay.event("f1", HookPay.refund({ status: "succeeded" }))])).pipe(
        Effect.flip,
        Effect.provide(Layer.mergeAll(HookPay.registryLayer(), failing, HookPay.processor().layer))
      )
      assert.strictEqual(error._tag, "StoreError")
    }))

  it.live("publishes status changes from webhooks on the store's change stream", () =>
    run(Effect.scoped(Effect.gen(function*() {
      const store = yield* RefundStore.RefundStore
      yield* created("re_1")
      const collected = yield* store.changes.pipe(Stream.take(1), Stream.runCollect, Effect.forkScoped)
      yield* Effect.yieldNow
      yield* Effect.sleep(5)
      yield* handle(HookPay.delivery([HookPay.event("c1", HookPay.refund({ status: "succeeded" }))]))
      const changes = yield* Fiber.join(collected)
      assert.strictEqual(changes[0]!.current.status, "Succeeded")
      assert.strictEqual(changes[0]!.entry.source, "webhook")
    }))))
})
