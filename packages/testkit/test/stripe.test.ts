import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { StripeEmulator } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, sleep, startReceiver, until } from "./helpers.ts"

const form = "application/x-www-form-urlencoded"

/** Independent Stripe-Signature check with node:crypto. */
const verify = (body: string, header: string, secret: string) => {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]))
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest("hex")
  return parts.v1 === expected
}

const client = (emu: EmulatorHandle) => {
  const auth = { authorization: `Bearer ${emu.credentials.apiKey}` }
  return {
    post: (path: string, body: string, headers: Record<string, string> = {}) =>
      request(`${emu.url}${path}`, { method: "POST", headers: { ...auth, "content-type": form, ...headers }, body }),
    get: (path: string, headers: Record<string, string> = {}) =>
      request(`${emu.url}${path}`, { headers: { ...auth, ...headers } }),
    raw: (path: string, init: RequestInit) => call(`${emu.url}${path}`, init)
  }
}

describe("Stripe emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>

  // A manual clock: refunds move when the test moves time, never because a test (or a slow machine) waited.
  const settle = StripeEmulator.numbers.timing.settleAfterMillis
  const reversal = StripeEmulator.numbers.timing.reversalAfterMillis

  beforeAll(async () => {
    emu = await StripeEmulator.start({ clock: "manual" })
    api = client(emu)
  })
  afterEach(() => emu.reset())
  afterAll(() => emu.close())

  describe("auth", () => {
    it("rejects a missing key with Stripe's body", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const res = await request(`${emu.url}/v1/refunds`, {
        method: "POST",
        headers: { "content-type": form },
        body: `payment_intent=${pi}`
      })
      assert.strictEqual(res.status, 401)
      assert.strictEqual(res.json.error.type, "invalid_request_error")
      assert.match(res.json.error.message, /^You did not provide an API key/)
      assert.match(res.headers.get("request-id") ?? "", /^req_[A-Za-z0-9]{14}$/)
      assert.strictEqual(res.headers.get("stripe-should-retry"), "false")
      assert.lengthOf(emu.refunds(), 0)
    })

    it("rejects a wrong key without echoing it", async () => {
      const wrong = "sk_test_51ThisIsAVeryPrivateKeyValue9876"
      const res = await request(`${emu.url}/v1/refunds/re_x`, { headers: { authorization: `Bearer ${wrong}` } })
      assert.strictEqual(res.status, 401)
      assert.match(res.json.error.message, /^Invalid API Key provided: sk_test_\*+9876$/)
      assert.notInclude(res.text, "VeryPrivate")
      assert.strictEqual(res.headers.get("www-authenticate"), "Basic realm=\"Stripe\"")
    })

    it("accepts Basic auth with the key as user name", async () => {
      const basic = Buffer.from(`${emu.credentials.apiKey}:`).toString("base64")
      const res = await request(`${emu.url}/v1/refunds`, { headers: { authorization: `Basic ${basic}` } })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { object: "list", data: [], has_more: false, url: "/v1/refunds" })
    })

    it("redacts secrets in the request log", async () => {
      await api.get("/v1/refunds")
      const log = emu.requests()
      assert.lengthOf(log, 1)
      assert.strictEqual(log[0]!.headers["authorization"], "Bearer [REDACTED]")
      assert.notInclude(JSON.stringify(log), emu.credentials.apiKey!)
      assert.strictEqual(log[0]!.status, 200)
    })
  })

  describe("create and settle", () => {
    it("answers a pending refund object; reads never move it, the settle delay on the clock does", async () => {
      const pi = await emu.createPayment({ amount: 5000, currency: "EUR" })
      const created = await api.post(
        "/v1/refunds",
        `payment_intent=${pi}&amount=1200&reason=requested_by_customer&metadata[merchant_refund_id]=mr_1&metadata[order]=42`,
        { "stripe-version": "2024-06-20" }
      )
      assert.strictEqual(created.status, 200)
      const refund = created.json
      assert.match(refund.id, /^re_[A-Za-z0-9]{24}$/)
      assert.strictEqual(refund.object, "refund")
      assert.strictEqual(refund.amount, 1200)
      assert.strictEqual(refund.currency, "eur")
      assert.strictEqual(refund.status, "pending")
      assert.strictEqual(refund.pending_reason, "processing")
      assert.strictEqual(refund.payment_intent, pi)
      assert.strictEqual(refund.charge, `ch_${pi.slice(3)}`)
      assert.strictEqual(refund.reason, "requested_by_customer")
      assert.deepStrictEqual(refund.metadata, { merchant_refund_id: "mr_1", order: "42" })
      assert.match(refund.balance_transaction, /^txn_/)
      assert.strictEqual(refund.created, Math.floor(emu.clock.now() / 1000), "created comes from the emulator clock")
      assert.strictEqual(created.headers.get("stripe-version"), "2024-06-20")
      assert.include(created.text, "\n  \"id\"")

      for (let read = 0; read < 5; read++) assert.strictEqual((await api.get(`/v1/refunds/${refund.id}`)).json.status, "pending")
      const createdAt = emu.refunds()[0]!.createdAt
      assert.strictEqual(emu.refunds()[0]!.nextStepAt, createdAt + settle)
      await emu.clock.advance(settle - 1)
      assert.strictEqual((await api.get(`/v1/refunds/${refund.id}`)).json.status, "pending")
      await emu.clock.advance(1)
      const settled = await api.get(`/v1/refunds/${refund.id}`)
      assert.strictEqual(settled.json.status, "succeeded")
      assert.strictEqual(settled.json.destination_details.card.reference_status, "available")
      assert.notProperty(settled.json, "pending_reason")

      const [state] = emu.refunds()
      assert.strictEqual(state!.status, "succeeded")
      assert.strictEqual(state!.paymentId, pi)
      assert.strictEqual(state!.reference, "mr_1")
      assert.isTrue(state!.everSucceeded)
      assert.deepStrictEqual(state!.history.map((h) => [h.status, h.via, h.at - createdAt]), [
        ["pending", "create", 0],
        ["succeeded", "timer", settle]
      ])
    })

    it("accepts the charge id and defaults the amount to what is left", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      await api.post("/v1/refunds", `payment_intent=${pi}&amount=400`)
      const res = await api.post("/v1/refunds", `charge=ch_${pi.slice(3)}`)
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.json.amount, 600)
      const charge = await api.get(`/v1/charges/ch_${pi.slice(3)}`)
      assert.strictEqual(charge.json.amount_refunded, 1000)
      assert.isTrue(charge.json.refunded)
    })

    it("honors settleAfterMillis and reversalAfterMillis", async () => {
      const slow = await StripeEmulator.start({ clock: "manual", settleAfterMillis: 60_000, reversalAfterMillis: 600_000 })
      try {
        const pi = await slow.createPayment({ amount: 100, currency: "usd" })
        slow.scriptOutcome(pi, "succeeded_then_reversed")
        const id = (await client(slow).post("/v1/refunds", `payment_intent=${pi}`)).json.id
        const seen: Array<string> = []
        for (const millis of [59_999, 1, 599_999, 1]) {
          await slow.clock.advance(millis)
          seen.push((await client(slow).get(`/v1/refunds/${id}`)).json.status)
        }
        assert.deepStrictEqual(seen, ["pending", "succeeded", "succeeded", "failed"])
      } finally {
        await slow.close()
      }
    })

    it("settles on a real clock by itself, compressed by timeScale", async () => {
      // 100 emulator ms per real ms: the 25 s settle delay passes in about 250 ms.
      const timed = await StripeEmulator.start({ clock: { kind: "real", timeScale: 100 }, settleAfterMillis: 25_000 })
      try {
        assert.strictEqual(timed.clock.kind, "real")
        const pi = await timed.createPayment({ amount: 100, currency: "usd" })
        const id = (await client(timed).post("/v1/refunds", `payment_intent=${pi}`)).json.id
        assert.strictEqual((await client(timed).get(`/v1/refunds/${id}`)).json.status, "pending")
        await until(() => timed.refunds()[0]!.status === "succeeded", "the refund to settle on its own", 5_000)
        const [pending, succeeded] = timed.refunds()[0]!.history
        assert.strictEqual(succeeded!.via, "timer")
        assert.isAtLeast(succeeded!.at - pending!.at, 25_000)
      } finally {
        await timed.close()
      }
    })

    // Each path as [status, delay before it] after `pending`: settle steps take seconds, reversals days.
    const paths: ReadonlyArray<[Outcome, ReadonlyArray<readonly [string, "settle" | "reversal"]>]> = [
      ["succeeded", [["succeeded", "settle"]]],
      ["failed", [["failed", "settle"]]],
      ["canceled", [["requires_action", "settle"], ["canceled", "settle"]]],
      ["requires_action", [["requires_action", "settle"]]],
      ["succeeded_then_reversed", [["succeeded", "settle"], ["failed", "reversal"]]],
      ["succeeded_then_failed", [["succeeded", "settle"], ["failed", "reversal"]]]
    ]
    for (const [outcome, steps] of paths) {
      it(`follows the scripted path for ${outcome}, one step per delay on the clock`, async () => {
        const pi = await emu.createPayment({ amount: 700, currency: "usd" })
        emu.scriptOutcome(pi, outcome)
        const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
        const seen: Array<string> = [(await api.get(`/v1/refunds/${id}`)).json.status]
        for (const [status, delay] of steps) {
          const millis = delay === "settle" ? settle : reversal
          await emu.clock.advance(millis - 1)
          assert.notStrictEqual((await api.get(`/v1/refunds/${id}`)).json.status, status, `${status} not before its delay`)
          await emu.clock.advance(1)
          seen.push((await api.get(`/v1/refunds/${id}`)).json.status)
        }
        await emu.clock.advance(10 * reversal)
        seen.push((await api.get(`/v1/refunds/${id}`)).json.status)
        assert.deepStrictEqual(seen, ["pending", ...steps.map(([status]) => status), steps.at(-1)![0]])
        const last = (await api.get(`/v1/refunds/${id}`)).json
        if (last.status === "failed") {
          assert.oneOf(last.failure_reason, ["declined", "expired_or_canceled_card"])
          assert.match(last.failure_balance_transaction, /^txn_/)
        }
        if (last.status === "requires_action") assert.strictEqual(last.next_action.type, "display_details")
        assert.strictEqual(emu.refunds()[0]!.outcome, outcome)
      })
    }

    it("applies a scripted reason and an outcome scripted after creation", async () => {
      const pi = await emu.createPayment({ amount: 700, currency: "usd" })
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      emu.scriptOutcome(pi, "failed", { reason: "insufficient_funds" })
      await emu.advance(id)
      const res = await api.get(`/v1/refunds/${id}`)
      assert.strictEqual(res.json.status, "failed")
      assert.strictEqual(res.json.failure_reason, "insufficient_funds")
      // A failed refund frees the amount again.
      const again = await api.post("/v1/refunds", `payment_intent=${pi}`)
      assert.strictEqual(again.json.amount, 700)
    })

    it("cancels only from requires_action", async () => {
      const pi = await emu.createPayment({ amount: 700, currency: "usd" })
      emu.scriptOutcome(pi, "requires_action")
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      const early = await api.post(`/v1/refunds/${id}/cancel`, "")
      assert.strictEqual(early.status, 400)
      assert.match(early.json.error.message, /status of pending/)
      await emu.advance(id)
      const canceled = await api.post(`/v1/refunds/${id}/cancel`, "")
      assert.strictEqual(canceled.status, 200)
      assert.strictEqual(canceled.json.status, "canceled")
      assert.strictEqual(emu.refunds()[0]!.history.at(-1)!.via, "api")
    })

    it("a cancel is announced with refund.updated (previous status requires_action) and charge.refund.updated", async () => {
      const pi = await emu.createPayment({ amount: 700, currency: "usd" })
      emu.scriptOutcome(pi, "requires_action")
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      await emu.advance(id)
      const before = emu.webhookEvents().length
      assert.strictEqual((await api.post(`/v1/refunds/${id}/cancel`, "")).status, 200)
      const events = emu.webhookEvents().slice(before)
      assert.deepStrictEqual(events.map((e) => e.type), ["refund.updated", "charge.refund.updated"])
      const updated = JSON.parse(events[0]!.payload)
      assert.strictEqual(updated.data.object.id, id)
      assert.strictEqual(updated.data.object.status, "canceled")
      assert.strictEqual(updated.data.previous_attributes.status, "requires_action")
      assert.notProperty(updated.data.object, "next_action", "a cancelled refund needs no action")
    })

    it("cancel honours Idempotency-Key: a replay returns the stored answer, a new key gets the refusal", async () => {
      const pi = await emu.createPayment({ amount: 700, currency: "usd" })
      emu.scriptOutcome(pi, "requires_action")
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      await emu.advance(id)
      const first = await api.post(`/v1/refunds/${id}/cancel`, "", { "idempotency-key": "cancel-k1" })
      assert.strictEqual(first.status, 200)
      const replay = await api.post(`/v1/refunds/${id}/cancel`, "", { "idempotency-key": "cancel-k1" })
      assert.strictEqual(replay.status, 200)
      assert.strictEqual(replay.headers.get("idempotent-replayed"), "true")
      assert.deepStrictEqual(replay.json, first.json)
      const other = await api.post(`/v1/refunds/${id}/cancel`, "", { "idempotency-key": "cancel-k2" })
      assert.strictEqual(other.status, 400)
      assert.strictEqual(other.json.error.type, "invalid_request_error")
      assert.isUndefined(other.json.error.code)
      assert.match(other.json.error.message, /status of canceled/)
      assert.strictEqual(emu.refunds()[0]!.history.filter((h) => h.status === "canceled").length, 1)
      const unknown = await api.post("/v1/refunds/re_missing/cancel", "")
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(unknown.json.error.code, "resource_missing")
    })

    it("updates metadata", async () => {
      const pi = await emu.createPayment({ amount: 700, currency: "usd" })
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}&metadata[a]=1&metadata[b]=2`)).json.id
      const res = await api.post(`/v1/refunds/${id}`, "metadata[a]=&metadata[c]=3")
      assert.deepStrictEqual(res.json.metadata, { b: "2", c: "3" })
    })

    it("lists refunds newest first with filters and pagination", async () => {
      const a = await emu.createPayment({ amount: 1000, currency: "usd" })
      const b = await emu.createPayment({ amount: 1000, currency: "usd" })
      const r1 = (await api.post("/v1/refunds", `payment_intent=${a}&amount=100`)).json.id
      const r2 = (await api.post("/v1/refunds", `payment_intent=${a}&amount=100`)).json.id
      const r3 = (await api.post("/v1/refunds", `payment_intent=${b}&amount=100`)).json.id
      const all = await api.get("/v1/refunds")
      assert.deepStrictEqual(all.json.data.map((r: { id: string }) => r.id), [r3, r2, r1])
      const byIntent = await api.get(`/v1/refunds?payment_intent=${a}&limit=1`)
      assert.deepStrictEqual(byIntent.json.data.map((r: { id: string }) => r.id), [r2])
      assert.isTrue(byIntent.json.has_more)
      const next = await api.get(`/v1/refunds?payment_intent=${a}&limit=1&starting_after=${r2}`)
      assert.deepStrictEqual(next.json.data.map((r: { id: string }) => r.id), [r1])
      assert.isFalse(next.json.has_more)
      const before = await api.get(`/v1/refunds?limit=1&ending_before=${r1}`)
      assert.deepStrictEqual(before.json.data.map((r: { id: string }) => r.id), [r2])
      assert.isTrue(before.json.has_more)
      const byCharge = await api.get(`/v1/refunds?charge=ch_${b.slice(3)}`)
      assert.deepStrictEqual(byCharge.json.data.map((r: { id: string }) => r.id), [r3])
      // Listing is not a status read.
      assert.isTrue(emu.refunds().every((r) => r.status === "pending"))
    })
  })

  describe("validation errors", () => {
    it("unknown charge and payment intent are 404 resource_missing", async () => {
      const res = await api.post("/v1/refunds", "charge=ch_nope")
      assert.strictEqual(res.status, 404)
      assert.deepStrictEqual(res.json.error, {
        code: "resource_missing",
        doc_url: "https://stripe.com/docs/error-codes/resource-missing",
        message: "No such charge: 'ch_nope'",
        param: "charge",
        type: "invalid_request_error"
      })
      const pi = await api.post("/v1/refunds", "payment_intent=pi_nope")
      assert.strictEqual(pi.json.error.param, "payment_intent")
    })

    it("amount above the remaining amount is amount_too_large", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      await api.post("/v1/refunds", `payment_intent=${pi}&amount=700`)
      const res = await api.post("/v1/refunds", `payment_intent=${pi}&amount=400`)
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.json.error.code, "amount_too_large")
      assert.strictEqual(res.json.error.param, "amount")
      assert.strictEqual(
        res.json.error.message,
        "Refund amount ($4.00) is greater than unrefunded amount on charge ($3.00)"
      )
      assert.strictEqual(res.headers.get("stripe-should-retry"), "false")
    })

    it("a fully refunded charge is charge_already_refunded", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      await api.post("/v1/refunds", `payment_intent=${pi}`)
      const res = await api.post("/v1/refunds", `payment_intent=${pi}&amount=1`)
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.json.error.code, "charge_already_refunded")
      assert.strictEqual(res.json.error.message, `Charge ch_${pi.slice(3)} has already been refunded.`)
    })

    it("non-integer and non-positive amounts are parameter_invalid_integer", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      for (const amount of ["abc", "10.5", "1e3"]) {
        const res = await api.post("/v1/refunds", `payment_intent=${pi}&amount=${amount}`)
        assert.strictEqual(res.status, 400)
        assert.strictEqual(res.json.error.code, "parameter_invalid_integer")
        assert.strictEqual(res.json.error.message, `Invalid integer: ${amount}`)
        assert.strictEqual(res.json.error.param, "amount")
      }
      const zero = await api.post("/v1/refunds", `payment_intent=${pi}&amount=0`)
      assert.strictEqual(zero.json.error.code, "parameter_invalid_integer")
      assert.lengthOf(emu.refunds(), 0)
    })

    it("a JSON body is rejected with 400", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const res = await api.post("/v1/refunds", JSON.stringify({ payment_intent: pi }), {
        "content-type": "application/json"
      })
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.json.error.type, "invalid_request_error")
      assert.match(res.json.error.message, /application\/x-www-form-urlencoded/)
      assert.lengthOf(emu.refunds(), 0)
    })

    it("missing target, unknown parameters and bad reasons are 400", async () => {
      const missing = await api.post("/v1/refunds", "amount=100")
      assert.strictEqual(missing.json.error.code, "parameter_missing")
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const unknown = await api.post("/v1/refunds", `payment_intent=${pi}&colour=red`)
      assert.strictEqual(unknown.json.error.code, "parameter_unknown")
      assert.strictEqual(unknown.json.error.message, "Received unknown parameter: colour")
      const reason = await api.post("/v1/refunds", `payment_intent=${pi}&reason=because`)
      assert.strictEqual(reason.status, 400)
      assert.strictEqual(reason.json.error.param, "reason")
    })

    it("unknown refunds are 404 with param id, unknown URLs 404", async () => {
      const res = await api.get("/v1/refunds/re_missing")
      assert.strictEqual(res.status, 404)
      assert.strictEqual(res.json.error.code, "resource_missing")
      assert.strictEqual(res.json.error.param, "id")
      assert.strictEqual(res.json.error.message, "No such refund: 're_missing'")
      const url = await api.get("/v1/bananas")
      assert.strictEqual(url.status, 404)
      assert.match(url.json.error.message, /^Unrecognized request URL \(GET: \/v1\/bananas\)/)
    })
  })

  describe("idempotency", () => {
    it("replays the first response for the same key and parameters", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const body = `payment_intent=${pi}&amount=300`
      const first = await api.post("/v1/refunds", body, { "idempotency-key": "key-1" })
      const second = await api.post("/v1/refunds", body, { "idempotency-key": "key-1" })
      assert.strictEqual(second.status, 200)
      assert.strictEqual(second.text, first.text)
      assert.strictEqual(second.headers.get("idempotent-replayed"), "true")
      assert.strictEqual(second.headers.get("original-request"), first.headers.get("request-id"))
      assert.notStrictEqual(second.headers.get("request-id"), first.headers.get("request-id"))
      assert.strictEqual(second.headers.get("idempotency-key"), "key-1")
      assert.isNull(first.headers.get("idempotent-replayed"))
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.refunds()[0]!.idempotencyKey, "key-1")
    })

    it("rejects the same key with different parameters", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      await api.post("/v1/refunds", `payment_intent=${pi}&amount=300`, { "idempotency-key": "key-2" })
      const res = await api.post("/v1/refunds", `payment_intent=${pi}&amount=301`, { "idempotency-key": "key-2" })
      assert.strictEqual(res.status, 400)
      assert.strictEqual(res.json.error.type, "idempotency_error")
      assert.include(res.json.error.message, "'key-2'")
      assert.lengthOf(emu.refunds(), 1)
    })

    it("answers 409 idempotency_key_in_use while the first request is in flight", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "Slow", delayMillis: 400 })
      const body = `payment_intent=${pi}&amount=300`
      const slow = api.post("/v1/refunds", body, { "idempotency-key": "key-3" })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      const concurrent = await api.post("/v1/refunds", body, { "idempotency-key": "key-3" })
      assert.strictEqual(concurrent.status, 409)
      assert.strictEqual(concurrent.json.error.code, "idempotency_key_in_use")
      assert.strictEqual(concurrent.headers.get("stripe-should-retry"), "true")
      await emu.clock.advance(400)
      const first = await slow
      const after = await api.post("/v1/refunds", body, { "idempotency-key": "key-3" })
      assert.strictEqual(after.text, first.text)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("does not store 5xx attempts or parameter errors", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "ServerError" })
      const failed = await api.post("/v1/refunds", `payment_intent=${pi}`, { "idempotency-key": "key-4" })
      assert.strictEqual(failed.status, 500)
      const retried = await api.post("/v1/refunds", `payment_intent=${pi}`, { "idempotency-key": "key-4" })
      assert.strictEqual(retried.status, 200)
      assert.isNull(retried.headers.get("idempotent-replayed"))

      const invalid = await api.post("/v1/refunds", `payment_intent=${pi}&amount=x`, { "idempotency-key": "key-5" })
      assert.strictEqual(invalid.status, 400)
      const fixed = await api.post("/v1/refunds", `payment_intent=${pi}&amount=1`, { "idempotency-key": "key-5" })
      assert.strictEqual(fixed.json.error.code, "charge_already_refunded")
      // Business errors are stored: the same request replays them.
      const replayed = await api.post("/v1/refunds", `payment_intent=${pi}&amount=1`, { "idempotency-key": "key-5" })
      assert.strictEqual(replayed.headers.get("idempotent-replayed"), "true")
      assert.strictEqual(replayed.text, fixed.text)
    })
  })

  describe("faults", () => {
    it("RateLimit answers 429 with Retry-After and records nothing", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 7 })
      const res = await api.post("/v1/refunds", `payment_intent=${pi}`)
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "7")
      assert.strictEqual(res.json.error.code, "rate_limit")
      assert.match(res.headers.get("request-id") ?? "", /^req_/)
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[0]!.fault, "RateLimit")
      const next = await api.post("/v1/refunds", `payment_intent=${pi}`)
      assert.strictEqual(next.status, 200)
    })

    it("ServerError answers Stripe's api_error with Stripe-Should-Retry: true", async () => {
      emu.injectFault({ _tag: "ServerError", status: 503 })
      const res = await api.get("/v1/refunds")
      assert.strictEqual(res.status, 503)
      assert.strictEqual(res.json.error.type, "api_error")
      assert.strictEqual(res.headers.get("stripe-should-retry"), "true")
    })

    it("DropBeforeRecord destroys the socket and leaves no refund", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "DropBeforeRecord" })
      const res = await api.raw("/v1/refunds", {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": form },
        body: `payment_intent=${pi}`
      })
      assert.isFalse(res.ok)
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[0]!.fault, "DropBeforeRecord")
      assert.isUndefined(emu.requests()[0]!.status)
    })

    it("DropAfterRecord stores exactly one refund; a keyed retry replays it", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "DropAfterRecord" })
      const init = {
        method: "POST",
        headers: {
          authorization: `Bearer ${emu.credentials.apiKey}`,
          "content-type": form,
          "idempotency-key": "drop-1"
        },
        body: `payment_intent=${pi}&amount=250`
      }
      const dropped = await api.raw("/v1/refunds", init)
      assert.isFalse(dropped.ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.raw("/v1/refunds", init)
      assert.isTrue(retry.ok)
      if (retry.ok) {
        assert.strictEqual(retry.headers.get("idempotent-replayed"), "true")
        assert.strictEqual(retry.json.id, emu.refunds()[0]!.id)
      }
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow records the refund at once and answers once the clock passed the delay", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "Slow", delayMillis: 250 })
      let answered = false
      const pending = api.post("/v1/refunds", `payment_intent=${pi}`).finally(() => (answered = true))
      await until(() => emu.refunds().length === 1, "the refund to be recorded")
      await emu.clock.advance(249)
      await sleep(50)
      assert.isFalse(answered, "held back while the clock is short of the delay")
      await emu.clock.advance(1)
      const res = await pending
      assert.strictEqual(res.status, 200)
      assert.strictEqual(res.json.id, emu.refunds()[0]!.id)
    })

    it("MalformedBody answers 200 with unparsable JSON but records the refund", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "MalformedBody" })
      const res = await api.post("/v1/refunds", `payment_intent=${pi}`)
      assert.strictEqual(res.status, 200)
      assert.isUndefined(res.json)
      assert.throws(() => JSON.parse(res.text))
      assert.lengthOf(emu.refunds(), 1)
    })

    it("matches faults by method, path and times", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.injectFault({ _tag: "ServerError" }, { method: "GET", path: /^\/v1\/refunds\/re_/, times: 2 })
      const created = await api.post("/v1/refunds", `payment_intent=${pi}`)
      assert.strictEqual(created.status, 200)
      const id = created.json.id
      assert.strictEqual((await api.get("/v1/refunds")).status, 200)
      assert.strictEqual((await api.get(`/v1/refunds/${id}`)).status, 500)
      assert.strictEqual((await api.get(`/v1/refunds/${id}`)).status, 500)
      assert.strictEqual((await api.get(`/v1/refunds/${id}`)).status, 200)
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 }, { path: "/v1/charges/*" })
      assert.strictEqual((await api.get(`/v1/refunds/${id}`)).status, 200)
      assert.strictEqual((await api.get(`/v1/charges/ch_${pi.slice(3)}`)).status, 429)
    })
  })

  describe("webhooks", () => {
    let receiver: Receiver
    beforeAll(async () => {
      receiver = await startReceiver()
    })
    afterEach(() => {
      receiver.received.length = 0
    })
    afterAll(() => receiver.close())


    it("delivers signed events for every state change", async () => {
      emu.setWebhookUrl(receiver.url)
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      emu.scriptOutcome(pi, "succeeded_then_reversed")
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`, { "idempotency-key": "wh-1" })).json.id
      await emu.clock.advance(settle)
      await emu.advance(id)
      await emu.flushWebhooks()
      const types = receiver.received.map((r) => JSON.parse(r.body).type)
      assert.deepStrictEqual(types, [
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "charge.refund.updated",
        "refund.failed",
        "refund.updated",
        "charge.refund.updated"
      ])
      for (const delivery of receiver.received) {
        assert.strictEqual(delivery.method, "POST")
        assert.strictEqual(delivery.headers["content-type"], "application/json; charset=utf-8")
        assert.isTrue(verify(delivery.body, String(delivery.headers["stripe-signature"]), emu.webhookSecret))
        const event = JSON.parse(delivery.body)
        assert.match(event.id, /^evt_/)
        assert.strictEqual(event.object, "event")
        assert.isFalse(event.livemode)
        assert.strictEqual(event.api_version, StripeEmulator.defaultApiVersion)
      }
      const created = JSON.parse(receiver.received[1]!.body)
      assert.strictEqual(created.data.object.id, id)
      assert.strictEqual(created.data.object.status, "pending")
      assert.strictEqual(created.request.idempotency_key, "wh-1")
      assert.notProperty(created.data, "previous_attributes", "only *.updated events carry previous_attributes")
      // previous_attributes holds every changed attribute with its value before (null where it was absent).
      const updated = JSON.parse(receiver.received[2]!.body)
      assert.strictEqual(updated.data.object.status, "succeeded")
      assert.deepStrictEqual(updated.data.previous_attributes, {
        destination_details: { card: { reference: null, reference_status: "pending" } },
        pending_reason: "processing",
        status: "pending"
      })
      assert.deepStrictEqual(JSON.parse(receiver.received[3]!.body).data.previous_attributes, updated.data.previous_attributes)
      const failed = JSON.parse(receiver.received[4]!.body)
      assert.strictEqual(failed.data.object.status, "failed")
      assert.strictEqual(failed.data.object.failure_reason, "expired_or_canceled_card")
      assert.notProperty(failed.data, "previous_attributes", "refund.failed is not an *.updated event")
      const reversed = JSON.parse(receiver.received[5]!.body)
      assert.strictEqual(reversed.data.previous_attributes.status, "succeeded")
      assert.strictEqual(reversed.data.previous_attributes.failure_reason, null)
      assert.strictEqual(reversed.data.previous_attributes.failure_balance_transaction, null)
      const deliveries = emu.webhookDeliveries()
      assert.lengthOf(deliveries, 7)
      assert.isTrue(deliveries.every((d) => d.accepted && d.status === 200 && d.url === receiver.url))
    })

    it("records deliveries the receiver refused", async () => {
      receiver.respond = () => ({ status: 500, body: "nope" })
      try {
        emu.setWebhookUrl(receiver.url)
        const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
        await api.post("/v1/refunds", `payment_intent=${pi}`)
        await emu.flushWebhooks()
        const deliveries = emu.webhookDeliveries()
        assert.lengthOf(deliveries, 2)
        assert.isTrue(deliveries.every((d) => !d.accepted && d.status === 500 && d.responseBody === "nope"))
      } finally {
        receiver.respond = () => ({ status: 200, body: "" })
      }
    })

    it("records transport failures and stops after setWebhookUrl(undefined)", async () => {
      emu.setWebhookUrl("http://127.0.0.1:1/unreachable")
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      await emu.flushWebhooks()
      assert.isTrue(emu.webhookDeliveries().every((d) => !d.accepted && d.error !== undefined))
      emu.setWebhookUrl(undefined)
      await emu.advance(id)
      assert.lengthOf(emu.webhookDeliveries(), 2)
    })

    it("signedWebhook builds verifiable, tampered and foreign-secret deliveries", async () => {
      const pi = await emu.createPayment({ amount: 1000, currency: "usd" })
      const id = (await api.post("/v1/refunds", `payment_intent=${pi}`)).json.id
      const good = emu.signedWebhook(id, { timestampSeconds: 1_700_000_000 })
      assert.isTrue(verify(good.body, good.headers["stripe-signature"]!, emu.webhookSecret))
      assert.match(good.headers["stripe-signature"]!, /^t=1700000000,v1=[0-9a-f]{64}$/)
      assert.strictEqual(JSON.parse(good.body).type, "refund.updated")
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.isFalse(verify(tampered.body, tampered.headers["stripe-signature"]!, emu.webhookSecret))
      const foreign = emu.signedWebhook(id, { secret: "whsec_other", eventType: "refund.failed" })
      assert.isFalse(verify(foreign.body, foreign.headers["stripe-signature"]!, emu.webhookSecret))
      assert.isTrue(verify(foreign.body, foreign.headers["stripe-signature"]!, "whsec_other"))
      assert.strictEqual(JSON.parse(foreign.body).type, "refund.failed")
      assert.throws(() => emu.signedWebhook("re_missing"), /No such refund/)
    })
  })

  it("starts on a given port and refuses a taken one", async () => {
    const taken = await StripeEmulator.start({ port: emu.port }).then(
      (e) => e.close().then(() => "started"),
      (error: Error) => error.message
    )
    assert.match(taken, /Could not start the stripe emulator/)
  })
})
