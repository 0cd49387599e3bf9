/**
 * Razorpay's "Fetch All Refunds" (`GET /v1/refunds?from&to&count&skip`) as a reconciler uses it, driven with the
 * official SDK (`instance.refunds.all`): newest first, `from` / `to` unix seconds inclusive, `count` ≤ 100 with
 * `skip` paging, every refund of the window exactly once and none outside; plus the opt-in listing lag.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { RazorpayEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import Razorpay from "razorpay"

interface Collection {
  readonly entity: string
  readonly count: number
  readonly items: ReadonlyArray<{ readonly id: string; readonly entity: string; readonly created_at: number; readonly acquirer_data: unknown }>
}

describe("Razorpay fetch all refunds", () => {
  let emu: EmulatorHandle
  const sdk = (target: EmulatorHandle = emu) => {
    const instance = new Razorpay({ key_id: target.credentials.keyId!, key_secret: target.credentials.keySecret! })
    ;(instance.api as unknown as { rq: { defaults: { baseURL: string } } }).rq.defaults.baseURL = target.url
    return instance
  }
  const all = async (params: { from?: number; to?: number; count?: number; skip?: number }, target?: EmulatorHandle) =>
    (await sdk(target).refunds.all(params)) as unknown as Collection

  beforeAll(async () => {
    emu = await RazorpayEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 0, 1) } })
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  it("pages a window newest first with count and skip: each refund once, none outside", async () => {
    const razorpay = sdk()
    const pay = await emu.createPayment({ amount: 10_000_000, currency: "INR" })
    const made: Array<{ id: string; at: number }> = []
    for (let i = 0; i < 150; i++) {
      const refund = await razorpay.payments.refund(pay, { amount: 100 + i })
      made.push({ id: refund.id, at: refund.created_at as number })
      // Three refunds per second: a window boundary falls inside a second.
      if (i % 3 === 2) await emu.clock.advance(1_000)
    }
    // Defaults: the last 10.
    const latest = await all({})
    assert.strictEqual(latest.entity, "collection")
    assert.strictEqual(latest.count, 10)
    assert.deepStrictEqual(latest.items.map((r) => r.id), made.slice(-10).map((r) => r.id).toReversed())
    const from = made[20]!.at
    const to = made[130]!.at
    const expected = made.filter((r) => r.at >= from && r.at <= to).map((r) => r.id).toReversed()
    assert.strictEqual(expected.length, 114, "whole seconds on both ends: the window is 38 seconds of 3 refunds")
    const seen: Array<string> = []
    for (let skip = 0; ; skip += 25) {
      const page = await all({ from, to, count: 25, skip })
      assert.strictEqual(page.count, page.items.length)
      seen.push(...page.items.map((r) => r.id))
      for (const item of page.items) assert.isTrue(item.created_at >= from && item.created_at <= to)
      if (page.items.length < 25) break
    }
    assert.deepStrictEqual(seen, expected)
    assert.strictEqual((await all({ from, to, count: 100, skip: 114 })).count, 0)
  })

  it("refuses counts over 100 and unknown parameters as Razorpay does", async () => {
    const tooMany = await sdk().refunds.all({ count: 101 }).then(() => undefined, (e: { statusCode: number; error: { code: string; description: string } }) => e)
    assert.strictEqual(tooMany?.statusCode, 400)
    assert.strictEqual(tooMany?.error.code, "BAD_REQUEST_ERROR")
    const res = await fetch(`${emu.url}/v1/refunds?status=processed`, {
      headers: { authorization: `Basic ${Buffer.from(`${emu.credentials.keyId}:${emu.credentials.keySecret}`).toString("base64")}` }
    })
    assert.strictEqual(res.status, 400)
    assert.match(((await res.json()) as { error: { description: string } }).error.description, /status/)
  })

  it("hides refunds younger than listLagMillis when asked to", async () => {
    const lagging = await RazorpayEmulator.start({ clock: "manual", listLagMillis: 60_000 })
    try {
      const pay = await lagging.createPayment({ amount: 10_000, currency: "INR" })
      const refund = await sdk(lagging).payments.refund(pay, { amount: 100 })
      assert.strictEqual((await all({}, lagging)).count, 0)
      assert.strictEqual((await sdk(lagging).refunds.fetch(refund.id)).id, refund.id, "fetch by id sees it at once")
      await lagging.clock.advance(60_000)
      assert.deepStrictEqual((await all({}, lagging)).items.map((r) => r.id), [refund.id])
    } finally {
      await lagging.close()
    }
  })

  it("the lag set through the handle or PUT /__emulator/list-lag is the one the listing uses", async () => {
    const lagging = await RazorpayEmulator.start({ clock: "manual", listLagMillis: 60_000 })
    try {
      assert.strictEqual(lagging.listLagMillis(), 60_000, "the handle reports the lag the listing starts with")
      const pay = await lagging.createPayment({ amount: 10_000, currency: "INR" })
      const refund = await sdk(lagging).payments.refund(pay, { amount: 100 })
      assert.strictEqual((await all({}, lagging)).count, 0)
      const res = await fetch(`${lagging.origin}/__emulator/list-lag`, { method: "PUT", body: JSON.stringify({ millis: 0 }) })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual((await all({}, lagging)).items.map((r) => r.id), [refund.id], "lag 0 lists it at once")
      lagging.reset()
      assert.strictEqual(lagging.listLagMillis(), 60_000, "reset restores the start value")
    } finally {
      await lagging.close()
    }
  })
})
