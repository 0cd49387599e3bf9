/**
 * Bulk seeding (Emulator.seedRefunds, POST /__emulator/refunds/seed), Stripe's refund listing at scale from
 * the store's index, and the listing lag. The scale tests seed tens of thousands of refunds with random
 * created times (many in the same second) and check every page against a sort done here, independently.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { ControlClient, StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import type { SeedRefund } from "@refract/testkit/emulator/Seed"
import Stripe from "stripe"

const start = Date.UTC(2026, 0, 1)

/** A deterministic generator (so a failure replays). */
const rng = (seed: number) => () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
  return seed / 2 ** 32
}

describe("seeding and listing at scale (Stripe emulator)", () => {
  let emu: EmulatorHandle
  let control: ControlClient.ControlClient
  let stripe: Stripe

  const get = async (path: string) => {
    const res = await fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${emu.credentials.apiKey}` } })
    return { status: res.status, json: await res.json() as any }
  }

  beforeAll(async () => {
    // A manual clock a day after `start`: seeded times lie in its past.
    emu = await StripeEmulator.start({ clock: { kind: "manual", startTime: start + 86_400_000 } })
    control = new ControlClient.ControlClient(emu.origin)
    stripe = new Stripe(emu.credentials.apiKey!, { host: "127.0.0.1", port: emu.port, protocol: "http", maxNetworkRetries: 0 })
  })
  afterEach(() => {
    emu.reset()
  })
  afterAll(async () => {
    await emu.close()
  })

  describe("seeding", () => {
    it("stores refunds as given: status, one history entry via seed, no timers, no webhooks; payments shared or own", async () => {
      const result = await emu.seedRefunds([
        { id: "re_a1", paymentId: "pi_shared", amount: 500, currency: "USD", status: "succeeded", createdAt: start + 1_000, updatedAt: start + 5_000 },
        { id: "re_a2", paymentId: "pi_shared", amount: 300, currency: "usd", status: "failed", createdAt: start + 2_000, failureReason: "insufficient_funds" },
        { amount: 700, currency: "eur", status: "pending", createdAt: start + 3_000, metadata: { merchant_refund_id: "mr-9" } }
      ])
      assert.deepStrictEqual(result, { seeded: 3, payments: 2 })
      const refunds = emu.refunds()
      assert.lengthOf(refunds, 3)
      const a1 = refunds.find((r) => r.id === "re_a1")!
      assert.deepStrictEqual(a1.history, [{ status: "succeeded", at: start + 5_000, via: "seed" }])
      assert.strictEqual(a1.createdAt, start + 1_000)
      assert.strictEqual(a1.updatedAt, start + 5_000)
      assert.strictEqual(a1.currency, "usd")
      assert.isUndefined(a1.nextStepAt, "no timer")
      const a2 = refunds.find((r) => r.id === "re_a2")!
      assert.strictEqual(a2.paymentId, a1.paymentId)
      assert.strictEqual(a2.failureReason, "insufficient_funds")
      const own = refunds.find((r) => r.id !== "re_a1" && r.id !== "re_a2")!
      assert.match(own.id, /^re_/)
      assert.strictEqual(own.reference, "mr-9", "Stripe's truth reference comes from metadata, as on created refunds")
      assert.deepStrictEqual(own.metadata, { merchant_refund_id: "mr-9" })
      await emu.clock.advance(10 * 86_400_000)
      assert.strictEqual(emu.refunds().find((r) => r.id === own.id)!.status, "pending", "a seeded refund never moves by time")
      assert.lengthOf(emu.webhookEvents(), 0)

      // Stripe renders them: the ARN once succeeded, charge/payment_intent ids, the shared payment covers both.
      const listed = await get("/v1/refunds?limit=10")
      assert.deepStrictEqual(listed.json.data.map((r: { id: string }) => r.id), [own.id, "re_a2", "re_a1"])
      const succeeded = (await get("/v1/refunds/re_a1")).json
      assert.match(succeeded.destination_details.card.reference, /^\d{12}$/)
      assert.strictEqual(succeeded.destination_details.card.reference_status, "available")
      assert.strictEqual(succeeded.destination_details.card.reference_type, "acquirer_reference_number")
      assert.strictEqual(succeeded.payment_intent, "pi_shared")
      assert.strictEqual(succeeded.charge, "ch_shared")
      assert.strictEqual(succeeded.created, Math.floor((start + 1_000) / 1000))
      const failed = (await get("/v1/refunds/re_a2")).json
      assert.strictEqual(failed.failure_reason, "insufficient_funds")
      assert.notProperty(failed.destination_details.card, "reference")
      const charge = (await get("/v1/charges/ch_shared")).json
      assert.strictEqual(charge.amount, 800)
      assert.strictEqual(charge.amount_refunded, 500, "only the succeeded refund holds funds")
      const pending = (await get(`/v1/refunds/${own.id}`)).json
      const ownCharge = (await get(`/v1/charges/${pending.charge}`)).json
      assert.strictEqual(ownCharge.amount, 700, "an item without paymentId gets a payment of its own")
      assert.strictEqual(ownCharge.currency, "eur")
      // A created refund can draw on a seeded payment's remainder: pi_shared has 300 left.
      const more = await fetch(`${emu.url}/v1/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": "application/x-www-form-urlencoded" },
        body: "payment_intent=pi_shared&amount=301"
      })
      assert.strictEqual(more.status, 400)
    })

    it("refuses a bad item with its position, and seeds nothing", async () => {
      const good: SeedRefund = { amount: 100, currency: "usd", status: "succeeded", createdAt: start }
      const cases: ReadonlyArray<[Record<string, unknown>, RegExp]> = [
        [{ ...good, amount: 1.5 }, /amount must be a positive integer/],
        [{ ...good, amount: 0 }, /amount must be a positive integer/],
        [{ ...good, currency: "dollars" }, /currency/],
        [{ ...good, status: "SUCCEEDED" }, /status must be one of pending, requires_action, succeeded, failed, canceled/],
        [{ ...good, createdAt: emu.clock.now() + 1 }, /after the emulator clock/],
        [{ ...good, updatedAt: start - 1 }, /updatedAt/],
        [{ ...good, reference: "ord-1" }, /no merchant reference field/],
        [{ ...good, id: "rf_1" }, /Stripe refund id/],
        [{ ...good, paymentId: "ch_1" }, /PaymentIntent id/],
        [{ ...good, failureReason: "declined" }, /only for failed refunds/],
        [{ ...good, status: "failed", failureReason: "bad_luck" }, /failureReason must be one of/],
        [{ ...good, metadata: { a: 1 } }, /metadata.a must be a string/],
        [{ ...good, colour: "red" }, /unknown field "colour"/],
        [{ ...good, id: "re_dup" }, /duplicate refund id/]
      ]
      for (const [bad, message] of cases) {
        const error = await emu.seedRefunds([{ ...good, id: "re_dup" }, good, bad as unknown as SeedRefund]).catch((e: unknown) => e)
        assert.instanceOf(error, RangeError, JSON.stringify(bad))
        assert.match((error as Error).message, message)
        assert.match((error as Error).message, /^item 3: /)
        assert.lengthOf(emu.refunds(), 0, "nothing seeded")
      }
      // Payments must cover: refunds seeded onto an existing payment may not exceed what is refundable.
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      const over = await emu.seedRefunds([
        { ...good, paymentId: pi, amount: 600 },
        { ...good, paymentId: pi, amount: 600, status: "failed" },
        { ...good, paymentId: pi, amount: 500 }
      ]).catch((e: unknown) => e)
      assert.match((over as Error).message, /item 3: .*exceed its refundable amount \(1000\)/)
      const currency = await emu.seedRefunds([{ ...good, paymentId: pi, currency: "eur" }]).catch((e: unknown) => e)
      assert.match((currency as Error).message, /currency/)
      assert.deepStrictEqual(await emu.seedRefunds([{ ...good, paymentId: pi, amount: 1_000 }]), { seeded: 1, payments: 0 })
    })

    it("the control route takes NDJSON, streamed by ControlClient; a bad line is a 400 naming it", async () => {
      async function* items(): AsyncGenerator<SeedRefund> {
        for (let i = 0; i < 5_000; i++) yield { amount: 100 + i, currency: "usd", status: "succeeded", createdAt: start + i * 10 }
      }
      assert.deepStrictEqual(await control.seedRefunds(items()), { seeded: 5_000, payments: 5_000 })
      assert.strictEqual(emu.refunds().length, 5_000)
      const body = [
        JSON.stringify({ amount: 1, currency: "usd", status: "succeeded", createdAt: start }),
        "",
        JSON.stringify({ amount: 1, currency: "usd", status: "bogus", createdAt: start }),
        JSON.stringify({ amount: 1, currency: "usd", status: "succeeded", createdAt: start })
      ].join("\n")
      const res = await fetch(`${emu.origin}/__emulator/refunds/seed`, { method: "POST", body })
      assert.strictEqual(res.status, 400)
      const answer = await res.json() as { error: string; line: number }
      assert.strictEqual(answer.line, 3, "line numbers count blank lines")
      assert.match(answer.error, /^line 3: status must be one of/)
      const notJson = await fetch(`${emu.origin}/__emulator/refunds/seed`, { method: "POST", body: `${JSON.stringify({ amount: 1, currency: "usd", status: "succeeded", createdAt: start })}\n{oops\n` })
      assert.strictEqual(notJson.status, 400)
      assert.match((await notJson.json() as { error: string }).error, /^line 2: not JSON/)
      const error = await control.seedRefunds([{ amount: -1, currency: "usd", status: "succeeded", createdAt: start }]).catch((e: unknown) => e)
      assert.instanceOf(error, ControlClient.ControlError)
      assert.match((error as Error).message, /^line 1: amount/)
      assert.strictEqual(emu.refunds().length, 5_000, "refused seeds store nothing")
    })
  })

  describe("GET /v1/refunds at scale", () => {
    const count = 50_000
    /** Seeds `count` refunds at random times within 2 hours (so ~7 per second, many ties), 1/4 of them on 500 shared payments. */
    const seedMany = async (seed: number) => {
      const random = rng(seed)
      const items: Array<SeedRefund & { id: string }> = []
      for (let i = 0; i < count; i++) {
        items.push({
          id: `re_${seed}x${i}`,
          ...(i % 4 === 0 ? { paymentId: `pi_p${i % 500}` } : {}),
          amount: 1 + Math.floor(random() * 10_000),
          currency: "usd",
          status: random() < 0.9 ? "succeeded" : "failed",
          createdAt: start + Math.floor(random() * 7_200_000)
        })
      }
      await control.seedRefunds(items)
      // Stripe's order, worked out here: newest `created` first, and within equal times the later-seeded first.
      const order = items.map((item, i) => ({ ...item, i })).toSorted((a, b) => b.createdAt - a.createdAt || b.i - a.i)
      return order
    }

    it("walks a created range with random page sizes: every refund in range exactly once, in Stripe's order", async () => {
      const order = await seedMany(7)
      const random = rng(99)
      const gte = Math.floor((start + 1_800_000) / 1000)
      const lte = Math.floor((start + 5_400_000) / 1000)
      const expected = order.filter((r) => Math.floor(r.createdAt / 1000) >= gte && Math.floor(r.createdAt / 1000) <= lte).map((r) => r.id)
      assert.isAbove(expected.length, 20_000)
      const seen: Array<string> = []
      let after: string | undefined
      for (;;) {
        const limit = 1 + Math.floor(random() * 100)
        const page = await get(`/v1/refunds?limit=${limit}&created[gte]=${gte}&created[lte]=${lte}${after === undefined ? "" : `&starting_after=${after}`}`)
        assert.strictEqual(page.status, 200)
        assert.isAtMost(page.json.data.length, limit)
        for (const refund of page.json.data) {
          assert.isAtLeast(refund.created, gte)
          assert.isAtMost(refund.created, lte)
          seen.push(refund.id)
        }
        if (!page.json.has_more) break
        assert.strictEqual(page.json.data.length, limit, "a page with more after it is full")
        after = page.json.data.at(-1).id
      }
      assert.strictEqual(seen.length, expected.length)
      assert.deepStrictEqual(seen, expected)
      // gt/lt are exclusive: the boundary seconds drop out.
      const exclusive = await get(`/v1/refunds?limit=100&created[gt]=${gte}&created[lt]=${gte + 2}`)
      assert.deepStrictEqual(
        exclusive.json.data.map((r: { id: string }) => r.id),
        order.filter((r) => Math.floor(r.createdAt / 1000) === gte + 1).map((r) => r.id)
      )
      // An exact `created` second.
      const exact = await get(`/v1/refunds?limit=100&created=${gte}`)
      assert.deepStrictEqual(exact.json.data.map((r: { id: string }) => r.id), order.filter((r) => Math.floor(r.createdAt / 1000) === gte).map((r) => r.id))
    })

    it("ending_before walks backwards from the oldest page to the newest; payment filters page too", async () => {
      const order = await seedMany(11)
      const ids = order.map((r) => r.id)
      const position = new Map(ids.map((id, i) => [id, i]))
      // Start at the oldest refund and walk towards the newest with ending_before.
      const collected: Array<string> = [ids.at(-1)!]
      let before = ids.at(-1)!
      const random = rng(5)
      for (;;) {
        const limit = 1 + Math.floor(random() * 100)
        const page = await get(`/v1/refunds?limit=${limit}&ending_before=${before}`)
        const pageIds: Array<string> = page.json.data.map((r: { id: string }) => r.id)
        // Each page is newest first and ends right before the cursor.
        const at = position.get(before)!
        assert.deepStrictEqual(pageIds, ids.slice(Math.max(0, at - limit), at))
        collected.unshift(...pageIds)
        if (!page.json.has_more) break
        before = pageIds[0]!
      }
      assert.deepStrictEqual(collected, ids)
      // A payment's refunds, with a cursor, in the same order.
      const own = order.filter((r) => r.paymentId === "pi_p0").map((r) => r.id)
      assert.isAbove(own.length, 5)
      const first = await get(`/v1/refunds?payment_intent=pi_p0&limit=3`)
      assert.deepStrictEqual(first.json.data.map((r: { id: string }) => r.id), own.slice(0, 3))
      const rest = await get(`/v1/refunds?charge=ch_p0&limit=100&starting_after=${own[2]}`)
      assert.deepStrictEqual(rest.json.data.map((r: { id: string }) => r.id), own.slice(3))
      assert.isFalse(rest.json.has_more)
      const unknown = await get("/v1/refunds?starting_after=re_nope")
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(unknown.json.error.param, "starting_after")
    })

    it("the official stripe SDK auto-paginates a created range over seeded refunds", async () => {
      const order = await seedMany(3)
      const gte = Math.floor((start + 3_600_000) / 1000)
      const lt = Math.floor((start + 4_500_000) / 1000)
      const expected = order.filter((r) => Math.floor(r.createdAt / 1000) >= gte && Math.floor(r.createdAt / 1000) < lt).map((r) => r.id)
      const seen: Array<string> = []
      for await (const refund of stripe.refunds.list({ created: { gte, lt }, limit: 100 })) seen.push(refund.id)
      assert.strictEqual(seen.length, expected.length)
      assert.deepStrictEqual(seen, expected)
    })
  })

  describe("listing lag", () => {
    it("hides refunds, and their latest status change, from lists until the lag has passed; reads by id are not lagged", async () => {
      emu.setListLagMillis(5_000)
      assert.strictEqual(await control.listLagMillis(), 5_000)
      const pi = await emu.createPayment({ amount: 1_000, currency: "usd" })
      const created = await fetch(`${emu.url}/v1/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": "application/x-www-form-urlencoded" },
        body: `payment_intent=${pi}&amount=100`
      })
      const id = (await created.json() as { id: string }).id
      assert.deepStrictEqual((await get("/v1/refunds")).json.data, [], "too fresh to list")
      assert.strictEqual((await get(`/v1/refunds/${id}`)).json.status, "pending", "a read by id sees it at once")
      await emu.clock.advance(2_000)
      await emu.advance(id) // pending → succeeded now (t + 2 s)
      await emu.clock.advance(3_000) // t + 5 s: the creation is listable, the success is not yet
      const early = (await get("/v1/refunds")).json.data
      assert.deepStrictEqual(early.map((r: { id: string; status: string }) => [r.id, r.status]), [[id, "pending"]])
      assert.notProperty(early[0].destination_details.card, "reference")
      await emu.clock.advance(2_000) // t + 7 s: the success is 5 s old
      const late = (await get("/v1/refunds")).json.data
      assert.deepStrictEqual(late.map((r: { id: string; status: string }) => [r.id, r.status]), [[id, "succeeded"]])
      // Through the control API, and back to the start value on reset.
      await control.setListLagMillis(0)
      assert.strictEqual(emu.listLagMillis(), 0)
      await control.setListLagMillis(1_000)
      emu.reset()
      assert.strictEqual(emu.listLagMillis(), 0, "reset restores the lag the emulator started with")
      const refused = await fetch(`${emu.origin}/__emulator/list-lag`, { method: "PUT", body: JSON.stringify({ millis: -1 }) })
      assert.strictEqual(refused.status, 400)
    })

    it("is an option at start, and applies to seeded refunds too", async () => {
      const lagged = await StripeEmulator.start({ clock: { kind: "manual", startTime: start + 10_000 }, listLagMillis: 60_000 })
      try {
        assert.strictEqual(lagged.listLagMillis(), 60_000)
        await lagged.seedRefunds([
          { id: "re_old", amount: 100, currency: "usd", status: "succeeded", createdAt: start - 100_000 },
          { id: "re_new", amount: 100, currency: "usd", status: "succeeded", createdAt: start }
        ])
        const list = async () => {
          const res = await fetch(`${lagged.url}/v1/refunds`, { headers: { authorization: `Bearer ${lagged.credentials.apiKey}` } })
          return ((await res.json()) as { data: Array<{ id: string }> }).data.map((r) => r.id)
        }
        assert.deepStrictEqual(await list(), ["re_old"])
        await lagged.clock.advance(50_000)
        assert.deepStrictEqual(await list(), ["re_new", "re_old"])
      } finally {
        await lagged.close()
      }
    })
  })
})
