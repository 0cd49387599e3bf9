import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { MollieEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { request } from "./helpers.ts"

describe("Mollie emulator: GET /v2/refunds", () => {
  let emu: EmulatorHandle
  const get = (query: string) => request(`${emu.url}/v2/refunds${query}`, { headers: { authorization: `Bearer ${emu.credentials["apiKey"]}` } })
  const create = async (paymentId: string, value: string) =>
    (await request(`${emu.url}/v2/payments/${paymentId}/refunds`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.credentials["apiKey"]}`, "content-type": "application/json" },
      body: JSON.stringify({ amount: { currency: "EUR", value } })
    })).json.id as string

  beforeAll(async () => {
    emu = await MollieEmulator.start({ clock: "manual" })
  })
  afterEach(() => emu.reset())
  afterAll(async () => {
    await emu.close()
  })

  it("pages newest first with limit (default 50) and `from` (inclusive), following _links.next to the end", async () => {
    const paymentId = await emu.createPayment({ amount: 100_000, currency: "EUR" })
    const ids: Array<string> = []
    for (let i = 0; i < 7; i++) {
      ids.push(await create(paymentId, "1.00"))
      await emu.clock.advance(1_000)
    }
    const all = await get("")
    assert.strictEqual(all.json.count, 7)
    assert.deepStrictEqual(all.json._embedded.refunds.map((r: { id: string }) => r.id), ids.toReversed())
    assert.isNull(all.json._links.next)
    const seen: Array<string> = []
    let next: string | null = "?limit=3"
    while (next !== null) {
      const page: { json: any } = await get(next)
      seen.push(...page.json._embedded.refunds.map((r: { id: string }) => r.id))
      next = page.json._links.next === null ? null : new URL(page.json._links.next.href).search
    }
    assert.deepStrictEqual(seen, ids.toReversed())
    assert.deepStrictEqual((await get(`?from=${ids[2]}&limit=2`)).json._embedded.refunds.map((r: { id: string }) => r.id), [ids[2], ids[1]])
    assert.deepStrictEqual((await get("?sort=asc&limit=2")).json._embedded.refunds.map((r: { id: string }) => r.id), [ids[0], ids[1]])
    assert.strictEqual((await get("?from=re_Unknown0000")).status, 404)
  })

  it("hides refunds younger than the listing lag; reads by id are never lagged", async () => {
    emu.setListLagMillis(60_000)
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const id = await create(paymentId, "1.00")
    assert.strictEqual((await get("")).json.count, 0)
    const byId = await request(`${emu.url}/v2/payments/${paymentId}/refunds/${id}`, { headers: { authorization: `Bearer ${emu.credentials["apiKey"]}` } })
    assert.strictEqual(byId.status, 200)
    await emu.clock.advance(60_000)
    assert.strictEqual((await get("")).json.count, 1)
  })
})
