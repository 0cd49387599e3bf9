/**
 * `GET /v1/events` and `GET /v1/events/:id` over the event log: what a receiver that missed deliveries reads.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { type Receiver, request, startReceiver } from "./helpers.ts"

const form = "application/x-www-form-urlencoded"
const day = 24 * 3_600_000

describe("Stripe emulator: Events API", () => {
  let emu: EmulatorHandle
  let receiver: Receiver
  const auth = () => ({ authorization: `Bearer ${emu.credentials.apiKey}` })
  const post = (path: string, body: string) =>
    request(`${emu.url}${path}`, { method: "POST", headers: { ...auth(), "content-type": form }, body })
  const get = (path: string) => request(`${emu.url}${path}`, { headers: auth() })
  const ids = (res: { json: { data: ReadonlyArray<{ id: string }> } }) => res.json.data.map((e) => e.id)
  const types = (res: { json: { data: ReadonlyArray<{ type: string }> } }) => res.json.data.map((e) => e.type)

  /** A refund that succeeds and is reversed: charge.refunded, refund.created, then two updates and a refund.failed. */
  const reversedRefund = async () => {
    const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
    emu.scriptOutcome(pi, "succeeded_then_reversed")
    const id = (await post("/v1/refunds", `payment_intent=${pi}`)).json.id as string
    await emu.advance(id)
    await emu.advance(id)
    return id
  }

  beforeAll(async () => {
    emu = await StripeEmulator.start({ clock: "manual" })
    receiver = await startReceiver()
  })
  afterEach(() => {
    emu.reset()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 200, body: "" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("lists every event newest first as Stripe's list object; each is the event as delivered", async () => {
    emu.setWebhookUrl(receiver.url)
    const refundId = await reversedRefund()
    await emu.flushWebhooks()
    const res = await get("/v1/events")
    assert.strictEqual(res.status, 200)
    assert.strictEqual(res.json.object, "list")
    assert.strictEqual(res.json.url, "/v1/events")
    assert.isFalse(res.json.has_more)
    assert.deepStrictEqual(types(res), [
      "charge.refund.updated",
      "refund.updated",
      "refund.failed",
      "charge.refund.updated",
      "refund.updated",
      "refund.created",
      "charge.refunded"
    ])
    const delivered = receiver.received.map((r) => JSON.parse(r.body)).toReversed()
    assert.deepStrictEqual(ids(res), delivered.map((e) => e.id))
    for (const [i, event] of res.json.data.entries()) {
      assert.deepStrictEqual({ ...event, pending_webhooks: 1 }, delivered[i], "the same event, delivered or listed")
      assert.strictEqual(event.pending_webhooks, 0, "acknowledged")
    }
    const failed = res.json.data.find((e: { type: string }) => e.type === "refund.failed")
    assert.strictEqual(failed.data.object.id, refundId)
    const one = await get(`/v1/events/${failed.id}`)
    assert.deepStrictEqual(one.json, failed)
  })

  it("filters by type (with * wildcards), types[], created and delivery_success", async () => {
    emu.setWebhookUrl(receiver.url)
    await reversedRefund()
    await emu.flushWebhooks()
    assert.deepStrictEqual(types(await get("/v1/events?type=refund.failed")), ["refund.failed"])
    assert.deepStrictEqual(types(await get("/v1/events?type=refund.*")), ["refund.updated", "refund.failed", "refund.updated", "refund.created"])
    assert.deepStrictEqual(types(await get("/v1/events?types[]=refund.created&types[]=charge.refunded")), ["refund.created", "charge.refunded"])
    const both = await get("/v1/events?type=refund.failed&types[]=refund.created")
    assert.strictEqual(both.status, 400)
    assert.strictEqual(both.json.error.code, "parameters_exclusive")
    const tooMany = await get(`/v1/events?${Array.from({ length: 21 }, (_, i) => `types[]=t${i}`).join("&")}`)
    assert.strictEqual(tooMany.json.error.param, "types")
    const start = Math.floor(emu.clock.now() / 1000)
    await emu.clock.advance(5_000)
    const pi = await emu.createPayment({ amount: 500, currency: "usd" })
    await post("/v1/refunds", `payment_intent=${pi}`)
    await emu.flushWebhooks()
    assert.deepStrictEqual(types(await get(`/v1/events?created[gt]=${start}`)), ["refund.created", "charge.refunded"])
    assert.lengthOf((await get(`/v1/events?created=${start}`)).json.data, 7)
    // The receiver now refuses: the next events stay pending, and delivery_success=false lists exactly them.
    receiver.respond = () => ({ status: 500, body: "" })
    const pi2 = await emu.createPayment({ amount: 500, currency: "usd" })
    await post("/v1/refunds", `payment_intent=${pi2}`)
    await emu.flushWebhooks()
    const outstanding = await get("/v1/events?delivery_success=false")
    assert.deepStrictEqual(types(outstanding), ["refund.created", "charge.refunded"])
    assert.isTrue(outstanding.json.data.every((e: { pending_webhooks: number }) => e.pending_webhooks === 1))
    assert.lengthOf((await get("/v1/events?delivery_success=true")).json.data, 9)
  })

  it("paginates with limit, starting_after and ending_before", async () => {
    await reversedRefund()
    const all = ids(await get("/v1/events"))
    assert.lengthOf(all, 7)
    const first = await get("/v1/events?limit=3")
    assert.deepStrictEqual(ids(first), all.slice(0, 3))
    assert.isTrue(first.json.has_more)
    const next = await get(`/v1/events?limit=3&starting_after=${all[2]}`)
    assert.deepStrictEqual(ids(next), all.slice(3, 6))
    const last = await get(`/v1/events?limit=3&starting_after=${all[5]}`)
    assert.deepStrictEqual(ids(last), all.slice(6))
    assert.isFalse(last.json.has_more)
    const back = await get(`/v1/events?limit=2&ending_before=${all[4]}`)
    assert.deepStrictEqual(ids(back), all.slice(2, 4))
    const cursor = await get("/v1/events?starting_after=evt_gone")
    assert.strictEqual(cursor.status, 404)
    assert.strictEqual(cursor.json.error.param, "starting_after")
  })

  it("keeps events 30 days, then neither lists nor retrieves them", async () => {
    await reversedRefund()
    const events = ids(await get("/v1/events"))
    await emu.clock.advance(30 * day)
    assert.lengthOf(ids(await get("/v1/events")), 7, "30 days to the millisecond are still within the window")
    await emu.clock.advance(1)
    assert.lengthOf(ids(await get("/v1/events")), 0)
    const gone = await get(`/v1/events/${events[0]}`)
    assert.strictEqual(gone.status, 404)
    assert.strictEqual(gone.json.error.code, "resource_missing")
    assert.strictEqual(gone.json.error.message, `No such event: '${events[0]}'`)
  })

  it("logs events without a webhook URL too: nothing is pending for them", async () => {
    await reversedRefund()
    const res = await get("/v1/events")
    assert.lengthOf(res.json.data, 7)
    assert.isTrue(res.json.data.every((e: { pending_webhooks: number }) => e.pending_webhooks === 0))
    assert.lengthOf((await get("/v1/events?delivery_success=false")).json.data, 0)
    const expand = await get(`/v1/events/${res.json.data[0].id}?expand[]=data.object`)
    assert.strictEqual(expand.status, 400)
    assert.strictEqual(expand.json.error.message, "This property cannot be expanded (data.object).")
  })
})
