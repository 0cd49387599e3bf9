/**
 * The Stripe emulator accepts exactly the parameters Stripe's reference allows for each operation it serves
 * (stripe-node 23.1.0 `*Params`), and refuses the rest the way Stripe does.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import * as Params from "@refract/testkit/stripe/StripeParams"
import { request } from "./helpers.ts"

const form = "application/x-www-form-urlencoded"

describe("Stripe parameter parsing", () => {
  it("reads nested hashes, lists and indexed lists like Rack", () => {
    const parsed = Params.parse("amount=100&metadata[a]=1&metadata[b]=2&expand[]=x&expand[]=y&created[gte]=5&types[0]=a&types[1]=b")
    assert.deepStrictEqual(JSON.parse(JSON.stringify(parsed)), {
      amount: "100",
      metadata: { a: "1", b: "2" },
      expand: ["x", "y"],
      created: { gte: "5" },
      types: { "0": "a", "1": "b" }
    })
    assert.deepStrictEqual(Object.keys(Params.parse("")), [])
  })

  it("keeps prototype names as plain data and never touches Object.prototype", () => {
    const parsed = Params.parse("__proto__[polluted]=yes&constructor[prototype][polluted]=yes&toString=x")
    assert.isUndefined((Object.prototype as Record<string, unknown>)["polluted"])
    assert.deepStrictEqual(Object.keys(parsed), ["__proto__", "constructor", "toString"])
    assert.isNull(Object.getPrototypeOf(parsed))
  })

  it("keeps malformed and over-deep bracket names literal", () => {
    const deep = `a${"[x]".repeat(40)}=1`
    const parsed = Params.parse(`a[b=1&c]=2&${deep}`)
    assert.deepStrictEqual(Object.keys(parsed).toSorted(), ["a[b", "c]", decodeURIComponent(deep.split("=")[0]!)].toSorted())
  })

  it("validates nested names, kinds and Stripe's metadata limits", () => {
    const specs = Params.operations.listEvents
    const unknown = Params.validate(Params.parse("created[gte]=1&created[soon]=2"), specs)
    assert.strictEqual(unknown._tag, "Invalid")
    const ok = Params.validate(Params.parse("created[gte]=1&types[0]=refund.created&limit=3&delivery_success=false"), specs)
    assert.strictEqual(ok._tag, "Valid")
    if (ok._tag === "Valid") {
      assert.deepStrictEqual(Params.range(ok.values, "created"), { gte: 1 })
      assert.deepStrictEqual(Params.strings(ok.values, "types"), ["refund.created"])
      assert.strictEqual(Params.integer(ok.values, "limit"), 3)
      assert.isFalse(Params.boolean(ok.values, "delivery_success"))
    }
    assert.isTrue(Params.inRange(5, { gt: 4, lte: 5 }))
    assert.isFalse(Params.inRange(5, { lt: 5 }))
  })
})

describe("Stripe emulator: exact parameter sets", () => {
  let emu: EmulatorHandle
  const auth = () => ({ authorization: `Bearer ${emu.credentials.apiKey}` })
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    request(`${emu.url}${path}`, { method: "POST", headers: { ...auth(), "content-type": form, ...headers }, body })
  const get = (path: string) => request(`${emu.url}${path}`, { headers: auth() })

  /** Asserts Stripe's 400 body for an unknown parameter. */
  const assertUnknown = (res: Awaited<ReturnType<typeof post>>, name: string) => {
    assert.strictEqual(res.status, 400, res.text)
    assert.deepStrictEqual(res.json, {
      error: {
        code: "parameter_unknown",
        doc_url: "https://stripe.com/docs/error-codes/parameter-unknown",
        message: `Received unknown parameter: ${name}`,
        param: name,
        type: "invalid_request_error"
      }
    })
    assert.strictEqual(res.headers.get("stripe-should-retry"), "false")
  }

  beforeAll(async () => {
    emu = await StripeEmulator.start({ clock: "manual" })
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  describe("currency on refunds", () => {
    it("refuses currency on refunds of payment intents and charges exactly as Stripe does (stripe-node#1804)", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&amount=100&currency=usd`), "currency")
      assertUnknown(await post("/v1/refunds", `charge=ch_${pi.slice(3)}&amount=100&currency=usd`), "currency")
      // Even a currency other than the charge's gets the same answer: Stripe never compares it.
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&currency=eur`), "currency")
      assert.lengthOf(emu.refunds(), 0)
    })

    it("does not store the refusal against the idempotency key: the corrected retry creates the refund", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&amount=100&currency=usd`, { "idempotency-key": "k-cur" }), "currency")
      const retry = await post("/v1/refunds", `payment_intent=${pi}&amount=100`, { "idempotency-key": "k-cur" })
      assert.strictEqual(retry.status, 200, retry.text)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("takes currency only for a customer-balance refund, which needs a customer the emulator does not have", async () => {
      const missing = await post("/v1/refunds", "origin=customer_balance&currency=usd&amount=100")
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(missing.json.error.code, "parameter_missing")
      assert.strictEqual(missing.json.error.param, "customer")
      const unknownCustomer = await post("/v1/refunds", "origin=customer_balance&currency=usd&amount=100&customer=cus_x")
      assert.strictEqual(unknownCustomer.status, 404)
      assert.strictEqual(unknownCustomer.json.error.code, "resource_missing")
      assert.strictEqual(unknownCustomer.json.error.message, "No such customer: 'cus_x'")
      const badOrigin = await post("/v1/refunds", "origin=wallet&currency=usd")
      assert.strictEqual(badOrigin.json.error.param, "origin")
      assert.strictEqual(badOrigin.json.error.message, "Invalid origin: must be customer_balance")
    })
  })

  describe("POST /v1/refunds", () => {
    it("accepts every parameter of RefundCreateParams (currency aside)", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const res = await post(
        "/v1/refunds",
        [
          `charge=ch_${pi.slice(3)}`,
          `payment_intent=${pi}`,
          "amount=250",
          "reason=duplicate",
          "metadata[order]=42",
          "instructions_email=buyer%40example.com",
          "refund_application_fee=false",
          "reverse_transfer=false",
          "customer=cus_ignored",
          "expand[0]=charge",
          "expand[1]=payment_intent"
        ].join("&")
      )
      assert.strictEqual(res.status, 200, res.text)
      assert.strictEqual(res.json.amount, 250)
      assert.strictEqual(res.json.reason, "duplicate")
      assert.strictEqual(res.json.instructions_email, "buyer@example.com")
      assert.strictEqual(res.json.charge.object, "charge")
      assert.strictEqual(res.json.payment_intent.object, "payment_intent")
    })

    it("refuses unknown, nested-unknown and prototype-named parameters without side effects", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&colour=red`), "colour")
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&__proto__[admin]=true`), "__proto__")
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&constructor[prototype][x]=1`), "constructor")
      assertUnknown(await post("/v1/refunds", `payment_intent=${pi}&refund[amount]=1`), "refund")
      assertUnknown(await post(`/v1/refunds?debug=1`, `payment_intent=${pi}`), "debug")
      assert.isUndefined((Object.prototype as Record<string, unknown>)["admin"])
      assert.lengthOf(emu.refunds(), 0)
    })

    it("answers malformed values with Stripe's errors, never a crash", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const cases: ReadonlyArray<readonly [string, string, string | undefined]> = [
        [`payment_intent=${pi}&amount=99999999999999999999`, "amount", "parameter_invalid_integer"],
        [`payment_intent=${pi}&amount[]=1`, "amount", "parameter_invalid_integer"],
        [`payment_intent=${pi}&amount=1e3`, "amount", "parameter_invalid_integer"],
        [`payment_intent[id]=${pi}`, "payment_intent", undefined],
        [`charge=&payment_intent=${pi}`, "charge", "parameter_invalid_empty"],
        [`payment_intent=${pi}&metadata=oops`, "metadata", undefined],
        [`payment_intent=${pi}&metadata[]=oops`, "metadata", undefined],
        [`payment_intent=${pi}&metadata[a][b]=nested`, "metadata", undefined],
        [`payment_intent=${pi}&expand=charge`, "expand", undefined],
        [`payment_intent=${pi}&refund_application_fee=yes`, "refund_application_fee", undefined],
        [`payment_intent=${pi}&reason=other`, "reason", undefined]
      ]
      for (const [body, param, code] of cases) {
        const res = await post("/v1/refunds", body)
        assert.strictEqual(res.status, 400, body)
        assert.strictEqual(res.json.error.type, "invalid_request_error", body)
        assert.strictEqual(res.json.error.param, param, body)
        assert.strictEqual(res.json.error.code, code, body)
      }
      const garbage = await post("/v1/refunds", "%%%&&&==&\u0000")
      assert.strictEqual(garbage.status, 400)
      const plain = await post("/v1/refunds", `payment_intent=${pi}&amount=100`, { "content-type": "text/plain" })
      assert.strictEqual(plain.status, 200, "Stripe reads the form whatever the content type says (JSON aside)")
      assert.lengthOf(emu.refunds(), 1)
    })

    it("applies Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const longKey = await post("/v1/refunds", `payment_intent=${pi}&metadata[${"k".repeat(41)}]=v`)
      assert.strictEqual(longKey.json.error.message, `Invalid key: ${"k".repeat(41)} must be a string under 40 characters`)
      const longValue = await post("/v1/refunds", `payment_intent=${pi}&metadata[k]=${"v".repeat(501)}`)
      assert.match(longValue.json.error.message, /^Invalid val: v+\.\.\. must be a string under 500 characters$/)
      const many = Array.from({ length: 51 }, (_, i) => `metadata[k${i}]=v`).join("&")
      const tooMany = await post("/v1/refunds", `payment_intent=${pi}&${many}`)
      assert.strictEqual(tooMany.json.error.param, "metadata")
      const fits = await post(
        "/v1/refunds",
        `payment_intent=${pi}&metadata[${"k".repeat(40)}]=${"v".repeat(500)}&metadata[__proto__]=kept`
      )
      assert.strictEqual(fits.status, 200, fits.text)
      assert.strictEqual(fits.json.metadata["__proto__"], "kept")
      assert.strictEqual(Object.getPrototypeOf(fits.json.metadata), Object.prototype)
    })

    it("expands only what it models, and says so otherwise", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const balance = await post("/v1/refunds", `payment_intent=${pi}&expand[]=balance_transaction`)
      assert.strictEqual(balance.status, 400)
      assert.strictEqual(balance.json.error.message, "This property cannot be expanded (balance_transaction).")
      const deep = await post("/v1/refunds", `payment_intent=${pi}&expand[]=charge.a.b.c.d`)
      assert.strictEqual(deep.json.error.message, "You cannot expand more than 4 levels of a property.")
      assert.lengthOf(emu.refunds(), 0)
    })
  })

  describe("other routes", () => {
    it("refuses unknown parameters on retrieve, update, cancel and list", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const id = (await post("/v1/refunds", `payment_intent=${pi}&amount=100`)).json.id as string
      assertUnknown(await get(`/v1/refunds/${id}?amount=1`), "amount")
      assertUnknown(await post(`/v1/refunds/${id}`, "reason=duplicate"), "reason")
      assertUnknown(await post(`/v1/refunds/${id}`, "amount=5"), "amount")
      assertUnknown(await post(`/v1/refunds/${id}/cancel`, "metadata[a]=1"), "metadata")
      assertUnknown(await get("/v1/refunds?status=pending"), "status")
      assertUnknown(await get("/v1/refunds?created[soon]=1"), "created[soon]")
      assertUnknown(await get(`/v1/charges/ch_${pi.slice(3)}?refunds=1`), "refunds")
      assertUnknown(await get(`/v1/payment_intents/${pi}?charge=1`), "charge")
      assertUnknown(await get("/v1/events?refund=1"), "refund")
      assertUnknown(await get("/v1/events/evt_x?type=a"), "type")
      const limit = await get("/v1/refunds?limit=101")
      assert.strictEqual(limit.json.error.param, "limit")
      assert.strictEqual(limit.json.error.message, "This value must be greater than or equal to 1 and less than or equal to 100.")
    })

    it("accepts each route's own parameters", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const id = (await post("/v1/refunds", `payment_intent=${pi}&amount=100`)).json.id as string
      assert.strictEqual((await get(`/v1/refunds/${id}?expand[]=charge`)).json.charge.object, "charge")
      const created = Math.floor(emu.clock.now() / 1000)
      const listed = await get(`/v1/refunds?charge=ch_${pi.slice(3)}&created[gte]=${created}&created[lte]=${created}&limit=5&expand[]=data.charge`)
      assert.strictEqual(listed.status, 200, listed.text)
      assert.deepStrictEqual(listed.json.data.map((r: { id: string }) => r.id), [id])
      assert.strictEqual(listed.json.data[0].charge.object, "charge")
      assert.lengthOf((await get(`/v1/refunds?created[gt]=${created}`)).json.data, 0)
      const hint = await get("/v1/refunds?expand[]=charge")
      assert.strictEqual(hint.json.error.message, "This property cannot be expanded (charge). You may want to try expanding 'data.charge' instead.")
      assert.strictEqual((await get(`/v1/charges/ch_${pi.slice(3)}?expand[]=payment_intent`)).json.payment_intent.id, pi)
      assert.strictEqual((await get(`/v1/payment_intents/${pi}?client_secret=${pi}_secret_x&expand[]=latest_charge`)).json.latest_charge.object, "charge")
      assert.strictEqual((await post(`/v1/refunds/${id}`, "metadata[a]=1&expand[]=payment_intent")).json.payment_intent.id, pi)
    })

    it("announces a metadata update with refund.updated and the changed keys in previous_attributes", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const id = (await post("/v1/refunds", `payment_intent=${pi}&metadata[a]=1&metadata[b]=2`)).json.id as string
      const updated = await post(`/v1/refunds/${id}`, "metadata[a]=&metadata[c]=3")
      assert.deepStrictEqual(updated.json.metadata, { b: "2", c: "3" })
      const events = emu.webhookEvents().filter((e) => e.type === "refund.updated")
      assert.lengthOf(events, 1)
      const event = JSON.parse(events[0]!.payload)
      assert.deepStrictEqual(event.data.previous_attributes, { metadata: { a: "1", c: null } })
      await post(`/v1/refunds/${id}`, "metadata[b]=2")
      assert.lengthOf(emu.webhookEvents().filter((e) => e.type === "refund.updated"), 1, "no change, no event")
      const cleared = await post(`/v1/refunds/${id}`, "metadata=")
      assert.deepStrictEqual(cleared.json.metadata, {})
      const second = emu.webhookEvents().filter((e) => e.type === "refund.updated")
      assert.lengthOf(second, 2)
      assert.notStrictEqual(second[0]!.id, second[1]!.id)
    })
  })
})
