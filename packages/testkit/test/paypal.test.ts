import { afterAll, afterEach, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import { EmulatorService, PayPalEmulator, Registry } from "@refract/testkit"
import type { Outcome } from "@refract/testkit"
import { Effect } from "effect"
import { verify, X509Certificate } from "node:crypto"
import { crc32 } from "node:zlib"
import { call, type Receiver, request, startReceiver, until } from "./helpers.ts"

type Handle = PayPalEmulator.PayPalEmulatorHandle


/** Independent check of a delivery: rebuild the signed string with node:zlib's crc32, verify with the cert's key. */
const verifyDelivery = (headers: Record<string, string | string[] | undefined>, body: string, webhookId: string, pem: string) => {
  const h = (name: string) => String(headers[name])
  const message = `${h("paypal-transmission-id")}|${h("paypal-transmission-time")}|${webhookId}|${crc32(Buffer.from(body)) >>> 0}`
  return verify("sha256", Buffer.from(message), new X509Certificate(pem).publicKey, Buffer.from(h("paypal-transmission-sig"), "base64"))
}

const basic = (emu: Handle, secret = emu.credentials.clientSecret!) =>
  `Basic ${Buffer.from(`${emu.credentials.clientId}:${secret}`).toString("base64")}`

const fetchToken = async (emu: Handle): Promise<string> => {
  const res = await request(`${emu.url}/v1/oauth2/token`, {
    method: "POST",
    headers: { authorization: basic(emu), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials"
  })
  assert.strictEqual(res.status, 200)
  return res.json.access_token
}

const client = (emu: Handle) => {
  let token: string | undefined
  const auth = async () => ({ authorization: `Bearer ${token ??= await fetchToken(emu)}` })
  return {
    refund: async (captureId: string, body: unknown, headers: Record<string, string> = {}) =>
      request(`${emu.url}/v2/payments/captures/${captureId}/refund`, {
        method: "POST",
        headers: { ...(await auth()), "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body)
      }),
    raw: async (captureId: string, body: unknown, headers: Record<string, string> = {}) =>
      call(`${emu.url}/v2/payments/captures/${captureId}/refund`, {
        method: "POST",
        headers: { ...(await auth()), "content-type": "application/json", ...headers },
        body: JSON.stringify(body)
      }),
    get: async (path: string) => request(`${emu.url}${path}`, { headers: await auth() }),
    post: async (path: string, body: unknown) =>
      request(`${emu.url}${path}`, {
        method: "POST",
        headers: { ...(await auth()), "content-type": "application/json" },
        body: JSON.stringify(body)
      }),
    forget: () => {
      token = undefined
    }
  }
}

const usd = (value: string) => ({ amount: { currency_code: "USD", value } })

const detailOf = (res: { json: any }) => res.json.details[0]

describe("PayPal emulator over HTTP", () => {
  let emu: Handle
  let api: ReturnType<typeof client>
  let receiver: Receiver

  // One RSA key for every emulator in this suite (key generation takes 50-700 ms); the layer test below
  // exercises the generation at start.
  let signingMaterial: Awaited<ReturnType<typeof PayPalEmulator.makeSigningMaterial>>

  beforeAll(async () => {
    receiver = await startReceiver()
    signingMaterial = await PayPalEmulator.makeSigningMaterial()
    emu = await PayPalEmulator.start({ clock: "manual", webhookUrl: receiver.url, signingMaterial })
    api = client(emu)
  })
  afterEach(() => {
    emu.reset()
    api.forget()
    receiver.received.length = 0
    receiver.respond = () => ({ status: 200, body: "" })
  })
  afterAll(async () => {
    await emu.close()
    await receiver.close()
  })

  it("exposes the base URL, client credentials, webhook id and signing certificate", async () => {
    assert.strictEqual(emu.name, "paypal")
    assert.strictEqual(emu.url, emu.origin)
    assert.deepStrictEqual(Object.keys(emu.credentials).toSorted(), ["clientId", "clientSecret"])
    assert.strictEqual(emu.webhookSecret, PayPalEmulator.defaultWebhookId)
    assert.match(emu.webhookSecret, /^[A-Z0-9]{17}$/)
    const cert = new X509Certificate(emu.certificatePem)
    assert.isTrue(cert.verify(cert.publicKey), "self-signed")
    assert.include(cert.subject, "CN=messageverificationcerts.sandbox.paypal.com")
    assert.match(emu.certificateUrl, new RegExp(`^${emu.origin}/v1/notifications/certs/CERT-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`))
    // The certificate is public, like PayPal's.
    const served = await request(emu.certificateUrl)
    assert.strictEqual(served.status, 200)
    assert.strictEqual(served.text, emu.certificatePem)
    assert.strictEqual((await request(`${emu.origin}/v1/notifications/certs/CERT-00000000-00000000-00000000`)).status, 404)
    assert.strictEqual(Registry.find("paypal")?.name, "paypal")
  })

  describe("OAuth2 and auth", () => {
    it("issues Bearer tokens for client credentials and reuses a valid one", async () => {
      const first = await request(`${emu.url}/v1/oauth2/token`, {
        method: "POST",
        headers: { authorization: basic(emu), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials"
      })
      assert.strictEqual(first.status, 200)
      assert.deepStrictEqual(Object.keys(first.json).toSorted(), ["access_token", "app_id", "expires_in", "nonce", "scope", "token_type"])
      assert.strictEqual(first.json.token_type, "Bearer")
      assert.strictEqual(first.json.app_id, "APP-80W284485P519543T")
      assert.strictEqual(first.json.expires_in, 32_400)
      assert.include(first.json.scope, "https://uri.paypal.com/services/payments/refund")
      assert.match(first.json.access_token, /^A21AA[A-Za-z0-9_-]{92}$/)
      assert.match(first.json.nonce, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ[A-Za-z0-9_-]{43}$/)
      assert.match(first.headers.get("paypal-debug-id") ?? "", /^[0-9a-f]{13}$/)
      const second = await request(`${emu.url}/v1/oauth2/token`, {
        method: "POST",
        headers: { authorization: basic(emu), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials"
      })
      assert.strictEqual(second.json.access_token, first.json.access_token)
      assert.isAtMost(second.json.expires_in, 32_400)
      assert.strictEqual(emu.tokenRequests(), 2)
      assert.strictEqual(emu.requests()[0]!.headers["authorization"], "Basic [REDACTED]")
    })

    it("answers wrong client credentials with invalid_client and a missing grant with unsupported_grant_type", async () => {
      for (const authorization of [basic(emu, "wrong-secret"), ""]) {
        const res = await request(`${emu.url}/v1/oauth2/token`, {
          method: "POST",
          headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=client_credentials"
        })
        assert.strictEqual(res.status, 401)
        assert.strictEqual(res.text, "{\"error\":\"invalid_client\",\"error_description\":\"Client Authentication failed\"}")
      }
      const noGrant = await request(`${emu.url}/v1/oauth2/token`, {
        method: "POST",
        headers: { authorization: basic(emu), "content-type": "application/x-www-form-urlencoded" },
        body: ""
      })
      assert.strictEqual(noGrant.status, 400)
      assert.deepStrictEqual(noGrant.json, { error: "unsupported_grant_type", error_description: "Grant Type is NULL" })
      assert.strictEqual(emu.tokenRequests(), 3, "failed token requests count too")
    })

    it("answers a missing or unknown Bearer token with 401 AUTHENTICATION_FAILURE", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      for (const headers of [{}, { authorization: "Bearer A21AAnot-a-token" }, { authorization: basic(emu) }]) {
        const res = await request(`${emu.url}/v2/payments/captures/${capture}/refund`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: "{}"
        })
        assert.strictEqual(res.status, 401)
        assert.strictEqual(
          res.text,
          "{\"name\":\"AUTHENTICATION_FAILURE\",\"message\":\"Authentication failed due to invalid authentication credentials or a missing Authorization header.\",\"links\":[{\"href\":\"https://developer.paypal.com/docs/api/overview/#error\",\"rel\":\"information_link\"}]}"
        )
        assert.match(res.headers.get("paypal-debug-id") ?? "", /^[0-9a-f]{13}$/)
      }
      assert.lengthOf(emu.refunds(), 0)
      assert.strictEqual(emu.requests()[1]!.headers["authorization"], "Bearer [REDACTED]")
    })

    it("expires tokens after tokenLifetimeSeconds on the emulator clock; a new token works", async () => {
      const short = await PayPalEmulator.start({ clock: "manual", tokenLifetimeSeconds: 0.3, signingMaterial })
      try {
        const capture = await short.createPayment({ amount: 1000, currency: "USD" })
        const c = client(short)
        assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 201)
        await short.clock.advance(299)
        assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 201, "still valid a millisecond before")
        await short.clock.advance(1)
        const expired = await c.refund(capture, usd("1.00"))
        assert.strictEqual(expired.status, 401)
        assert.strictEqual(expired.json.name, "AUTHENTICATION_FAILURE")
        c.forget()
        assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 201)
        assert.strictEqual(short.tokenRequests(), 2)
        assert.lengthOf(short.refunds(), 3)
      } finally {
        await short.close()
      }
    })

    it("revokes tokens through the handle and the control API (refresh-on-401)", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const c = client(emu)
      assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 201)
      assert.strictEqual(emu.revokeTokens(), 1)
      assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 401)
      c.forget()
      assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 201)
      const info = await request(`${emu.origin}/__emulator/paypal/tokens`)
      assert.deepStrictEqual(info.json, { tokenRequests: 2, active: 1 })
      const revoked = await request(`${emu.origin}/__emulator/paypal/tokens`, { method: "DELETE" })
      assert.deepStrictEqual(revoked.json, { revoked: 1 })
      assert.strictEqual((await c.refund(capture, usd("1.00"))).status, 401)
      assert.isFalse(emu.requests().some((r) => r.path.startsWith("/__emulator")), "control requests are not logged")
      c.forget()
    })

    it("counts token fetches, so one token for N concurrent calls is observable", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const token = await fetchToken(emu)
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(`${emu.url}/v2/payments/captures/${capture}/refund`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(usd("1.00"))
          }))
      )
      assert.deepStrictEqual(results.map((r) => r.status), [201, 201, 201, 201, 201])
      assert.strictEqual(emu.tokenRequests(), 1)
    })
  })

  describe("create and settle", () => {
    it("answers 201 minimal by default and settles PENDING → COMPLETED after the settle delay", async () => {
      const capture = await emu.createPayment({ amount: 2500, currency: "usd", reference: "order-1" })
      assert.match(capture, /^[A-Z0-9]{17}$/)
      const res = await api.refund(capture, { ...usd("10.99"), invoice_id: "INV-1", custom_id: "ref-1", note_to_payer: "Defective" }, {
        "paypal-request-id": "req-create-1"
      })
      assert.strictEqual(res.status, 201)
      assert.deepStrictEqual(Object.keys(res.json), ["id", "status", "links"])
      const id = res.json.id as string
      assert.match(id, /^[A-Z0-9]{17}$/)
      assert.strictEqual(res.json.status, "PENDING")
      assert.deepStrictEqual(res.json.links, [
        { href: `${emu.origin}/v2/payments/refunds/${id}`, rel: "self", method: "GET" },
        { href: `${emu.origin}/v2/payments/captures/${capture}`, rel: "up", method: "GET" }
      ])
      const first = await api.get(`/v2/payments/refunds/${id}`)
      assert.strictEqual(first.json.status, "PENDING")
      assert.notProperty(first.json, "seller_payable_breakdown")
      assert.strictEqual((await api.get(`/v2/payments/refunds/${id}`)).json.status, "PENDING", "reads never move it")
      await emu.clock.advance(PayPalEmulator.numbers.timing.settleAfterMillis)
      const second = await api.get(`/v2/payments/refunds/${id}`)
      assert.strictEqual(second.status, 200)
      const refund = second.json
      assert.strictEqual(refund.status, "COMPLETED")
      assert.deepStrictEqual(refund.amount, { currency_code: "USD", value: "10.99" })
      assert.strictEqual(refund.invoice_id, "INV-1")
      assert.strictEqual(refund.custom_id, "ref-1")
      assert.strictEqual(refund.note_to_payer, "Defective")
      assert.deepStrictEqual(refund.seller_payable_breakdown, {
        gross_amount: { currency_code: "USD", value: "10.99" },
        paypal_fee: { currency_code: "USD", value: "0.00" },
        net_amount: { currency_code: "USD", value: "10.99" },
        total_refunded_amount: { currency_code: "USD", value: "10.99" }
      })
      assert.match(refund.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      assert.match(refund.update_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      const [state] = emu.refunds()
      assert.strictEqual(state!.amount, 1099)
      assert.strictEqual(state!.currency, "USD")
      assert.strictEqual(state!.reference, "INV-1")
      assert.strictEqual(state!.idempotencyKey, "req-create-1")
      assert.deepStrictEqual(state!.metadata, { custom_id: "ref-1", note_to_payer: "Defective" })
      assert.deepStrictEqual(state!.history.map((h) => [h.status, h.via]), [["PENDING", "create"], ["COMPLETED", "timer"]])
      assert.strictEqual(refund.update_time, PayPalEmulator.paypalTime(state!.history[1]!.at), "times come from the emulator clock")
    })

    it("answers the full resource with Prefer: return=representation", async () => {
      const capture = await emu.createPayment({ amount: 2500, currency: "USD" })
      const res = await api.refund(capture, usd("5"), { prefer: "return=representation" })
      assert.strictEqual(res.status, 201)
      assert.strictEqual(res.json.status, "PENDING")
      assert.deepStrictEqual(res.json.amount, { currency_code: "USD", value: "5.00" })
      assert.property(res.json, "create_time")
      assert.lengthOf(res.json.links, 2)
    })

    it("refunds what is left when the amount is omitted; the capture shows PARTIALLY_REFUNDED then REFUNDED", async () => {
      const capture = await emu.createPayment({ amount: 2500, currency: "USD" })
      const partial = await api.refund(capture, usd("10.00"))
      await emu.advance(partial.json.id)
      assert.strictEqual((await api.get(`/v2/payments/captures/${capture}`)).json.status, "PARTIALLY_REFUNDED")
      const rest = await api.refund(capture, "")
      assert.strictEqual(rest.status, 201)
      const restRefund = await api.get(`/v2/payments/refunds/${rest.json.id}`)
      assert.deepStrictEqual(restRefund.json.amount, { currency_code: "USD", value: "15.00" })
      await emu.advance(rest.json.id)
      const after = await api.get(`/v2/payments/captures/${capture}`)
      assert.strictEqual(after.json.status, "REFUNDED")
      assert.deepStrictEqual(after.json.amount, { currency_code: "USD", value: "25.00" })
      const full = await api.refund(capture, {})
      assert.strictEqual(full.status, 422)
      assert.strictEqual(full.json.details[0].issue, "CAPTURE_FULLY_REFUNDED")
    })

    it("reads amounts in the currency's exact decimals (JPY 0, USD 2, KWD 3)", async () => {
      const jpy = await emu.createPayment({ amount: 5000, currency: "JPY" })
      const ok = await api.refund(jpy, { amount: { currency_code: "JPY", value: "1000" } }, { prefer: "return=representation" })
      assert.strictEqual(ok.status, 201)
      assert.deepStrictEqual(ok.json.amount, { currency_code: "JPY", value: "1000" })
      for (const value of ["10.5", "10.00"]) {
        const bad = await api.refund(jpy, { amount: { currency_code: "JPY", value } })
        assert.strictEqual(bad.status, 422)
        assert.strictEqual(bad.json.name, "UNPROCESSABLE_ENTITY")
        assert.deepStrictEqual(bad.json.details, [{
          field: "/amount/value",
          value,
          location: "body",
          issue: "DECIMALS_NOT_SUPPORTED",
          description: "Currency does not support decimals."
        }])
      }
      const cents = await emu.createPayment({ amount: 5000, currency: "USD" })
      const precise = await api.refund(cents, usd("10.999"))
      assert.strictEqual(precise.status, 422)
      assert.strictEqual(precise.json.details[0].issue, "DECIMAL_PRECISION")
      const kwd = await emu.createPayment({ amount: 5000, currency: "KWD" })
      const fils = await api.refund(kwd, { amount: { currency_code: "KWD", value: "1.234" } }, { prefer: "return=representation" })
      assert.strictEqual(fils.status, 201)
      assert.deepStrictEqual(fils.json.amount, { currency_code: "KWD", value: "1.234" })
      const tooPrecise = await api.refund(kwd, { amount: { currency_code: "KWD", value: "1.2345" } })
      assert.strictEqual(tooPrecise.json.details[0].issue, "DECIMAL_PRECISION")
      assert.deepStrictEqual(emu.refunds().map((r) => [r.currency, r.amount]), [["JPY", 1000], ["KWD", 1234]])
    })
  })

  describe("validation errors", () => {
    it("answers PayPal's error body with a matching Paypal-Debug-Id", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const res = await api.refund(capture, usd("10.01"))
      assert.strictEqual(res.status, 422)
      assert.deepStrictEqual(res.json, {
        name: "UNPROCESSABLE_ENTITY",
        message: "The requested action could not be performed, semantically incorrect, or failed business validation.",
        debug_id: res.headers.get("paypal-debug-id"),
        details: [{
          issue: "REFUND_AMOUNT_EXCEEDED",
          description: "The refund amount must be less than or equal to the capture amount that has not yet been refunded."
        }],
        links: [{
          href: "https://developer.paypal.com/docs/api/payments/v2/#error-REFUND_AMOUNT_EXCEEDED",
          rel: "information_link",
          method: "GET"
        }]
      })
      assert.match(res.json.debug_id, /^[0-9a-f]{13}$/)
    })

    it("rejects malformed input with 400 INVALID_REQUEST", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const malformed = await api.refund(capture, "{\"amount\":")
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(malformed.json.name, "INVALID_REQUEST")
      assert.strictEqual(malformed.json.message, "Request is not well-formed, syntactically incorrect, or violates schema.")
      assert.strictEqual(detailOf(malformed).issue, "MALFORMED_REQUEST_JSON")
      const missing = await api.refund(capture, { amount: { currency_code: "USD" } })
      assert.strictEqual(missing.status, 400)
      assert.deepInclude(detailOf(missing), { field: "/amount/value", location: "body", issue: "MISSING_REQUIRED_PARAMETER" })
      for (const value of ["abc", "1,00", "1."]) {
        const syntax = await api.refund(capture, { amount: { currency_code: "USD", value } })
        assert.strictEqual(syntax.status, 400)
        assert.deepInclude(detailOf(syntax), { field: "/amount/value", value, issue: "INVALID_PARAMETER_SYNTAX" })
      }
      // A number where the schema takes a string does not map onto the request type.
      const number = await api.refund(capture, { amount: { currency_code: "USD", value: 10 } })
      assert.deepStrictEqual(number.json.details, [{
        field: "/amount/value",
        location: "body",
        issue: "MALFORMED_REQUEST_JSON",
        description: "The request JSON is not well formed."
      }])
      const currency = await api.refund(capture, { amount: { currency_code: "usd", value: "1.00" } })
      assert.deepInclude(detailOf(currency), { field: "/amount/currency_code", issue: "INVALID_PARAMETER_SYNTAX" })
      const long = await api.refund(capture, { ...usd("1.00"), invoice_id: "x".repeat(128) })
      assert.strictEqual(long.status, 400)
      assert.deepInclude(detailOf(long), { field: "/invoice_id", issue: "INVALID_STRING_LENGTH" })
      assert.lengthOf(emu.refunds(), 0)
    })

    it("accepts exactly refund_request's members and refuses the rest as JSON that does not map (MALFORMED_REQUEST_JSON)", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const malformed = (field: string) => ({ field, location: "body", issue: "MALFORMED_REQUEST_JSON", description: "The request JSON is not well formed." })
      const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
        ["{\"reason\":\"duplicate\"}", ["/reason"]],
        ["{\"amount\":{\"currency_code\":\"USD\",\"value\":\"1.00\",\"precision\":2}}", ["/amount/precision"]],
        ["{\"__proto__\":{\"amount\":1},\"constructor\":\"x\"}", ["/__proto__", "/constructor"]],
        ["{\"amount\":[\"USD\",\"1.00\"]}", ["/amount"]],
        ["{\"invoice_id\":12345}", ["/invoice_id"]],
        ["{\"payment_instruction\":{\"platform_fees\":{\"amount\":{}}}}", ["/payment_instruction/platform_fees"]],
        ["{\"payment_instruction\":{\"disbursement_mode\":\"INSTANT\"}}", ["/payment_instruction/disbursement_mode"]]
      ]
      for (const [body, fields] of cases) {
        const res = await api.refund(capture, body)
        assert.strictEqual(res.status, 400, body)
        assert.strictEqual(res.json.name, "INVALID_REQUEST")
        assert.deepStrictEqual(res.json.details, fields.map(malformed), body)
      }
      for (const body of ["[]", "\"refund\"", "42", "null", "[".repeat(100_000) + "]".repeat(100_000)]) {
        const res = await api.refund(capture, body)
        assert.strictEqual(res.status, 400, body.slice(0, 20))
        assert.deepStrictEqual(res.json.details, [{ issue: "MALFORMED_REQUEST_JSON", description: "The request JSON is not well formed." }])
      }
      // Deep input is never walked: the first unknown member ends the reading of its branch.
      const deep = await api.refund(capture, "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000))
      assert.strictEqual(deep.status, 400)
      assert.deepStrictEqual(deep.json.details.map((d: any) => d.field), ["/a"])
      assert.lengthOf(emu.refunds(), 0)
    })

    it("checks every constraint of the spec: lengths, one-line strings, platform_fees items, payee", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const issues = (res: { json: any }) => res.json.details.map((d: any) => `${d.issue} ${d.field}`)
      const many = await api.refund(capture, {
        amount: { currency_code: "US", value: "1".repeat(33) },
        custom_id: "",
        note_to_payer: "line one\nline two",
        payment_instruction: {
          platform_fees: [
            { amount: { currency_code: "USD", value: "0.10" } },
            { amount: { currency_code: "USD", value: "0.20" } }
          ]
        }
      })
      assert.strictEqual(many.status, 400)
      assert.deepStrictEqual(issues(many), [
        "INVALID_STRING_LENGTH /amount/currency_code",
        "INVALID_STRING_LENGTH /amount/value",
        "INVALID_STRING_LENGTH /custom_id",
        "INVALID_PARAMETER_SYNTAX /note_to_payer",
        "INVALID_ARRAY_MAX_ITEMS /payment_instruction/platform_fees"
      ])
      const payee = await api.refund(capture, {
        payment_instruction: { platform_fees: [{ payee: { merchant_id: "not-an-id", email_address: "nobody" } }] }
      })
      assert.deepStrictEqual(issues(payee), [
        "MISSING_REQUIRED_PARAMETER /payment_instruction/platform_fees/0/amount",
        "INVALID_PARAMETER_SYNTAX /payment_instruction/platform_fees/0/payee/email_address",
        "INVALID_STRING_LENGTH /payment_instruction/platform_fees/0/payee/merchant_id"
      ])
      // A well-formed platform fee is understood, then refused: the emulated merchant is not a platform.
      const fee = await api.refund(capture, {
        ...usd("1.00"),
        payment_instruction: { platform_fees: [{ amount: { currency_code: "USD", value: "0.10" }, payee: { merchant_id: "2GG279542U472" } }] }
      })
      assert.strictEqual(fee.status, 422)
      assert.deepInclude(detailOf(fee), { field: "/payment_instruction/platform_fees", issue: "PLATFORM_FEE_NOT_ENABLED" })
      assert.strictEqual((await api.refund(capture, { ...usd("1.00"), payment_instruction: { platform_fees: [] } })).status, 201)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("answers a body that is not JSON by its Content-Type with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      for (const contentType of ["application/x-www-form-urlencoded", "text/plain", "application/jsonp"]) {
        const res = await api.refund(capture, "amount=1.00", { "content-type": contentType })
        assert.strictEqual(res.status, 415, contentType)
        assert.strictEqual(res.json.name, "UNSUPPORTED_MEDIA_TYPE")
        assert.strictEqual(res.json.message, "The server does not support the request payload's media type.")
        assert.strictEqual(res.json.debug_id, res.headers.get("paypal-debug-id"))
      }
      // Parameters of the media type are fine, and an empty body needs no Content-Type (a full refund).
      assert.strictEqual((await api.refund(capture, usd("1.00"), { "content-type": "application/json; charset=utf-8" })).status, 201)
      assert.strictEqual((await api.refund(capture, "", { "content-type": "text/plain" })).status, 201)
      assert.deepStrictEqual(emu.refunds().map((r) => r.amount), [100, 900])
    })

    it("reads amounts beyond the safe integer range as exceeding what is left, never rounded", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      for (const value of ["90071992547409.93", "9".repeat(32)]) {
        const res = await api.refund(capture, usd(value))
        assert.strictEqual(res.status, 422, value)
        assert.strictEqual(detailOf(res).issue, "REFUND_AMOUNT_EXCEEDED")
      }
      assert.deepStrictEqual(PayPalEmulator.parseValue("90071992547409.93", "USD"), { _tag: "Ok", minor: Infinity })
      assert.deepStrictEqual(PayPalEmulator.parseValue("90071992547409.91", "USD"), { _tag: "Ok", minor: Number.MAX_SAFE_INTEGER })
      assert.lengthOf(emu.refunds(), 0)
    })

    it("rejects business-rule violations with 422 and unknown ids with 404", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      for (const value of ["0", "0.00", "-1.00"]) {
        const zero = await api.refund(capture, usd(value))
        assert.strictEqual(zero.status, 422)
        assert.strictEqual(detailOf(zero).issue, "CANNOT_BE_ZERO_OR_NEGATIVE")
      }
      const mismatch = await api.refund(capture, { amount: { currency_code: "EUR", value: "1.00" } })
      assert.strictEqual(mismatch.status, 422)
      assert.deepInclude(detailOf(mismatch), {
        issue: "REFUND_CAPTURE_CURRENCY_MISMATCH",
        description: "Refund must be in the same currency as the capture"
      })
      assert.strictEqual((await api.refund(capture, { ...usd("1.00"), invoice_id: "INV-9" })).status, 201)
      const duplicate = await api.refund(capture, { ...usd("1.00"), invoice_id: "INV-9" })
      assert.strictEqual(duplicate.status, 422)
      assert.strictEqual(detailOf(duplicate).issue, "DUPLICATE_INVOICE_ID")
      const unknown = await api.refund("ZZZZZZZZZZZZZZZZZ", usd("1.00"))
      assert.strictEqual(unknown.status, 404)
      assert.strictEqual(unknown.json.name, "RESOURCE_NOT_FOUND")
      assert.strictEqual(unknown.json.message, "The specified resource does not exist.")
      assert.deepStrictEqual(unknown.json.details, [{
        issue: "INVALID_RESOURCE_ID",
        description: "Specified resource ID does not exist. Please check the resource ID and try again."
      }])
      assert.strictEqual((await api.get("/v2/payments/refunds/ZZZZZZZZZZZZZZZZZ")).status, 404)
      assert.strictEqual((await api.get("/v2/payments/captures/ZZZZZZZZZZZZZZZZZ")).status, 404)
      const route = await api.get("/v2/nothing/here")
      assert.strictEqual(route.status, 404)
      assert.strictEqual(route.text, "")
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("outcomes and webhooks", () => {
    const expectations: ReadonlyArray<[Outcome, ReadonlyArray<string>]> = [
      ["succeeded", ["PENDING", "COMPLETED"]],
      ["failed", ["PENDING", "FAILED"]],
      ["canceled", ["PENDING", "CANCELLED"]],
      ["requires_action", ["PENDING"]],
      ["succeeded_then_reversed", ["PENDING", "COMPLETED"]],
      ["succeeded_then_failed", ["PENDING", "COMPLETED"]]
    ]
    for (const [outcome, statuses] of expectations) {
      it(`${outcome}: ${statuses.join(" → ")}`, async () => {
        const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
        emu.scriptOutcome(capture, outcome)
        const res = await api.refund(capture, usd("4.00"))
        const id = res.json.id as string
        for (let i = 0; i < 3; i++) await emu.advance(id)
        assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), [...statuses])
        const final = statuses[statuses.length - 1]
        assert.strictEqual((await api.get(`/v2/payments/refunds/${id}`)).json.status, final)
        // Only PAYMENT.CAPTURE.REFUNDED is documented by PayPal; it is sent when the refund completes.
        await emu.flushWebhooks()
        const events = receiver.received.map((r) => JSON.parse(r.body))
        assert.deepStrictEqual(events.map((e) => e.event_type), final === "COMPLETED" ? ["PAYMENT.CAPTURE.REFUNDED"] : [])
        for (const delivery of receiver.received) {
          assert.isTrue(verifyDelivery(delivery.headers, delivery.body, emu.webhookSecret, emu.certificatePem))
        }
        // Funds are released by FAILED and CANCELLED.
        const left = await api.get(`/v2/payments/captures/${capture}`)
        assert.strictEqual(left.status, 200)
        const expectedLeft = final === "FAILED" || final === "CANCELLED" ? 1000 : 600
        const next = await api.refund(capture, usd(PayPalEmulator.formatValue(expectedLeft + 1, "USD")))
        assert.strictEqual(next.json.details[0].issue, "REFUND_AMOUNT_EXCEEDED")
      })
    }

    it("a scripted failure reason shows in status_details", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      emu.scriptOutcome(capture, "failed", { reason: "ECHECK" })
      const res = await api.refund(capture, usd("1.00"))
      await emu.advance(res.json.id)
      const refund = await api.get(`/v2/payments/refunds/${res.json.id}`)
      assert.strictEqual(refund.json.status, "FAILED")
      assert.deepStrictEqual(refund.json.status_details, { reason: "ECHECK" })
      assert.strictEqual(emu.refunds()[0]!.failureReason, "ECHECK")
    })

    it("delivers PAYMENT.CAPTURE.REFUNDED signed exactly as PayPal signs (verified independently)", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const res = await api.refund(capture, { ...usd("4.00"), invoice_id: "INV-W" })
      await emu.advance(res.json.id)
      const [delivery] = receiver.received
      assert.isDefined(delivery)
      assert.strictEqual(delivery!.method, "POST")
      const h = delivery!.headers
      assert.match(String(h["paypal-transmission-id"]), /^[0-9a-f-]{36}$/)
      assert.match(String(h["paypal-transmission-time"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      assert.strictEqual(h["paypal-auth-algo"], "SHA256withRSA")
      assert.strictEqual(h["paypal-cert-url"], emu.certificateUrl)
      assert.strictEqual(h["content-type"], "application/json")
      // Fetch the certificate from PAYPAL-CERT-URL, as a verifier does.
      const pem = (await request(String(h["paypal-cert-url"]))).text
      assert.isTrue(verifyDelivery(h, delivery!.body, emu.webhookSecret, pem))
      assert.isFalse(verifyDelivery(h, delivery!.body, "SOMEOTHERWEBHOOK1", pem))
      assert.isFalse(verifyDelivery(h, delivery!.body.replace("4.00", "5.00"), emu.webhookSecret, pem))
      const event = JSON.parse(delivery!.body)
      assert.match(event.id, /^WH-[A-Z0-9]{17}-[A-Z0-9]{17}$/)
      assert.strictEqual(event.event_version, "1.0")
      assert.strictEqual(event.resource_type, "refund")
      assert.strictEqual(event.resource_version, "2.0")
      assert.strictEqual(event.event_type, "PAYMENT.CAPTURE.REFUNDED")
      assert.strictEqual(event.summary, "A 4.00 USD capture payment was refunded")
      assert.match(event.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.strictEqual(event.resource.id, res.json.id)
      assert.strictEqual(event.resource.status, "COMPLETED")
      assert.strictEqual(event.resource.invoice_id, "INV-W")
      assert.deepStrictEqual(event.resource.amount, { currency_code: "USD", value: "4.00" })
      assert.strictEqual(event.resource.links[1].href, `${emu.origin}/v2/payments/captures/${capture}`)
      assert.deepStrictEqual(event.links.map((l: any) => l.rel), ["self", "resend"])
      const [recorded] = emu.webhookDeliveries()
      assert.isTrue(recorded!.accepted)
      assert.strictEqual(recorded!.eventType, "PAYMENT.CAPTURE.REFUNDED")
    })

    it("signedWebhook: stable event id, fresh transmission, tamper and foreign webhook id fail", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const res = await api.refund(capture, usd("4.00"))
      const id = res.json.id as string
      const a = emu.signedWebhook(id)
      const b = emu.signedWebhook(id, { timestampSeconds: 1_700_000_000 })
      assert.strictEqual(JSON.parse(a.body).event_type, "PAYMENT.CAPTURE.REFUNDED")
      assert.strictEqual(JSON.parse(a.body).id, JSON.parse(b.body).id, "event ids survive redelivery")
      assert.notStrictEqual(a.headers["paypal-transmission-id"], b.headers["paypal-transmission-id"])
      assert.strictEqual(b.headers["paypal-transmission-time"], "2023-11-14T22:13:20Z")
      assert.isTrue(verifyDelivery(a.headers, a.body, emu.webhookSecret, emu.certificatePem))
      assert.isTrue(verifyDelivery(b.headers, b.body, emu.webhookSecret, emu.certificatePem))
      const tampered = emu.signedWebhook(id, { tamper: true })
      assert.strictEqual(JSON.parse(tampered.body).resource.amount.value, "4.01")
      assert.isFalse(verifyDelivery(tampered.headers, tampered.body, emu.webhookSecret, emu.certificatePem))
      const foreign = emu.signedWebhook(id, { secret: "8PT597110X687430LK", eventType: "PAYMENT.REFUND.PENDING" })
      assert.strictEqual(JSON.parse(foreign.body).event_type, "PAYMENT.REFUND.PENDING")
      assert.isFalse(verifyDelivery(foreign.headers, foreign.body, emu.webhookSecret, emu.certificatePem))
      assert.isTrue(verifyDelivery(foreign.headers, foreign.body, "8PT597110X687430LK", emu.certificatePem))
      assert.isTrue(
        PayPalEmulator.verifyTransmission({
          certificatePem: emu.certificatePem,
          transmissionId: a.headers["paypal-transmission-id"]!,
          transmissionTime: a.headers["paypal-transmission-time"]!,
          transmissionSig: a.headers["paypal-transmission-sig"]!,
          webhookId: emu.webhookSecret,
          body: a.body
        })
      )
    })

    it("POST /v1/notifications/verify-webhook-signature answers SUCCESS or FAILURE", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const res = await api.refund(capture, usd("4.00"))
      const check = (signed: { headers: Record<string, string>; body: string }, webhookId = emu.webhookSecret) =>
        api.post("/v1/notifications/verify-webhook-signature", {
          auth_algo: signed.headers["paypal-auth-algo"],
          cert_url: signed.headers["paypal-cert-url"],
          transmission_id: signed.headers["paypal-transmission-id"],
          transmission_sig: signed.headers["paypal-transmission-sig"],
          transmission_time: signed.headers["paypal-transmission-time"],
          webhook_id: webhookId,
          webhook_event: JSON.parse(signed.body)
        })
      const good = await check(emu.signedWebhook(res.json.id))
      assert.deepStrictEqual(good.json, { verification_status: "SUCCESS" })
      assert.deepStrictEqual((await check(emu.signedWebhook(res.json.id, { tamper: true }))).json, { verification_status: "FAILURE" })
      const foreign = emu.signedWebhook(res.json.id, { secret: "8PT597110X687430LK" })
      assert.deepStrictEqual((await check(foreign, "8PT597110X687430LK")).json, { verification_status: "FAILURE" })
      const incomplete = await api.post("/v1/notifications/verify-webhook-signature", { auth_algo: "SHA256withRSA" })
      assert.strictEqual(incomplete.status, 400)
    })

    it("records unacknowledged deliveries", async () => {
      receiver.respond = () => ({ status: 500, body: "nope" })
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const res = await api.refund(capture, usd("4.00"))
      await emu.advance(res.json.id)
      const [delivery] = emu.webhookDeliveries()
      assert.strictEqual(delivery!.status, 500)
      assert.isFalse(delivery!.accepted)
    })

    it("unconfirmedRefundEvents adds PAYMENT.REFUND.PENDING / FAILED / CANCELLED", async () => {
      const extra = await PayPalEmulator.start({ webhookUrl: receiver.url, unconfirmedRefundEvents: true, signingMaterial })
      try {
        const c = client(extra)
        const failed = await extra.createPayment({ amount: 1000, currency: "USD" })
        extra.scriptOutcome(failed, "failed")
        const canceled = await extra.createPayment({ amount: 1000, currency: "USD" })
        extra.scriptOutcome(canceled, "canceled")
        for (const capture of [failed, canceled]) {
          const res = await c.refund(capture, usd("1.00"))
          await extra.advance(res.json.id)
        }
        await extra.flushWebhooks()
        assert.deepStrictEqual(receiver.received.map((r) => JSON.parse(r.body).event_type), [
          "PAYMENT.REFUND.PENDING",
          "PAYMENT.REFUND.FAILED",
          "PAYMENT.REFUND.PENDING",
          "PAYMENT.REFUND.CANCELLED"
        ])
        assert.isTrue(receiver.received.every((r) => verifyDelivery(r.headers, r.body, extra.webhookSecret, extra.certificatePem)))
      } finally {
        await extra.close()
      }
    })

    it("settles by time with settleAfterMillis", async () => {
      const timed = await PayPalEmulator.start({ webhookUrl: receiver.url, settleAfterMillis: 30, signingMaterial })
      try {
        const capture = await timed.createPayment({ amount: 1000, currency: "USD" })
        const res = await client(timed).refund(capture, usd("1.00"))
        const [delivery] = await receiver.waitFor(1)
        assert.strictEqual(JSON.parse(delivery!.body).resource.id, res.json.id)
        assert.deepStrictEqual(timed.refunds()[0]!.history.map((h) => h.via), ["create", "timer"])
      } finally {
        await timed.close()
      }
    })
  })

  describe("idempotency (PayPal-Request-Id)", () => {
    it("answers a repeated id with 200 and the refund as it is now, whatever the body", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const first = await api.refund(capture, usd("1.00"), { "paypal-request-id": "pp-key-1" })
      assert.strictEqual(first.status, 201)
      const second = await api.refund(capture, usd("1.00"), { "paypal-request-id": "pp-key-1" })
      const other = await api.refund(capture, usd("2.00"), { "paypal-request-id": "pp-key-1" })
      assert.strictEqual(second.status, 200)
      assert.deepStrictEqual(second.json, first.json)
      assert.deepStrictEqual(other.json, first.json, "PayPal does not compare bodies")
      assert.lengthOf(emu.refunds(), 1)
      // "PayPal returns the latest status of the previous request": once settled, the replay says COMPLETED,
      // in the shape the replay's Prefer asks for.
      await emu.clock.advance(PayPalEmulator.numbers.timing.settleAfterMillis)
      const later = await api.refund(capture, usd("1.00"), { "paypal-request-id": "pp-key-1", prefer: "return=representation" })
      assert.strictEqual(later.status, 200)
      assert.strictEqual(later.json.id, first.json.id)
      assert.strictEqual(later.json.status, "COMPLETED")
      assert.deepStrictEqual(later.json.amount, { currency_code: "USD", value: "1.00" })
      assert.lengthOf(emu.refunds(), 1)
    })

    it("does not keep failed attempts: the same id runs again", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      const over = await api.refund(capture, usd("20.00"), { "paypal-request-id": "pp-key-2" })
      assert.strictEqual(over.status, 422)
      const ok = await api.refund(capture, usd("2.00"), { "paypal-request-id": "pp-key-2" })
      assert.strictEqual(ok.status, 201)
      emu.injectFault({ _tag: "ServerError" })
      assert.strictEqual((await api.refund(capture, usd("3.00"), { "paypal-request-id": "pp-key-3" })).status, 500)
      assert.strictEqual((await api.refund(capture, usd("3.00"), { "paypal-request-id": "pp-key-3" })).status, 201)
      assert.lengthOf(emu.refunds(), 2)
    })

    it("answers 409 PREVIOUS_REQUEST_IN_PROGRESS while the first request is in flight", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      await fetchToken(emu)
      emu.injectFault({ _tag: "Slow", delayMillis: 250 }, { path: "/v2/payments/captures/*" })
      const slow = api.refund(capture, usd("1.00"), { "paypal-request-id": "pp-key-4" })
      await until(() => emu.refunds().length === 1, "the slow request to be handled")
      const concurrent = await api.refund(capture, usd("1.00"), { "paypal-request-id": "pp-key-4" })
      assert.strictEqual(concurrent.status, 409)
      assert.strictEqual(concurrent.json.name, "RESOURCE_CONFLICT")
      assert.strictEqual(concurrent.json.details[0].issue, "PREVIOUS_REQUEST_IN_PROGRESS")
      await emu.clock.advance(250)
      assert.strictEqual((await slow).status, 201)
      assert.lengthOf(emu.refunds(), 1)
    })
  })

  describe("faults", () => {
    const refundPath = "/v2/payments/captures/*"

    it("RateLimit answers 429 RATE_LIMIT_REACHED with Retry-After", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 }, { path: refundPath })
      const res = await api.refund(capture, usd("1.00"))
      assert.strictEqual(res.status, 429)
      assert.strictEqual(res.headers.get("retry-after"), "2")
      assert.strictEqual(res.json.name, "RATE_LIMIT_REACHED")
      assert.strictEqual(res.json.message, "Too many requests. Blocked due to rate limiting.")
      assert.strictEqual(res.json.debug_id, res.headers.get("paypal-debug-id"))
      assert.lengthOf(emu.refunds(), 0)
    })

    it("ServerError answers INTERNAL_SERVER_ERROR (500) or SERVICE_UNAVAILABLE (503)", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      emu.injectFault({ _tag: "ServerError" }, { path: refundPath })
      emu.injectFault({ _tag: "ServerError", status: 503 }, { path: refundPath })
      const first = await api.refund(capture, usd("1.00"))
      assert.strictEqual(first.status, 500)
      assert.deepInclude(first.json, { name: "INTERNAL_SERVER_ERROR", message: "An internal server error occurred." })
      const second = await api.refund(capture, usd("1.00"))
      assert.strictEqual(second.status, 503)
      assert.deepInclude(second.json, { name: "SERVICE_UNAVAILABLE", message: "Service Unavailable." })
      assert.lengthOf(emu.refunds(), 0)
    })

    it("DropBeforeRecord leaves no refund; DropAfterRecord exactly one, replayed on a keyed retry", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      await fetchToken(emu)
      emu.injectFault({ _tag: "DropBeforeRecord" }, { path: refundPath })
      assert.isFalse((await api.raw(capture, usd("1.00"), { "paypal-request-id": "drop-a" })).ok)
      assert.lengthOf(emu.refunds(), 0)
      emu.injectFault({ _tag: "DropAfterRecord" }, { path: refundPath })
      assert.isFalse((await api.raw(capture, usd("1.00"), { "paypal-request-id": "drop-b" })).ok)
      assert.lengthOf(emu.refunds(), 1)
      const retry = await api.refund(capture, usd("1.00"), { "paypal-request-id": "drop-b" })
      assert.strictEqual(retry.status, 200, "a replay answers 200: the refund already exists")
      assert.strictEqual(retry.json.id, emu.refunds()[0]!.id)
      assert.lengthOf(emu.refunds(), 1)
    })

    it("Slow answers late with the refund already recorded; MalformedBody answers 200 garbage", async () => {
      const capture = await emu.createPayment({ amount: 1000, currency: "USD" })
      await fetchToken(emu)
      emu.injectFault({ _tag: "Slow", delayMillis: 200 }, { path: refundPath })
      const pending = api.refund(capture, usd("1.00"))
      await until(() => emu.refunds().length === 1, "the refund to be recorded")
      await emu.clock.advance(200)
      assert.strictEqual((await pending).status, 201)
      emu.injectFault({ _tag: "MalformedBody" }, { method: "POST", path: /\/refund$/ })
      const malformed = await api.refund(capture, usd("1.00"))
      assert.strictEqual(malformed.status, 200)
      assert.isUndefined(malformed.json)
      assert.lengthOf(emu.refunds(), 2)
    })

    it("faults can target the token endpoint", async () => {
      emu.injectFault({ _tag: "ServerError", status: 503 }, { path: "/v1/oauth2/token" })
      const res = await request(`${emu.url}/v1/oauth2/token`, {
        method: "POST",
        headers: { authorization: basic(emu), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials"
      })
      assert.strictEqual(res.status, 503)
      assert.strictEqual(emu.tokenRequests(), 1)
      assert.strictEqual(emu.requests()[0]!.fault, "ServerError")
    })
  })
})

describe("PayPal money values", () => {
  it("formats and parses decimal strings per currency", () => {
    assert.strictEqual(PayPalEmulator.formatValue(1099, "USD"), "10.99")
    assert.strictEqual(PayPalEmulator.formatValue(5, "USD"), "0.05")
    assert.strictEqual(PayPalEmulator.formatValue(500, "JPY"), "500")
    assert.strictEqual(PayPalEmulator.formatValue(1234, "KWD"), "1.234")
    assert.deepStrictEqual(PayPalEmulator.parseValue("10.5", "USD"), { _tag: "Ok", minor: 1050 })
    assert.deepStrictEqual(PayPalEmulator.parseValue(".5", "EUR"), { _tag: "Ok", minor: 50 })
    assert.deepStrictEqual(PayPalEmulator.parseValue("10.5", "JPY"), { _tag: "DecimalsNotSupported" })
    assert.deepStrictEqual(PayPalEmulator.parseValue("1.0001", "TND"), { _tag: "DecimalPrecision", decimals: 3 })
    assert.deepStrictEqual(PayPalEmulator.parseValue("1e3", "USD"), { _tag: "Syntax" })
  })
})

layer(PayPalEmulator.layer())("PayPal emulator as a layer", (it) => {
  it.effect("provides the handle under both keys", () =>
    Effect.gen(function*() {
      const generic = yield* EmulatorService
      const specific = yield* PayPalEmulator.Service
      assert.strictEqual(generic, specific)
      assert.include(specific.certificatePem, "BEGIN CERTIFICATE")
      assert.strictEqual(specific.tokenRequests(), 0)
    }))
})
