import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { MollieEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { type Receiver, request, startReceiver } from "./helpers.ts"

const client = (emu: EmulatorHandle, apiKey = emu.credentials["apiKey"]!) => {
  const auth = { authorization: `Bearer ${apiKey}` }
  return {
    refund: (paymentId: string, body: unknown, headers: Record<string, string> = {}) =>
      request(`${emu.url}/v2/payments/${paymentId}/refunds`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body)
      }),
    get: (path: string) => request(`${emu.url}${path}`, { headers: auth }),
    cancel: (paymentId: string, refundId: string) =>
      request(`${emu.url}/v2/payments/${paymentId}/refunds/${refundId}`, { method: "DELETE", headers: auth })
  }
}

const eur = (value: string) => ({ amount: { currency: "EUR", value } })

describe("Mollie emulator", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await MollieEmulator.start({ clock: "manual", webhookUrl: receiver.url })
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

  it("is registered, with a test_ key; answers 401 with Mollie's problem body to a missing or wrong key", async () => {
    assert.strictEqual(Registry.emulators["mollie"]?.name, "mollie")
    assert.match(emu.credentials["apiKey"]!, /^test_[A-Za-z0-9]{30,}$/)
    for (const headers of [{}, { authorization: "Bearer test_wrongwrongwrongwrongwrongwrong00" }, { authorization: `Basic ${emu.credentials["apiKey"]}` }]) {
      const r = await request(`${emu.url}/v2/refunds`, { headers })
      assert.strictEqual(r.status, 401)
      assert.strictEqual(r.headers.get("content-type"), "application/hal+json")
      assert.deepStrictEqual(r.json, {
        status: 401,
        title: "Unauthorized Request",
        detail: "Missing authentication, or failed to authenticate",
        _links: { documentation: { href: "https://docs.mollie.com/overview/handling-errors", type: "text/html" } }
      })
    }
  })

  it("creates a pending refund (201 hal+json) that moves only with the emulator clock: processing, then refunded", async () => {
    const paymentId = await emu.createPayment({ amount: 10_000, currency: "EUR" })
    const c = client(emu)
    const created = await c.refund(paymentId, { ...eur("10.50"), description: "Order 1", metadata: { merchant_refund_id: "m-1" } })
    assert.strictEqual(created.status, 201)
    assert.strictEqual(created.headers.get("content-type"), "application/hal+json")
    assert.strictEqual(created.json.resource, "refund")
    assert.match(created.json.id, /^re_[A-Za-z0-9]{10}$/)
    assert.deepStrictEqual(created.json.amount, { currency: "EUR", value: "10.50" })
    assert.strictEqual(created.json.status, "pending")
    assert.deepStrictEqual(created.json.metadata, { merchant_refund_id: "m-1" })
    assert.match(created.json.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/)
    assert.isUndefined(created.json.settlementId)
    const path = `/v2/payments/${paymentId}/refunds/${created.json.id}`
    for (let i = 0; i < 3; i++) assert.strictEqual((await c.get(path)).json.status, "pending", "reads never move a refund")
    await emu.clock.advance(2_000)
    assert.strictEqual((await c.get(path)).json.status, "processing")
    await emu.clock.advance(2_000)
    const refunded = (await c.get(path)).json
    assert.strictEqual(refunded.status, "refunded")
    assert.match(refunded.settlementId, /^stl_/)
    assert.deepStrictEqual(refunded.settlementAmount, { currency: "EUR", value: "-10.50" })
    assert.strictEqual(refunded.externalReference.type, "acquirer-reference")
  })

  const paths: ReadonlyArray<readonly [Outcome, ReadonlyArray<string>]> = [
    ["succeeded", ["pending", "processing", "refunded"]],
    ["failed", ["pending", "processing", "failed"]],
    ["canceled", ["pending", "canceled"]],
    ["succeeded_then_failed", ["pending", "processing", "refunded", "failed"]]
  ]
  for (const [outcome, statuses] of paths) {
    it(`plays ${outcome} as ${statuses.join(" → ")}, pinging the payment id on processing, refunded and failed only`, async () => {
      const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
      emu.scriptOutcome(paymentId, outcome)
      const created = await client(emu).refund(paymentId, eur("1.00"))
      for (let i = 1; i < statuses.length; i++) await emu.advance(created.json.id)
      const stored = emu.refunds().find((r) => r.id === created.json.id)!
      assert.deepStrictEqual(stored.history.map((h) => h.status), statuses)
      const pinged = statuses.filter((s) => s === "processing" || s === "refunded" || s === "failed").length
      const pings = pinged === 0 ? [] : await receiver.waitFor(pinged)
      assert.strictEqual(pings.length, pinged)
      for (const ping of pings) {
        assert.strictEqual(ping.body, `id=${paymentId}`)
        assert.strictEqual(ping.headers["content-type"], "application/x-www-form-urlencoded")
        assert.isUndefined(ping.headers["x-mollie-signature"])
      }
    })
  }

  it("redelivers an unacknowledged ping on its schedule (10 retries within 26 hours)", async () => {
    receiver.respond = () => ({ status: 500, body: "" })
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    const created = await client(emu).refund(paymentId, eur("1.00"))
    await emu.advance(created.json.id)
    await receiver.waitFor(1)
    await emu.clock.advance(60_000)
    await emu.flushWebhooks()
    assert.isAtLeast(receiver.received.length, 2)
    assert.deepStrictEqual(new Set(receiver.received.map((r) => r.body)), new Set([`id=${paymentId}`]))
    assert.strictEqual(MollieEmulator.numbers.retrySchedule.delays.length, 10)
    assert.isAtMost(MollieEmulator.numbers.retrySchedule.delays.reduce((a, b) => a + b, 0), 26 * 3_600_000)
  })

  it("cancels queued/pending refunds with 204 and refuses others with 422; the amount is refundable again", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const c = client(emu)
    const a = await c.refund(paymentId, eur("10.00"))
    assert.strictEqual((await c.refund(paymentId, eur("0.01"))).status, 422, "nothing left to refund")
    const cancelled = await c.cancel(paymentId, a.json.id)
    assert.strictEqual(cancelled.status, 204)
    assert.strictEqual(cancelled.text, "")
    assert.strictEqual((await c.get(`/v2/payments/${paymentId}/refunds/${a.json.id}`)).json.status, "canceled")
    assert.strictEqual((await c.cancel(paymentId, a.json.id)).status, 422)
    const b = await c.refund(paymentId, eur("10.00"))
    assert.strictEqual(b.status, 201, "a canceled refund releases its amount")
    await emu.advance(b.json.id)
    const late = await c.cancel(paymentId, b.json.id)
    assert.strictEqual(late.status, 422)
    assert.strictEqual(late.json.title, "Unprocessable Entity")
  })

  it("refuses malformed amounts, unknown parameters, currency mismatches and over-refunds with 422 naming the field", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const c = client(emu)
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{}, "amount"],
      [{ amount: "10.00" }, "amount"],
      [{ amount: { currency: "EUR", value: 10 } }, "amount.value"],
      [{ amount: { currency: "EUR", value: "10" } }, "amount.value"],
      [{ amount: { currency: "EUR", value: "10.001" } }, "amount.value"],
      [{ amount: { currency: "EUR", value: "0.00" } }, "amount.value"],
      [{ amount: { currency: "eur", value: "1.00" } }, "amount.currency"],
      [{ amount: { currency: "EUR", value: "1.00", extra: 1 } }, "amount.extra"],
      [{ ...eur("1.00"), reason: "x" }, "reason"],
      [{ ...eur("1.00"), testmode: true }, "testmode"],
      [{ ...eur("1.00"), description: "x".repeat(256) }, "description"],
      [{ ...eur("1.00"), metadata: { big: "x".repeat(1100) } }, "metadata"],
      [{ amount: { currency: "USD", value: "1.00" } }, "amount.currency"],
      [eur("10.01"), "amount"]
    ]
    for (const [body, field] of cases) {
      const r = await c.refund(paymentId, body)
      assert.strictEqual(r.status, 422, JSON.stringify(body))
      assert.strictEqual(r.json.field, field, JSON.stringify(body))
      assert.strictEqual(r.json.status, 422)
    }
    assert.strictEqual(emu.refunds().length, 0)
    // JPY has no decimals, KWD three.
    const jpy = await emu.createPayment({ amount: 5_000, currency: "JPY" })
    assert.strictEqual((await c.refund(jpy, { amount: { currency: "JPY", value: "100" } })).status, 201)
    assert.strictEqual((await c.refund(jpy, { amount: { currency: "JPY", value: "100.00" } })).status, 422)
    const kwd = await emu.createPayment({ amount: 5_000, currency: "KWD" })
    assert.deepStrictEqual((await c.refund(kwd, { amount: { currency: "KWD", value: "1.234" } })).json.amount, { currency: "KWD", value: "1.234" })
  })

  it("answers garbage bodies with 400/415 and unknown objects with 404 'No … exists with token …', never a crash", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const c = client(emu)
    assert.strictEqual((await c.refund(paymentId, "{not json")).status, 400)
    assert.strictEqual((await c.refund(paymentId, "[1,2]")).status, 400)
    assert.strictEqual((await c.refund(paymentId, "a=b", { "content-type": "text/plain" })).status, 415)
    const form = await c.refund(paymentId, "amount[currency]=EUR&amount[value]=1.00", { "content-type": "application/x-www-form-urlencoded" })
    assert.strictEqual(form.status, 201, "the docs' curl form body")
    const missing = await c.refund("tr_Nope000000", eur("1.00"))
    assert.strictEqual(missing.status, 404)
    assert.strictEqual(missing.json.detail, "No payment exists with token tr_Nope000000.")
    assert.strictEqual((await c.get(`/v2/payments/${paymentId}/refunds/re_Nope000000`)).json.detail, "No refund exists with token re_Nope000000.")
    assert.strictEqual((await c.get(`/v2/payments/${paymentId}/refunds/../x`)).status, 404)
    assert.strictEqual((await c.get("/v2/refunds?limit=251")).status, 400)
    assert.strictEqual((await c.get("/v2/refunds?foo=1")).status, 400)
  })

  describe("Idempotency-Key", () => {
    it("replays the first answer with Idempotent-Replayed: true; other parameters are a 400", async () => {
      const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
      const c = client(emu)
      const first = await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-1" })
      const again = await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-1" })
      assert.strictEqual(again.status, 201)
      assert.strictEqual(again.json.id, first.json.id)
      assert.strictEqual(again.headers.get("idempotent-replayed"), "true")
      assert.isNull(first.headers.get("idempotent-replayed"))
      const other = await c.refund(paymentId, eur("2.00"), { "idempotency-key": "key-1" })
      assert.strictEqual(other.status, 400)
      assert.strictEqual(emu.refunds().length, 1)
    })

    it("forgets a key after 24 hours: the same request then makes a second refund", async () => {
      const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
      const c = client(emu)
      const first = await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-2" })
      await emu.clock.advance(24 * 3_600_000 - 1)
      assert.strictEqual((await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-2" })).json.id, first.json.id)
      await emu.clock.advance(1)
      const late = await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-2" })
      assert.notStrictEqual(late.json.id, first.json.id)
      assert.strictEqual(emu.refunds().length, 2)
    })
  })

  it("answers injected faults with Mollie's bodies: 429 with Retry-After, 5xx leaving the key free", async () => {
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    const c = client(emu)
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { method: "POST", times: 1 })
    const limited = await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-3" })
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "3")
    assert.strictEqual(limited.json.title, "Too Many Requests")
    emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", times: 1 })
    assert.strictEqual((await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-3" })).json.status, 503)
    assert.strictEqual((await c.refund(paymentId, eur("1.00"), { "idempotency-key": "key-3" })).status, 201)
    assert.strictEqual(emu.refunds().length, 1)
  })
})
