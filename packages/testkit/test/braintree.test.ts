/**
 * The Braintree emulator over HTTP, checked independently of any connector: authentication and API version,
 * strict parameters, Braintree's 422 bodies, time-driven settlement on the emulator clock, void, search, and
 * signed webhooks (checked with node:crypto, and under adversarial delivery: duplicates and redeliveries carry
 * the same signed payload).
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { BraintreeEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { createHash, createHmac } from "node:crypto"
import { type Receiver, request, startReceiver } from "./helpers.ts"

/** Independent bt_signature check: hex HMAC-SHA1 keyed with the raw SHA-1 of the private key. */
const expected = (payload: string, privateKey: string) =>
  createHmac("sha1", createHash("sha1").update(privateKey).digest()).update(payload).digest("hex")

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

const client = (emu: EmulatorHandle, overrides: Record<string, string> = {}) => {
  const headers = {
    authorization: basic(emu.credentials["publicKey"]!, emu.credentials["privateKey"]!),
    "x-apiversion": "6",
    accept: "application/xml",
    "content-type": "application/json",
    ...overrides
  }
  const base = `${emu.url}/merchants/${emu.credentials["merchantId"]}`
  return {
    refund: (id: string, body: unknown = { transaction: {} }) =>
      request(`${base}/transactions/${id}/refund`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }),
    find: (id: string) => request(`${base}/transactions/${id}`, { headers }),
    void: (id: string) => request(`${base}/transactions/${id}/void`, { method: "PUT", headers }),
    search: (path: "advanced_search" | "advanced_search_ids", search: unknown) =>
      request(`${base}/transactions/${path}`, { method: "POST", headers, body: JSON.stringify({ search }) }),
    raw: (path: string, init: RequestInit = {}) => request(`${emu.url}${path}`, { headers, ...init })
  }
}

const tag = (xml: string, name: string) => new RegExp(`<${name}[^>]*>([^<]*)</${name}>`).exec(xml)?.[1]
const codes = (xml: string) => [...xml.matchAll(/<code>(\d+)<\/code>/g)].map((m) => m[1])

describe("Braintree emulator over HTTP", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await BraintreeEmulator.start({ clock: "manual", webhookUrl: receiver.url })
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

  it("is registered as `braintree`", () => {
    assert.strictEqual(Registry.emulators["braintree"]?.name, "braintree")
  })

  it("authenticates with Basic public:private and wants X-ApiVersion 6", async () => {
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    assert.strictEqual((await client(emu, { authorization: "" }).find(sale)).status, 401)
    assert.strictEqual((await client(emu, { authorization: basic(emu.credentials["publicKey"]!, "wrong") }).find(sale)).status, 401)
    assert.strictEqual((await client(emu, { "x-apiversion": "3" }).find(sale)).status, 426)
    const other = await request(`${emu.url}/merchants/someoneelse/transactions/${sale}`, {
      headers: { authorization: basic(emu.credentials["publicKey"]!, emu.credentials["privateKey"]!), "x-apiversion": "6" }
    })
    assert.strictEqual(other.status, 404)
    assert.strictEqual((await client(emu).find(sale)).status, 200)
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("creates a credit (201, XML) and refuses unknown or malformed parameters without storing anything", async () => {
    const api = client(emu)
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    for (const body of ["not json", { transaction: { amount: "1.00", reason: "x" } }, { transaction: { amount: { value: 1 } } }, { transaction: {}, extra: 1 }, { transaction: [] }]) {
      assert.strictEqual((await api.refund(sale, body)).status, 400, JSON.stringify(body))
    }
    assert.strictEqual((await api.refund("nosuchsale1")).status, 404)
    assert.strictEqual((await api.refund("BAD_ID!")).status, 404)
    assert.strictEqual(emu.refunds().length, 0)
    const created = await api.refund(sale, { transaction: { amount: "2.50", order_id: "order-1" } })
    assert.strictEqual(created.status, 201)
    assert.match(created.headers.get("content-type") ?? "", /application\/xml/)
    assert.strictEqual(tag(created.text, "type"), "credit")
    assert.strictEqual(tag(created.text, "amount"), "2.50")
    assert.strictEqual(tag(created.text, "order-id"), "order-1")
    assert.strictEqual(tag(created.text, "refunded-transaction-id"), sale)
    assert.strictEqual(emu.refunds()[0]!.amount, 250)
    assert.strictEqual(emu.refunds()[0]!.idempotencyKey, "order-1", "the order id is the refund's key in the truth API")
  })

  it("answers Braintree's 422 validation errors", async () => {
    const api = client(emu)
    const sale = await emu.createPayment({ amount: 5_000, currency: "KWD" })
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ transaction: { amount: "1.2345" } }, "81503"],
      [{ transaction: { amount: "abc" } }, "81503"],
      [{ transaction: { amount: "-1.000" } }, "81501"],
      [{ transaction: { amount: "0" } }, "81531"],
      [{ transaction: { amount: "5.001" } }, "91521"],
      [{ transaction: { order_id: "o".repeat(256) } }, "91501"],
      [{ transaction: { merchant_account_id: "not-mine" } }, "91513"]
    ]
    for (const [body, code] of cases) {
      const answer = await api.refund(sale, body)
      assert.strictEqual(answer.status, 422, JSON.stringify(body))
      assert.include(answer.text, "<api-error-response>")
      assert.deepStrictEqual(codes(answer.text), [code], JSON.stringify(body))
    }
    assert.strictEqual((await api.refund(sale, { transaction: { amount: "1.000" } })).status, 201, "KWD has three decimals")
    assert.deepStrictEqual(codes((await api.refund(sale, { transaction: {} })).text), [], "no amount: the rest")
    assert.deepStrictEqual(codes((await api.refund(sale)).text), ["91512"])
  })

  it("settles on the emulator clock, never on a read; announces it with a signed transaction_settled", async () => {
    const api = client(emu)
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const id = tag((await api.refund(sale, { transaction: { amount: "1.00" } })).text, "id")!
    for (let i = 0; i < 3; i++) assert.strictEqual(tag((await api.find(id)).text, "status"), "submitted_for_settlement")
    await emu.clock.advance(1_999)
    assert.strictEqual(tag((await api.find(id)).text, "status"), "submitted_for_settlement")
    await emu.clock.advance(1)
    const settled = (await api.find(id)).text
    assert.strictEqual(tag(settled, "status"), "settled")
    assert.match(tag(settled, "settlement-batch-id") ?? "", /^\d{4}-\d{2}-\d{2}_emulatormerchantaccount$/)
    const [delivery] = await receiver.waitFor(1)
    assert.match(String(delivery!.headers["content-type"]), /application\/x-www-form-urlencoded/)
    const form = new URLSearchParams(delivery!.body)
    const payload = form.get("bt_payload")!
    assert.match(payload, /^[A-Za-z0-9+/=\n]+$/)
    assert.strictEqual(form.get("bt_signature"), `${emu.credentials["publicKey"]}|${expected(payload, emu.webhookSecret)}`)
    const xml = Buffer.from(payload, "base64").toString("utf8")
    assert.strictEqual(tag(xml, "kind"), "transaction_settled")
    assert.strictEqual(tag(xml, "id"), id)
  })

  it("a failed outcome ends processor_declined with refund_failed; a canceled one voided; a void is refused once settled", async () => {
    const api = client(emu)
    const failing = await emu.createPayment({ amount: 1_000, currency: "USD" })
    emu.scriptOutcome(failing, "failed")
    const failed = tag((await api.refund(failing, { transaction: { amount: "1.00" } })).text, "id")!
    await emu.clock.advance(2_000)
    assert.strictEqual(tag((await api.find(failed)).text, "status"), "processor_declined")
    const [delivery] = await receiver.waitFor(1)
    assert.strictEqual(tag(Buffer.from(new URLSearchParams(delivery!.body).get("bt_payload")!, "base64").toString(), "kind"), "refund_failed")
    // A failed refund gives its amount back.
    assert.deepStrictEqual(codes((await api.refund(failing, { transaction: { amount: "10.00" } })).text), [])

    const cancelled = await emu.createPayment({ amount: 1_000, currency: "USD" })
    emu.scriptOutcome(cancelled, "canceled")
    const voidedId = tag((await api.refund(cancelled, { transaction: { amount: "1.00" } })).text, "id")!
    await emu.clock.advance(2_000)
    assert.strictEqual(tag((await api.find(voidedId)).text, "status"), "voided")

    const ok = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const settledId = tag((await api.refund(ok, { transaction: { amount: "1.00" } })).text, "id")!
    await emu.clock.advance(2_000)
    const refused = await api.void(settledId)
    assert.strictEqual(refused.status, 422)
    assert.deepStrictEqual(codes(refused.text), ["91504"])
  })

  it("search finds refunds by order id (pending ones too) and refuses unknown criteria", async () => {
    const api = client(emu)
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const a = tag((await api.refund(sale, { transaction: { amount: "1.00", order_id: "o-a" } })).text, "id")!
    await api.refund(sale, { transaction: { amount: "1.00", order_id: "o-b" } })
    const ids = await api.search("advanced_search_ids", { order_id: { is: "o-a" }, type: ["credit"] })
    assert.include(ids.text, `<item>${a}</item>`)
    assert.strictEqual(tag(ids.text, "page-size"), "50")
    const page = await api.search("advanced_search", { ids: [a], order_id: { is: "o-a" } })
    assert.match(page.text, /<credit-card-transactions type="collection">/)
    assert.strictEqual([...page.text.matchAll(/<transaction>/g)].length, 1)
    assert.strictEqual(tag(page.text, "status"), "submitted_for_settlement")
    assert.strictEqual([...(await api.search("advanced_search", { order_id: { starts_with: "o-" } })).text.matchAll(/<transaction>/g)].length, 2)
    assert.strictEqual([...(await api.search("advanced_search", { type: ["sale"] })).text.matchAll(/<transaction>/g)].length, 0)
    assert.strictEqual((await api.search("advanced_search", { nickname: { is: "x" } })).status, 400)
    assert.strictEqual((await api.search("advanced_search", { order_id: { sounds_like: "x" } })).status, 400)
    assert.strictEqual((await api.search("advanced_search", { created_at: { min: "not a date" } })).status, 400)
  })

  it("signedWebhook: tampering breaks the signature, another key signs differently", async () => {
    const api = client(emu)
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const id = tag((await api.refund(sale, { transaction: { amount: "1.00" } })).text, "id")!
    const good = new URLSearchParams(emu.signedWebhook(id).body)
    assert.strictEqual(good.get("bt_signature"), `${emu.credentials["publicKey"]}|${expected(good.get("bt_payload")!, emu.webhookSecret)}`)
    const tampered = new URLSearchParams(emu.signedWebhook(id, { tamper: true }).body)
    assert.notStrictEqual(tampered.get("bt_signature"), `${emu.credentials["publicKey"]}|${expected(tampered.get("bt_payload")!, emu.webhookSecret)}`)
    const foreign = new URLSearchParams(emu.signedWebhook(id, { secret: "other" }).body)
    assert.strictEqual(foreign.get("bt_signature"), `${emu.credentials["publicKey"]}|${expected(foreign.get("bt_payload")!, "other")}`)
  })
})

describe("Braintree emulator, adversarial webhook delivery", () => {
  it("duplicates and redeliveries repeat the same signed payload", async () => {
    const receiver = await startReceiver(() => ({ status: 500, body: "" }))
    const emu = await BraintreeEmulator.start({
      clock: "manual",
      webhookUrl: receiver.url,
      webhooks: { mode: "adversarial", seed: 11, duplicateRate: 1 }
    })
    try {
      const api = client(emu)
      for (let i = 0; i < 3; i++) {
        const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
        await api.refund(sale, { transaction: { amount: "1.00" } })
      }
      await emu.clock.advance(2_000)
      await emu.clock.advance(5_000)
      await emu.clock.advance(60 * 60 * 1_000)
      await emu.flushWebhooks()
      const deliveries = emu.webhookDeliveries()
      assert.isAtLeast(deliveries.filter((d) => d.kind === "duplicate").length, 1)
      assert.isAtLeast(deliveries.filter((d) => d.kind === "retry" || d.kind === "redelivery").length, 1)
      const byEvent = new Map<string, Set<string>>()
      for (const d of deliveries) {
        const payload = new URLSearchParams(d.body).get("bt_payload")!
        const set = byEvent.get(d.events[0]!.id) ?? new Set()
        set.add(payload)
        byEvent.set(d.events[0]!.id, set)
      }
      for (const payloads of byEvent.values()) assert.strictEqual(payloads.size, 1, "every attempt of an event carries the same payload")
    } finally {
      await emu.close()
      await receiver.close()
    }
  })
})
