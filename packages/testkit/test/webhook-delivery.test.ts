/**
 * Webhook delivery on the emulator clock: retries on the processor's schedule until acknowledged (and not
 * after), re-signing where the scheme signs the moment of sending, and seeded adversity (out of order,
 * concurrent, duplicated, redelivered) that replays exactly from its seed.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AdyenEmulator, CheckoutEmulator, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle, WebhookDelivery } from "@refract/testkit"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { type Receiver, request, startReceiver } from "./helpers.ts"

const { minute, hour, day } = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }

const stripeRefund = (emu: EmulatorHandle, paymentId: string, amount = 100) =>
  request(`${emu.url}/v1/refunds`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: `payment_intent=${paymentId}&amount=${amount}`
  })

const checkoutRefund = (emu: EmulatorHandle, paymentId: string) =>
  request(`${emu.url}/payments/${paymentId}/refunds`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.credentials.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({ amount: 100 })
  })

/** A receiver that answers after `delayMillis` (real time) and records how many POSTs were open at once. */
const slowReceiver = async (delayMillis: number, status = 200) => {
  let open = 0
  const state = { maxOpen: 0, bodies: [] as Array<string> }
  const server: Server = createServer((req, res) => {
    open++
    state.maxOpen = Math.max(state.maxOpen, open)
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      state.bodies.push(Buffer.concat(chunks).toString("utf8"))
      setTimeout(() => {
        open--
        res.writeHead(status).end("")
      }, delayMillis)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    state,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

describe("retries on the processor's schedule", () => {
  let receiver: Receiver
  beforeAll(async () => {
    receiver = await startReceiver()
  })
  afterAll(() => receiver.close())

  it("Checkout.com: redelivers at 5, 10, 15 min… until acknowledged, then never again", async () => {
    let answered = 0
    receiver.received.length = 0
    receiver.respond = () => (++answered <= 3 ? { status: 500, body: "down" } : { status: 200, body: "" })
    const emu = await CheckoutEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: receiver.url })
    try {
      const pay = await emu.createPayment({ amount: 1_000, currency: "EUR" })
      const t0 = emu.clock.now()
      await checkoutRefund(emu, pay)
      await emu.flushWebhooks()
      assert.lengthOf(receiver.received, 1, "the first attempt goes out at once")
      await emu.clock.advance(5 * minute - 1)
      assert.lengthOf(receiver.received, 1, "not a millisecond early")
      await emu.clock.advance(1)
      assert.lengthOf(receiver.received, 2)
      await emu.clock.advance(30 * day)
      assert.lengthOf(receiver.received, 4, "acknowledged at the fourth attempt: no more")
      const [event] = emu.webhookEvents()
      assert.strictEqual(event!.type, "payment_refund_pending")
      assert.isTrue(event!.acknowledged)
      assert.strictEqual(event!.acknowledgedAt, t0 + 30 * minute)
      assert.isFalse(event!.gaveUp)
      assert.isUndefined(event!.nextAttemptAt)
      assert.deepStrictEqual(event!.attempts.map((a) => [a.kind, a.attempt, a.time - t0, a.status, a.accepted]), [
        ["first", 1, 0, 500, false],
        ["retry", 2, 5 * minute, 500, false],
        ["retry", 3, 15 * minute, 500, false],
        ["retry", 4, 30 * minute, 200, true]
      ])
      // The same event every time: same body, and a signature that still verifies.
      assert.isTrue(receiver.received.every((r) => r.body === event!.payload))
      assert.isTrue(receiver.received.every((r) => CheckoutEmulator.verifySignature(r.body, String(r.headers["cko-signature"]), emu.webhookSecret)))
    } finally {
      await emu.close()
      receiver.respond = () => ({ status: 200, body: "" })
    }
  })

  it("Checkout.com: gives up after its eighth retry", async () => {
    receiver.received.length = 0
    receiver.respond = () => ({ status: 503, body: "" })
    const emu = await CheckoutEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: receiver.url })
    try {
      const pay = await emu.createPayment({ amount: 1_000, currency: "EUR" })
      const t0 = emu.clock.now()
      await checkoutRefund(emu, pay)
      await emu.clock.advance(10 * day)
      const [event] = emu.webhookEvents()
      assert.deepStrictEqual(
        event!.attempts.map((a) => (a.time - t0) / minute),
        [0, 5, 15, 30, 60, 120, 360, 1080, 1800],
        "5 min, 10 min, 15 min, 30 min, 1 h, 4 h, 12 h, 12 h"
      )
      assert.isTrue(event!.gaveUp)
      assert.isFalse(event!.acknowledged)
      assert.isUndefined(event!.nextAttemptAt)
    } finally {
      await emu.close()
      receiver.respond = () => ({ status: 200, body: "" })
    }
  })

  it("Stripe: every attempt is signed at the moment it is sent (t= moves, the event does not)", async () => {
    let answered = 0
    receiver.received.length = 0
    receiver.respond = () => (++answered === 1 ? { status: 500, body: "" } : { status: 200, body: "" })
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: receiver.url })
    try {
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      await stripeRefund(emu, pi)
      await emu.flushWebhooks()
      const firstAttemptAt = emu.clock.now()
      await emu.clock.advance(minute)
      // charge.refunded failed once, and was retried a minute later; refund.created went through at once.
      const attempts = receiver.received.filter((r) => JSON.parse(r.body).type === "charge.refunded")
      assert.lengthOf(attempts, 2)
      assert.strictEqual(attempts[0]!.body, attempts[1]!.body)
      const ts = attempts.map((r) => Number(/t=(\d+)/.exec(String(r.headers["stripe-signature"]))![1]))
      assert.deepStrictEqual(ts, [Math.floor(firstAttemptAt / 1000), Math.floor((firstAttemptAt + minute) / 1000)])
      for (const r of attempts) {
        assert.isTrue(StripeEmulator.verifySignature(r.body, String(r.headers["stripe-signature"]), emu.webhookSecret))
      }
      const event = emu.webhookEvents().find((e) => e.type === "charge.refunded")!
      assert.match(event.id, /^evt_/)
      assert.strictEqual(JSON.parse(attempts[1]!.body).id, event.id, "the processor's event id, the same on every attempt")
    } finally {
      await emu.close()
      receiver.respond = () => ({ status: 200, body: "" })
    }
  })

  it("transport errors and timeouts are failed attempts; a retry goes to the endpoint as it is then", async () => {
    const silent = createServer(() => {
      // never answers
    })
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hooks`
    receiver.received.length = 0
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookTimeoutMillis: 100, webhookUrl: silentUrl })
    try {
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      await stripeRefund(emu, pi)
      await emu.flushWebhooks()
      const timedOut = emu.webhookDeliveries()
      assert.lengthOf(timedOut, 2)
      assert.isTrue(timedOut.every((d) => d.finished && !d.accepted && d.status === undefined && /TimeoutError/.test(d.error ?? "")))
      emu.setWebhookUrl("http://127.0.0.1:1/unreachable")
      await emu.clock.advance(minute)
      const refused = emu.webhookDeliveries().slice(2)
      assert.lengthOf(refused, 2)
      assert.isTrue(refused.every((d) => d.kind === "retry" && d.error !== undefined && !/TimeoutError/.test(d.error)))
      emu.setWebhookUrl(receiver.url)
      await emu.clock.advance(2 * minute)
      assert.lengthOf(receiver.received, 2, "the third attempts reach the new endpoint and are acknowledged")
      assert.isTrue(emu.webhookEvents().every((e) => e.acknowledged && e.attempts.length === 3))
    } finally {
      await emu.close()
      silent.closeAllConnections()
      silent.close()
    }
  })

  it("Adyen: a 2xx without [accepted] is not an acknowledgement (retried 9 s later)", async () => {
    let answered = 0
    receiver.received.length = 0
    receiver.respond = () => (++answered === 1 ? { status: 200, body: "ok" } : { status: 200, body: "[accepted]" })
    const emu = await AdyenEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    try {
      const psp = await emu.createPayment({ amount: 1_000, currency: "EUR" })
      const res = await request(`${emu.url}/payments/${psp}/refunds`, {
        method: "POST",
        headers: { "x-api-key": emu.credentials.apiKey!, "content-type": "application/json" },
        body: JSON.stringify({ merchantAccount: emu.credentials.merchantAccount, amount: { currency: "EUR", value: 100 } })
      })
      await emu.advance(res.json.pspReference)
      await emu.clock.advance(9_000)
      assert.deepStrictEqual(emu.webhookDeliveries().map((d) => [d.kind, d.responseBody, d.accepted]), [
        ["first", "ok", false],
        ["retry", "[accepted]", true]
      ])
    } finally {
      await emu.close()
      receiver.respond = () => ({ status: 200, body: "" })
    }
  })

  it("flushWebhooks waits for what is due now, not for retries due later", async () => {
    const slow = await slowReceiver(50, 500)
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: slow.url })
    try {
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      await stripeRefund(emu, pi)
      await emu.flushWebhooks()
      assert.isTrue(emu.webhookDeliveries().every((d) => d.finished && d.status === 500))
      assert.lengthOf(emu.webhookDeliveries(), 2)
      assert.isTrue(emu.webhookEvents().every((e) => e.nextAttemptAt === emu.clock.now() + minute))
    } finally {
      await emu.close()
      await slow.close()
    }
  })

  it("logs events even when no endpoint is set, and never delivers those", async () => {
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity })
    try {
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      const at = emu.clock.now()
      await stripeRefund(emu, pi)
      const events = emu.webhookEvents()
      assert.deepStrictEqual(events.map((e) => [e.type, e.createdAt, e.delivered, e.acknowledged]), [
        ["charge.refunded", at, false, false],
        ["refund.created", at, false, false]
      ])
      assert.strictEqual(JSON.parse(events[1]!.payload).data.object.status, "pending")
      assert.lengthOf(emu.webhookDeliveries(), 0)
    } finally {
      await emu.close()
    }
  })
})

describe("adversity, one knob at a time", () => {
  it("benign by default: one POST at a time, in event order, each event once", async () => {
    const slow = await slowReceiver(20)
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: slow.url })
    try {
      for (let i = 0; i < 3; i++) await stripeRefund(emu, await emu.createPayment({ amount: 1_000, currency: "usd" }))
      await emu.flushWebhooks()
      assert.strictEqual(slow.state.maxOpen, 1)
      assert.deepStrictEqual(slow.state.bodies.map((b) => JSON.parse(b).id), emu.webhookEvents().map((e) => e.id))
      assert.isTrue(emu.webhookDeliveries().every((d) => d.kind === "first"))
    } finally {
      await emu.close()
      await slow.close()
    }
  })

  it("concurrency: N POSTs in flight at once", async () => {
    const slow = await slowReceiver(60)
    const emu = await StripeEmulator.start({
      clock: "manual",
      settleAfterMillis: Infinity,
      webhookUrl: slow.url,
      webhooks: { concurrency: 3, maxDelayMillis: 1_000 }
    })
    try {
      // Created at one instant, due at one instant (one delay step later): they go out together.
      for (let i = 0; i < 4; i++) await stripeRefund(emu, await emu.createPayment({ amount: 1_000, currency: "usd" }))
      assert.lengthOf(slow.state.bodies, 0, "delayed by a step")
      await emu.clock.advance(1_000)
      assert.lengthOf(slow.state.bodies, 8)
      assert.strictEqual(slow.state.maxOpen, 3)
    } finally {
      await emu.close()
      await slow.close()
    }
  })

  it("duplicates: every event sent twice, same body and id", async () => {
    const receiver = await startReceiver()
    const emu = await StripeEmulator.start({ clock: "manual", settleAfterMillis: Infinity, webhookUrl: receiver.url, webhooks: { duplicateRate: 1 } })
    try {
      await stripeRefund(emu, await emu.createPayment({ amount: 1_000, currency: "usd" }))
      await emu.flushWebhooks()
      const ids = receiver.received.map((r) => JSON.parse(r.body).id as string)
      assert.lengthOf(ids, 4)
      assert.deepStrictEqual(ids.toSorted(), [ids[0], ids[0], ids[2], ids[2]].toSorted())
      assert.deepStrictEqual(emu.webhookDeliveries().map((d) => d.kind).toSorted(), ["duplicate", "duplicate", "first", "first"])
    } finally {
      await emu.close()
      await receiver.close()
    }
  })

  it("spontaneous redelivery: acknowledged events come again, later", async () => {
    const receiver = await startReceiver()
    const emu = await StripeEmulator.start({
      clock: "manual",
      settleAfterMillis: Infinity,
      webhookUrl: receiver.url,
      webhooks: { redeliveryRate: 1, redeliveryWithinMillis: 10 * minute }
    })
    try {
      await stripeRefund(emu, await emu.createPayment({ amount: 1_000, currency: "usd" }))
      await emu.flushWebhooks()
      assert.lengthOf(receiver.received, 2)
      await emu.clock.advance(10 * minute)
      assert.lengthOf(receiver.received, 4)
      for (const event of emu.webhookEvents()) {
        const [first, again] = event.attempts
        assert.strictEqual(first!.kind, "first")
        assert.strictEqual(again!.kind, "redelivery")
        assert.isTrue(first!.accepted && again!.accepted)
        assert.isAtLeast(again!.time, event.acknowledgedAt!)
        assert.isAtMost(again!.time - event.acknowledgedAt!, 10 * minute)
        assert.strictEqual(again!.body, first!.body)
      }
    } finally {
      await emu.close()
      await receiver.close()
    }
  })

  it("rejects nonsense", async () => {
    for (const webhooks of [{ concurrency: 0 }, { duplicateRate: 2 }, { mode: "chaotic" }, { retrySchedule: { delays: [0] } }] as const) {
      const error = await StripeEmulator.start({ webhooks: webhooks as never }).then((e) => e.close().then(() => undefined), (e: unknown) => e)
      assert.instanceOf((error as Error | undefined)?.cause, RangeError, JSON.stringify(webhooks))
    }
  })
})

describe("adversarial mode, replayable from its seed", () => {
  /** What a receiver saw, in dispatch order, with refunds named by creation order and times from the start. */
  const run = async (seed: string) => {
    const slow = await slowReceiver(15)
    const emu = await StripeEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 0, 1) }, webhookUrl: slow.url, webhooks: { mode: "adversarial", seed } })
    try {
      const t0 = emu.clock.now()
      const refunds: Array<string> = []
      for (let i = 0; i < 6; i++) {
        refunds.push((await stripeRefund(emu, await emu.createPayment({ amount: 1_000, currency: "usd" }))).json.id)
      }
      // Creation events, then settling (2 s), then an hour for spontaneous redeliveries.
      for (let s = 0; s < 6; s++) await emu.clock.advance(1_000)
      await emu.clock.advance(hour)
      const name = (d: WebhookDelivery) => `${d.kind}:${d.eventType}:r${refunds.indexOf(d.refundId)}@${d.time - t0}`
      return {
        log: emu.webhookDeliveries().map(name),
        deliveries: emu.webhookDeliveries(),
        events: emu.webhookEvents(),
        maxOpen: slow.state.maxOpen,
        seed: emu.truth().webhookSeed
      }
    } finally {
      await emu.close()
      await slow.close()
    }
  }

  it("the same seed gives the same deliveries; another seed others", async () => {
    const a = await run("replay-me")
    const again = await run("replay-me")
    const other = await run("replay-me-too")
    assert.strictEqual(a.seed, "replay-me")
    assert.deepStrictEqual(again.log, a.log)
    assert.notDeepEqual(other.log, a.log)
  })

  it("is out of order, concurrent, duplicated and redelivered", async () => {
    const { deliveries, events, maxOpen } = await run("replay-me")
    const firsts = deliveries.filter((d) => d.kind === "first").map((d) => d.events[0]!.id)
    assert.notDeepEqual(firsts, events.map((e) => e.id), "first attempts are not in event order")
    assert.isAbove(maxOpen, 1, "several POSTs in flight at once")
    assert.isTrue(deliveries.some((d) => d.kind === "duplicate"), "some event delivered twice at once")
    const redelivered = deliveries.filter((d) => d.kind === "redelivery")
    assert.isAbove(redelivered.length, 0, "some acknowledged event delivered again later")
    for (const d of redelivered) {
      const event = events.find((e) => e.id === d.events[0]!.id)!
      assert.isTrue(event.acknowledged && d.time >= event.acknowledgedAt!)
    }
    // Whatever the order, every event was acknowledged (the receiver always answers 200).
    assert.isTrue(events.every((e) => e.acknowledged))
    // The later event of a refund can arrive before its earlier one.
    const arrival = new Map(deliveries.filter((d) => d.kind === "first").map((d) => [d.events[0]!.id, d.seq]))
    const created = events.filter((e) => e.type === "refund.created")
    const updated = events.filter((e) => e.type === "refund.updated")
    assert.isTrue(
      created.some((c) => updated.some((u) => u.refundId === c.refundId && arrival.get(u.id)! < arrival.get(c.id)!)) ||
        events.some((e, i) => i > 0 && arrival.get(e.id)! < arrival.get(events[i - 1]!.id)!),
      "some event overtakes an earlier one"
    )
  })
})
