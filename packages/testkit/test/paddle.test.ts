/**
 * The Paddle emulator over HTTP: strict requests with Paddle's error bodies, adjustments moving on the emulator
 * clock (pending_approval → approved | rejected, approved → reversed), no idempotency (the pending-refund rule is
 * what refuses a second refund), listing by id with `after`, and signed `adjustment.*` webhooks with redelivery.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { EmulatorService, PaddleEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, startReceiver } from "./helpers.ts"

/** Independent Paddle-Signature check with node:crypto. */
const checkSignature = (header: string, body: string, secret: string): boolean => {
  const parts = Object.fromEntries(header.split(";").map((p) => p.split("=") as [string, string]))
  return parts["h1"] === createHmac("sha256", secret).update(`${parts["ts"]}:${body}`).digest("hex")
}

const client = (emu: EmulatorHandle) => {
  const auth = { authorization: `Bearer ${emu.credentials["apiKey"]}` }
  return {
    create: (body: unknown, headers: Record<string, string> = auth) =>
      request(`${emu.url}/adjustments`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }),
    get: (path: string, headers: Record<string, string> = auth) => request(`${emu.url}${path}`, { headers })
  }
}

const full = (transactionId: string, reason = "requested_by_customer") => ({ action: "refund", transaction_id: transactionId, reason, type: "full" })
const partial = (transactionId: string, amount: string) => ({
  action: "refund",
  transaction_id: transactionId,
  reason: "partial",
  type: "partial",
  items: [{ item_id: PaddleEmulator.lineItemIdOf(transactionId), type: "partial", amount }]
})

describe("Paddle emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await PaddleEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 200, body: "" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("is registered as paddle", () => {
    assert.isDefined(Registry.emulators["paddle"])
  })

  describe("auth", () => {
    it("403 authentication_missing / authentication_malformed / invalid_token, in Paddle's error shape", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const missing = await api.create(full(pay), {})
      assert.strictEqual(missing.status, 403)
      assert.strictEqual(missing.json.error.code, "authentication_missing")
      assert.strictEqual(missing.json.error.type, "request_error")
      assert.match(missing.json.error.documentation_url, /^https:\/\/developer\.paddle\.com\/errors\/shared\/authentication_missing$/)
      assert.isString(missing.json.meta.request_id)
      assert.strictEqual((await api.create(full(pay), { authorization: "Token x" })).json.error.code, "authentication_malformed")
      assert.strictEqual((await api.create(full(pay), { authorization: "Bearer pdl_sdbx_apikey_wrong" })).json.error.code, "invalid_token")
      assert.strictEqual(emu.refunds().length, 0)
    })
  })

  describe("POST /adjustments", () => {
    it("a full refund: 201 with the adjustment entity, pending_approval, the remaining total", async () => {
      const pay = await emu.createPayment({ amount: 2_500, currency: "EUR" })
      const created = await api.create(full(pay))
      assert.strictEqual(created.status, 201)
      const a = created.json.data
      assert.match(a.id, /^adj_[a-z\d]{26}$/)
      assert.deepInclude(a, { action: "refund", type: "full", transaction_id: pay, status: "pending_approval", currency_code: "EUR", reason: "requested_by_customer" })
      assert.strictEqual(a.totals.total, "2500")
      assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      assert.strictEqual(a.items[0].item_id, PaddleEmulator.lineItemIdOf(pay))
    })

    it("a partial refund adjusts the named line item by the amount (a string of minor units)", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const created = await api.create(partial(pay, "1234"))
      assert.strictEqual(created.json.data.totals.total, "1234")
      assert.strictEqual(emu.refunds()[0]!.amount, 1_234)
    })

    it("refuses malformed bodies with invalid_field naming the field", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ ...full(pay), extra: 1 }, "extra"],
        [{ transaction_id: pay, reason: "r", type: "full" }, "action"],
        [{ ...full(pay), action: "refunds" }, "action"],
        [{ ...full(pay), transaction_id: "txn_1" }, "transaction_id"],
        [{ action: "refund", transaction_id: pay, type: "full" }, "reason"],
        [{ ...full(pay), type: "half" }, "type"],
        [{ action: "refund", transaction_id: pay, reason: "r" }, "items"],
        [{ ...partial(pay, "12.5") }, "items[0].amount"],
        [{ ...partial(pay, "100"), items: [{ item_id: "txnitm_x", type: "partial", amount: "1" }] }, "items[0].item_id"],
        [{ ...full(pay), items: [] }, "items"],
        [{ ...full(pay), tax_mode: "internal" }, "tax_mode"]
      ]
      for (const [body, field] of cases) {
        const answer = await api.create(body)
        assert.strictEqual(answer.status, 400, JSON.stringify(body))
        assert.strictEqual(answer.json.error.code, "invalid_field")
        assert.strictEqual(answer.json.error.errors[0].field, field)
      }
      assert.strictEqual((await api.create("{not json")).json.error.code, "bad_request")
      assert.strictEqual(emu.refunds().length, 0)
    })

    it("unknown transaction 404 not_found; over the remaining amount, zero, a foreign item and credits are refused", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const unknown = await api.create(full(`txn_${"0".repeat(26)}`))
      assert.deepStrictEqual([unknown.status, unknown.json.error.code], [404, "not_found"])
      assert.strictEqual((await api.create(partial(pay, "1001"))).json.error.code, "adjustment_amount_above_remaining_allowed")
      assert.strictEqual((await api.create(partial(pay, "0"))).json.error.code, "adjustment_amount_cannot_be_zero")
      const other = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const foreign = await api.create({ ...partial(pay, "10"), items: [{ item_id: PaddleEmulator.lineItemIdOf(other), type: "partial", amount: "10" }] })
      assert.strictEqual(foreign.json.error.code, "adjustment_transaction_item_invalid")
      assert.strictEqual((await api.create({ ...full(pay), action: "credit" })).json.error.code, "adjustment_invalid_credit_action")
    })

    it("no idempotency: a second create while the first is pending_approval is refused; after approval it is a new refund", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const first = await api.create(partial(pay, "1000"))
      const again = await api.create(partial(pay, "1000"))
      assert.deepStrictEqual([again.status, again.json.error.code], [400, "adjustment_pending_refund_request"])
      await emu.advance(first.json.data.id)
      const second = await api.create(partial(pay, "1000"))
      assert.strictEqual(second.status, 201)
      assert.notStrictEqual(second.json.data.id, first.json.data.id)
      assert.strictEqual(emu.refunds().length, 2)
      const full2 = await (async () => {
        await emu.advance(second.json.data.id)
        return api.create(full(pay))
      })()
      assert.strictEqual(full2.json.data.totals.total, "8000", "full refunds the remaining amount")
      await emu.advance(full2.json.data.id)
      assert.strictEqual((await api.create(full(pay))).json.error.code, "adjustment_transaction_item_has_already_been_fully_adjusted")
    })

    it("429 and 5xx faults answer in Paddle's shape (Retry-After on 429)", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { method: "POST", path: "/adjustments" })
      const limited = await api.create(full(pay))
      assert.deepStrictEqual([limited.status, limited.json.error.code, limited.headers.get("retry-after")], [429, "too_many_requests", "3"])
      emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", path: "/adjustments" })
      const down = await api.create(full(pay))
      assert.deepStrictEqual([down.status, down.json.error.type], [503, "api_error"])
      assert.strictEqual(emu.refunds().length, 0)
    })
  })

  describe("lifecycle on the emulator clock", () => {
    const expectations: ReadonlyArray<readonly [Outcome, ReadonlyArray<string>]> = [
      ["succeeded", ["pending_approval", "approved"]],
      ["failed", ["pending_approval", "rejected"]],
      ["canceled", ["pending_approval", "rejected"]],
      ["requires_action", ["pending_approval"]],
      ["succeeded_then_reversed", ["pending_approval", "approved", "reversed"]]
    ]
    for (const [outcome, statuses] of expectations) {
      it(`plays ${outcome} as ${statuses.join(" → ")}, each change a signed adjustment.* webhook`, async () => {
        const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
        emu.scriptOutcome(pay, outcome)
        const id = (await api.create(full(pay))).json.data.id
        for (let i = 0; i < 3; i++) await emu.advance(id)
        await emu.flushWebhooks()
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        const read = await api.get(`/adjustments?id=${id}`)
        assert.strictEqual(read.json.data[0].status, statuses.at(-1))
        const events = receiver.received.map((r) => JSON.parse(r.body))
        assert.deepStrictEqual(events.map((e) => e.event_type), statuses.map((_, i) => (i === 0 ? "adjustment.created" : "adjustment.updated")))
        assert.deepStrictEqual(events.map((e) => e.data.status), [...statuses])
        for (const d of receiver.received) {
          assert.isTrue(checkSignature(String(d.headers["paddle-signature"]), d.body, emu.webhookSecret))
          assert.match(JSON.parse(d.body).event_id, /^evt_[a-z\d]{26}$/)
        }
      })
    }

    it("settles only when time passes: reads never move a refund", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const id = (await api.create(full(pay))).json.data.id
      for (let i = 0; i < 3; i++) assert.strictEqual((await api.get(`/adjustments?id=${id}`)).json.data[0].status, "pending_approval")
      await emu.clock.advance(PaddleEmulator.numbers.timing.settleAfterMillis)
      assert.strictEqual((await api.get(`/adjustments?id=${id}`)).json.data[0].status, "approved")
    })
  })

  describe("webhooks", () => {
    it("an unacknowledged delivery is retried with the same event_id and a fresh ts", async () => {
      let calls = 0
      receiver.respond = () => ({ status: calls++ === 0 ? 500 : 200, body: "" })
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      await api.create(full(pay))
      await emu.flushWebhooks()
      await emu.clock.advance(60_000)
      await emu.flushWebhooks()
      const created = receiver.received.filter((d) => JSON.parse(d.body).event_type === "adjustment.created")
      assert.strictEqual(created.length, 2, "the refused delivery and its retry")
      const [a, b] = created
      assert.strictEqual(JSON.parse(a!.body).event_id, JSON.parse(b!.body).event_id)
      assert.strictEqual(a!.body, b!.body)
      assert.notStrictEqual(a!.headers["paddle-signature"], b!.headers["paddle-signature"])
      assert.isTrue(checkSignature(String(b!.headers["paddle-signature"]), b!.body, emu.webhookSecret))
    })

    it("signedWebhook: tamper breaks the signature, another secret signs with it, ts as asked", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const id = (await api.create(full(pay))).json.data.id
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.strictEqual(JSON.parse(tampered.body).data.totals.total, "1001")
      assert.isFalse(checkSignature(tampered.headers["paddle-signature"]!, tampered.body, emu.webhookSecret))
      const foreign = emu.signedWebhook(id, { secret: "someone-else", timestampSeconds: 1_600_000_000 })
      assert.match(foreign.headers["paddle-signature"]!, /^ts=1600000000;h1=[0-9a-f]{64}$/)
      assert.isTrue(checkSignature(foreign.headers["paddle-signature"]!, foreign.body, "someone-else"))
    })
  })

  describe("GET /transactions/:id", () => {
    it("answers the transaction with its line item ids; unknown 404; malformed 400", async () => {
      const pay = await emu.createPayment({ amount: 4_200, currency: "GBP" })
      const txn = await api.get(`/transactions/${pay}`)
      assert.strictEqual(txn.json.data.details.line_items[0].id, PaddleEmulator.lineItemIdOf(pay))
      assert.strictEqual(txn.json.data.details.totals.grand_total, "4200")
      assert.strictEqual((await api.get(`/transactions/txn_${"0".repeat(26)}`)).status, 404)
      assert.strictEqual((await api.get("/transactions/nope")).status, 400)
      assert.strictEqual((await call(`${emu.url}/adjustments/adj_${"0".repeat(26)}`, { headers: { authorization: `Bearer ${emu.credentials["apiKey"]}` } }) as { status: number }).status, 404, "no single-adjustment read")
    })
  })
})

describe("PaddleEmulator.layer", () => {
  layer(PaddleEmulator.layer({ clock: "manual" }))("Effect API", (it) => {
    it.effect("provides the running emulator as EmulatorService and PaddleEmulator.Service", () =>
      Effect.gen(function*() {
        const emu = yield* EmulatorService
        assert.strictEqual(emu, yield* PaddleEmulator.Service)
        const pay = yield* Effect.promise(() => emu.createPayment({ amount: 900, currency: "USD" }))
        const created = yield* Effect.promise(() => client(emu).create(full(pay)))
        assert.strictEqual(created.json.data.status, "pending_approval")
      }))
  })
})
