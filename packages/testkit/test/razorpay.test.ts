import { afterAll, afterEach, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { EmulatorService, RazorpayEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, startReceiver, until } from "./helpers.ts"

/** Independent X-Razorpay-Signature check with node:crypto: hex HMAC-SHA256 of the raw body. */
const expectedSignature = (body: string, secret: string) => createHmac("sha256", secret).update(body).digest("hex")

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

const errorBody = (description: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    error: {
      code: "BAD_REQUEST_ERROR",
      description,
      source: "NA",
      step: "NA",
      reason: "NA",
      metadata: {},
      ...extra
    }
  })

const validationBody = (description: string, field?: string) =>
  JSON.stringify({
    error: {
      code: "BAD_REQUEST_ERROR",
      description,
      source: "business",
      step: "payment_initiation",
      reason: "input_validation_failed",
      metadata: {},
      ...(field === undefined ? {} : { field })
    }
  })

const client = (emu: EmulatorHandle) => {
  const auth = { authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!) }
  return {
    refund: (paymentId: string, body: unknown = {}, headers: Record<string, string> = {}) =>
      request(`${emu.url}/v1/payments/${paymentId}/refund`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body)
      }),
    raw: (paymentId: string, body: unknown = {}, headers: Record<string, string> = {}) =>
      call(`${emu.url}/v1/payments/${paymentId}/refund`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", ...headers },
        body: JSON.stringify(body)
      }),
    get: (path: string) => request(`${emu.url}/v1${path}`, { headers: auth })
  }
}

describe("Razorpay emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await RazorpayEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    api = client(emu)
  })
  afterEach(async () => {
    // Creation webhooks of the previous test may still be on their way.
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 200, body: "" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("exposes the host as base URL (like razorpay-node's hostUrl), a rzp_test_ key pair and the registry entry", async () => {
    assert.strictEqual(emu.name, "razorpay")
    assert.strictEqual(emu.url, emu.origin)
    assert.match(emu.credentials.keyId!, /^rzp_test_[A-Za-z0-9]{14}$/)
    assert.lengthOf(emu.credentials.keySecret!, 24)
    assert.strictEqual(emu.webhookSecret, RazorpayEmulator.defaultWebhookSecret)
    assert.include(Registry.names(), "razorpay")
    const started = await Registry.find("Razorpay")!.start({ keyId: "rzp_test_OtherKeyId12345" })
    try {
      assert.strictEqual(started.credentials.keyId, "rzp_test_OtherKeyId12345")
    } finally {
      await started.close()
    }
  })

  describe("auth", () => {
    it("answers 401 with Razorpay's bodies for a missing header, a wrong key id and a wrong secret", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const url = `${emu.url}/v1/payments/${pay}/refund`
      const post = (headers: Record<string, string>) =>
        request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" })
      const none = await post({})
      assert.strictEqual(none.status, 401)
      assert.strictEqual(none.text, errorBody("Please provide your api key for authentication purposes."))
      const wrongKey = await post({ authorization: basic("rzp_test_WrongKeyId0000", emu.credentials.keySecret!) })
      assert.strictEqual(wrongKey.status, 401)
      assert.strictEqual(
        wrongKey.text,
        "{\"error\":{\"code\":\"BAD_REQUEST_ERROR\",\"description\":\"The api key provided is invalid\",\"source\":\"NA\",\"step\":\"NA\",\"reason\":\"NA\",\"metadata\":{}}}"
      )
      const wrongSecret = await post({ authorization: basic(emu.credentials.keyId!, "NotTheSecret000000000000") })
      assert.strictEqual(wrongSecret.status, 401)
      assert.strictEqual(wrongSecret.text, errorBody("The api secret provided is invalid"))
      assert.notInclude(wrongSecret.text, "NotTheSecret")
      // Razorpay is strict about the scheme: `basic` / `BASIC` are refused.
      const token = Buffer.from(`${emu.credentials.keyId}:${emu.credentials.keySecret}`).toString("base64")
      for (const scheme of ["basic", "BASIC", "Bearer"]) {
        assert.strictEqual((await post({ authorization: `${scheme} ${token}` })).status, 401)
      }
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[1]!.headers["authorization"], "Basic [REDACTED]")
      assert.notInclude(JSON.stringify(emu.requests()), emu.credentials.keySecret!)
    })
  })

  describe("create and settle", () => {
    it("creates a pending refund entity and settles it after the settle delay", async () => {
      const pay = await emu.createPayment({ amount: 50_000, currency: "inr", reference: "order-7" })
      assert.match(pay, /^pay_[A-Za-z0-9]{14}$/)
      const now = Math.floor(emu.clock.now() / 1000)
      const res = await api.refund(pay, {
        amount: 20_000,
        speed: "normal",
        notes: { merchant_refund_id: "r-1", attempt: 1 },
        receipt: "Receipt No. 31"
      })
      assert.strictEqual(res.status, 200)
      const refund = res.json
      assert.match(refund.id, /^rfnd_[A-Za-z0-9]{14}$/)
      assert.deepStrictEqual(Object.keys(refund), [
        "id",
        "entity",
        "amount",
        "currency",
        "payment_id",
        "notes",
        "receipt",
        "acquirer_data",
        "created_at",
        "batch_id",
        "status",
        "speed_processed",
        "speed_requested"
      ])
      assert.deepInclude(refund, {
        entity: "refund",
        amount: 20_000,
        currency: "INR",
        payment_id: pay,
        notes: { merchant_refund_id: "r-1", attempt: 1 },
        receipt: "Receipt No. 31",
        acquirer_data: { arn: null },
        batch_id: null,
        status: "pending",
        speed_processed: "normal",
        speed_requested: "normal"
      })
      assert.strictEqual(refund.created_at, now, "created_at comes from the emulator clock")
      for (let read = 0; read < 3; read++) assert.strictEqual((await api.get(`/refunds/${refund.id}`)).json.status, "pending")
      await emu.clock.advance(RazorpayEmulator.numbers.timing.settleAfterMillis)
      const second = await api.get(`/refunds/${refund.id}`)
      assert.strictEqual(second.json.status, "processed")
      assert.match(second.json.acquirer_data.arn, /^\d{14}$/)
      const [state] = emu.refunds()
      assert.deepStrictEqual(state!.history.map((h) => [h.status, h.via]), [["pending", "create"], ["processed", "timer"]])
      assert.strictEqual(state!.reference, "Receipt No. 31")
      assert.deepStrictEqual(state!.metadata, { merchant_refund_id: "r-1", attempt: "1" })
    })

    it("refunds the rest when amount is omitted, accepts form bodies and shows empty notes as []", async () => {
      const pay = await emu.createPayment({ amount: 30_000, currency: "INR" })
      const partial = await request(`${emu.url}/v1/payments/${pay}/refund`, {
        method: "POST",
        headers: {
          authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!),
          "content-type": "application/x-www-form-urlencoded"
        },
        body: "amount=10000&speed=optimum&notes[reason]=damaged"
      })
      assert.strictEqual(partial.status, 200)
      assert.deepInclude(partial.json, {
        amount: 10_000,
        notes: { reason: "damaged" },
        speed_requested: "optimum",
        speed_processed: "instant"
      })
      const rest = await api.refund(pay)
      assert.strictEqual(rest.json.amount, 20_000)
      assert.deepStrictEqual(rest.json.notes, [])
      assert.isNull(rest.json.receipt)
    })

    it("serves both status endpoints and lists; none of them moves a refund", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const id = (await api.refund(pay, { amount: 1_000 })).json.id
      const list = await api.get(`/payments/${pay}/refunds`)
      assert.deepStrictEqual(Object.keys(list.json), ["entity", "count", "items"])
      assert.deepInclude(list.json, { entity: "collection", count: 1 })
      await api.get("/refunds")
      assert.strictEqual(emu.refunds()[0]!.status, "pending")
      assert.strictEqual((await api.get(`/payments/${pay}/refunds/${id}`)).json.status, "pending")
      assert.strictEqual((await api.get(`/refunds/${id}`)).json.status, "pending")
      await emu.clock.advance(RazorpayEmulator.numbers.timing.settleAfterMillis)
      assert.strictEqual((await api.get(`/payments/${pay}/refunds/${id}`)).json.status, "processed")
      const payment = await api.get(`/payments/${pay}`)
      assert.deepInclude(payment.json, {
        id: pay,
        entity: "payment",
        amount: 10_000,
        amount_refunded: 1_000,
        refund_status: "partial",
        status: "captured",
        captured: true
      })
    })

    it("lists refunds newest first with count and skip", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const ids: Array<string> = []
      for (let i = 0; i < 3; i++) ids.push((await api.refund(pay, { amount: 1_000 + i * 100 })).json.id)
      const all = await api.get(`/payments/${pay}/refunds`)
      assert.deepStrictEqual(all.json.items.map((r: { id: string }) => r.id), ids.toReversed())
      const page = await api.get(`/payments/${pay}/refunds?count=1&skip=1`)
      assert.deepStrictEqual(page.json.items.map((r: { id: string }) => r.id), [ids[1]])
      assert.strictEqual(page.json.count, 1)
      const bad = await api.get(`/payments/${pay}/refunds?count=abc`)
      assert.strictEqual(bad.status, 400)
      assert.strictEqual(bad.text, validationBody("The count must be an integer.", "count"))
      assert.strictEqual((await api.get("/refunds?count=101")).text, validationBody("The count may not be greater than 100.", "count"))
      assert.strictEqual((await api.get("/refunds?count=0")).text, validationBody("The count must be at least 1.", "count"))
      assert.strictEqual((await api.get("/refunds?skip=-1")).text, validationBody("The skip must be at least 0.", "skip"))
      // Only from, to, count and skip are documented for the collections.
      const extra = await api.get(`/payments/${pay}/refunds?count=1&status=processed&payment_id=${pay}`)
      assert.strictEqual(extra.text, validationBody("status, payment_id is/are not required and should not be sent"))
      const from = Math.floor(emu.clock.now() / 1000)
      assert.lengthOf((await api.get(`/refunds?from=${from + 1}`)).json.items, 0)
      assert.lengthOf((await api.get(`/refunds?from=${from}&to=${from}`)).json.items, 3)
    })

    it("settles on a real clock by itself with settleAfterMillis", async () => {
      const timed = await RazorpayEmulator.start({ settleAfterMillis: 20 })
      try {
        const pay = await timed.createPayment({ amount: 1_000, currency: "INR" })
        const id = (await client(timed).refund(pay)).json.id
        await until(() => timed.refunds()[0]!.status === "processed", "the refund to settle")
        assert.deepStrictEqual(timed.refunds()[0]!.history.map((h) => h.via), ["create", "timer"])
        assert.strictEqual((await client(timed).get(`/refunds/${id}`)).json.status, "processed")
      } finally {
        await timed.close()
      }
    })
  })

  describe("outcomes", () => {
    const expectations: ReadonlyArray<[Outcome, ReadonlyArray<string>, ReadonlyArray<string>]> = [
      ["succeeded", ["pending", "processed"], ["refund.created", "refund.processed"]],
      ["failed", ["pending", "failed"], ["refund.created", "refund.failed"]],
      // Razorpay refunds cannot be cancelled or reversed: the closest expressible ends.
      ["canceled", ["pending", "failed"], ["refund.created", "refund.failed"]],
      ["requires_action", ["pending"], ["refund.created"]],
      ["succeeded_then_reversed", ["pending", "processed"], ["refund.created", "refund.processed"]],
      ["succeeded_then_failed", ["pending", "processed"], ["refund.created", "refund.processed"]]
    ]
    for (const [outcome, statuses, events] of expectations) {
      it(`plays ${outcome} as ${statuses.join(" → ")} with signed ${events.join(", ")}`, async () => {
        const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
        emu.scriptOutcome(pay, outcome)
        const id = (await api.refund(pay, { amount: 4_000 })).json.id
        for (let i = 0; i < 3; i++) await emu.advance(id)
        await emu.flushWebhooks()
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        assert.strictEqual((await api.get(`/refunds/${id}`)).json.status, statuses.at(-1))
        assert.deepStrictEqual(receiver.received.map((r) => JSON.parse(r.body).event), [...events])
        for (const delivery of receiver.received) {
          assert.strictEqual(delivery.headers["x-razorpay-signature"], expectedSignature(delivery.body, emu.webhookSecret))
          const event = JSON.parse(delivery.body)
          assert.strictEqual(event.payload.refund.entity.id, id)
          assert.strictEqual(event.payload.payment.entity.id, pay)
        }
        assert.isTrue(emu.webhookDeliveries().every((d) => d.accepted))
      })
    }

    it("releases the amount of a failed refund", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "INR" })
      emu.scriptOutcome(pay, "failed")
      const id = (await api.refund(pay)).json.id
      assert.strictEqual((await api.refund(pay, { amount: 100 })).status, 400)
      await emu.advance(id)
      emu.scriptOutcome(pay, "succeeded")
      assert.strictEqual((await api.refund(pay)).json.amount, 5_000)
    })
  })

  describe("validation errors", () => {
    it("answers 400 for unknown and malformed ids, like Razorpay", async () => {
      const real = await emu.createPayment({ amount: 1_000, currency: "INR" })
      const unknown = real.slice(0, -1) + (real.endsWith("Z") ? "Y" : "Z")
      const res = await api.refund(unknown, { amount: 100 })
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.text, errorBody("The id provided does not exist"))
      const malformed = await api.refund("pay_short", { amount: 100 })
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(malformed.json.error.description, "pay_short is not a valid id")
      const missingRefund = await api.get("/refunds/rfnd_AAAAAAAAAAAAAA")
      assert.strictEqual(missingRefund.status, 400)
      assert.strictEqual(missingRefund.text, errorBody("The id provided does not exist"))
      const wrongPair = await api.get(`/payments/${real}/refunds/rfnd_AAAAAAAAAAAAAA`)
      assert.strictEqual(wrongPair.status, 400)
      const route = await api.get("/refunds/rfnd_AAAAAAAAAAAAAA/nothing")
      assert.strictEqual(route.status, 400)
      assert.strictEqual(route.text, errorBody("The requested URL was not found on the server."))
      assert.lengthOf(emu.refunds(), 0)
    })

    it("refuses over-refunds and fully refunded payments with the server's descriptions (no field)", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      const over = await api.refund(pay, { amount: 1_001 })
      assert.strictEqual(over.status, 400)
      assert.strictEqual(over.text, validationBody("The refund amount provided is greater than amount captured"))
      assert.strictEqual((await api.refund(pay, { amount: 600 })).status, 200)
      // Within the captured amount but above what is left: another description (BAD_REQUEST_TOTAL_REFUND_...).
      const total = await api.refund(pay, { amount: 500 })
      assert.strictEqual(total.status, 400)
      assert.strictEqual(total.text, validationBody("The total refund amount is greater than the refund payment amount"))
      assert.strictEqual((await api.refund(pay)).json.amount, 400)
      const full = await api.refund(pay, { amount: 100 })
      assert.strictEqual(full.status, 400)
      assert.strictEqual(full.text, validationBody("The payment has been fully refunded already"))
      // Fully refunded is checked before the amount itself.
      assert.strictEqual((await api.refund(pay, { amount: "0" })).json.error.description, "The payment has been fully refunded already")
      assert.lengthOf(emu.refunds(), 2)
    })

    it("validates amount, speed, notes, receipt and reverse_all with Laravel's messages", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const cases: ReadonlyArray<[unknown, string, string]> = [
        [{ amount: 10.5 }, "The amount must be an integer.", "amount"],
        [{ amount: "ten" }, "The amount must be an integer.", "amount"],
        [{ amount: true }, "The amount must be an integer.", "amount"],
        [{ amount: { value: 1 } }, "The amount must be an integer.", "amount"],
        [{ amount: [100] }, "The amount must be an integer.", "amount"],
        [{ amount: 1e300 }, "The amount must be an integer.", "amount"],
        [{ amount: "99999999999999999999999" }, "The amount must be an integer.", "amount"],
        [{ amount: 0 }, "Amount cannot be blank", "amount"],
        [{ amount: "" }, "Amount cannot be blank", "amount"],
        [{ amount: " 100" }, "Amount should be in paise and only have digits", "amount"],
        [{ amount: "-100" }, "Amount should be in paise and only have digits", "amount"],
        [{ amount: -100 }, "The amount must be at least INR 1.00", "amount"],
        [{ amount: 99 }, "The amount must be at least INR 1.00", "amount"],
        [{ speed: "instant" }, "The selected speed is invalid.", "speed"],
        [{ speed: "" }, "The speed field must have a value.", "speed"],
        [{ speed: null }, "The speed field must have a value.", "speed"],
        [{ speed: ["normal"] }, "The selected speed is invalid.", "speed"],
        [{ notes: "text" }, "Notes should be provided as a dictionary", "notes"],
        [{ notes: ["a"] }, "Notes should be provided as a dictionary", "notes"],
        [{ notes: { a: { b: 1 } } }, "Notes values themselves should not be an array", "notes"],
        [{ notes: { a: [1] } }, "Notes values themselves should not be an array", "notes"],
        [
          { notes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, "v"])) },
          "Number of fields in notes should be less than or equal to 15",
          "notes"
        ],
        [{ notes: { ["k".repeat(256)]: "v" } }, "Notes key cannot be greater 255 characters", "notes"],
        [{ notes: { k: "v".repeat(513) } }, "Notes value cannot be greater 512 characters", "notes"],
        [{ receipt: 31 }, "The receipt must be a string.", "receipt"],
        [{ receipt: "r".repeat(41) }, "The receipt may not be greater than 40 characters.", "receipt"],
        [{ reverse_all: "yes" }, "The reverse all field must be true or false.", "reverse_all"],
        [{ reverse_all: 2 }, "The reverse all field must be true or false.", "reverse_all"]
      ]
      for (const [body, description, field] of cases) {
        const res = await api.refund(pay, body)
        assert.strictEqual(res.status, 400, JSON.stringify(body))
        assert.strictEqual(res.text, validationBody(description, field), JSON.stringify(body))
      }
      assert.lengthOf(emu.refunds(), 0)
      // The amount given as a numeric string is accepted, as the official SDK examples send it.
      assert.strictEqual((await api.refund(pay, { amount: "100", receipt: "R-1" })).json.amount, 100)
      const duplicate = await api.refund(pay, { amount: 100, receipt: "R-1" })
      assert.strictEqual(duplicate.text, validationBody("Duplicate receipt found for this refund request."))
      // 15 notes of 512 characters (emoji count as one character each), a 40-character receipt, reverse_all.
      const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "😀".repeat(512)]))
      const ok = await api.refund(pay, { amount: 100, notes: fifteen, receipt: "é".repeat(40), reverse_all: 1 })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.strictEqual((await api.refund(pay, { amount: 100, reverse_all: false })).status, 200)
      assert.lengthOf(emu.refunds(), 3)
    })

    it("refuses every parameter the reference does not list, naming all of them and no field", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const cases: ReadonlyArray<[unknown, string]> = [
        [{ amount: 100, currency: "INR" }, "currency"],
        [{ currency: "INR", amount: 100, reason: "x" }, "currency, reason"],
        // Server-only (undocumented) Route reversals are refused like any unknown parameter.
        [{ reversals: [{ transfer: "trf_1", amount: 100 }] }, "reversals"],
        [JSON.parse("{\"__proto__\":{\"amount\":1}}"), "__proto__"],
        [{ constructor: "x", toString: 1 }, "constructor, toString"],
        // A JSON array is read as PHP reads it: a dictionary keyed by index.
        [[100, "normal"], "0, 1"]
      ]
      for (const [body, keys] of cases) {
        const res = await api.refund(pay, body)
        assert.strictEqual(res.status, 400, JSON.stringify(body))
        assert.strictEqual(res.text, validationBody(`${keys} is/are not required and should not be sent`))
      }
      // Form bodies go through the same rule, bracket keys included.
      const form = await request(`${emu.url}/v1/payments/${pay}/refund`, {
        method: "POST",
        headers: {
          authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!),
          "content-type": "application/x-www-form-urlencoded"
        },
        body: "amount=100&__proto__[amount]=1&notes[k]=v"
      })
      assert.strictEqual(form.text, validationBody("__proto__ is/are not required and should not be sent"))
      assert.isUndefined(({} as Record<string, unknown>)["amount"])
      assert.lengthOf(emu.refunds(), 0)
    })

    it("answers garbage bodies and foreign content types with a 400, never a crash", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      for (const garbage of ["{\"amount\":", "\"just a string\"", "12", "null", "{\"amount\":1e999999}", "\u0000\u0001"]) {
        const res = await api.refund(pay, garbage)
        assert.strictEqual(res.status, 400, garbage)
        assert.strictEqual(res.json.error.code, "BAD_REQUEST_ERROR", garbage)
      }
      const xml = await request(`${emu.url}/v1/payments/${pay}/refund`, {
        method: "POST",
        headers: { authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!), "content-type": "text/xml" },
        body: "<refund><amount>100</amount></refund>"
      })
      assert.strictEqual(xml.status, 400)
      assert.match(xml.json.error.description, /JSON .* or form-encoded/)
      assert.lengthOf(emu.refunds(), 0)
      // The emulator still serves after all of that.
      assert.strictEqual((await api.refund(pay, { amount: 100 })).status, 200)
    })

    it("lets instant (optimum) refunds go below one major unit, as only create-instant documents", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      assert.strictEqual((await api.refund(pay, { amount: 50 })).json.error.description, "The amount must be at least INR 1.00")
      const instant = await api.refund(pay, { amount: 50, speed: "optimum" })
      assert.strictEqual(instant.status, 200, instant.text)
      assert.deepInclude(instant.json, { amount: 50, speed_requested: "optimum", speed_processed: "instant" })
      assert.strictEqual((await api.refund(pay, { amount: -1, speed: "optimum" })).json.error.description, "The amount must be at least INR 0.01")
    })

    it("uses each currency's minor unit for the minimum", async () => {
      const yen = await emu.createPayment({ amount: 10_000, currency: "JPY" })
      assert.strictEqual((await api.refund(yen, { amount: 1 })).status, 200)
      const dinar = await emu.createPayment({ amount: 10_000, currency: "KWD" })
      assert.strictEqual((await api.refund(dinar, { amount: 999 })).json.error.description, "The amount must be at least KWD 1.000")
      assert.strictEqual((await api.refund(dinar, { amount: 1_234 })).json.amount, 1_234)
    })

    it("updates notes with PATCH /v1/refunds/:id", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const id = (await api.refund(pay, { amount: 100 })).json.id
      const res = await request(`${emu.url}/v1/refunds/${id}`, {
        method: "PATCH",
        headers: { authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!), "content-type": "application/json" },
        body: JSON.stringify({ notes: { note_key: "Beam me up" } })
      })
      assert.deepStrictEqual(res.json.notes, { note_key: "Beam me up" })
      assert.deepStrictEqual(emu.refunds()[0]!.metadata, { note_key: "Beam me up" })
    })
  })

  describe("idempotency (X-Refund-Idempotency)", () => {
    const key = "550e8400-e29b-41d4-a716-446655440000"

    it("replays the same refund for the same key and body", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const first = await api.refund(pay, { amount: 500, notes: { a: "1", b: "2" } }, { "x-refund-idempotency": key })
      // Key order in the JSON body does not matter; the parameters do.
      const again = await api.refund(pay, { notes: { b: "2", a: "1" }, amount: 500 }, { "x-refund-idempotency": key })
      assert.strictEqual(again.status, 200)
      assert.strictEqual(again.text, first.text)
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.refunds()[0]!.idempotencyKey, key)
    })

    it("refuses a different body under the same key with 400 BAD_REQUEST_ERROR", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      await api.refund(pay, { amount: 500 }, { "x-refund-idempotency": key })
      const other = await api.refund(pay, { amount: 600 }, { "x-refund-idempotency": key })
      assert.strictEqual(other.status, 400)
      assert.strictEqual(other.text, errorBody("Different request with the same idempotency key has already been processed."))
      const pay2 = await emu.createPayment({ amount: 10_000, currency: "INR" })
      assert.strictEqual((await api.refund(pay2, { amount: 500 }, { "x-refund-idempotency": key })).status, 400)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("answers 409 while the first request with the key is in flight", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 250 })
      const slow = api.refund(pay, { amount: 500 }, { "x-refund-idempotency": key })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      const concurrent = await api.refund(pay, { amount: 500 }, { "x-refund-idempotency": key })
      assert.strictEqual(concurrent.status, 409)
      assert.strictEqual(concurrent.text, errorBody("Another request with the same idempotency key is still in progress."))
      await emu.clock.advance(250)
      assert.strictEqual((await slow).status, 200)
      assert.strictEqual((await api.refund(pay, { amount: 500 }, { "x-refund-idempotency": key })).text, (await slow).text)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("validates the key and forgets keys whose request failed", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      const short = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "short-key" })
      assert.strictEqual(short.status, 400)
      assert.strictEqual(short.text, errorBody("The idempotency key must be at least 10 characters long."))
      const chars = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "key with spaces!" })
      assert.strictEqual(chars.status, 400)
      assert.lengthOf(emu.refunds(), 0)
      const over = await api.refund(pay, { amount: 5_000 }, { "x-refund-idempotency": "retry-key-001" })
      assert.strictEqual(over.status, 400)
      const fixed = await api.refund(pay, { amount: 500 }, { "x-refund-idempotency": "retry-key-001" })
      assert.strictEqual(fixed.status, 200)
    })
  })

  describe("faults", () => {
    it("RateLimit answers 429 with Razorpay's body and Retry-After (not documented by Razorpay)", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 }, { method: "POST", path: "/v1/payments/*" })
      const res = await api.refund(pay, { amount: 100 })
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "2")
      // BAD_REQUEST_RATE_LIMIT_EXCEEDED's description (Razorpay server PublicErrorDescription); HTTP 429.
      assert.strictEqual(res.text, errorBody("Request failed. Please try after sometime."))
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[0]!.fault, "RateLimit")
    })

    it("ServerError answers 5xx SERVER_ERROR and leaves the key free", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      emu.injectFault({ _tag: "ServerError" })
      emu.injectFault({ _tag: "ServerError", status: 503 })
      const first = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "server-err-01" })
      assert.strictEqual(first.status, 500)
      assert.strictEqual(
        first.text,
        JSON.stringify({
          error: {
            code: "SERVER_ERROR",
            description: "We are facing some trouble completing your request at the moment. Please try again shortly.",
            source: "NA",
            step: "NA",
            reason: "NA",
            metadata: {}
          }
        })
      )
      const second = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "server-err-01" })
      assert.strictEqual(second.status, 503)
      assert.strictEqual(second.json.error.code, "SERVER_ERROR")
      const third = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "server-err-01" })
      assert.strictEqual(third.status, 200)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("DropBeforeRecord leaves no refund; DropAfterRecord exactly one, replayed to a keyed retry", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      emu.injectFault({ _tag: "DropBeforeRecord" })
      assert.isFalse((await api.raw(pay, { amount: 100 }, { "x-refund-idempotency": "drop-before-1" })).ok)
      assert.lengthOf(emu.refunds(), 0)
      emu.injectFault({ _tag: "DropAfterRecord" })
      assert.isFalse((await api.raw(pay, { amount: 100 }, { "x-refund-idempotency": "drop-after-01" })).ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.refund(pay, { amount: 100 }, { "x-refund-idempotency": "drop-after-01" })
      assert.strictEqual(retry.status, 200)
      assert.strictEqual(retry.json.id, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow answers late with the refund already recorded; MalformedBody answers 200 garbage", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "INR" })
      emu.injectFault({ _tag: "Slow", delayMillis: 200 })
      const pending = api.refund(pay, { amount: 100 })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      assert.lengthOf(emu.refunds(), 1)
      await emu.clock.advance(200)
      assert.strictEqual((await pending).status, 200)
      emu.injectFault({ _tag: "MalformedBody" }, { method: "POST" })
      const malformed = await api.refund(pay, { amount: 100 })
      assert.strictEqual(malformed.status, 200)
      assert.isUndefined(malformed.json)
      assert.isTrue(malformed.text.startsWith("{\"id\":\"rfnd_"))
      assert.lengthOf(emu.refunds(), 2)
    })
  })

  describe("webhooks", () => {
    it("R1: signs like razorpay-node's validateWebhookSignature vector", () => {
      const body = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}"
      const expected = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"
      assert.strictEqual(RazorpayEmulator.signature(body, "123456"), expected)
      assert.strictEqual(expectedSignature(body, "123456"), expected)
      assert.isTrue(RazorpayEmulator.verifySignature(body, expected, "123456"))
      assert.isFalse(RazorpayEmulator.verifySignature(body, "sdfafds", "123456"))
      assert.isFalse(RazorpayEmulator.verifySignature(body, expected, "1234567"))
    })

    it("delivers refund.created and refund.processed with Razorpay's event shape", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR", reference: "order-1" })
      const id = (await api.refund(pay, { amount: 2_500, notes: { k: "v" } })).json.id
      await emu.advance(id)
      const deliveries = await receiver.waitFor(2)
      const [created, processed] = deliveries.map((d) => JSON.parse(d.body))
      assert.deepStrictEqual(Object.keys(processed), ["entity", "account_id", "event", "contains", "payload", "created_at"])
      assert.deepInclude(processed, {
        entity: "event",
        account_id: RazorpayEmulator.defaultAccountId,
        event: "refund.processed",
        contains: ["refund", "payment"]
      })
      assert.strictEqual(created.event, "refund.created")
      assert.strictEqual(created.payload.refund.entity.status, "pending")
      assert.strictEqual(processed.payload.refund.entity.status, "processed")
      assert.match(processed.payload.refund.entity.acquirer_data.arn, /^\d{14}$/)
      assert.deepInclude(processed.payload.payment.entity, {
        id: pay,
        entity: "payment",
        amount_refunded: 2_500,
        refund_status: "partial",
        description: "order-1"
      })
      assert.isNumber(processed.created_at)
      for (const d of deliveries) {
        assert.strictEqual(d.method, "POST")
        assert.strictEqual(d.headers["content-type"], "application/json")
        assert.strictEqual(d.headers["x-razorpay-signature"], expectedSignature(d.body, emu.webhookSecret))
        assert.match(String(d.headers["x-razorpay-event-id"]), /^[A-Za-z0-9]{14}$/)
      }
      assert.notStrictEqual(deliveries[0]!.headers["x-razorpay-event-id"], deliveries[1]!.headers["x-razorpay-event-id"])
    })

    it("signedWebhook reproduces the delivery (same event id) and supports tamper and another secret", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      const id = (await api.refund(pay, { amount: 2_500 })).json.id
      await emu.advance(id)
      await emu.flushWebhooks()
      const delivered = receiver.received[1]!
      const again = emu.signedWebhook(id)
      assert.strictEqual(again.body, delivered.body)
      assert.strictEqual(again.headers["x-razorpay-event-id"], delivered.headers["x-razorpay-event-id"])
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.strictEqual(JSON.parse(tampered.body).payload.refund.entity.amount, 2_501)
      assert.notStrictEqual(tampered.headers["x-razorpay-signature"], expectedSignature(tampered.body, emu.webhookSecret))
      const foreign = emu.signedWebhook(id, { secret: "someone-else", eventType: "refund.failed", timestampSeconds: 1_600_000_000 })
      assert.strictEqual(JSON.parse(foreign.body).event, "refund.failed")
      assert.strictEqual(JSON.parse(foreign.body).created_at, 1_600_000_000)
      assert.strictEqual(foreign.headers["x-razorpay-signature"], expectedSignature(foreign.body, "someone-else"))
      assert.isFalse(RazorpayEmulator.verifySignature(foreign.body, foreign.headers["x-razorpay-signature"]!, emu.webhookSecret))
    })

    it("sends refund.speed_changed when an optimum refund cannot go instant", async () => {
      const slow = await RazorpayEmulator.start({ clock: "manual", webhookUrl: receiver.url, instantRefundsAvailable: false })
      try {
        const pay = await slow.createPayment({ amount: 10_000, currency: "INR" })
        const created = await client(slow).refund(pay, { amount: 2_500, speed: "optimum" })
        assert.deepInclude(created.json, { speed_requested: "optimum", speed_processed: "normal" })
        await client(slow).refund(pay, { amount: 2_500 })
        await slow.flushWebhooks()
        const events = receiver.received.map((d) => JSON.parse(d.body))
        assert.deepStrictEqual(events.map((e) => e.event), ["refund.created", "refund.speed_changed", "refund.created"])
        const changed = events[1]
        assert.deepStrictEqual(changed.contains, ["refund", "payment"])
        assert.deepInclude(changed.payload.refund.entity, { id: created.json.id, speed_requested: "optimum", speed_processed: "normal" })
        for (const d of receiver.received) assert.strictEqual(d.headers["x-razorpay-signature"], expectedSignature(d.body, slow.webhookSecret))
      } finally {
        await slow.close()
      }
    })

    it("records a non-2xx answer as not accepted", async () => {
      receiver.respond = () => ({ status: 500, body: "nope" })
      const pay = await emu.createPayment({ amount: 10_000, currency: "INR" })
      await api.refund(pay, { amount: 100 })
      await emu.flushWebhooks()
      const [delivery] = emu.webhookDeliveries()
      assert.strictEqual(delivery!.eventType, "refund.created")
      assert.strictEqual(delivery!.status, 500)
      assert.isFalse(delivery!.accepted)
    })
  })
})

describe("RazorpayEmulator.layer", () => {
  layer(RazorpayEmulator.layer({ clock: "manual" }))("Effect API", (it) => {
    it.effect("provides the running emulator as EmulatorService and RazorpayEmulator.Service", () =>
      Effect.gen(function*() {
        const emu = yield* EmulatorService
        assert.strictEqual(emu, yield* RazorpayEmulator.Service)
        const pay = yield* Effect.promise(() => emu.createPayment({ amount: 900, currency: "INR" }))
        const created = yield* Effect.promise(() => client(emu).refund(pay))
        assert.strictEqual(created.json.status, "pending")
        yield* Effect.promise(() => emu.clock.advance(RazorpayEmulator.numbers.timing.settleAfterMillis))
        const read = yield* Effect.promise(() => client(emu).get(`/refunds/${created.json.id}`))
        assert.strictEqual(read.json.status, "processed")
      }))
  })
})
