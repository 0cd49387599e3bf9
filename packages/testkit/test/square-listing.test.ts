/**
 * Square's `ListPaymentRefunds` (`GET /v2/refunds`) as a reconciler uses it: every refund of a time window exactly
 * once across pages (driven with the official SDK's pager), none outside, a cursor that survives refunds created
 * between pages, and eventual consistency (a new refund, or a change, shows only `listLagMillis` later).
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { ListingIndex } from "@refract/testkit/emulator/ListingIndex"
import { manual } from "@refract/testkit/emulator/Clock"
import { RefundStore } from "@refract/testkit/emulator/RefundStore"
import { SquareClient } from "square"
import { request } from "./helpers.ts"

let keys = 0
const newKey = () => `sq-list-${Date.now().toString(36)}-${keys++}`

describe("Square ListPaymentRefunds", () => {
  let emu: EmulatorHandle
  const sdk = () => new SquareClient({ token: emu.credentials.accessToken!, baseUrl: emu.url, maxRetries: 0 })
  const get = (path: string) =>
    request(`${emu.url}${path}`, { headers: { authorization: `Bearer ${emu.credentials.accessToken}`, "square-version": "2025-08-20" } })
  const refund = async (paymentId: string, amount: number): Promise<string> => {
    const created = await sdk().refunds.refundPayment({ idempotencyKey: newKey(), amountMoney: { amount: BigInt(amount), currency: "USD" }, paymentId })
    return created.refund!.id!
  }
  const iso = (ms: number) => new Date(ms).toISOString()

  beforeAll(async () => {
    emu = await SquareEmulator.start({ clock: { kind: "manual", startTime: Date.UTC(2026, 0, 1) }, listLagMillis: 3_000 })
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  it("shows a new refund, and its changes, only after listLagMillis", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const id = await refund(payment, 1_000)
    assert.deepStrictEqual((await get("/v2/refunds")).json, {}, "a fresh refund is not listed yet")
    assert.strictEqual((await get(`/v2/refunds/${id}`)).status, 200, "GetPaymentRefund sees it at once")
    await emu.clock.advance(2_999)
    assert.deepStrictEqual((await get("/v2/refunds")).json, {})
    await emu.clock.advance(1)
    const listed = (await get("/v2/refunds")).json.refunds
    assert.deepStrictEqual(listed.map((r: { id: string; status: string }) => [r.id, r.status]), [[id, "PENDING"]])
    await emu.advance(id)
    assert.strictEqual(emu.refunds()[0]!.status, "COMPLETED")
    // The change is as late as the refund itself: the listing still says PENDING, and a status filter agrees.
    assert.strictEqual((await get("/v2/refunds")).json.refunds[0].status, "PENDING")
    assert.deepStrictEqual((await get("/v2/refunds?status=COMPLETED")).json, {})
    await emu.clock.advance(3_000)
    const settled = (await get("/v2/refunds?status=COMPLETED")).json.refunds
    assert.deepStrictEqual(settled.map((r: { id: string; status: string }) => [r.id, r.status]), [[id, "COMPLETED"]])
    assert.strictEqual(settled[0].updated_at, iso(emu.refunds()[0]!.updatedAt))
  })

  it("the lag set through the handle or PUT /__emulator/list-lag is the one the listing uses", async () => {
    assert.strictEqual(emu.listLagMillis(), 3_000, "the handle reports the lag the listing starts with")
    const defaults = await SquareEmulator.start({ clock: "manual" })
    try {
      assert.strictEqual(defaults.listLagMillis(), SquareEmulator.defaultListLagMillis, "and Square's default when none is given")
    } finally {
      await defaults.close()
    }
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const id = await refund(payment, 1_000)
    assert.deepStrictEqual((await get("/v2/refunds")).json, {}, "not listed yet")
    emu.setListLagMillis(0)
    assert.deepStrictEqual((await get("/v2/refunds")).json.refunds.map((r: { id: string }) => r.id), [id], "lag 0 lists it at once")
    emu.setListLagMillis(60_000)
    const res = await fetch(`${emu.origin}/__emulator/list-lag`, { method: "PUT", body: JSON.stringify({ millis: 0 }) })
    assert.strictEqual(res.status, 200)
    assert.deepStrictEqual((await get("/v2/refunds")).json.refunds.map((r: { id: string }) => r.id), [id], "and through the control API")
  })

  it("pages a window through the SDK's pager: every refund in it exactly once, in order, none outside", async () => {
    const payment = await emu.createPayment({ amount: 1_000_000, currency: "USD" })
    const ids: Array<string> = []
    const times: Array<number> = []
    for (let i = 0; i < 230; i++) {
      ids.push(await refund(payment, 10 + i))
      times.push(emu.clock.now())
      // Two refunds per second of emulator time: several share a second, none share a millisecond.
      await emu.clock.advance(i % 2 === 0 ? 100 : 900)
    }
    await emu.clock.advance(10_000)
    // A window with both ends inside the data: [begin, end] on created_at, begin inclusive (end inclusive here too).
    const from = 17
    const to = 201
    const expected = ids.slice(from, to + 1)
    for (const [sortOrder, limit] of [["ASC", 100], ["DESC", 100], ["ASC", 7], ["DESC", 1000]] as const) {
      const pager = await sdk().refunds.list({ beginTime: iso(times[from]!), endTime: iso(times[to]!), sortOrder, limit })
      const seen: Array<string> = []
      for await (const item of pager) seen.push(item.id!)
      assert.deepStrictEqual(seen, sortOrder === "ASC" ? expected : expected.toReversed(), `${sortOrder} limit ${limit}`)
    }
    // limit above 100 is answered with at most 100, not refused.
    const big = await get(`/v2/refunds?limit=1000&sort_order=ASC`)
    assert.strictEqual(big.status, 200)
    assert.lengthOf(big.json.refunds, 100)
    assert.isString(big.json.cursor)
  })

  it("keeps the cursor's place when refunds are created between pages", async () => {
    const payment = await emu.createPayment({ amount: 100_000, currency: "USD" })
    const old: Array<string> = []
    for (let i = 0; i < 5; i++) {
      old.push(await refund(payment, 100 + i))
      await emu.clock.advance(1_000)
    }
    await emu.clock.advance(5_000)
    const first = (await get("/v2/refunds?limit=2")).json
    assert.deepStrictEqual(first.refunds.map((r: { id: string }) => r.id), [old[4], old[3]])
    // Newer refunds (DESC puts them first) must neither shift nor repeat the next page.
    await refund(payment, 1)
    await emu.clock.advance(10_000)
    await refund(payment, 2)
    const rest: Array<string> = []
    let cursor: string | undefined = first.cursor
    while (cursor !== undefined) {
      const page: { refunds?: Array<{ id: string }>; cursor?: string } = (await get(`/v2/refunds?limit=2&cursor=${cursor}`)).json
      rest.push(...(page.refunds ?? []).map((r) => r.id))
      cursor = page.cursor
    }
    assert.deepStrictEqual(rest, [old[2], old[1], old[0]])
    // A cursor of the other ordering field is refused like a forged one.
    const mixed = await get(`/v2/refunds?sort_field=UPDATED_AT&cursor=${first.cursor}`)
    assert.strictEqual(mixed.status, 400)
    assert.strictEqual(mixed.json.errors[0].code, "INVALID_CURSOR")
  })

  it("refuses what Square refuses and filters what it filters", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    await refund(payment, 100)
    await emu.clock.advance(10_000)
    for (const [query, code, field] of [
      ["from=1", "UNKNOWN_QUERY_PARAMETER", "from"],
      ["begin_time=2026-01-01", "INVALID_TIME", "begin_time"],
      ["sort_order=desc", "INVALID_SORT_ORDER", "sort_order"],
      ["limit=-1", "EXPECTED_INTEGER", "limit"]
    ] as const) {
      const res = await get(`/v2/refunds?${query}`)
      assert.strictEqual(res.status, 400, query)
      assert.deepInclude(res.json.errors[0], { code, field }, query)
    }
    assert.deepStrictEqual((await get("/v2/refunds?location_id=OTHER")).json, {})
    assert.deepStrictEqual((await get("/v2/refunds?source_type=EXTERNAL")).json, {})
    assert.lengthOf((await get(`/v2/refunds?location_id=${SquareEmulator.defaultLocationId}&source_type=CARD`)).json.refunds, 1)
  })
})

describe("ListingIndex", () => {
  const lifecycle = { initialStatus: "P", steps: () => [], holdsFunds: () => true, successStatuses: [] }

  it("finds windows by binary search, keeps creation order within a millisecond, and drops a reset store", async () => {
    const clock = manual({ startTime: 1_000 })
    const store = new RefundStore<undefined>(lifecycle, { settleAfterMillis: Infinity, reversalAfterMillis: Infinity }, clock)
    const index = new ListingIndex(store)
    const payment = store.addPayment({ id: "p", amount: 1_000_000_000, currency: "USD" })
    const n = 20_000
    for (let i = 0; i < n; i++) {
      store.createRefund({ id: `r${i}`, payment, amount: 1, currency: "USD", attributes: undefined })
      if (i % 4 === 3) await clock.advance(10)
    }
    assert.strictEqual(index.size, n)
    // Four refunds per 10 ms: [1_000 + 10k, 1_000 + 10k] holds r(4k)..r(4k+3).
    const w = index.window(1_000 + 10 * 1_234, 1_000 + 10 * 1_235)
    assert.deepStrictEqual(
      Array.from({ length: w.end - w.start }, (_, i) => index.at(w.start + i)!.refund.id),
      ["r4936", "r4937", "r4938", "r4939", "r4940", "r4941", "r4942", "r4943"]
    )
    const key = index.keyOf(store.get("r4937")!)!
    assert.strictEqual(index.at(index.positionAfter(key))!.refund.id, "r4938")
    assert.strictEqual(index.at(index.positionOf(key))!.refund.id, "r4937")
    assert.deepStrictEqual(index.window(0, 999), { start: 0, end: 0 })
    assert.deepStrictEqual(index.window(5, 1), { start: 0, end: 0 })
    store.reset()
    assert.strictEqual(index.size, 0)
    const again = store.addPayment({ id: "q", amount: 10, currency: "USD" })
    store.createRefund({ id: "s", payment: again, amount: 1, currency: "USD", attributes: undefined })
    assert.strictEqual(index.size, 1)
  })
})
