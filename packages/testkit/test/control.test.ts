import { afterAll, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { AdyenEmulator, ControlClient, EmulatorService, Registry, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { Effect, Layer } from "effect"
import Stripe from "stripe"
import { call, type Receiver, request, startReceiver } from "./helpers.ts"

const expectStatus = async (promise: Promise<unknown>, status: number) => {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  assert.instanceOf(error, ControlClient.ControlError)
  assert.strictEqual((error as ControlClient.ControlError).status, status)
}

describe("control API (driving a standalone emulator from another process)", () => {
  let emu: EmulatorHandle
  let control: ControlClient.ControlClient
  let receiver: Receiver

  beforeAll(async () => {
    emu = await StripeEmulator.start()
    control = new ControlClient.ControlClient(emu.origin)
    receiver = await startReceiver()
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("describes the emulator", async () => {
    const info = await control.info()
    assert.deepStrictEqual(info, {
      name: "stripe",
      url: emu.url,
      origin: emu.origin,
      port: emu.port,
      credentials: { apiKey: "sk_test_emulator" },
      webhookSecret: "whsec_emulator"
    })
  })

  it("creates payments, scripts outcomes, advances refunds and signs webhooks", async () => {
    await control.reset()
    await control.setWebhookUrl(receiver.url)
    const pi = await control.createPayment({ amount: 1500, currency: "usd" })
    await control.scriptOutcome(pi, "failed", { reason: "merchant_request" })
    const stripe = new Stripe(emu.credentials.apiKey!, { host: "127.0.0.1", port: emu.port, protocol: "http" })
    const refund = await stripe.refunds.create({ payment_intent: pi, amount: 500 })
    const advanced = await control.advance(refund.id)
    assert.strictEqual(advanced.status, "failed")
    assert.strictEqual(advanced.failureReason, "merchant_request")
    const [listed] = await control.refunds()
    assert.strictEqual(listed!.id, refund.id)
    const deliveries = await control.flushWebhooks()
    assert.deepStrictEqual(deliveries.map((d) => d.eventType), [
      "charge.refunded",
      "refund.created",
      "refund.failed",
      "refund.updated",
      "charge.refund.updated"
    ])
    const signed = await control.signedWebhook(refund.id, { eventType: "refund.failed", timestampSeconds: 1_700_000_100 })
    const event = stripe.webhooks.constructEvent(signed.body, signed.headers["stripe-signature"]!, emu.webhookSecret, 10 ** 10)
    assert.strictEqual(event.type, "refund.failed")
    const tampered = await control.signedWebhook(refund.id, { tamper: true })
    assert.throws(() => stripe.webhooks.constructEvent(tampered.body, tampered.headers["stripe-signature"]!, emu.webhookSecret))
    // Control calls are not processor requests.
    const logged = await control.requests()
    assert.deepStrictEqual(logged.map((r) => `${r.method} ${r.path}`), ["POST /v1/refunds"])
    await control.setWebhookUrl(undefined)
  })

  it("injects and clears faults (pathPattern is a RegExp source)", async () => {
    await control.reset()
    await control.injectFault({ _tag: "RateLimit", retryAfterSeconds: 4 }, { method: "GET", pathPattern: "^/v1/refunds$" })
    const auth = { authorization: `Bearer ${emu.credentials.apiKey}` }
    const limited = await request(`${emu.url}/v1/refunds`, { headers: auth })
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "4")
    await control.injectFault({ _tag: "ServerError" }, { times: 5 })
    await control.clearFaults()
    assert.strictEqual((await request(`${emu.url}/v1/refunds`, { headers: auth })).status, 200)
    const [entry] = (await control.requests()).filter((r) => r.fault !== undefined)
    assert.strictEqual(entry!.fault, "RateLimit")
    assert.strictEqual(entry!.status, 429)
  })

  it("reports bad input as 400 and unknown things as 404", async () => {
    await expectStatus(control.scriptOutcome("pi_missing", "succeeded"), 404)
    await expectStatus(control.advance("re_missing"), 404)
    await expectStatus(control.createPayment({ amount: -1, currency: "usd" }), 400)
    await expectStatus(control.injectFault({ _tag: "Slow", delayMillis: -5 }), 400)
    await expectStatus(control.injectFault({ _tag: "Nope" } as never), 400)
    await expectStatus(control.setWebhookUrl("not a url"), 400)
    const pi = await control.createPayment({ amount: 100, currency: "usd" })
    const bad = await call(`${emu.origin}/__emulator/payments/${pi}/outcome`, {
      method: "POST",
      body: JSON.stringify({ outcome: "maybe" })
    })
    assert.isTrue(bad.ok && bad.status === 400)
    const unknown = await call(`${emu.origin}/__emulator/nothing-here`)
    assert.isTrue(unknown.ok && unknown.status === 404)
  })
})

describe("control API: clock, truth, events and fault campaigns", () => {
  let emu: EmulatorHandle
  let control: ControlClient.ControlClient
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await StripeEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 2, 1) }, webhookUrl: receiver.url })
    control = new ControlClient.ControlClient(emu.origin)
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("reads and moves the emulator clock; the refund settles by it", async () => {
    const start = Date.UTC(2026, 2, 1)
    assert.deepInclude(await control.clock(), { kind: "manual", now: start, iso: "2026-03-01T00:00:00.000Z", timeScale: 1 })
    const pi = await control.createPayment({ amount: 1_000, currency: "usd" })
    const stripe = new Stripe(emu.credentials.apiKey!, { host: "127.0.0.1", port: emu.port, protocol: "http" })
    const refund = await stripe.refunds.create({ payment_intent: pi, amount: 400 })
    assert.deepInclude(await control.clock(), { pendingTimers: 1, nextTimerAt: start + StripeEmulator.numbers.timing.settleAfterMillis })
    const moved = await control.advanceClock(StripeEmulator.numbers.timing.settleAfterMillis)
    assert.strictEqual(moved.now, start + StripeEmulator.numbers.timing.settleAfterMillis)
    assert.strictEqual((await stripe.refunds.retrieve(refund.id)).status, "succeeded")
    // advance resolved after the deliveries the step caused.
    assert.deepStrictEqual(receiver.received.map((r) => JSON.parse(r.body).type), [
      "charge.refunded",
      "refund.created",
      "refund.updated",
      "charge.refund.updated"
    ])
    const set = await control.setClock(start + 86_400_000)
    assert.strictEqual(set.iso, "2026-03-02T00:00:00.000Z")
    await expectStatus(control.setClock(start), 400)
    const bad = await call(`${emu.origin}/__emulator/clock/advance`, { method: "POST", body: JSON.stringify({ millis: "soon" }) })
    assert.isTrue(bad.ok && bad.status === 400)
  })

  it("serves the truth and the event log", async () => {
    const truth = await control.truth()
    assert.strictEqual(truth.name, "stripe")
    assert.strictEqual(truth.now, (await control.clock()).now)
    const [refund] = truth.refunds
    assert.deepInclude(refund, { status: "succeeded", everSucceeded: true, amount: 400 })
    assert.deepStrictEqual(refund!.history.map((h) => h.via), ["create", "timer"])
    assert.lengthOf(truth.webhookEvents, 4)
    assert.isTrue(truth.webhookEvents.every((e) => e.acknowledged && e.attempts.length === 1))
    const key = truth.idempotencyKeys[0]!
    assert.match(key.key, /^stripe-node-retry-/)
    assert.strictEqual(key.state, "expired", "the clock was set a day ahead: Stripe has forgotten the SDK's key")
    assert.strictEqual(key.expiresAt - key.firstUsedAt, StripeEmulator.numbers.idempotencyWindowMillis)
    assert.deepStrictEqual((await control.webhookEvents()).map((e) => e.id), truth.webhookEvents.map((e) => e.id))
  })

  it("starts seeded fault campaigns", async () => {
    await control.reset()
    const seed = await control.injectRandomFaults({ rate: 1, kinds: [{ _tag: "ServerError", status: 502 }], seed: "ctl", maxFaults: 1, match: { method: "GET" } })
    assert.strictEqual(seed, "ctl")
    const auth = { authorization: `Bearer ${emu.credentials.apiKey}` }
    assert.strictEqual((await request(`${emu.url}/v1/refunds`, { headers: auth })).status, 502)
    assert.strictEqual((await request(`${emu.url}/v1/refunds`, { headers: auth })).status, 200)
    assert.deepStrictEqual((await control.truth()).faultCampaigns, [{ seed: "ctl", rate: 1, faulted: 1 }])
    await expectStatus(control.injectRandomFaults({ rate: 2, kinds: [{ _tag: "MalformedBody" }] }), 400)
  })
})

describe("Registry", () => {
  it("starts emulators by name", async () => {
    assert.includeMembers([...Registry.names()], ["adyen", "stripe"])
    const adyen = await Registry.find("ADYEN")!.start({ merchantAccount: "CliMerchant" })
    try {
      assert.strictEqual(adyen.name, "adyen")
      assert.strictEqual(adyen.credentials.merchantAccount, "CliMerchant")
      const taken = await Registry.find("stripe")!.start({ port: adyen.port }).then(
        (e) => e.close().then(() => "started"),
        (error: Error) => error.message
      )
      assert.match(taken, /^Could not start the stripe emulator: .*EADDRINUSE/)
    } finally {
      await adyen.close()
      await adyen.close()
    }
    assert.isUndefined(Registry.find("no-such-processor"))
  })
})

describe("Effect API", () => {
  layer(StripeEmulator.layer({ clock: "manual", settleAfterMillis: 5_000 }))("StripeEmulator.layer", (it) => {
    it.effect("provides the running emulator as EmulatorService", () =>
      Effect.gen(function*() {
        const emu = yield* EmulatorService
        const same = yield* StripeEmulator.Service
        assert.strictEqual(emu, same)
        const pi = yield* Effect.promise(() => emu.createPayment({ amount: 900, currency: "gbp" }))
        const created = yield* Effect.promise(() =>
          request(`${emu.url}/v1/refunds`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${emu.credentials.apiKey}`,
              "content-type": "application/x-www-form-urlencoded"
            },
            body: `payment_intent=${pi}`
          })
        )
        assert.strictEqual(created.json.status, "pending")
        // The emulator clock is not Effect's TestClock: the test moves it explicitly.
        yield* Effect.promise(() => emu.clock.advance(5_000))
        const read = yield* Effect.promise(() =>
          request(`${emu.url}/v1/refunds/${created.json.id}`, {
            headers: { authorization: `Bearer ${emu.credentials.apiKey}` }
          })
        )
        assert.strictEqual(read.json.status, "succeeded")
      }))
  })

  layer(Layer.mergeAll(StripeEmulator.layer(), AdyenEmulator.layer()))("two emulators in one layer", (it) => {
    it.effect("keeps them apart by processor key", () =>
      Effect.gen(function*() {
        const stripe = yield* StripeEmulator.Service
        const adyen = yield* AdyenEmulator.Service
        assert.strictEqual(stripe.name, "stripe")
        assert.strictEqual(adyen.name, "adyen")
        assert.notStrictEqual(stripe.port, adyen.port)
      }))
  })

  it.live("make runs the server for the lifetime of the scope", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(
        Effect.gen(function*() {
          const emu = yield* AdyenEmulator.make({ settleAfterMillis: Infinity })
          const res = yield* Effect.promise(() => call(`${emu.url}/payments/X/refunds`, { method: "POST" }))
          assert.isTrue(res.ok && res.status === 401)
          return emu.url
        })
      )
      const after = yield* Effect.promise(() => call(`${url}/payments/X/refunds`, { method: "POST" }))
      assert.isFalse(after.ok)
    }))
})
