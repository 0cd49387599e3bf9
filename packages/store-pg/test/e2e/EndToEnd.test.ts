/**
 * End to end: the Stripe and Adyen emulators send real signed webhooks over HTTP to the running
 * webhook server (`NodeWebhookServer.layer`), which stores refund state in PostgreSQL (an isolated
 * schema per test) while the tracker polls alongside. Counts of the race and ordering cases are
 * printed as `[e2e] …` lines.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, PubSub } from "effect"
import { RefundStore } from "@refract/core"
import type { RefundTracker } from "@refract/core"
import { AdyenEmulator, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import * as Harness from "./Harness.ts"

const noPolling: RefundTracker.Options = { initialDelay: "1 hour", maxDelay: "1 hour", jitter: false, reversalWindow: 0 }
// Reversal watching is off: these cases follow refunds to settlement (RefundTracker tests cover watching).
const fastPolling: RefundTracker.Options = { initialDelay: "20 millis", maxDelay: "100 millis", factor: 1.5, jitter: false, reversalWindow: 0 }

const report = (name: string, counts: Readonly<Record<string, number>>) => console.log(`[e2e] ${name}: ${JSON.stringify(counts)}`)

/** Manual emulator clocks by default: refunds move only when a test advances them (reads never move them). */
const emulators = (stripeOptions: Parameters<typeof StripeEmulator.make>[0] = {}) =>
  Effect.gen(function*() {
    const stripe: EmulatorHandle = yield* StripeEmulator.make({ clock: "manual", ...stripeOptions })
    const adyen: EmulatorHandle = yield* AdyenEmulator.make({ clock: "manual" })
    return { stripe, adyen }
  })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

const stripePayment = (stripe: EmulatorHandle, outcome: Parameters<EmulatorHandle["scriptOutcome"]>[1]) =>
  Effect.gen(function*() {
    const payment = yield* promise(() => stripe.createPayment({ amount: 5000, currency: "usd" }))
    stripe.scriptOutcome(payment, outcome)
    return payment
  })

const adyenPayment = (adyen: EmulatorHandle, outcome: Parameters<EmulatorHandle["scriptOutcome"]>[1]) =>
  Effect.gen(function*() {
    const payment = yield* promise(() => adyen.createPayment({ amount: 5000, currency: "EUR" }))
    adyen.scriptOutcome(payment, outcome)
    return payment
  })

/** Sequences without gaps and a history whose replay gives the stored status. */
const assertConsistent = (refund: { readonly status: string } | undefined, entries: ReadonlyArray<RefundStore.HistoryEntry>) => {
  entries.forEach((e, i) => assert.strictEqual(e.sequence, i + 1))
  const replayed = RefundStore.replayHistory(entries)
  assert.strictEqual(replayed?.status, refund?.status)
}

const summary = (entries: ReadonlyArray<RefundStore.HistoryEntry>) =>
  entries.map((e) => `${e.source}:${e.rawStatus}:${e.transition}`)

describe("end to end: emulators → webhook server → PostgreSQL", () => {
  it.live("Stripe, webhooks only: the emulator's signed events settle the refund; acknowledged after storing", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const server = yield* Harness.startServer(stripe, adyen, (yield* Harness.database("e2e_stripe"))(), noPolling)
      const payment = yield* stripePayment(stripe, "succeeded")
      const refund = yield* server.tracker.create("stripe", Harness.refundInput(1, payment))
      assert.strictEqual(refund.status, "Pending")
      yield* promise(() => stripe.flushWebhooks())
      yield* promise(() => stripe.advance(refund.connectorRefundId))
      // advance() resolves once the webhook was answered, and the answer comes after the commit.
      const settled = yield* Harness.current(server, "stripe", refund.connectorRefundId)
      assert.strictEqual(settled?.status, "Succeeded")
      assert.strictEqual(settled?.merchantRefundId, "order-1")
      const deliveries = stripe.webhookDeliveries()
      assert.isAbove(deliveries.length, 0)
      for (const d of deliveries) {
        assert.isTrue(d.accepted, `${d.eventType} accepted`)
        assert.strictEqual(d.responseBody, "{\"received\":true}")
      }
      const entries = yield* Harness.history(server, "stripe", refund.connectorRefundId)
      assert.isTrue(entries.some((e) => e.source === "webhook" && e.rawStatus === "succeeded" && e.transition === "Applied"))
      assert.isFalse(entries.some((e) => e.source === "poll"), "no polling in this test")
      assertConsistent(settled, entries)
      assert.strictEqual(stripe.requests().filter((r) => r.method === "GET").length, 0)
      yield* Harness.eventually(server.tracker.tracked, (t) => t.length === 0, "the tracker to let go")
    })))

  it.live("Stripe with polling alongside: webhooks and polls race on 12 refunds without losing an update", () =>
    Effect.scoped(Effect.gen(function*() {
      // Refunds settle 50 ms after creation on a real clock, while the tracker polls every 20-100 ms: the
      // emulator's webhook for that move races the polls.
      const { stripe, adyen } = yield* emulators({ clock: "real", settleAfterMillis: 50 })
      const server = yield* Harness.startServer(stripe, adyen, (yield* Harness.database("e2e_race"))(), fastPolling)
      const n = 12
      // Half of the status reads answer late (the read is handled at once, the answer held back), so
      // the webhook announcing the change wins the race against the poll that caused it.
      stripe.injectFault({ _tag: "Slow", delayMillis: 500 }, { method: "GET", path: "/v1/refunds/*", times: n / 2 })
      const refunds = yield* Effect.forEach(
        Array.from({ length: n }, (_, i) => i),
        (i) => Effect.flatMap(stripePayment(stripe, "succeeded"), (payment) => server.tracker.create("stripe", Harness.refundInput(`race-${i}`, payment))),
        { concurrency: "unbounded" }
      )
      for (const r of refunds) {
        yield* Harness.eventually(Harness.current(server, "stripe", r.connectorRefundId), (x) => x?.status === "Succeeded", `${r.connectorRefundId} to settle`)
      }
      yield* promise(() => stripe.flushWebhooks())
      yield* Harness.eventually(server.tracker.tracked, (t) => t.length === 0, "the tracker to let go")
      const readsAtSettlement = stripe.requests().filter((r) => r.method === "GET").length
      let settledByPoll = 0
      let settledByWebhook = 0
      let stale = 0
      let unchanged = 0
      let webhookFirst = 0
      let abandonedPolls = 0
      for (const r of refunds) {
        const stored = yield* Harness.current(server, "stripe", r.connectorRefundId)
        const entries = yield* Harness.history(server, "stripe", r.connectorRefundId)
        assert.strictEqual(stored?.status, "Succeeded")
        assertConsistent(stored, entries)
        assert.isTrue(stripe.requests().some((q) => q.method === "GET" && q.path.endsWith(`/${r.connectorRefundId}`)), "polled")
        // A poll still in flight when a webhook settles the refund is abandoned, not applied.
        if (!entries.some((e) => e.source === "poll")) abandonedPolls++
        assert.isTrue(entries.some((e) => e.source === "webhook"), "received webhooks")
        const settling = entries.find((e) => e.statusAfter === "Succeeded" && e.transition === "Applied")!
        if (settling.source === "poll") settledByPoll++
        else settledByWebhook++
        const firstPoll = entries.findIndex((e) => e.source === "poll")
        if (firstPoll === -1 || entries.findIndex((e) => e.source === "webhook") < firstPoll) webhookFirst++
        stale += entries.filter((e) => e.transition === "Stale").length
        unchanged += entries.filter((e) => e.transition === "Unchanged").length
      }
      assert.isTrue(stripe.webhookDeliveries().every((d) => d.accepted))
      yield* Effect.sleep(400)
      assert.strictEqual(stripe.requests().filter((r) => r.method === "GET").length, readsAtSettlement, "no polls after settlement")
      report("stripe webhook+poll race", {
        refunds: n,
        settledByPoll,
        settledByWebhook,
        webhookFirst,
        abandonedPolls,
        staleEntries: stale,
        unchangedEntries: unchanged,
        lostUpdates: 0
      })
    })))

  it.live("out of order and duplicate deliveries: a pending event after the succeeded one is Stale; redeliveries change nothing", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const server = yield* Harness.startServer(stripe, adyen, (yield* Harness.database("e2e_order"))(), noPolling)
      const payment = yield* stripePayment(stripe, "succeeded")
      const refund = yield* server.tracker.create("stripe", Harness.refundInput(2, payment))
      yield* promise(() => stripe.flushWebhooks())
      const pendingEvent = stripe.signedWebhook(refund.connectorRefundId, { eventType: "refund.updated" })
      yield* promise(() => stripe.advance(refund.connectorRefundId))
      assert.strictEqual((yield* Harness.current(server, "stripe", refund.connectorRefundId))?.status, "Succeeded")

      // The pending event arrives late, after the succeeded one.
      const late = yield* Harness.post(server.info.webhookUrl("stripe"), pendingEvent)
      assert.strictEqual(late.status, 200)
      const afterLate = yield* Harness.history(server, "stripe", refund.connectorRefundId)
      assert.deepStrictEqual(afterLate.at(-1)?.transition, "Stale")
      assert.strictEqual((yield* Harness.current(server, "stripe", refund.connectorRefundId))?.status, "Succeeded")

      // Every delivery the emulator made, delivered again (processors redeliver): all acknowledged, none applied.
      const delivered = stripe.webhookDeliveries()
      for (const d of delivered) {
        const again = yield* Harness.post(server.info.webhookUrl("stripe"), d)
        assert.strictEqual(again.status, 200)
      }
      const afterDuplicates = yield* Harness.history(server, "stripe", refund.connectorRefundId)
      assert.strictEqual(afterDuplicates.length, afterLate.length, "duplicates add no history")

      // Adyen: the same delivery twice at once.
      const adyenPaymentId = yield* adyenPayment(adyen, "succeeded")
      const adyenRefund = yield* server.tracker.create("adyen", Harness.refundInput(3, adyenPaymentId, 2000, "EUR"))
      adyen.setWebhookUrl(undefined) // we deliver this one ourselves, twice at once
      yield* promise(() => adyen.advance(adyenRefund.connectorRefundId))
      const succeeded = adyen.signedWebhook(adyenRefund.connectorRefundId)
      const concurrent = yield* Effect.all([
        Harness.post(server.info.webhookUrl("adyen"), succeeded),
        Harness.post(server.info.webhookUrl("adyen"), succeeded)
      ], { concurrency: "unbounded" })
      assert.deepStrictEqual(concurrent.map((r) => `${r.status} ${r.body}`), ["200 [accepted]", "200 [accepted]"])
      const adyenEntries = yield* Harness.history(server, "adyen", adyenRefund.connectorRefundId)
      assert.deepStrictEqual(summary(adyenEntries).map((s) => s.split(":")[0]), ["create", "webhook"], "applied once")
      report("ordering and duplicates", {
        outOfOrderCases: 1,
        staleOutcomes: 1,
        stripeRedeliveries: delivered.length,
        adyenConcurrentDuplicates: 1,
        historyEntriesAddedByDuplicates: 0
      })
    })))

  it.live("Stripe succeeded then failed: the refund ends Reversed, and the change stream says so", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const server = yield* Harness.startServer(stripe, adyen, (yield* Harness.database("e2e_reversal"))(), noPolling)
      const subscription = yield* server.tracker.subscribe
      const payment = yield* stripePayment(stripe, "succeeded_then_failed")
      const refund = yield* server.tracker.create("stripe", Harness.refundInput(4, payment))
      yield* promise(() => stripe.flushWebhooks())
      yield* promise(() => stripe.advance(refund.connectorRefundId))
      yield* promise(() => stripe.advance(refund.connectorRefundId))
      const stored = yield* Harness.current(server, "stripe", refund.connectorRefundId)
      assert.strictEqual(stored?.status, "Reversed")
      assert.strictEqual(stored?.rawStatus, "failed")
      const entries = yield* Harness.history(server, "stripe", refund.connectorRefundId)
      assertConsistent(stored, entries)
      const changes: Array<string> = []
      while (changes.length < 3) {
        const c: RefundTracker.StatusChange = yield* PubSub.take(subscription).pipe(Effect.timeout("5 seconds"))
        if (c._tag === "Changed") changes.push(`${c.previous?.status ?? "-"}>${c.refund.status}`)
      }
      assert.deepStrictEqual(changes, ["->Pending", "Pending>Succeeded", "Succeeded>Reversed"])
    })))

  it.live("Adyen REFUNDED_REVERSED: webhook-only, never polled, acknowledged with [accepted]; a silent refund is flagged Stuck", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const server = yield* Harness.startServer(
        stripe,
        adyen,
        (yield* Harness.database("e2e_adyen"))(),
        { ...fastPolling, stuckAfter: "400 millis", recheckEvery: "100 millis" }
      )
      const subscription = yield* server.tracker.subscribe
      const payment = yield* adyenPayment(adyen, "succeeded_then_reversed")
      const refund = yield* server.tracker.create("adyen", Harness.refundInput(5, payment, 2000, "EUR"))
      const silentPayment = yield* adyenPayment(adyen, "succeeded")
      const silent = yield* server.tracker.create("adyen", Harness.refundInput(6, silentPayment, 1000, "EUR"))
      yield* promise(() => adyen.advance(refund.connectorRefundId))
      assert.strictEqual((yield* Harness.current(server, "adyen", refund.connectorRefundId))?.status, "Succeeded")
      yield* promise(() => adyen.advance(refund.connectorRefundId))
      const stored = yield* Harness.current(server, "adyen", refund.connectorRefundId)
      assert.strictEqual(stored?.status, "Reversed")
      const entries = yield* Harness.history(server, "adyen", refund.connectorRefundId)
      assert.deepStrictEqual(entries.map((e) => `${e.source}:${e.statusAfter}`), ["create:Pending", "webhook:Succeeded", "webhook:Reversed"])
      for (const d of adyen.webhookDeliveries()) {
        assert.isTrue(d.accepted)
        assert.strictEqual(d.responseBody, "[accepted]")
      }
      assert.deepStrictEqual(adyen.requests().map((r) => r.method), ["POST", "POST"], "only the two creates: Adyen is never polled")
      let stuck: RefundTracker.StatusChange | undefined
      while (stuck === undefined) {
        const c: RefundTracker.StatusChange = yield* PubSub.take(subscription).pipe(Effect.timeout("5 seconds"))
        // On a loaded machine the other refund may be flagged too, while it waits for its advance.
        if (c._tag === "Stuck" && c.refund.connectorRefundId === silent.connectorRefundId) stuck = c
      }
      assert.strictEqual(stuck.refund.connectorRefundId, silent.connectorRefundId)
      assert.isTrue(stuck._tag === "Stuck" && stuck.webhookOnly)
      assert.deepStrictEqual((yield* server.tracker.tracked).map((k) => k.connectorRefundId), [silent.connectorRefundId])
    })))

  it.live("a tampered event changes nothing (Stripe and Adyen answer 401)", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const server = yield* Harness.startServer(stripe, adyen, (yield* Harness.database("e2e_tamper"))(), noPolling)
      const payment = yield* stripePayment(stripe, "succeeded")
      const refund = yield* server.tracker.create("stripe", Harness.refundInput(7, payment))
      yield* promise(() => stripe.flushWebhooks())
      stripe.setWebhookUrl(undefined)
      yield* promise(() => stripe.advance(refund.connectorRefundId))
      const before = yield* Harness.history(server, "stripe", refund.connectorRefundId)
      const tampered = yield* Harness.post(server.info.webhookUrl("stripe"), stripe.signedWebhook(refund.connectorRefundId, { tamper: true }))
      assert.strictEqual(tampered.status, 401)
      const wrongSecret = yield* Harness.post(
        server.info.webhookUrl("stripe"),
        stripe.signedWebhook(refund.connectorRefundId, { secret: "whsec_attacker" })
      )
      assert.strictEqual(wrongSecret.status, 401)
      const expired = yield* Harness.post(
        server.info.webhookUrl("stripe"),
        stripe.signedWebhook(refund.connectorRefundId, { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 })
      )
      assert.strictEqual(expired.status, 401)
      assert.strictEqual((yield* Harness.current(server, "stripe", refund.connectorRefundId))?.status, "Pending")
      assert.strictEqual((yield* Harness.history(server, "stripe", refund.connectorRefundId)).length, before.length)

      const adyenPaymentId = yield* adyenPayment(adyen, "succeeded")
      const adyenRefund = yield* server.tracker.create("adyen", Harness.refundInput(8, adyenPaymentId, 2000, "EUR"))
      adyen.setWebhookUrl(undefined)
      yield* promise(() => adyen.advance(adyenRefund.connectorRefundId))
      const adyenTampered = yield* Harness.post(server.info.webhookUrl("adyen"), adyen.signedWebhook(adyenRefund.connectorRefundId, { tamper: true }))
      assert.strictEqual(adyenTampered.status, 401)
      assert.strictEqual((yield* Harness.current(server, "adyen", adyenRefund.connectorRefundId))?.status, "Pending")
      // The genuine delivery still works afterwards.
      const genuine = yield* Harness.post(server.info.webhookUrl("adyen"), adyen.signedWebhook(adyenRefund.connectorRefundId))
      assert.deepStrictEqual(genuine, { status: 200, body: "[accepted]" })
      assert.strictEqual((yield* Harness.current(server, "adyen", adyenRefund.connectorRefundId))?.status, "Succeeded")
    })))

  it.live("a server restart in the middle of tracking: pending refunds in PostgreSQL are picked up again", () =>
    Effect.scoped(Effect.gen(function*() {
      const { stripe, adyen } = yield* emulators()
      const storeLayer = yield* Harness.database("e2e_restart")
      const stripePaymentId = yield* stripePayment(stripe, "succeeded")
      const adyenPaymentId = yield* adyenPayment(adyen, "succeeded")

      // First run: create both refunds, then stop the server while they are still pending.
      const created = yield* Effect.scoped(Effect.gen(function*() {
        const first = yield* Harness.startServer(stripe, adyen, storeLayer(), noPolling)
        const s = yield* first.tracker.create("stripe", Harness.refundInput(9, stripePaymentId))
        const a = yield* first.tracker.create("adyen", Harness.refundInput(10, adyenPaymentId, 2000, "EUR"))
        yield* promise(() => stripe.flushWebhooks())
        assert.strictEqual((yield* first.tracker.tracked).length, 2)
        const before = yield* Harness.history(first, "stripe", s.connectorRefundId)
        return { s, a, before }
      }))

      // While the server is down, both refunds settle: their webhooks cannot be delivered (and the retries are
      // far off on the emulators' clocks), so only polling (Stripe) and a redelivery (Adyen) can tell.
      yield* promise(() => stripe.clock.advance(StripeEmulator.numbers.timing.settleAfterMillis))
      yield* promise(() => adyen.advance(created.a.connectorRefundId))
      const missed = adyen.webhookDeliveries().filter((d) => d.refundId === created.a.connectorRefundId && !d.accepted)
      assert.strictEqual(missed.length, 1, "the notification failed while the server was down")

      // Second run over the same database: both refunds are resumed.
      const second = yield* Harness.startServer(stripe, adyen, storeLayer(), fastPolling)
      const resumed = (yield* second.tracker.tracked).map((k) => `${k.connector}/${k.connectorRefundId}`).toSorted()
      assert.deepStrictEqual(resumed, [`adyen/${created.a.connectorRefundId}`, `stripe/${created.s.connectorRefundId}`].toSorted())
      // Stripe settles by polling after the restart.
      const s = yield* Harness.eventually(
        Harness.current(second, "stripe", created.s.connectorRefundId),
        (r) => r?.status === "Succeeded",
        "the Stripe refund to settle after the restart"
      )
      assertConsistent(s, yield* Harness.history(second, "stripe", created.s.connectorRefundId))
      // Adyen retries its notification (here: the recorded delivery, sent again) and it settles.
      const retried = yield* Harness.post(second.info.webhookUrl("adyen"), missed[0]!)
      assert.deepStrictEqual(retried, { status: 200, body: "[accepted]" })
      assert.strictEqual((yield* Harness.current(second, "adyen", created.a.connectorRefundId))?.status, "Succeeded")
      const stripeEntries = yield* Harness.history(second, "stripe", created.s.connectorRefundId)
      // The history written before the restart is kept, and continues after it.
      assert.deepStrictEqual(
        stripeEntries.slice(0, created.before.length).map((e) => `${e.sequence}:${e.source}:${e.receivedAt}`),
        created.before.map((e) => `${e.sequence}:${e.source}:${e.receivedAt}`)
      )
      assert.isTrue(created.before.some((e) => e.source === "create"))
      assert.isTrue(stripeEntries.some((e) => e.source === "poll" && e.statusAfter === "Succeeded"))
      yield* Harness.eventually(second.tracker.tracked, (t) => t.length === 0, "the tracker to let go")
      report("restart", { resumedRefunds: resumed.length, settledAfterRestart: 2 })
    })))
})
