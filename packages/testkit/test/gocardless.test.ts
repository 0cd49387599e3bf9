/**
 * The GoCardless emulator over HTTP, on its own terms: strict about what GoCardless's refund endpoints take
 * (gocardless-nodejs 10.1.2 request types, gocardless-pro-java limits), GoCardless's error bodies and
 * statuses, refunds moved by the emulator clock, the 409 answer to a reused `Idempotency-Key` (until the key
 * expires), cursor listing, and `Webhook-Signature` deliveries under retries, duplicates and redeliveries.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { GoCardlessEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { createHmac } from "node:crypto"
import { type Receiver, request, startReceiver } from "./helpers.ts"

/** Independent Webhook-Signature check with node:crypto: hex HMAC-SHA256 of the raw body. */
const expectedSignature = (body: string, secret: string) => createHmac("sha256", secret).update(body).digest("hex")

const client = (emu: EmulatorHandle, token = emu.credentials["accessToken"]!) => {
  const headers = { authorization: `Bearer ${token}`, "gocardless-version": "2015-07-06", "content-type": "application/json" }
  return {
    create: (refund: unknown, extra: Record<string, string> = {}) =>
      request(`${emu.url}/refunds`, { method: "POST", headers: { ...headers, ...extra }, body: typeof refund === "string" ? refund : JSON.stringify({ refunds: refund }) }),
    get: (path: string, extra: Record<string, string> = {}) => request(`${emu.url}${path}`, { headers: { ...headers, ...extra } })
  }
}

describe("GoCardless emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await GoCardlessEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 204, body: "" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  const refundOf = async (amount = 1_000, currency = "GBP") => {
    const pay = await emu.createPayment({ amount: 5_000, currency })
    const created = await api.create({ amount, total_amount_confirmation: amount, links: { payment: pay } })
    assert.strictEqual(created.status, 201, created.text)
    return { pay, id: created.json.refunds.id as string, refund: created.json.refunds }
  }

  it("a sandbox token, the registry entry, ids and the refund resource", async () => {
    assert.strictEqual(emu.name, "gocardless")
    assert.match(emu.credentials["accessToken"]!, /^sandbox_/)
    assert.include(Registry.names(), "gocardless")
    const { pay, id, refund } = await refundOf()
    assert.match(pay, /^PM[0-9A-Z]{12}$/)
    assert.match(id, /^RF[0-9A-Z]{12}$/)
    assert.deepInclude(refund, { amount: 1_000, currency: "GBP", status: "created", reference: null, metadata: {} })
    assert.strictEqual(refund.links.payment, pay)
    assert.match(refund.links.mandate, /^MD/)
    assert.isTrue(Number.isFinite(Date.parse(refund.created_at)))
    assert.deepStrictEqual((await api.get(`/refunds/${id}`)).json.refunds, refund)
  })

  describe("auth and version", () => {
    it("401 unauthorized for a missing or wrong token; 400 without or with another GoCardless-Version", async () => {
      for (const authorization of [undefined, "Bearer wrong", `Basic ${emu.credentials["accessToken"]}`, `bearer ${emu.credentials["accessToken"]}`]) {
        const r = await request(`${emu.url}/refunds`, { headers: { "gocardless-version": "2015-07-06", ...(authorization ? { authorization } : {}) } })
        assert.strictEqual(r.status, 401)
        assert.deepInclude(r.json.error, { type: "invalid_api_usage", code: 401, message: "Unauthorized" })
        assert.strictEqual(r.json.error.errors[0].reason, "unauthorized")
        assert.isString(r.json.error.request_id)
      }
      const noVersion = await request(`${emu.url}/refunds`, { headers: { authorization: `Bearer ${emu.credentials["accessToken"]}` } })
      assert.strictEqual(noVersion.status, 400)
      assert.strictEqual((await api.get("/refunds", { "gocardless-version": "2014-11-03" })).status, 400)
    })
  })

  describe("strict parameters", () => {
    it("refuses malformed bodies, unknown parameters and bad values with GoCardless's error shapes", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "GBP" })
      const ok = { amount: 100, total_amount_confirmation: 100, links: { payment: pay } }
      const cases: ReadonlyArray<readonly [unknown, number, string]> = [
        ["not json", 400, "invalid_api_usage"],
        [JSON.stringify({ refund: ok }), 400, "invalid_api_usage"],
        [JSON.stringify({ refunds: [] }), 400, "invalid_api_usage"],
        [{ ...ok, currency: "GBP" }, 422, "invalid_api_usage"],
        [{ ...ok, links: { payment: pay, customer: "CU1" } }, 422, "invalid_api_usage"],
        [{ total_amount_confirmation: 100, links: { payment: pay } }, 422, "invalid_api_usage"],
        [{ ...ok, amount: "100" }, 422, "invalid_api_usage"],
        [{ ...ok, amount: 10.5 }, 422, "invalid_api_usage"],
        [{ ...ok, amount: 0 }, 422, "validation_failed"],
        [{ ...ok, metadata: { a: "1", b: "2", c: "3", d: "4" } }, 422, "validation_failed"],
        [{ ...ok, metadata: { ["k".repeat(51)]: "1" } }, 422, "validation_failed"],
        [{ ...ok, metadata: { k: "v".repeat(501) } }, 422, "validation_failed"],
        [{ ...ok, metadata: { k: 1 } }, 422, "validation_failed"],
        [{ amount: 100, links: { payment: pay } }, 422, "validation_failed"],
        [{ ...ok, total_amount_confirmation: 99 }, 422, "invalid_state"],
        [{ ...ok, amount: 6_000, total_amount_confirmation: 6_000 }, 422, "validation_failed"],
        [{ ...ok, links: { payment: "PM000000000000" } }, 404, "invalid_api_usage"]
      ]
      for (const [body, status, type] of cases) {
        const r = await api.create(typeof body === "string" ? body : body)
        assert.strictEqual(r.status, status, JSON.stringify(body))
        assert.strictEqual(r.json.error.type, type, JSON.stringify(body))
        assert.strictEqual(r.json.error.code, status)
        assert.isArray(r.json.error.errors)
        assert.match(r.json.error.documentation_url, /^https:\/\/developer\.gocardless\.com\/api-reference#/)
      }
      assert.strictEqual((await api.create({ ...ok, total_amount_confirmation: 99 })).json.error.errors[0].reason, "total_amount_confirmation_invalid")
      assert.strictEqual((await api.create({ ...ok, amount: 6_000, total_amount_confirmation: 6_000 })).json.error.errors[0].field, "amount")
      // 3 metadata keys of 50 / 500 characters are fine.
      const full = await api.create({ ...ok, metadata: { a: "1", b: "2", ["k".repeat(50)]: "v".repeat(500) } })
      assert.strictEqual(full.status, 201)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("a second partial refund must confirm the running total", async () => {
      const { pay } = await refundOf(1_000)
      const wrong = await api.create({ amount: 500, total_amount_confirmation: 500, links: { payment: pay } })
      assert.strictEqual(wrong.json.error.errors[0].reason, "total_amount_confirmation_invalid")
      assert.strictEqual((await api.create({ amount: 500, total_amount_confirmation: 1_500, links: { payment: pay } })).status, 201)
    })
  })

  describe("time", () => {
    const expectations: ReadonlyArray<readonly [Outcome, ReadonlyArray<string>, ReadonlyArray<string>]> = [
      ["succeeded", ["created", "paid"], ["created", "paid", "refund_settled"]],
      ["failed", ["created", "bounced", "funds_returned"], ["created", "failed", "funds_returned"]],
      ["canceled", ["created", "cancelled"], ["created"]],
      ["requires_action", ["created", "pending_submission", "submitted"], ["created"]],
      ["succeeded_then_reversed", ["created", "paid", "bounced", "funds_returned"], ["created", "paid", "refund_settled", "failed", "funds_returned"]],
      ["succeeded_then_failed", ["created", "paid", "bounced"], ["created", "paid", "refund_settled", "failed"]]
    ]
    for (const [outcome, statuses, actions] of expectations) {
      it(`plays ${outcome} as ${statuses.join(" → ")} with signed ${actions.join(", ")} events`, async () => {
        const pay = await emu.createPayment({ amount: 5_000, currency: "EUR" })
        emu.scriptOutcome(pay, outcome)
        const id = (await api.create({ amount: 700, total_amount_confirmation: 700, links: { payment: pay } })).json.refunds.id
        for (let i = 0; i < 4; i++) await emu.advance(id)
        await emu.flushWebhooks()
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        assert.strictEqual((await api.get(`/refunds/${id}`)).json.refunds.status, statuses.at(-1))
        const events = receiver.received.map((r) => JSON.parse(r.body).events[0])
        assert.deepStrictEqual(events.map((e) => e.action), [...actions])
        for (const delivery of receiver.received) {
          assert.strictEqual(delivery.headers["webhook-signature"], expectedSignature(delivery.body, emu.webhookSecret))
          const event = JSON.parse(delivery.body).events[0]
          assert.strictEqual(event.resource_type, "refunds")
          assert.deepStrictEqual(event.links, { refund: id, payment: pay })
          assert.notProperty(event, "status", "events carry no state")
          assert.match(event.id, /^EV[0-9A-Z]{12}$/)
        }
      })
    }

    it("a refund settles one settle delay after creation, a reversal days later; reads never move it", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "GBP" })
      emu.scriptOutcome(pay, "succeeded_then_reversed")
      const id = (await api.create({ amount: 700, total_amount_confirmation: 700, links: { payment: pay } })).json.refunds.id
      const settle = GoCardlessEmulator.numbers.timing.settleAfterMillis
      await emu.clock.advance(settle - 1)
      assert.strictEqual((await api.get(`/refunds/${id}`)).json.refunds.status, "created")
      await emu.clock.advance(1)
      assert.strictEqual((await api.get(`/refunds/${id}`)).json.refunds.status, "paid")
      await emu.clock.advance(GoCardlessEmulator.numbers.timing.reversalAfterMillis)
      assert.strictEqual((await api.get(`/refunds/${id}`)).json.refunds.status, "bounced")
      await emu.clock.advance(settle)
      assert.strictEqual((await api.get(`/refunds/${id}`)).json.refunds.status, "funds_returned")
      // The reversed refund no longer holds the payment's funds.
      assert.strictEqual((await api.create({ amount: 5_000, total_amount_confirmation: 5_000, links: { payment: pay } })).status, 201)
    })
  })

  describe("idempotency", () => {
    it("a reused Idempotency-Key is 409 idempotent_creation_conflict naming the refund, whatever the body, until the key expires", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "GBP" })
      const body = { amount: 700, total_amount_confirmation: 700, links: { payment: pay } }
      const first = await api.create(body, { "idempotency-key": "key-1" })
      assert.strictEqual(first.status, 201)
      for (const again of [body, { ...body, amount: 800, total_amount_confirmation: 800 }]) {
        const conflict = await api.create(again, { "idempotency-key": "key-1" })
        assert.strictEqual(conflict.status, 409)
        assert.deepInclude(conflict.json.error, { type: "invalid_state", code: 409 })
        assert.strictEqual(conflict.json.error.errors[0].reason, "idempotent_creation_conflict")
        assert.strictEqual(conflict.json.error.errors[0].links.conflicting_resource_id, first.json.refunds.id)
      }
      assert.lengthOf(emu.refunds(), 1)
      // A refused create does not use the key up.
      assert.strictEqual((await api.create({ ...body, total_amount_confirmation: 1 }, { "idempotency-key": "key-2" })).status, 422)
      assert.strictEqual((await api.create({ ...body, total_amount_confirmation: 1_400 }, { "idempotency-key": "key-2" })).status, 201)
      // Past the key's window the same key makes a new refund (the running total still guards it).
      await emu.clock.advance(GoCardlessEmulator.numbers.idempotencyWindowMillis + 1)
      assert.strictEqual((await api.create({ ...body, total_amount_confirmation: 2_100 }, { "idempotency-key": "key-1" })).status, 201)
      assert.lengthOf(emu.refunds(), 3)
    })
  })

  describe("listing", () => {
    it("pages newest first with meta.cursors.after, filters by payment and created_at, refuses bad parameters", async () => {
      const pay = await emu.createPayment({ amount: 50_000, currency: "GBP" })
      const ids: Array<string> = []
      let total = 0
      for (let i = 0; i < 5; i++) {
        total += 100
        ids.push((await api.create({ amount: 100, total_amount_confirmation: total, links: { payment: pay } })).json.refunds.id)
        await emu.clock.advance(1_000)
      }
      const other = await refundOf()
      const first = await api.get(`/refunds?payment=${pay}&limit=2`)
      assert.deepStrictEqual(first.json.refunds.map((r: { id: string }) => r.id), [ids[4], ids[3]])
      assert.deepStrictEqual(first.json.meta, { cursors: { before: null, after: ids[3] }, limit: 2 })
      const second = await api.get(`/refunds?payment=${pay}&limit=2&after=${ids[3]}`)
      assert.deepStrictEqual(second.json.refunds.map((r: { id: string }) => r.id), [ids[2], ids[1]])
      const last = await api.get(`/refunds?payment=${pay}&limit=2&after=${ids[1]}`)
      assert.deepStrictEqual(last.json.refunds.map((r: { id: string }) => r.id), [ids[0]])
      assert.isNull(last.json.meta.cursors.after)
      const all = await api.get("/refunds")
      assert.strictEqual(all.json.meta.limit, 50)
      assert.include(all.json.refunds.map((r: { id: string }) => r.id), other.id)
      const created = emu.refunds().find((r) => r.id === ids[2])!.createdAt
      const window = await api.get(`/refunds?created_at[gte]=${new Date(created).toISOString()}&created_at[lt]=${new Date(created + 2_000).toISOString()}`)
      assert.deepStrictEqual(window.json.refunds.map((r: { id: string }) => r.id), [ids[3], ids[2]])
      for (const bad of ["limit=501", "limit=0", "limit=x", "after=RF_bad", "after=RF000000000000", "created_at[gte]=yesterday", "status=paid"]) {
        const r = await api.get(`/refunds?${bad}`)
        assert.strictEqual(r.status, 422, bad)
      }
      assert.deepStrictEqual((await api.get("/refunds?payment=PM000000000000")).json.refunds, [])
    })

    it("a listing lag hides a new refund from GET /refunds until it has passed; GET /refunds/{id} sees it at once", async () => {
      const lagged = await GoCardlessEmulator.start({ clock: "manual", listLagMillis: 60_000 })
      try {
        const lagApi = client(lagged)
        const pay = await lagged.createPayment({ amount: 5_000, currency: "GBP" })
        const id = (await lagApi.create({ amount: 100, total_amount_confirmation: 100, links: { payment: pay } })).json.refunds.id
        assert.strictEqual((await lagApi.get(`/refunds/${id}`)).status, 200)
        assert.deepStrictEqual((await lagApi.get(`/refunds?payment=${pay}`)).json.refunds, [])
        await lagged.clock.advance(60_000)
        assert.deepStrictEqual((await lagApi.get(`/refunds?payment=${pay}`)).json.refunds.map((r: { id: string }) => r.id), [id])
      } finally {
        await lagged.close()
      }
    })
  })

  describe("webhook delivery", () => {
    it("retries a delivery the receiver refuses, resending the same signed bytes", async () => {
      let refusals = 2
      receiver.respond = (r) =>
        JSON.parse(r.body).events[0].action === "created" && refusals-- > 0 ? { status: 500, body: "" } : { status: 204, body: "" }
      await refundOf()
      for (let i = 0; i < 6; i++) {
        await emu.flushWebhooks()
        await emu.clock.advance(10 * 60 * 1000)
      }
      await emu.flushWebhooks()
      // (The hour also settles the refund: its `paid` event is another event.)
      const bodies = receiver.received.map((r) => r.body).filter((b) => JSON.parse(b).events[0].action === "created")
      assert.isAtLeast(bodies.length, 3)
      assert.strictEqual(new Set(bodies).size, 1, "every retry carries the same event")
      assert.isTrue(emu.webhookDeliveries().some((d) => d.accepted))
      assert.isTrue(receiver.received.every((r) => r.headers["webhook-signature"] === expectedSignature(r.body, emu.webhookSecret)))
    })

    it("adversarial delivery duplicates and redelivers, always the same event id per event", async () => {
      const adversarial = await GoCardlessEmulator.start({
        clock: "manual",
        webhookUrl: receiver.url,
        webhooks: { mode: "adversarial", seed: 7, duplicateRate: 1, redeliveryRate: 1, redeliveryWithinMillis: 60_000 }
      })
      try {
        const pay = await adversarial.createPayment({ amount: 5_000, currency: "GBP" })
        const created = await client(adversarial).create({ amount: 100, total_amount_confirmation: 100, links: { payment: pay } })
        await adversarial.advance(created.json.refunds.id)
        await adversarial.clock.advance(10 * 60_000)
        await adversarial.flushWebhooks()
        const byId = new Map<string, Set<string>>()
        for (const r of receiver.received) {
          const event = JSON.parse(r.body).events[0]
          byId.set(event.id, (byId.get(event.id) ?? new Set()).add(event.action))
        }
        assert.strictEqual(byId.size, 3, "three events: created, paid and refund_settled")
        for (const actions of byId.values()) assert.strictEqual(actions.size, 1)
        assert.isAbove(receiver.received.length, 2, "duplicates and redeliveries arrived")
      } finally {
        await adversarial.close()
      }
    })

    it("signedWebhook signs the refund's current state; tamper changes the bytes after signing", async () => {
      const { id } = await refundOf()
      await emu.advance(id)
      const signed = emu.signedWebhook(id)
      assert.strictEqual(signed.headers["webhook-signature"], expectedSignature(signed.body, emu.webhookSecret))
      assert.strictEqual(JSON.parse(signed.body).events[0].action, "paid")
      const again = emu.signedWebhook(id)
      assert.strictEqual(JSON.parse(again.body).events[0].id, JSON.parse(signed.body).events[0].id)
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.notStrictEqual(tampered.headers["webhook-signature"], expectedSignature(tampered.body, emu.webhookSecret))
      assert.strictEqual(GoCardlessEmulator.verifySignature(signed.body, signed.headers["webhook-signature"]!, emu.webhookSecret), true)
      assert.strictEqual(GoCardlessEmulator.verifySignature(tampered.body, tampered.headers["webhook-signature"]!, emu.webhookSecret), false)
    })
  })
})
