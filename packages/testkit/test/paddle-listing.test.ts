/**
 * `GET /adjustments` listing: ids are time-ordered, `order_by=id[ASC|DESC]` (default DESC), `after` continues past an id,
 * `per_page` defaults to 10 and is capped at 50, filters (`id`, `transaction_id`, `status`, `action`) combine, and
 * unknown parameters are refused. `meta.pagination.next` is a URL on the emulator's own origin.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { PaddleEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { request } from "./helpers.ts"

describe("Paddle emulator listing", () => {
  let emu: EmulatorHandle
  const ids: Array<string> = []
  const pays: Array<string> = []
  const get = (query: string) => request(`${emu.url}/adjustments?${query}`, { headers: { authorization: `Bearer ${emu.credentials["apiKey"]}` } })

  beforeAll(async () => {
    emu = await PaddleEmulator.start({ clock: "manual" })
    for (let i = 0; i < 5; i++) {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      pays.push(pay)
      const created = await request(`${emu.url}/adjustments`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials["apiKey"]}`, "content-type": "application/json" },
        body: JSON.stringify({ action: "refund", transaction_id: pay, reason: `r${i}`, type: "full" })
      })
      ids.push(created.json.data.id)
      await emu.clock.advance(i === 2 ? 2_500 : 10)
    }
  })
  afterAll(async () => {
    await emu.close()
  })

  it("ids sort in creation order; DESC by default, ASC on request", async () => {
    assert.deepStrictEqual(ids.toSorted(), ids)
    assert.deepStrictEqual((await get("")).json.data.map((a: { id: string }) => a.id), ids.toReversed())
    assert.deepStrictEqual((await get("order_by=id[ASC]")).json.data.map((a: { id: string }) => a.id), ids)
  })

  it("pages with per_page and after; has_more and next tell where to go on", async () => {
    const first = await get("order_by=id[DESC]&per_page=2")
    assert.deepStrictEqual(first.json.data.map((a: { id: string }) => a.id), [ids[4], ids[3]])
    assert.isTrue(first.json.meta.pagination.has_more)
    assert.strictEqual(first.json.meta.pagination.per_page, 2)
    const next = new URL(first.json.meta.pagination.next)
    assert.strictEqual(next.origin, new URL(emu.url).origin)
    assert.strictEqual(next.searchParams.get("after"), ids[3])
    const last = await get(`order_by=id[DESC]&per_page=2&after=${ids[1]}`)
    assert.deepStrictEqual(last.json.data.map((a: { id: string }) => a.id), [ids[0]])
    assert.isFalse(last.json.meta.pagination.has_more)
  })

  it("per_page above 50 answers 50, default 10; filters combine", async () => {
    assert.strictEqual((await get("per_page=500")).json.meta.pagination.per_page, 50)
    assert.strictEqual((await get("")).json.meta.pagination.per_page, 10)
    assert.deepStrictEqual((await get(`id=${ids[2]},${ids[4]}&order_by=id[ASC]`)).json.data.map((a: { id: string }) => a.id), [ids[2], ids[4]])
    assert.deepStrictEqual((await get(`transaction_id=${pays[1]}&action=refund,credit`)).json.data.map((a: { id: string }) => a.id), [ids[1]])
    assert.deepStrictEqual((await get("status=approved&order_by=id[ASC]")).json.data.map((a: { id: string }) => a.id), ids.slice(0, 3), "the first three have settled")
    assert.strictEqual((await get("action=chargeback")).json.data.length, 0)
  })

  it("refuses unknown or malformed parameters with invalid_field", async () => {
    for (const query of ["created_at[GT]=2024-01-01", "per_page=0", "order_by=created_at[ASC]", "after=5", "status=done", "id=adj_1"]) {
      const answer = await get(query)
      assert.strictEqual(answer.status, 400, query)
      assert.strictEqual(answer.json.error.code, "invalid_field", query)
    }
  })
})
