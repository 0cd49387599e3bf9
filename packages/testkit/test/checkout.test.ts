import { afterAll, afterEach, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { CheckoutEmulator, EmulatorService, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, startReceiver, until } from "./helpers.ts"

/** Independent Cko-Signature check: hex HMAC-SHA256 of the raw body with the signature key. */
const expectedSignature = (body: string, key: string) => createHmac("sha256", key).update(body).digest("hex")

const client = (emu: EmulatorHandle, authorization = `Bearer ${emu.credentials.secretKey}`) => ({
  refund: (paymentId: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${emu.url}/payments/${paymentId}/refunds`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body)
    }),
  raw: (paymentId: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${emu.url}/payments/${paymentId}/refunds`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    }),
  get: (path: string) => request(`${emu.url}${path}`, { headers: { authorization } })
})

const refundActions = (actions: ReadonlyArray<any>) => actions.filter((a) => a.type === "Refund")

describe("Checkout.com emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await CheckoutEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
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

  it("exposes the base URL, the secret key and the signature key", () => {
    assert.strictEqual(emu.name, "checkout")
    assert.strictEqual(emu.url, emu.origin)
    assert.deepStrictEqual(Object.keys(emu.credentials), ["secretKey"])
    assert.match(emu.credentials.secretKey!, /^sk_sbox_/)
    assert.strictEqual(emu.webhookSecret, CheckoutEmulator.defaultSignatureKey)
    assert.strictEqual(Registry.find("checkout")?.name, "checkout")
  })

  describe("auth", () => {
    it("answers a missing or wrong key with 401 and an empty body", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      for (const authorization of ["", "Bearer sk_sbox_wrong", "sk_sbox_wrong", `Basic ${emu.credentials.secretKey}`]) {
        const res = await client(emu, authorization).refund(pay, { amount: 100 })
        assert.strictEqual(res.status, 401)
        assert.strictEqual(res.text, "")
        assert.match(res.headers.get("cko-request-id") ?? "", /^[0-9a-f-]{36}$/)
      }
      assert.lengthOf(emu.refunds(), 0)
    })

    it("accepts the secret key with or without Bearer, and redacts it in the log", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      assert.strictEqual((await client(emu, emu.credentials.secretKey!).refund(pay, { amount: 100 })).status, 202)
      assert.strictEqual((await api.refund(pay, { amount: 100 })).status, 202)
      const log = emu.requests()
      assert.strictEqual(log[0]!.headers["authorization"], "[REDACTED]")
      assert.strictEqual(log[1]!.headers["authorization"], "Bearer [REDACTED]")
      assert.notInclude(JSON.stringify(log), emu.credentials.secretKey!)
    })
  })

  describe("create and settle", () => {
    it("answers 202 with an action id; the Refund action appears once processed (after the settle delay)", async () => {
      const pay = await emu.createPayment({ amount: 6540, currency: "gbp", reference: "ORD-1" })
      assert.match(pay, /^pay_[a-z2-7]{26}$/)
      const res = await api.refund(pay, { amount: 1000, reference: "RF-1", metadata: { coupon: "NY", partner_id: 123989 } })
      assert.strictEqual(res.status, 202)
      assert.deepStrictEqual(Object.keys(res.json), ["action_id", "reference", "_links"])
      const actionId = res.json.action_id as string
      assert.match(actionId, /^act_[a-z2-7]{26}$/)
      assert.strictEqual(res.json.reference, "RF-1")
      assert.deepStrictEqual(res.json._links, { payment: { href: `${emu.origin}/payments/${pay}` } })
      assert.match(res.headers.get("cko-request-id") ?? "", /^[0-9a-f-]{36}$/)

      const first = await api.get(`/payments/${pay}/actions`)
      assert.strictEqual(first.status, 200)
      assert.deepStrictEqual(first.json.map((a: any) => a.type), ["Capture", "Authorization"], "pending refunds are absent")
      const again = await api.get(`/payments/${pay}/actions`)
      assert.deepStrictEqual(again.json.map((a: any) => a.type), ["Capture", "Authorization"], "reading does not process it")
      await emu.clock.advance(CheckoutEmulator.numbers.timing.settleAfterMillis)
      const second = await api.get(`/payments/${pay}/actions`)
      assert.deepStrictEqual(second.json.map((a: any) => a.type), ["Refund", "Capture", "Authorization"], "latest first")
      const [refund, capture] = second.json
      assert.deepInclude(refund, {
        id: actionId,
        type: "Refund",
        amount: 1000,
        approved: true,
        response_code: "10000",
        response_summary: "Approved",
        reference: "RF-1",
        metadata: { coupon: "NY", partner_id: 123989 }
      })
      assert.match(refund.processed_on, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.match(refund.processing.acquirer_reference_number, /^\d{23}$/)
      assert.deepInclude(capture, { type: "Capture", amount: 6540, approved: true, response_code: "10000", reference: "ORD-1" })
      assert.match(capture.id, /^act_[a-z2-7]{26}$/)

      const payment = await api.get(`/payments/${pay}`)
      assert.strictEqual(payment.status, 200)
      assert.deepInclude(payment.json, { id: pay, amount: 6540, currency: "GBP", status: "Partially Refunded", approved: true })
      assert.deepStrictEqual(payment.json.balances, {
        total_authorized: 6540,
        total_voided: 0,
        available_to_void: 0,
        total_captured: 6540,
        available_to_capture: 0,
        total_refunded: 1000,
        available_to_refund: 5540
      })
      assert.strictEqual(payment.json._links.actions.href, `${emu.origin}/payments/${pay}/actions`)
      const [state] = emu.refunds()
      assert.strictEqual(state!.id, actionId)
      assert.strictEqual(state!.currency, "GBP")
      assert.strictEqual(state!.reference, "RF-1")
      assert.deepStrictEqual(state!.metadata, { coupon: "NY", partner_id: "123989" })
      assert.deepStrictEqual(state!.history.map((h) => [h.status, h.via]), [["Pending", "create"], ["Approved", "timer"]])
    })

    it("holds back pending refunds in available_to_refund, refunds the rest when the amount is omitted, then forbids refunds", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const partial = await api.refund(pay, { amount: 300 })
      const before = await api.get(`/payments/${pay}`)
      assert.deepInclude(before.json.balances, { total_refunded: 0, available_to_refund: 700 })
      assert.strictEqual(before.json.status, "Captured")
      const rest = await api.refund(pay, "")
      assert.strictEqual(rest.status, 202)
      assert.notProperty(rest.json, "reference")
      await emu.advance(partial.json.action_id)
      await emu.advance(rest.json.action_id)
      const after = await api.get(`/payments/${pay}`)
      assert.strictEqual(after.json.status, "Refunded")
      assert.deepInclude(after.json.balances, { total_refunded: 1000, available_to_refund: 0 })
      assert.notProperty(after.json._links, "refund")
      assert.deepStrictEqual(emu.refunds().map((r) => r.amount), [300, 700])
      const forbidden = await api.refund(pay, { amount: 1 })
      assert.strictEqual(forbidden.status, 403)
      assert.deepStrictEqual(Object.keys(forbidden.json), ["request_id", "error_type"])
      assert.strictEqual(forbidden.json.error_type, "action_not_allowed")
      assert.strictEqual(forbidden.json.request_id, forbidden.headers.get("cko-request-id"))
    })
  })

  describe("validation errors", () => {
    it("answers 422 request_invalid with error_codes", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      for (const amount of [-1, 0, 1.5, "100"]) {
        const res = await api.refund(pay, { amount })
        assert.strictEqual(res.status, 422)
        assert.deepStrictEqual(res.json, {
          request_id: res.headers.get("cko-request-id"),
          error_type: "request_invalid",
          error_codes: ["amount_invalid"]
        })
      }
      const many = await api.refund(pay, { amount: -1, reference: "x".repeat(51), metadata: { nested: { no: true } } })
      assert.deepStrictEqual(many.json.error_codes, ["amount_invalid", "reference_invalid", "metadata_invalid"])
      assert.strictEqual((await api.refund(pay, { amount: 1, reference: "x".repeat(50) })).status, 202, "50 characters is the limit")
      // An over-refund as checkout-sdk-node's own refund test answers it.
      const over = await api.refund(pay, { amount: 1000 })
      assert.strictEqual(over.status, 422)
      assert.deepStrictEqual(over.json, {
        request_id: over.headers.get("cko-request-id"),
        error_type: "processing_error",
        error_codes: ["amount_exceeds_balance"]
      })
      const malformed = await api.refund(pay, "{\"amount\":")
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(malformed.json.error_type, "request_malformed")
      for (const body of ["[]", "\"refund\"", "42", "amount=100", "[".repeat(100_000) + "]".repeat(100_000)]) {
        const res = await api.refund(pay, body)
        assert.strictEqual(res.status, 400, body)
        assert.strictEqual(res.json.error_type, "request_malformed")
      }
      assert.lengthOf(emu.refunds(), 1)
    })

    it("accepts the current refund members (items, destination, amount_allocations, capture_action_id)", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const actions = (await api.get(`/payments/${pay}/actions`)).json
      const capture = actions.find((a: any) => a.type === "Capture").id
      const res = await api.refund(pay, {
        amount: 400,
        reference: "ORD-5023-4E89",
        metadata: { coupon_code: "NY2018", partner_id: 123989, gift: false, cleared: null },
        capture_action_id: capture,
        amount_allocations: [{ id: "ent_w4jelhppmfiufdnatam37wrfc4", amount: 400, reference: "ORD-5023-4E89", commission: { amount: 10, percentage: 1.5 } }],
        items: [{
          name: "OrderTest", quantity: 2, unit_price: 200, reference: "SKU-1", commodity_code: "22", unit_of_measure: "pcs",
          total_amount: 400, tax_amount: 0, tax_rate: 2000, discount_amount: 0, wxpay_goods_id: "1001", image_url: "https://example.com/i.png",
          url: "https://example.com/p", type: "physical", service_ends_on: "2027-01-31"
        }],
        destination: {
          account_type: "savings", account_number: "13654567455", bank_code: "23-456", branch_code: "6443",
          iban: "HU93116000060000000012345676", bban: "3704 0044 0532 0130 00", swift_bic: "37040044", country: "GB",
          account_holder: {
            type: "individual", first_name: "John", last_name: "Smith", billing_address: { address_line1: "1 Main St", city: "London", zip: "W1 1AA", country: "GB" },
            phone: { country_code: "44", number: "2071234567" }, identification: { type: "passport", number: "E12341234", issuing_country: "GB" }
          },
          bank: { name: "Lloyds TSB", branch: "Bournemouth", address: { city: "Bournemouth", country: "GB" } }
        }
      })
      assert.strictEqual(res.status, 202)
      assert.deepStrictEqual(emu.refunds()[0]!.metadata, { coupon_code: "NY2018", partner_id: "123989", gift: "false" })
      const wrongCapture = await api.refund(pay, { amount: 1, capture_action_id: `act_${"a".repeat(26)}` })
      assert.deepStrictEqual(wrongCapture.json.error_codes, ["capture_action_id_invalid"])
      assert.lengthOf(emu.refunds(), 1)
    })

    it("refuses members the request does not define, wrong JSON types and broken constraints, one code per member", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const codes = async (body: string) => {
        const res = await api.refund(pay, body)
        assert.strictEqual(res.status, 422, body)
        assert.strictEqual(res.json.error_type, "request_invalid", body)
        return res.json.error_codes
      }
      assert.deepStrictEqual(await codes("{\"amount\":100,\"currency\":\"EUR\"}"), ["request_invalid"])
      assert.deepStrictEqual(await codes("{\"__proto__\":{\"amount\":1},\"constructor\":1}"), ["request_invalid"])
      assert.deepStrictEqual(await codes("{\"amount\":1e400}"), ["amount_invalid"])
      assert.deepStrictEqual(await codes("{\"amount\":99999999999999999999}"), ["amount_invalid"])
      assert.deepStrictEqual(await codes("{\"amount\":{\"value\":100}}"), ["amount_invalid"])
      assert.deepStrictEqual(await codes("{\"metadata\":[\"a\"],\"reference\":[]}"), ["reference_invalid", "metadata_invalid"])
      assert.deepStrictEqual(await codes("{\"items\":[{\"name\":\"x\",\"quantity\":0,\"colour\":\"red\"}]}"), ["items_invalid"])
      assert.deepStrictEqual(await codes("{\"items\":{\"name\":\"x\"}}"), ["items_invalid"])
      assert.deepStrictEqual(await codes("{\"destination\":{\"account_type\":\"checking\"}}"), ["destination_invalid"])
      assert.deepStrictEqual(await codes("{\"amount_allocations\":[{\"id\":\"ent_x\"}]}"), ["amount_allocations_invalid"])
      assert.deepStrictEqual(await codes("{\"capture_action_id\":\"cap_1\"}"), ["capture_action_id_invalid"])
      assert.deepStrictEqual(await codes("{\"metadata\":" + "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_001)), ["metadata_invalid"])
      assert.deepStrictEqual(await codes("{\"amount\":0,\"reason\":\"x\",\"metadata\":{\"deep\":{}}}"), ["request_invalid", "amount_invalid", "metadata_invalid"], "unknown members first")
      assert.lengthOf(emu.refunds(), 0)
    })

    it("answers unknown payments and routes with an empty 404", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const unknown = pay.slice(0, -1) + (pay.endsWith("a") ? "b" : "a")
      for (const id of [unknown, "pay_short", "not-a-payment"]) {
        const res = await api.refund(id, { amount: 100 })
        assert.strictEqual(res.status, 404)
        assert.strictEqual(res.text, "")
        assert.isNotNull(res.headers.get("cko-request-id"))
      }
      assert.strictEqual((await api.get(`/payments/${unknown}/actions`)).status, 404)
      assert.strictEqual((await api.get(`/payments/${unknown}`)).status, 404)
      assert.strictEqual((await api.get("/refunds/act_x")).status, 404, "there is no refund resource")
      assert.lengthOf(emu.refunds(), 0)
    })
  })

  describe("outcomes and webhooks", () => {
    const expectations: ReadonlyArray<[Outcome, ReadonlyArray<string>, ReadonlyArray<string>]> = [
      ["succeeded", ["Pending", "Approved"], ["payment_refund_pending", "payment_refunded"]],
      ["failed", ["Pending", "Declined"], ["payment_refund_pending", "payment_refund_declined"]],
      ["canceled", ["Pending", "Declined"], ["payment_refund_pending", "payment_refund_declined"]],
      ["requires_action", ["Pending"], ["payment_refund_pending"]],
      ["succeeded_then_reversed", ["Pending", "Approved"], ["payment_refund_pending", "payment_refunded"]],
      ["succeeded_then_failed", ["Pending", "Approved"], ["payment_refund_pending", "payment_refunded"]]
    ]
    for (const [outcome, statuses, events] of expectations) {
      it(`${outcome}: ${statuses.join(" → ")}`, async () => {
        const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
        emu.scriptOutcome(pay, outcome)
        const res = await api.refund(pay, { amount: 400, reference: "RF-O" })
        const actionId = res.json.action_id as string
        for (let i = 0; i < 3; i++) await emu.advance(actionId)
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        await emu.flushWebhooks()
        const bodies = receiver.received.map((r) => JSON.parse(r.body))
        assert.deepStrictEqual(bodies.map((b) => b.type), [...events])
        for (const delivery of receiver.received) {
          assert.strictEqual(delivery.headers["cko-signature"], expectedSignature(delivery.body, emu.webhookSecret))
          assert.strictEqual(delivery.headers["content-type"], "application/json")
        }
        for (const body of bodies) {
          assert.match(body.id, /^evt_[a-z2-7]{26}$/)
          assert.strictEqual(body.version, "1.0.29")
          assert.strictEqual(body.data.id, pay)
          assert.strictEqual(body.data.action_id, actionId)
          assert.strictEqual(body.data.amount, 400)
          assert.strictEqual(body.data.currency, "EUR")
          assert.strictEqual(body.data.reference, "RF-O")
          assert.strictEqual(body._links.payment.href, `${emu.origin}/payments/${pay}`)
        }
        const actions = refundActions((await api.get(`/payments/${pay}/actions`)).json)
        const final = statuses[statuses.length - 1]
        const balances = (await api.get(`/payments/${pay}`)).json.balances
        if (final === "Pending") {
          assert.lengthOf(actions, 0, "never processed, never listed")
          assert.strictEqual(balances.available_to_refund, 600)
        } else if (final === "Approved") {
          assert.deepInclude(actions[0], { approved: true, response_code: "10000", response_summary: "Approved" })
          assert.deepInclude(bodies[1].data, { response_code: "10000", response_summary: "Approved" })
          assert.deepInclude(balances, { total_refunded: 400, available_to_refund: 600 })
        } else {
          const summary = outcome === "canceled" ? "Refund cancelled" : "Error / Invalid Request Parameters"
          assert.deepInclude(actions[0], { approved: false, response_code: "20006", response_summary: summary })
          assert.deepInclude(bodies[1].data, { response_code: "20006", response_summary: summary })
          assert.deepInclude(balances, { total_refunded: 0, available_to_refund: 1000 }, "a declined refund releases the funds")
        }
      })
    }

    it("a scripted reason sets the decline code and summary", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.scriptOutcome(pay, "failed", { reason: "20051 Insufficient Funds" })
      const res = await api.refund(pay, { amount: 100 })
      await emu.advance(res.json.action_id)
      const [action] = refundActions((await api.get(`/payments/${pay}/actions`)).json)
      assert.deepInclude(action, { approved: false, response_code: "20051", response_summary: "Insufficient Funds" })
    })

    it("payment_refunded carries balances, processing and event links", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(pay, { amount: 250, metadata: { order: "A-1" } })
      await emu.advance(res.json.action_id)
      const event = JSON.parse(receiver.received[1]!.body)
      assert.strictEqual(event.type, "payment_refunded")
      assert.match(event.created_on, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.deepStrictEqual(event.data.balances, {
        total_authorized: 1000,
        total_voided: 0,
        available_to_void: 0,
        total_captured: 1000,
        available_to_capture: 0,
        total_refunded: 250,
        available_to_refund: 750
      })
      assert.deepStrictEqual(event.data.metadata, { order: "A-1" })
      assert.match(event.data.processing.acquirer_transaction_id, /^\d{21}$/)
      assert.deepStrictEqual(event.data.event_links, {
        payment: `${emu.origin}/payments/${pay}`,
        payment_actions: `${emu.origin}/payments/${pay}/actions`
      })
      assert.strictEqual(event._links.self.href, `${emu.origin}/workflows/events/${event.id}`)
      const pending = JSON.parse(receiver.received[0]!.body)
      assert.deepStrictEqual(Object.keys(pending.data), ["id", "action_id", "amount", "processed_on", "currency", "metadata"])
      assert.isTrue(emu.webhookDeliveries().every((d) => d.accepted))
    })

    it("signedWebhook: stable event ids, tamper and another key fail", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const res = await api.refund(pay, { amount: 250 })
      const id = res.json.action_id as string
      const pending = emu.signedWebhook(id)
      assert.strictEqual(JSON.parse(pending.body).type, "payment_refund_pending")
      await emu.advance(id)
      const a = emu.signedWebhook(id)
      const b = emu.signedWebhook(id)
      assert.strictEqual(JSON.parse(a.body).type, "payment_refunded")
      assert.strictEqual(a.body, b.body, "a redelivery is the same event")
      assert.strictEqual(JSON.parse(a.body).id, JSON.parse(receiver.received[1]!.body).id, "same id as the delivery")
      assert.strictEqual(a.headers["cko-signature"], expectedSignature(a.body, emu.webhookSecret))
      assert.isTrue(CheckoutEmulator.verifySignature(a.body, a.headers["cko-signature"], emu.webhookSecret))
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.strictEqual(JSON.parse(tampered.body).data.amount, 251)
      assert.notStrictEqual(tampered.headers["cko-signature"], expectedSignature(tampered.body, emu.webhookSecret))
      assert.isFalse(CheckoutEmulator.verifySignature(tampered.body, tampered.headers["cko-signature"], emu.webhookSecret))
      const foreign = emu.signedWebhook(id, { secret: "another-signature-key", eventType: "payment_refund_declined" })
      assert.strictEqual(JSON.parse(foreign.body).type, "payment_refund_declined")
      assert.strictEqual(foreign.headers["cko-signature"], expectedSignature(foreign.body, "another-signature-key"))
      assert.isFalse(CheckoutEmulator.verifySignature(foreign.body, foreign.headers["cko-signature"], emu.webhookSecret))
      assert.isFalse(CheckoutEmulator.verifySignature(a.body, "zz", emu.webhookSecret))
    })

    it("options: no pending events, a custom Authorization header, settling by time", async () => {
      const custom = await CheckoutEmulator.start({
        webhookUrl: receiver.url,
        refundPendingEvents: false,
        webhookAuthorization: "hook-secret-value",
        signatureKey: "my-signature-key",
        settleAfterMillis: 30,
        clock: { kind: "real" }
      })
      try {
        assert.strictEqual(custom.webhookSecret, "my-signature-key")
        const pay = await custom.createPayment({ amount: 1000, currency: "USD" })
        await client(custom).refund(pay, { amount: 100 })
        const [delivery] = await receiver.waitFor(1)
        assert.strictEqual(JSON.parse(delivery!.body).type, "payment_refunded")
        assert.strictEqual(delivery!.headers["authorization"], "hook-secret-value")
        assert.strictEqual(custom.webhookDeliveries()[0]!.headers["authorization"], "[REDACTED]", "sent, but never recorded")
        assert.strictEqual(delivery!.headers["cko-signature"], expectedSignature(delivery!.body, "my-signature-key"))
        assert.deepStrictEqual(custom.refunds()[0]!.history.map((h) => h.via), ["create", "timer"])
      } finally {
        await custom.close()
      }
    })
  })

  describe("idempotency (Cko-Idempotency-Key)", () => {
    it("replays a successful answer for the same key, whatever the body", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      const first = await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-1" })
      const second = await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-1" })
      const other = await api.refund(pay, { amount: 999 }, { "cko-idempotency-key": "ck-1" })
      assert.strictEqual(second.status, 202)
      assert.strictEqual(second.text, first.text)
      assert.strictEqual(other.text, first.text)
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.refunds()[0]!.idempotencyKey, "ck-1")
    })

    it("does not store 4xx or 5xx answers: the same key is processed again", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      assert.strictEqual((await api.refund(pay, { amount: 5000 }, { "cko-idempotency-key": "ck-2" })).status, 422)
      assert.strictEqual((await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-2" })).status, 202)
      emu.injectFault({ _tag: "ServerError", status: 502 })
      assert.strictEqual((await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-3" })).status, 502)
      assert.strictEqual((await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-3" })).status, 202)
      assert.lengthOf(emu.refunds(), 2)
    })

    it("answers 429 to a concurrent request with the same key", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 250 })
      const slow = api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-4" })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      const concurrent = await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "ck-4" })
      assert.strictEqual(concurrent.status, 429)
      assert.strictEqual(concurrent.json.error_type, "too_many_requests")
      await emu.clock.advance(250)
      assert.strictEqual((await slow).status, 202)
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("faults", () => {
    it("RateLimit answers 429 with Retry-After", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 4 })
      const res = await api.refund(pay, { amount: 100 })
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "4")
      assert.deepStrictEqual(res.json, { request_id: res.headers.get("cko-request-id"), error_type: "too_many_requests" })
      assert.lengthOf(emu.refunds(), 0)
    })

    it("ServerError answers the status with an empty body", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "ServerError" })
      emu.injectFault({ _tag: "ServerError", status: 502 })
      for (const status of [500, 502]) {
        const res = await api.refund(pay, { amount: 100 })
        assert.strictEqual(res.status, status)
        assert.strictEqual(res.text, "")
        assert.isNotNull(res.headers.get("cko-request-id"))
      }
      assert.lengthOf(emu.refunds(), 0)
    })

    it("DropBeforeRecord leaves no refund; DropAfterRecord exactly one, replayed on a keyed retry", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "DropBeforeRecord" })
      assert.isFalse((await api.raw(pay, { amount: 100 }, { "cko-idempotency-key": "drop-a" })).ok)
      assert.lengthOf(emu.refunds(), 0)
      emu.injectFault({ _tag: "DropAfterRecord" })
      assert.isFalse((await api.raw(pay, { amount: 100 }, { "cko-idempotency-key": "drop-b" })).ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.refund(pay, { amount: 100 }, { "cko-idempotency-key": "drop-b" })
      assert.strictEqual(retry.status, 202)
      assert.strictEqual(retry.json.action_id, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow answers late with the refund already recorded; MalformedBody answers 200 garbage", async () => {
      const pay = await emu.createPayment({ amount: 1000, currency: "EUR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 200 })
      const pending = api.refund(pay, { amount: 100 })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      assert.lengthOf(emu.refunds(), 1)
      await emu.clock.advance(200)
      assert.strictEqual((await pending).status, 202)
      emu.injectFault({ _tag: "MalformedBody" }, { method: "POST", path: /\/refunds$/ })
      const malformed = await api.refund(pay, { amount: 100 })
      assert.strictEqual(malformed.status, 200)
      assert.isUndefined(malformed.json)
      assert.lengthOf(emu.refunds(), 2)
    })
  })
})

layer(CheckoutEmulator.layer())("Checkout.com emulator as a layer", (it) => {
  it.effect("provides the emulator under both keys", () =>
    Effect.gen(function*() {
      const generic = yield* EmulatorService
      const specific = yield* CheckoutEmulator.Service
      assert.strictEqual(generic, specific)
      assert.strictEqual(specific.name, "checkout")
    }))
})
