import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { MercadoPagoEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { createHmac } from "node:crypto"
import { type Receiver, request, startReceiver } from "./helpers.ts"

/** Independent x-signature check with node:crypto over the documented manifest template. */
const expectedV1 = (secret: string, dataId: string, requestId: string, ts: string) =>
  createHmac("sha256", secret).update(`id:${dataId};request-id:${requestId};ts:${ts};`).digest("hex")

const client = (emu: EmulatorHandle) => {
  const auth = { authorization: `Bearer ${emu.credentials["accessToken"]!}` }
  return {
    refund: (paymentId: string, body: string | Record<string, unknown> = {}, headers: Record<string, string> = { "x-idempotency-key": crypto.randomUUID() }) =>
      request(`${emu.url}/v1/payments/${paymentId}/refunds`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body)
      }),
    raw: (path: string, init: RequestInit = {}) => request(`${emu.url}${path}`, init),
    get: (path: string) => request(`${emu.url}${path}`, { headers: auth })
  }
}

describe("Mercado Pago emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await MercadoPagoEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("is registered, with a TEST- access token", () => {
    assert.strictEqual(Registry.find("mercadopago")?.name, "mercadopago")
    assert.match(emu.credentials["accessToken"]!, /^TEST-/)
  })

  it("answers 401 with Mercado Pago's body for a missing or wrong token", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "ARS" })
    const none = await api.raw(`/v1/payments/${pay}`)
    assert.strictEqual(none.status, 401)
    assert.deepInclude(JSON.parse(none.text), { error: "unauthorized", status: 401 })
    const wrong = await api.raw(`/v1/payments/${pay}`, { headers: { authorization: "Bearer TEST-wrong" } })
    assert.strictEqual(wrong.status, 401)
    assert.strictEqual(JSON.parse(wrong.text).cause[0].code, 401)
    const basic = await api.raw(`/v1/payments/${pay}`, { headers: { authorization: `Basic ${emu.credentials["accessToken"]!}` } })
    assert.strictEqual(basic.status, 401)
  })

  it("creates an in_process refund in major units and settles it approved after the settle delay", async () => {
    const pay = await emu.createPayment({ amount: 10_050, currency: "BRL" })
    const res = await api.refund(pay, { amount: 12.5 })
    assert.strictEqual(res.status, 201)
    assert.deepInclude(res.json, { payment_id: Number(pay), amount: 12.5, status: "in_process", unique_sequence_number: null })
    assert.isFalse("currency" in res.json, "a refund carries no currency")
    assert.strictEqual(emu.refunds()[0]!.amount, 1_250)
    const id = String(res.json.id)
    assert.strictEqual((await api.get(`/v1/payments/${pay}/refunds/${id}`)).json.status, "in_process", "reads never move a refund")
    await emu.clock.advance(MercadoPagoEmulator.numbers.timing.settleAfterMillis)
    const approved = (await api.get(`/v1/payments/${pay}/refunds/${id}`)).json
    assert.strictEqual(approved.status, "approved")
    assert.match(approved.unique_sequence_number, /^\d{12}$/)
    const payment = (await api.get(`/v1/payments/${pay}`)).json
    assert.deepInclude(payment, { currency_id: "BRL", transaction_amount: 100.5, transaction_amount_refunded: 12.5 })
    assert.strictEqual(payment.refunds[0].id, Number(id))
  })

  it("refunds the rest without an amount and writes amounts with the currency's exponent", async () => {
    const clp = await emu.createPayment({ amount: 15_000, currency: "CLP" })
    assert.strictEqual((await api.refund(clp, { amount: 1_000 })).json.amount, 1_000)
    assert.strictEqual((await api.refund(clp)).json.amount, 14_000)
    const kwd = await emu.createPayment({ amount: 10_000, currency: "KWD" })
    assert.strictEqual((await api.refund(kwd, '{"amount":1.234}')).json.amount, 1.234)
    assert.strictEqual(emu.refunds().find((r) => r.currency === "KWD")!.amount, 1_234)
  })

  const paths: ReadonlyArray<readonly [Outcome, ReadonlyArray<string>]> = [
    ["succeeded", ["in_process", "approved"]],
    ["failed", ["in_process", "rejected"]],
    ["canceled", ["in_process", "cancelled"]],
    ["requires_action", ["in_process"]]
  ]
  for (const [outcome, statuses] of paths) {
    it(`plays ${outcome} as ${statuses.join(" → ")}`, async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "ARS" })
      emu.scriptOutcome(pay, outcome)
      const id = String((await api.refund(pay, { amount: 1 })).json.id)
      await emu.clock.advance(5 * MercadoPagoEmulator.numbers.timing.settleAfterMillis)
      assert.strictEqual((await api.get(`/v1/payments/${pay}/refunds/${id}`)).json.status, statuses.at(-1))
    })
  }

  it("refuses bad input with Mercado Pago's codes, never crashing", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "ARS" })
    const code = async (res: { status: number; json: { cause: ReadonlyArray<{ code: unknown }> } }) => [res.status, res.json.cause[0]?.code]
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: 1 }, {})), [400, 4292], "the idempotency key is mandatory")
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: -1 })), [400, 4040])
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: "1" })), [400, 4041])
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: 0.001 })), [400, "invalid_amount"])
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: 1, reason: "x" })), [400, "bad_request"])
    assert.deepStrictEqual(await code(await api.refund(pay, "{not json")), [400, "bad_request"])
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: 10.01 })), [400, "invalid_refund_amount"])
    assert.deepStrictEqual(await code(await api.refund("12345678901", { amount: 1 })), [404, 2000])
    assert.deepStrictEqual(await code(await api.refund("abc", { amount: 1 })), [404, 2000])
    assert.deepStrictEqual(await code(await api.get(`/v1/payments/${pay}/refunds/1`)), [404, 2032])
    await api.refund(pay)
    assert.deepStrictEqual(await code(await api.refund(pay, { amount: 1 })), [400, 2063], "fully refunded")
    assert.lengthOf(emu.refunds(), 1)
  })

  it("replays a keyed create and answers 429 / 5xx faults in Mercado Pago's shape", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "ARS" })
    const headers = { "x-idempotency-key": "key-1" }
    const first = await api.refund(pay, { amount: 1 }, headers)
    assert.strictEqual((await api.refund(pay, { amount: 1 }, headers)).json.id, first.json.id)
    assert.lengthOf(emu.refunds(), 1)
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 }, { method: "POST", path: "/v1/payments/*" })
    const limited = await api.refund(pay, { amount: 1 })
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "2")
    assert.deepInclude(limited.json, { error: "too_many_requests", status: 429 })
    emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", path: "/v1/payments/*" })
    assert.strictEqual((await api.refund(pay, { amount: 1 })).status, 503)
    assert.lengthOf(emu.refunds(), 1)
  })

  it("delivers a signed payment notification per refund change, naming the payment", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "UYU" })
    const id = String((await api.refund(pay, { amount: 2 })).json.id)
    await emu.advance(id)
    const deliveries = await receiver.waitFor(2)
    for (const d of deliveries) {
      const body = JSON.parse(d.body)
      assert.deepInclude(body, { type: "payment", action: "payment.updated", api_version: "v1", live_mode: false, data: { id: pay } })
      const [tsPart, v1Part] = String(d.headers["x-signature"]).split(",")
      const ts = tsPart!.replace("ts=", "")
      assert.strictEqual(v1Part, `v1=${expectedV1(emu.webhookSecret, pay, String(d.headers["x-request-id"]), ts)}`)
    }
    assert.notStrictEqual(deliveries[0]!.headers["x-request-id"], deliveries[1]!.headers["x-request-id"], "two notifications")
    // A re-render of the same state is the same notification (same x-request-id); tamper changes the unsigned body.
    const again = emu.signedWebhook(id)
    assert.strictEqual(again.headers["x-request-id"], emu.signedWebhook(id).headers["x-request-id"])
    assert.notStrictEqual(JSON.parse(emu.signedWebhook(id, { tamper: true }).body).data.id, pay)
  })

  it("forgets an idempotency key after its window (a day): the same key then creates a new refund", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "ARS" })
    const headers = { "x-idempotency-key": "expiring-key" }
    const first = await api.refund(pay, { amount: 1 }, headers)
    await emu.clock.advance(MercadoPagoEmulator.numbers.idempotencyWindowMillis - 1)
    assert.strictEqual((await api.refund(pay, { amount: 1 }, headers)).json.id, first.json.id, "still inside the window")
    await emu.clock.advance(2)
    assert.notStrictEqual((await api.refund(pay, { amount: 1 }, headers)).json.id, first.json.id)
    assert.lengthOf(emu.refunds(), 2)
  })
})

describe("Mercado Pago emulator: unkind webhook delivery", () => {
  it("duplicates every notification, each one still signed for the payment it names", async () => {
    const receiver = await startReceiver()
    const emu = await MercadoPagoEmulator.start({ clock: "manual", webhookUrl: receiver.url, webhooks: { duplicateRate: 1 } })
    try {
      const pay = await emu.createPayment({ amount: 1_000, currency: "COP" })
      const res = await request(`${emu.url}/v1/payments/${pay}/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials["accessToken"]!}`, "content-type": "application/json", "x-idempotency-key": "k" },
        body: JSON.stringify({ amount: 1 })
      })
      await emu.advance(String(res.json.id))
      const deliveries = await receiver.waitFor(4)
      const byRequestId = new Map<string, number>()
      for (const d of deliveries) {
        const id = String(d.headers["x-request-id"])
        byRequestId.set(id, (byRequestId.get(id) ?? 0) + 1)
        const ts = String(d.headers["x-signature"]).split(",")[0]!.replace("ts=", "")
        assert.strictEqual(String(d.headers["x-signature"]).split(",")[1], `v1=${expectedV1(emu.webhookSecret, pay, id, ts)}`)
        assert.strictEqual(JSON.parse(d.body).data.id, pay)
      }
      assert.deepStrictEqual([...byRequestId.values()], [2, 2], "two notifications, each delivered twice with the same request id")
    } finally {
      await emu.close()
      await receiver.close()
    }
  })
})
