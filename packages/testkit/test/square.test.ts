import { afterAll, afterEach, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { EmulatorService, Registry, SquareEmulator } from "@refract/testkit"
import type { EmulatorHandle, Outcome } from "@refract/testkit"
import { Effect } from "effect"
import { createHmac } from "node:crypto"
import { call, type Receiver, request, startReceiver, until } from "./helpers.ts"

/** Independent x-square-hmacsha256-signature: base64 HMAC-SHA256(key as UTF-8, notification URL + raw body). */
const expectedSignature = (url: string, body: string, key: string) =>
  createHmac("sha256", key).update(url + body).digest("base64")

const errors = (category: string, code: string, detail: string, field?: string) =>
  JSON.stringify({ errors: [{ category, code, detail, ...(field === undefined ? {} : { field }) }] })

let keys = 0
const newKey = () => `sq-key-${Date.now().toString(36)}-${keys++}`

const body = (paymentId: string, amount: number, extra: Record<string, unknown> = {}) => ({
  idempotency_key: newKey(),
  amount_money: { amount, currency: "USD" },
  payment_id: paymentId,
  ...extra
})

const client = (emu: EmulatorHandle) => {
  const headers = {
    authorization: `Bearer ${emu.credentials.accessToken}`,
    "square-version": "2025-08-20",
    "content-type": "application/json"
  }
  return {
    refund: (body: unknown, extra: Record<string, string> = {}) =>
      request(`${emu.url}/v2/refunds`, {
        method: "POST",
        headers: { ...headers, ...extra },
        body: typeof body === "string" ? body : JSON.stringify(body)
      }),
    raw: (body: unknown) => call(`${emu.url}/v2/refunds`, { method: "POST", headers, body: JSON.stringify(body) }),
    get: (path: string, extra: Record<string, string> = {}) => request(`${emu.url}${path}`, { headers: { ...headers, ...extra } })
  }
}

describe("Square emulator over HTTP", () => {
  let emu: EmulatorHandle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await SquareEmulator.start({ clock: "manual", webhookUrl: receiver.url, listLagMillis: 0 })
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

  it("exposes the origin as base URL, an EAAA access token and the registry entry", async () => {
    assert.strictEqual(emu.name, "square")
    assert.strictEqual(emu.url, emu.origin)
    assert.deepStrictEqual(Object.keys(emu.credentials), ["accessToken"])
    assert.match(emu.credentials.accessToken!, /^EAAA[A-Za-z0-9_-]{40,}$/)
    assert.strictEqual(emu.webhookSecret, SquareEmulator.defaultSignatureKey)
    assert.lengthOf(emu.webhookSecret, 22)
    assert.include(Registry.names(), "square")
    const started = await Registry.find("square")!.start({ accessToken: "EAAAother" })
    try {
      assert.strictEqual(started.credentials.accessToken, "EAAAother")
    } finally {
      await started.close()
    }
  })

  describe("auth and Square-Version", () => {
    it("answers 401 AUTHENTICATION_ERROR for a missing or wrong token", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      for (const authorization of [undefined, "Bearer EAAAwrong", `Basic ${emu.credentials.accessToken}`]) {
        const res = await request(`${emu.url}/v2/refunds`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
          body: JSON.stringify(body(pay, 100))
        })
        assert.strictEqual(res.status, 401)
        assert.strictEqual(
          res.text,
          "{\"errors\":[{\"category\":\"AUTHENTICATION_ERROR\",\"code\":\"UNAUTHORIZED\",\"detail\":\"This request could not be authorized.\"}]}"
        )
      }
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[1]!.headers["authorization"], "Bearer [REDACTED]")
      assert.notInclude(JSON.stringify(emu.requests()), emu.credentials.accessToken!)
    })

    it("serves requests without Square-Version and refuses a malformed one", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const without = await request(`${emu.url}/v2/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.accessToken}`, "content-type": "application/json" },
        body: JSON.stringify(body(pay, 100))
      })
      assert.strictEqual(without.status, 200)
      const malformed = await api.refund(body(pay, 100), { "square-version": "2025-8-20" })
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(malformed.json.errors[0].code, "INVALID_SQUARE_VERSION_FORMAT")
      assert.strictEqual(malformed.json.errors[0].category, "INVALID_REQUEST_ERROR")
      assert.strictEqual((await api.refund(body(pay, 100), { "square-version": "2025-02-30" })).json.errors[0].code, "INVALID_SQUARE_VERSION_FORMAT")
      assert.lengthOf(emu.refunds(), 1)
      // Answers name the version they were served with: the request's, else the app's default.
      assert.strictEqual(without.headers.get("square-version"), SquareEmulator.defaultSquareVersion)
      assert.strictEqual((await api.get(`/v2/refunds/${without.json.refund.id}`, { "square-version": "2026-09-16" })).headers.get("square-version"), "2026-09-16")
    })
  })

  describe("create and settle", () => {
    it("answers 200 { refund } PENDING and settles to COMPLETED after the settle delay", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "usd" })
      assert.match(pay, /^[A-Za-z0-9]{29}$/)
      const now = emu.clock.now()
      const res = await api.refund(body(pay, 1_000, { reason: "Returned goods" }))
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(Object.keys(res.json), ["refund"])
      const refund = res.json.refund
      assert.match(refund.id, new RegExp(`^${pay}_[A-Za-z0-9]{43}$`))
      assert.deepInclude(refund, {
        status: "PENDING",
        amount_money: { amount: 1_000, currency: "USD" },
        payment_id: pay,
        location_id: SquareEmulator.defaultLocationId,
        reason: "Returned goods"
      })
      assert.match(refund.order_id, /^[A-Za-z0-9]{29}$/)
      assert.match(refund.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      assert.strictEqual(Date.parse(refund.created_at), now, "created_at comes from the emulator clock")
      assert.strictEqual(refund.updated_at, refund.created_at)
      const first = await api.get(`/v2/refunds/${refund.id}`)
      assert.strictEqual(first.json.refund.status, "PENDING")
      assert.strictEqual((await api.get(`/v2/refunds/${refund.id}`)).json.refund.status, "PENDING", "reads never move it")
      const settle = SquareEmulator.numbers.timing.settleAfterMillis
      await emu.clock.advance(settle)
      const second = await api.get(`/v2/refunds/${refund.id}`)
      assert.strictEqual(second.json.refund.status, "COMPLETED")
      assert.strictEqual(Date.parse(second.json.refund.updated_at), now + settle)
      assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => [h.status, h.via]), [["PENDING", "create"], ["COMPLETED", "timer"]])
      assert.strictEqual(emu.refunds()[0]!.reference, "Returned goods")
    })

    it("answers 404 NOT_FOUND for an unknown refund and unknown routes", async () => {
      const res = await api.get("/v2/refunds/nope")
      assert.strictEqual(res.status, 404)
      assert.strictEqual(
        res.text,
        "{\"errors\":[{\"category\":\"INVALID_REQUEST_ERROR\",\"code\":\"NOT_FOUND\",\"detail\":\"Could not find payment refund with id: nope\"}]}"
      )
      const route = await api.get("/v2/nothing")
      assert.strictEqual(route.status, 404)
      assert.strictEqual(route.json.errors[0].code, "NOT_FOUND")
    })

    it("lists refunds (not a read) and shows the payment", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "USD" })
      assert.deepStrictEqual((await api.get("/v2/refunds")).json, {})
      const a = (await api.refund(body(pay, 100))).json.refund.id
      const b = (await api.refund(body(pay, 200))).json.refund.id
      const list = await api.get("/v2/refunds")
      assert.deepStrictEqual(list.json.refunds.map((r: { id: string }) => r.id), [b, a])
      const page = await api.get("/v2/refunds?sort_order=ASC&limit=1")
      assert.deepStrictEqual(page.json.refunds.map((r: { id: string }) => r.id), [a])
      const next = await api.get(`/v2/refunds?sort_order=ASC&limit=1&cursor=${page.json.cursor}`)
      assert.deepStrictEqual(next.json.refunds.map((r: { id: string }) => r.id), [b])
      assert.isUndefined(next.json.cursor)
      assert.deepStrictEqual(emu.refunds().map((r) => r.status), ["PENDING", "PENDING"])
      await emu.advance(a)
      const payment = await api.get(`/v2/payments/${pay}`)
      assert.deepInclude(payment.json.payment, {
        id: pay,
        status: "COMPLETED",
        amount_money: { amount: 5_000, currency: "USD" },
        refunded_money: { amount: 100, currency: "USD" }
      })
      assert.deepStrictEqual(payment.json.payment.refund_ids, [a, b])
      assert.strictEqual((await api.get("/v2/refunds?status=COMPLETED")).json.refunds.length, 1)
    })

    it("lists with ListPaymentRefunds' parameters only, and validates each", async () => {
      const pay = await emu.createPayment({ amount: 5_000, currency: "USD" })
      const a = (await api.refund(body(pay, 100))).json.refund.id
      await emu.clock.advance(1_000)
      const b = (await api.refund(body(pay, 200))).json.refund.id
      const at = (ms: number) => encodeURIComponent(new Date(ms).toISOString())
      const now = emu.clock.now()
      assert.deepStrictEqual((await api.get(`/v2/refunds?begin_time=${at(now - 500)}`)).json.refunds.map((r: { id: string }) => r.id), [b])
      assert.deepStrictEqual((await api.get(`/v2/refunds?end_time=${at(now - 500)}`)).json.refunds.map((r: { id: string }) => r.id), [a])
      assert.deepStrictEqual(
        (await api.get("/v2/refunds?sort_field=UPDATED_AT&sort_order=ASC&source_type=CARD&limit=500")).json.refunds.map((r: { id: string }) => r.id),
        [a, b]
      )
      assert.deepStrictEqual((await api.get("/v2/refunds?source_type=CASH")).json, {})
      // A begin_time after the default end (now) is an empty window, not an error.
      const future = await api.get(`/v2/refunds?begin_time=${at(now + 60_000)}`)
      assert.strictEqual(future.status, 200)
      assert.deepStrictEqual(future.json, {})
      // The default window is the last year.
      assert.deepStrictEqual((await api.get(`/v2/refunds?end_time=${at(now - 400 * 86_400_000)}&begin_time=${at(now - 500 * 86_400_000)}`)).json, {})
      const cases: ReadonlyArray<[string, string, string]> = [
        ["payment_id=x", "UNKNOWN_QUERY_PARAMETER", "payment_id"],
        ["begin_time=yesterday", "INVALID_TIME", "begin_time"],
        ["end_time=2025-02-30T00:00:00Z", "INVALID_TIME", "end_time"],
        [`begin_time=${at(now)}&end_time=${at(now - 1_000)}`, "INVALID_TIME_RANGE", "begin_time"],
        ["sort_order=asc", "INVALID_SORT_ORDER", "sort_order"],
        ["sort_field=AMOUNT", "INVALID_ENUM_VALUE", "sort_field"],
        ["limit=ten", "EXPECTED_INTEGER", "limit"],
        ["limit=0", "VALUE_TOO_LOW", "limit"],
        ["cursor=bm90LWEtY3Vyc29y", "INVALID_CURSOR", "cursor"]
      ]
      for (const [query, code, field] of cases) {
        const res = await api.get(`/v2/refunds?${query}`)
        assert.strictEqual(res.status, 400, query)
        assert.deepInclude(res.json.errors[0], { category: "INVALID_REQUEST_ERROR", code, field }, query)
      }
      const getWithQuery = await api.get(`/v2/refunds/${a}?expand=payment`)
      assert.deepInclude(getWithQuery.json.errors[0], { code: "UNKNOWN_QUERY_PARAMETER", field: "expand" })
    })

    it("settles on a real clock by itself with settleAfterMillis", async () => {
      const timed = await SquareEmulator.start({ settleAfterMillis: 20 })
      try {
        const pay = await timed.createPayment({ amount: 1_000, currency: "USD" })
        await client(timed).refund(body(pay, 100))
        await until(() => timed.refunds()[0]!.status === "COMPLETED", "the refund to settle")
        assert.deepStrictEqual(timed.refunds()[0]!.history.map((h) => [h.status, h.via]), [["PENDING", "create"], ["COMPLETED", "timer"]])
      } finally {
        await timed.close()
      }
    })
  })

  describe("outcomes", () => {
    const expectations: ReadonlyArray<[Outcome, ReadonlyArray<string>]> = [
      ["succeeded", ["PENDING", "COMPLETED"]],
      ["failed", ["PENDING", "FAILED"]],
      // Square has no cancel: the emulator reports a cancelled refund as REJECTED.
      ["canceled", ["PENDING", "REJECTED"]],
      ["requires_action", ["PENDING"]],
      // Square reports no reversal of a completed refund.
      ["succeeded_then_reversed", ["PENDING", "COMPLETED"]],
      ["succeeded_then_failed", ["PENDING", "COMPLETED"]]
    ]
    for (const [outcome, statuses] of expectations) {
      it(`plays ${outcome} as ${statuses.join(" → ")} with signed refund.created / refund.updated`, async () => {
        const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
        emu.scriptOutcome(pay, outcome)
        const id = (await api.refund(body(pay, 4_000))).json.refund.id
        for (let i = 0; i < 3; i++) await emu.advance(id)
        await emu.flushWebhooks()
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        assert.strictEqual((await api.get(`/v2/refunds/${id}`)).json.refund.status, statuses.at(-1))
        const events = receiver.received.map((r) => JSON.parse(r.body))
        assert.deepStrictEqual(events.map((e) => e.type), ["refund.created", ...statuses.slice(1).map(() => "refund.updated")])
        assert.deepStrictEqual(events.map((e) => e.data.object.refund.status), [...statuses])
        for (const delivery of receiver.received) {
          assert.strictEqual(
            delivery.headers["x-square-hmacsha256-signature"],
            expectedSignature(receiver.url, delivery.body, emu.webhookSecret)
          )
        }
      })
    }

    it("releases the amount of FAILED and REJECTED refunds", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.scriptOutcome(pay, "canceled")
      const id = (await api.refund(body(pay, 1_000))).json.refund.id
      assert.strictEqual((await api.refund(body(pay, 1))).status, 400)
      await emu.advance(id)
      assert.strictEqual((await api.refund(body(pay, 1_000))).status, 200)
    })
  })

  describe("validation errors", () => {
    it("requires idempotency_key (1..45 bytes)", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const { idempotency_key: _key, ...withoutKey } = body(pay, 100)
      const missing = await api.refund(withoutKey)
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(
        missing.text,
        errors("INVALID_REQUEST_ERROR", "MISSING_REQUIRED_PARAMETER", "Field `idempotency_key` must be set.", "idempotency_key")
      )
      const long = await api.refund({ ...withoutKey, idempotency_key: "k".repeat(46) })
      assert.strictEqual(long.status, 400)
      assert.strictEqual(
        long.text,
        errors("INVALID_REQUEST_ERROR", "VALUE_TOO_LONG", "`idempotency_key` must not be longer than 45 bytes.", "idempotency_key")
      )
      // "the number of allowed characters might be less than 45, if multi-byte characters are used"
      assert.strictEqual((await api.refund({ ...withoutKey, idempotency_key: "é".repeat(23) })).json.errors[0].code, "VALUE_TOO_LONG")
      const empty = await api.refund({ ...withoutKey, idempotency_key: "" })
      assert.strictEqual(empty.json.errors[0].code, "VALUE_TOO_SHORT")
      assert.strictEqual((await api.refund({ ...withoutKey, idempotency_key: 42 })).json.errors[0].code, "EXPECTED_STRING")
      assert.strictEqual((await api.refund({ ...withoutKey, idempotency_key: "k".repeat(45) })).status, 200)
    })

    it("refuses every property RefundPaymentRequest does not define, nested ones included", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const res = await api.refund({
        ...body(pay, 100),
        metadata: { order: "1" },
        amount_money: { amount: 100, currency: "USD", precision: 2 },
        app_fee_allocations: []
      })
      assert.strictEqual(res.status, 400)
      assert.deepStrictEqual(res.json.errors, [
        {
          category: "INVALID_REQUEST_ERROR",
          code: "UNKNOWN_BODY_PARAMETER",
          detail: "Unknown body parameter `amount_money.precision`.",
          field: "amount_money.precision"
        },
        { category: "INVALID_REQUEST_ERROR", code: "UNKNOWN_BODY_PARAMETER", detail: "Unknown body parameter `metadata`.", field: "metadata" },
        {
          category: "INVALID_REQUEST_ERROR",
          code: "UNKNOWN_BODY_PARAMETER",
          detail: "Unknown body parameter `app_fee_allocations`.",
          field: "app_fee_allocations"
        }
      ])
      // Prototype keys are just unknown names.
      const proto = await api.refund(`{"__proto__":{"admin":true},"constructor":1,${JSON.stringify(body(pay, 100)).slice(1)}`)
      assert.deepStrictEqual(proto.json.errors.map((e: { field: string }) => e.field), ["__proto__", "constructor"])
      assert.isUndefined(({} as Record<string, unknown>)["admin"])
      assert.lengthOf(emu.refunds(), 0)
    })

    it("answers garbage with Square's errors, never a crash", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const expectedJson = errors("INVALID_REQUEST_ERROR", "EXPECTED_JSON_BODY", "The request body is not a JSON object.")
      for (const garbage of ["{\"idempotency_key\":", "", "[]", "[{\"amount_money\":1}]", "\"text\"", "null", "1e999"]) {
        const res = await api.refund(garbage)
        assert.strictEqual(res.status, 400, garbage)
        assert.strictEqual(res.text, expectedJson, garbage)
      }
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
        const res = await api.refund(body(pay, 100), { "content-type": contentType })
        assert.strictEqual(res.status, 400, contentType)
        assert.strictEqual(res.json.errors[0].code, "INVALID_CONTENT_TYPE", contentType)
      }
      const shapes: ReadonlyArray<[Record<string, unknown>, string, string]> = [
        [{ amount_money: [100, "USD"] }, "EXPECTED_OBJECT", "amount_money"],
        [{ amount_money: "100 USD" }, "EXPECTED_OBJECT", "amount_money"],
        [{ amount_money: { amount: 1e300, currency: "USD" } }, "EXPECTED_INTEGER", "amount_money.amount"],
        [{ amount_money: { amount: 2 ** 63, currency: "USD" } }, "EXPECTED_INTEGER", "amount_money.amount"],
        [{ amount_money: { amount: true, currency: "USD" } }, "EXPECTED_INTEGER", "amount_money.amount"],
        [{ amount_money: { amount: 100, currency: ["USD"] } }, "EXPECTED_STRING", "amount_money.currency"],
        [{ payment_id: { id: pay } }, "EXPECTED_STRING", "payment_id"],
        [{ unlinked: "false" }, "EXPECTED_BOOLEAN", "unlinked"],
        [{ cash_details: [] }, "EXPECTED_OBJECT", "cash_details"],
        [{ cash_details: {} }, "MISSING_REQUIRED_PARAMETER", "cash_details.seller_supplied_money"],
        [{ external_details: { type: "CHECK" } }, "MISSING_REQUIRED_PARAMETER", "external_details.source"],
        [{ location_id: "L".repeat(51) }, "VALUE_TOO_LONG", "location_id"],
        [{ team_member_id: "T".repeat(193) }, "VALUE_TOO_LONG", "team_member_id"]
      ]
      for (const [override, code, field] of shapes) {
        const res = await api.refund({ ...body(pay, 100), ...override })
        assert.strictEqual(res.status, 400, JSON.stringify(override))
        assert.deepInclude(res.json.errors[0], { category: "INVALID_REQUEST_ERROR", code, field }, JSON.stringify(override))
      }
      // Several problems come back together.
      const many = await api.refund({ amount_money: { amount: "1" }, reason: 7, extra: true })
      assert.deepStrictEqual(
        many.json.errors.map((e: { code: string; field: string }) => `${e.code} ${e.field}`),
        [
          "MISSING_REQUIRED_PARAMETER idempotency_key",
          "EXPECTED_INTEGER amount_money.amount",
          "MISSING_REQUIRED_PARAMETER amount_money.currency",
          "EXPECTED_STRING reason",
          "UNKNOWN_BODY_PARAMETER extra"
        ]
      )
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual((await api.refund(body(pay, 100))).status, 200, "still serving")
    })

    it("applies the linked / unlinked rules of RefundPaymentRequest", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const conflicts = await api.refund({ ...body(pay, 100), location_id: "L88917AVBK2S5", customer_id: "C1" })
      assert.deepStrictEqual(conflicts.json.errors.map((e: { code: string; field: string }) => `${e.code} ${e.field}`), [
        "CONFLICTING_PARAMETERS location_id",
        "CONFLICTING_PARAMETERS customer_id"
      ])
      const unlinked = await api.refund({ ...body(pay, 100), unlinked: true })
      assert.deepStrictEqual(unlinked.json.errors.map((e: { code: string; field: string }) => `${e.code} ${e.field}`), [
        "CONFLICTING_PARAMETERS payment_id",
        "MISSING_REQUIRED_PARAMETER destination_id",
        "MISSING_REQUIRED_PARAMETER location_id"
      ])
      const { payment_id: _p, ...noPayment } = body(pay, 100)
      const notEmulated = await api.refund({ ...noPayment, unlinked: true, destination_id: "CASH", location_id: "L88917AVBK2S5" })
      assert.deepInclude(notEmulated.json.errors[0], { code: "BAD_REQUEST", field: "unlinked" })
      assert.deepInclude((await api.refund(noPayment)).json.errors[0], { code: "MISSING_REQUIRED_PARAMETER", field: "payment_id" })
      assert.lengthOf(emu.refunds(), 0)
    })

    it("checks payment_version_token and app_fee_money, and echoes team_member_id", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const version = (await api.get(`/v2/payments/${pay}`)).json.payment.version_token
      const stale = await api.refund(body(pay, 100, { payment_version_token: "not-the-current-one" }))
      assert.strictEqual(stale.status, 400)
      assert.deepInclude(stale.json.errors[0], { code: "VERSION_MISMATCH", field: "payment_version_token" })
      const fresh = await api.refund(body(pay, 100, { payment_version_token: version, team_member_id: "TMoK_jBpFrvEQDOE" }))
      assert.strictEqual(fresh.status, 200, fresh.text)
      assert.strictEqual(fresh.json.refund.team_member_id, "TMoK_jBpFrvEQDOE")
      // The payment changed: the old token no longer matches.
      assert.strictEqual((await api.refund(body(pay, 100, { payment_version_token: version }))).json.errors[0].code, "VERSION_MISMATCH")
      const high = await api.refund(body(pay, 100, { app_fee_money: { amount: 101, currency: "USD" } }))
      assert.deepInclude(high.json.errors[0], { code: "VALUE_TOO_HIGH", field: "app_fee_money.amount" })
      const fee = await api.refund(body(pay, 100, { app_fee_money: { amount: 10, currency: "USD" } }))
      assert.deepInclude(fee.json.errors[0], { code: "BAD_REQUEST", field: "app_fee_money" })
      assert.lengthOf(emu.refunds(), 1)
    })

    it("validates amount_money, payment_id and reason", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const cases: ReadonlyArray<[Record<string, unknown>, string, string]> = [
        [{ amount_money: undefined }, "MISSING_REQUIRED_PARAMETER", "amount_money"],
        [{ amount_money: { currency: "USD" } }, "MISSING_REQUIRED_PARAMETER", "amount_money.amount"],
        [{ amount_money: { amount: 1.5, currency: "USD" } }, "EXPECTED_INTEGER", "amount_money.amount"],
        [{ amount_money: { amount: "100", currency: "USD" } }, "EXPECTED_INTEGER", "amount_money.amount"],
        [{ amount_money: { amount: 0, currency: "USD" } }, "VALUE_TOO_LOW", "amount_money.amount"],
        [{ amount_money: { amount: 100 } }, "MISSING_REQUIRED_PARAMETER", "amount_money.currency"],
        [{ amount_money: { amount: 100, currency: "usd" } }, "INVALID_ENUM_VALUE", "amount_money.currency"],
        [{ payment_id: undefined }, "MISSING_REQUIRED_PARAMETER", "payment_id"],
        [{ reason: "r".repeat(193) }, "VALUE_TOO_LONG", "reason"]
      ]
      for (const [override, code, field] of cases) {
        const res = await api.refund({ ...body(pay, 100), ...override })
        assert.strictEqual(res.status, 400, JSON.stringify(override))
        assert.deepInclude(res.json.errors[0], { category: "INVALID_REQUEST_ERROR", code, field })
      }
      const badJson = await api.refund("{\"idempotency_key\":")
      assert.strictEqual(badJson.status, 400)
      assert.strictEqual(badJson.json.errors[0].category, "INVALID_REQUEST_ERROR")
      assert.lengthOf(emu.refunds(), 0)
    })

    it("refuses over-refunds, other currencies and unknown payments", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const over = await api.refund(body(pay, 1_001))
      assert.strictEqual(over.status, 400)
      assert.strictEqual(
        over.text,
        errors("REFUND_ERROR", "REFUND_AMOUNT_INVALID", "The requested refund amount exceeds the amount available to refund.", "amount_money.amount")
      )
      assert.strictEqual((await api.refund(body(pay, 600))).status, 200)
      assert.strictEqual((await api.refund(body(pay, 401))).json.errors[0].code, "REFUND_AMOUNT_INVALID")
      const currency = await api.refund({ ...body(pay, 100), amount_money: { amount: 100, currency: "EUR" } })
      assert.strictEqual(currency.status, 400)
      assert.deepInclude(currency.json.errors[0], { category: "INVALID_REQUEST_ERROR", code: "CURRENCY_MISMATCH" })
      const unknown = pay.slice(0, -1) + (pay.endsWith("Z") ? "Y" : "Z")
      const missing = await api.refund(body(unknown, 100))
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.text, errors("INVALID_REQUEST_ERROR", "NOT_FOUND", `Could not find payment with id: ${unknown}`))
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("idempotency (idempotency_key in the body)", () => {
    it("replays the same refund for the same key and body", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const request = body(pay, 300, { reason: "dup" })
      const first = await api.refund(request)
      const again = await api.refund({ reason: "dup", payment_id: pay, amount_money: { currency: "USD", amount: 300 }, idempotency_key: request.idempotency_key })
      assert.strictEqual(again.status, 200)
      assert.strictEqual(again.text, first.text)
      assert.lengthOf(emu.refunds(), 1)
      assert.strictEqual(emu.refunds()[0]!.idempotencyKey, request.idempotency_key)
    })

    it("answers 400 IDEMPOTENCY_KEY_REUSED for the same key with another body", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const request = body(pay, 300)
      await api.refund(request)
      const amount = await api.refund({ ...request, amount_money: { amount: 400, currency: "USD" } })
      assert.strictEqual(amount.status, 400)
      assert.strictEqual(
        amount.text,
        errors("INVALID_REQUEST_ERROR", "IDEMPOTENCY_KEY_REUSED", "Refund request idempotency key was previously used for a different amount", "idempotency_key")
      )
      const reason = await api.refund({ ...request, reason: "other" })
      assert.strictEqual(reason.status, 400)
      assert.deepInclude(reason.json.errors[0], { code: "IDEMPOTENCY_KEY_REUSED", field: "idempotency_key" })
      assert.lengthOf(emu.refunds(), 1)
    })

    it("forgets the key of a request that failed", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      const request = body(pay, 5_000)
      assert.strictEqual((await api.refund(request)).status, 400)
      const fixed = await api.refund({ ...request, amount_money: { amount: 500, currency: "USD" } })
      assert.strictEqual(fixed.status, 200)
    })
  })

  describe("faults", () => {
    it("RateLimit answers 429 RATE_LIMITED with Retry-After (not documented by Square)", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { method: "POST", path: "/v2/refunds" })
      const res = await api.refund(body(pay, 100))
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "3")
      assert.strictEqual(res.text, errors("RATE_LIMIT_ERROR", "RATE_LIMITED", "Rate limit exceeded."))
      assert.lengthOf(emu.refunds(), 0)
    })

    it("ServerError answers API_ERROR bodies and a retry with the same key runs as new", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.injectFault({ _tag: "ServerError" })
      emu.injectFault({ _tag: "ServerError", status: 503 })
      const request = body(pay, 100)
      const first = await api.refund(request)
      assert.strictEqual(first.status, 500)
      assert.strictEqual(
        first.text,
        errors("API_ERROR", "INTERNAL_SERVER_ERROR", "An internal error has occurred, and the API was unable to service your request.")
      )
      const second = await api.refund(request)
      assert.strictEqual(second.status, 503)
      assert.strictEqual(second.json.errors[0].code, "SERVICE_UNAVAILABLE")
      assert.strictEqual((await api.refund(request)).status, 200)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("DropBeforeRecord leaves no refund; DropAfterRecord exactly one, replayed to a retry with the same key", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.injectFault({ _tag: "DropBeforeRecord" })
      assert.isFalse((await api.raw(body(pay, 100))).ok)
      assert.lengthOf(emu.refunds(), 0)
      const request = body(pay, 100)
      emu.injectFault({ _tag: "DropAfterRecord" })
      assert.isFalse((await api.raw(request)).ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.refund(request)
      assert.strictEqual(retry.status, 200)
      assert.strictEqual(retry.json.refund.id, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow answers late with the refund recorded (a concurrent retry gets the replay); MalformedBody answers 200 garbage", async () => {
      const pay = await emu.createPayment({ amount: 1_000, currency: "USD" })
      emu.injectFault({ _tag: "Slow", delayMillis: 200 })
      const request = body(pay, 100)
      const pending = api.refund(request)
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      assert.lengthOf(emu.refunds(), 1)
      const concurrent = await api.refund(request)
      assert.strictEqual(concurrent.json.refund.id, emu.refunds()[0]!.id)
      await emu.clock.advance(200)
      const late = await pending
      assert.strictEqual(late.status, 200)
      assert.strictEqual(late.text, concurrent.text)
      emu.injectFault({ _tag: "MalformedBody" }, { method: "POST" })
      const malformed = await api.refund(body(pay, 100))
      assert.strictEqual(malformed.status, 200)
      assert.isUndefined(malformed.json)
      assert.isTrue(malformed.text.startsWith("{\"refund\":"))
      assert.lengthOf(emu.refunds(), 2)
    })
  })

  describe("webhooks", () => {
    const q1 = {
      key: "Ibxx_5AKakO-3qeNVR61Dw",
      url: "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
      body:
        "{\"merchant_id\":\"MLEFBHHSJGVHD\",\"type\":\"webhooks.test_notification\",\"event_id\":\"ac3ac95b-f97d-458c-a6e6-18981597e05f\",\"created_at\":\"2022-07-13T20:30:59.037339943Z\",\"data\":{\"type\":\"webhooks\",\"id\":\"bc368e64-01aa-407e-b46e-3231809b1129\"}}",
      signature: "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="
    }

    it("Q1–Q3: signs like square-nodejs-sdk's WebhooksHelper vectors", () => {
      assert.strictEqual(SquareEmulator.signature(q1.url, q1.body, q1.key), q1.signature)
      assert.strictEqual(expectedSignature(q1.url, q1.body, q1.key), q1.signature)
      assert.isTrue(SquareEmulator.verifySignature(q1.body, q1.signature, q1.key, q1.url))
      assert.strictEqual(
        SquareEmulator.signature("https://webhook.site/webhooks", "{\"data\":{\"type\":\"webhooks\",\"id\":\"fake_id\"}}", "signature-key"),
        "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA="
      )
      assert.strictEqual(
        SquareEmulator.signature("https://webhook.site/webhooks", "{\"data\":{\"type\":\"webhooks\",\"id\":\">id<\"}}", "signature-key"),
        "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U="
      )
    })

    it("Q1 negatives: another URL, key, header, body or formatting fails; an empty key or URL throws", () => {
      assert.isFalse(
        SquareEmulator.verifySignature(q1.body, q1.signature, q1.key, "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9")
      )
      assert.isFalse(SquareEmulator.verifySignature(q1.body, q1.signature, "MCmhFRxGX82xMwg5FsaoQA", q1.url))
      assert.isFalse(SquareEmulator.verifySignature(q1.body, "1z2n3DEJJiUPKcPzQo1ftvbxGdw=", q1.key, q1.url))
      assert.isFalse(
        SquareEmulator.verifySignature(q1.body.replace("2022-07-13", "2022-06-13"), q1.signature, q1.key, q1.url)
      )
      assert.isFalse(SquareEmulator.verifySignature(JSON.stringify(JSON.parse(q1.body), null, 2), q1.signature, q1.key, q1.url))
      assert.throws(() => SquareEmulator.verifySignature(q1.body, q1.signature, "", q1.url))
      assert.throws(() => SquareEmulator.verifySignature(q1.body, q1.signature, q1.key, ""))
    })

    it("delivers refund.created / refund.updated shaped like Square's RefundUpdatedEvent, signed for the receiver URL", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const id = (await api.refund(body(pay, 2_500))).json.refund.id
      await emu.advance(id)
      const deliveries = await receiver.waitFor(2)
      const [created, updated] = deliveries.map((d) => JSON.parse(d.body))
      assert.deepStrictEqual(Object.keys(updated), ["merchant_id", "type", "event_id", "created_at", "data"])
      assert.deepInclude(updated, { merchant_id: SquareEmulator.defaultMerchantId, type: "refund.updated" })
      assert.match(updated.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.deepStrictEqual(Object.keys(updated.data), ["type", "id", "object"])
      assert.strictEqual(updated.data.type, "refund")
      assert.strictEqual(updated.data.id, id)
      assert.deepInclude(updated.data.object.refund, { id, status: "COMPLETED", payment_id: pay, version: 2 })
      assert.strictEqual(created.type, "refund.created")
      assert.strictEqual(created.data.object.refund.status, "PENDING")
      assert.strictEqual(created.data.object.refund.version, 1)
      assert.notStrictEqual(created.event_id, updated.event_id)
      assert.strictEqual(updated.created_at, updated.data.object.refund.updated_at)
      for (const d of deliveries) {
        assert.strictEqual(d.headers["content-type"], "application/json")
        assert.strictEqual(d.headers["x-square-hmacsha256-signature"], expectedSignature(receiver.url, d.body, emu.webhookSecret))
        // The URL is part of what is signed: the same body does not verify for another URL.
        assert.notStrictEqual(d.headers["x-square-hmacsha256-signature"], expectedSignature(`${receiver.url}/`, d.body, emu.webhookSecret))
      }
    })

    it("signedWebhook: same event id on redelivery, the default notification URL, tamper, another key, timestamp", async () => {
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      const id = (await api.refund(body(pay, 2_500))).json.refund.id
      await emu.advance(id)
      await emu.flushWebhooks()
      const delivered = receiver.received[1]!
      const again = emu.signedWebhook(id)
      assert.strictEqual(again.body, delivered.body)
      assert.strictEqual(again.headers["x-square-hmacsha256-signature"], delivered.headers["x-square-hmacsha256-signature"])
      emu.setWebhookUrl(undefined)
      assert.strictEqual(SquareEmulator.defaultNotificationUrl, "https://example.test/webhooks/square")
      const unset = emu.signedWebhook(id)
      assert.strictEqual(
        unset.headers["x-square-hmacsha256-signature"],
        expectedSignature("https://example.test/webhooks/square", unset.body, emu.webhookSecret)
      )
      assert.strictEqual(JSON.parse(unset.body).event_id, JSON.parse(delivered.body).event_id)
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.strictEqual(JSON.parse(tampered.body).data.object.refund.amount_money.amount, 2_501)
      assert.isFalse(
        SquareEmulator.verifySignature(tampered.body, tampered.headers["x-square-hmacsha256-signature"]!, emu.webhookSecret, SquareEmulator.defaultNotificationUrl)
      )
      const foreign = emu.signedWebhook(id, { secret: "other-signature-key", eventType: "refund.created", timestampSeconds: 1_600_000_000 })
      assert.strictEqual(JSON.parse(foreign.body).type, "refund.created")
      assert.strictEqual(JSON.parse(foreign.body).created_at, "2020-09-13T12:26:40.000Z")
      assert.strictEqual(
        foreign.headers["x-square-hmacsha256-signature"],
        expectedSignature(SquareEmulator.defaultNotificationUrl, foreign.body, "other-signature-key")
      )
    })

    it("records a non-2xx answer as not accepted", async () => {
      receiver.respond = () => ({ status: 404, body: "gone" })
      const pay = await emu.createPayment({ amount: 10_000, currency: "USD" })
      await api.refund(body(pay, 100))
      await emu.flushWebhooks()
      const [delivery] = emu.webhookDeliveries()
      assert.strictEqual(delivery!.eventType, "refund.created")
      assert.strictEqual(delivery!.status, 404)
      assert.isFalse(delivery!.accepted)
    })
  })
})

describe("SquareEmulator.layer", () => {
  layer(SquareEmulator.layer({ clock: "manual" }))("Effect API", (it) => {
    it.effect("provides the running emulator as EmulatorService and SquareEmulator.Service", () =>
      Effect.gen(function*() {
        const emu = yield* EmulatorService
        assert.strictEqual(emu, yield* SquareEmulator.Service)
        const pay = yield* Effect.promise(() => emu.createPayment({ amount: 900, currency: "USD" }))
        const created = yield* Effect.promise(() =>
          client(emu).refund({ idempotency_key: "layer-key", amount_money: { amount: 900, currency: "USD" }, payment_id: pay })
        )
        assert.strictEqual(created.json.refund.status, "PENDING")
        yield* Effect.promise(() => emu.clock.advance(SquareEmulator.numbers.timing.settleAfterMillis))
        const read = yield* Effect.promise(() => client(emu).get(`/v2/refunds/${created.json.refund.id}`))
        assert.strictEqual(read.json.refund.status, "COMPLETED")
      }))
  })
})
