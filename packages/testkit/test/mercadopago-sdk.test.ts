/**
 * Keeps the Mercado Pago emulator honest: Mercado Pago's official Node SDK (`mercadopago` 3.6.1, sdk-nodejs) must
 * create, read and list refunds against it unchanged, get its errors back as the SDK's typed `MercadoPagoError`
 * subclasses (`status`, `error`, `causes`), and accept its webhook signatures with `WebhookSignatureValidator`.
 *
 * Redirecting the SDK: it has no host option. Every request goes through `RestClient.fetch`, which builds
 * `${AppConfig.BASE_URL}${endpoint}` from the static `AppConfig.BASE_URL = 'https://api.mercadopago.com'`
 * (`dist/utils/config/index.js`). The tests set that one static field to the emulator's URL for the duration of
 * the file (and restore it): paths, headers (`X-Idempotency-Key`, `Authorization: Bearer`) and bodies stay the
 * SDK's own. `maxRetries: 0` keeps the SDK from retrying 4xx/5xx itself, so each call is one request.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { MercadoPagoEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import {
  MercadoPagoConfig,
  MercadoPagoError,
  MPAuthenticationError,
  MPBadRequestError,
  MPNotFoundError,
  PaymentRefund,
  WebhookSignatureValidator
} from "mercadopago"
// A deep import of the SDK's compiled config module (the package has no `exports` map, so the path resolves).
import { AppConfig } from "mercadopago/dist/utils/config/index.js"
import { rejection } from "./helpers.ts"

const config = AppConfig as unknown as { BASE_URL: string }

/** The first cause's code of an SDK error (`causes` is typed loosely). */
const causeCode = (error: MercadoPagoError): unknown => (error.causes as ReadonlyArray<{ readonly code?: unknown }>)[0]?.code


describe("official mercadopago SDK (sdk-nodejs 3.6.1) against the emulator", () => {
  let emu: EmulatorHandle
  let original: string

  const refunds = (accessToken = emu.credentials["accessToken"]!) =>
    new PaymentRefund(new MercadoPagoConfig({ accessToken, options: { maxRetries: 0, timeout: 5_000 } }))

  beforeAll(async () => {
    emu = await MercadoPagoEmulator.start({ clock: "manual" })
    original = config.BASE_URL
    config.BASE_URL = emu.url
  })
  afterEach(() => {
    emu.reset()
  })
  afterAll(async () => {
    config.BASE_URL = original
    await emu.close()
  })

  it("create, get, list and total: the SDK reads the emulator's refunds", async () => {
    const client = refunds()
    const pay = await emu.createPayment({ amount: 10_050, currency: "BRL" })
    const created = await client.create({ payment_id: pay, body: { amount: 25.5 }, requestOptions: { idempotencyKey: "sdk-key-1" } })
    assert.strictEqual(created.api_response.status, 201)
    assert.isNumber(created.id)
    assert.strictEqual(created.payment_id, Number(pay))
    assert.strictEqual(created.amount, 25.5)
    assert.strictEqual(created.status, "in_process")
    assert.match(created.date_created!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-04:00$/)
    // What the SDK put on the wire.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.strictEqual(post.path, `/v1/payments/${pay}/refunds`)
    assert.strictEqual(post.headers["x-idempotency-key"], "sdk-key-1")
    assert.match(post.headers["user-agent"] ?? "", /^MercadoPago Node\.js SDK v3\.6\.1 /)

    const read = await client.get({ payment_id: pay, refund_id: created.id! })
    assert.strictEqual(read.id, created.id)
    assert.strictEqual(read.status, "in_process")
    assert.isNull(read.unique_sequence_number)
    await emu.clock.advance(MercadoPagoEmulator.numbers.timing.settleAfterMillis)
    const approved = await client.get({ payment_id: pay, refund_id: created.id! })
    assert.strictEqual(approved.status, "approved")
    assert.match(approved.unique_sequence_number!, /^\d{12}$/)

    // The rest of the payment: `total` posts no amount.
    const rest = await client.total({ payment_id: pay, requestOptions: { idempotencyKey: "sdk-key-2" } })
    assert.strictEqual(rest.amount, 75)
    const listed = await client.list({ payment_id: pay })
    assert.deepStrictEqual(listed.map((r) => r.id), [created.id, rest.id])
  })

  it("a replay under the same X-Idempotency-Key returns the first refund; a new key makes a new one", async () => {
    const client = refunds()
    const pay = await emu.createPayment({ amount: 10_000, currency: "ARS" })
    const first = await client.create({ payment_id: pay, body: { amount: 10 }, requestOptions: { idempotencyKey: "same-key" } })
    const again = await client.create({ payment_id: pay, body: { amount: 10 }, requestOptions: { idempotencyKey: "same-key" } })
    assert.strictEqual(again.id, first.id)
    assert.lengthOf(emu.refunds(), 1)
    const other = await client.create({ payment_id: pay, body: { amount: 10 }, requestOptions: { idempotencyKey: "other-key" } })
    assert.notStrictEqual(other.id, first.id)
    assert.lengthOf(emu.refunds(), 2)
  })

  it("errors reach the SDK as its typed errors with Mercado Pago's status, error and causes", async () => {
    const pay = await emu.createPayment({ amount: 1_000, currency: "MXN" })
    const unknown = await rejection(refunds().create({ payment_id: "99999999999", body: { amount: 1 } }), MercadoPagoError)
    assert.instanceOf(unknown, MPNotFoundError)
    assert.strictEqual(unknown.status, 404)
    assert.strictEqual(causeCode(unknown), 2000)

    const auth = await rejection(refunds("TEST-0000000000000000-010101-00000000000000000000000000000000-000000000").get({ payment_id: pay, refund_id: 1 }), MercadoPagoError)
    assert.instanceOf(auth, MPAuthenticationError)
    assert.strictEqual(auth.status, 401)

    const negative = await rejection(refunds().create({ payment_id: pay, body: { amount: -5 } }), MercadoPagoError)
    assert.instanceOf(negative, MPBadRequestError)
    assert.strictEqual(causeCode(negative), 4040)

    const text = await rejection(refunds().create({ payment_id: pay, body: { amount: "ten" as unknown as number } }), MercadoPagoError)
    assert.strictEqual(causeCode(text), 4041)

    const tooMany = await rejection(refunds().create({ payment_id: pay, body: { amount: 1.234 } }), MercadoPagoError)
    assert.strictEqual(tooMany.status, 400, "MXN has 2 decimals")

    const over = await rejection(refunds().create({ payment_id: pay, body: { amount: 10.01 } }), MercadoPagoError)
    assert.instanceOf(over, MPBadRequestError)
    assert.match(over.message, /exceeds/)

    await refunds().total({ payment_id: pay })
    const done = await rejection(refunds().create({ payment_id: pay, body: { amount: 1 } }), MercadoPagoError)
    assert.strictEqual(causeCode(done), 2063)

    const missing = await rejection(refunds().get({ payment_id: pay, refund_id: 123 }), MercadoPagoError)
    assert.instanceOf(missing, MPNotFoundError)
    assert.strictEqual(causeCode(missing), 2032)
  })

  it("CLP has no decimals: the SDK's whole-peso amount is refunded exactly", async () => {
    const pay = await emu.createPayment({ amount: 15_000, currency: "CLP" })
    const refund = await refunds().create({ payment_id: pay, body: { amount: 1_234 } })
    assert.strictEqual(refund.amount, 1_234)
    assert.strictEqual(emu.refunds()[0]!.amount, 1_234)
    const fraction = await rejection(refunds().create({ payment_id: pay, body: { amount: 0.5 } }), MercadoPagoError)
    assert.strictEqual(fraction.status, 400)
  })

  it("the SDK's WebhookSignatureValidator accepts the emulator's notifications and refuses tampered or foreign ones", async () => {
    const pay = await emu.createPayment({ amount: 5_000, currency: "PEN" })
    const refund = await refunds().create({ payment_id: pay, body: { amount: 20 } })
    const id = String(refund.id)
    const validate = (signed: { headers: Readonly<Record<string, string>>; body: string }, secret = emu.webhookSecret) => {
      const body = JSON.parse(signed.body) as { data: { id: string } }
      try {
        WebhookSignatureValidator.validate({
          xSignature: signed.headers["x-signature"],
          xRequestId: signed.headers["x-request-id"],
          dataId: body.data.id,
          secret
        })
        return true
      } catch {
        return false
      }
    }
    const good = emu.signedWebhook(id)
    assert.strictEqual(JSON.parse(good.body).data.id, pay, "the notification names the payment")
    assert.isTrue(validate(good))
    assert.isFalse(validate(emu.signedWebhook(id, { tamper: true })))
    assert.isFalse(validate(emu.signedWebhook(id, { secret: "someone-elses-secret" })))
    assert.isFalse(validate(good, "not-the-secret"))
  })
})
