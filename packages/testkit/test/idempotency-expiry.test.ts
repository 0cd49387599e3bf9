/**
 * Idempotency keys expire, per processor, on the emulator clock: within the window a replay returns the
 * first answer; past it the key is forgotten and the same request runs as new, exactly as at the processor,
 * so a late blind replay creates a second refund. The request log and the truth API show it.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  AdyenEmulator,
  CheckoutEmulator,
  PayPalEmulator,
  RazorpayEmulator,
  SquareEmulator,
  StripeEmulator
} from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { request } from "./helpers.ts"

const day = 86_400_000

interface Processor {
  readonly name: string
  readonly start: () => Promise<EmulatorHandle>
  readonly window: number
  readonly currency: string
  /** POSTs a refund of 1.00 under `key`; resolves with the refund id the processor answered. */
  readonly refund: (emu: EmulatorHandle, paymentId: string, key: string) => Promise<string>
}

const json = { "content-type": "application/json" }
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

const processors: ReadonlyArray<Processor> = [
  {
    name: "stripe",
    start: () => StripeEmulator.start({ clock: "manual" }),
    window: day,
    currency: "usd",
    refund: async (emu, pi, key) =>
      (await request(`${emu.url}/v1/refunds`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.credentials.apiKey}`, "content-type": "application/x-www-form-urlencoded", "idempotency-key": key },
        body: `payment_intent=${pi}&amount=100`
      })).json.id
  },
  {
    name: "adyen",
    start: () => AdyenEmulator.start({ clock: "manual" }),
    window: 31 * day,
    currency: "EUR",
    refund: async (emu, psp, key) =>
      (await request(`${emu.url}/payments/${psp}/refunds`, {
        method: "POST",
        headers: { ...json, "x-api-key": emu.credentials.apiKey!, "idempotency-key": key },
        body: JSON.stringify({ merchantAccount: emu.credentials.merchantAccount, amount: { currency: "EUR", value: 100 } })
      })).json.pspReference
  },
  {
    name: "checkout",
    start: () => CheckoutEmulator.start({ clock: "manual" }),
    window: day,
    currency: "GBP",
    refund: async (emu, pay, key) =>
      (await request(`${emu.url}/payments/${pay}/refunds`, {
        method: "POST",
        headers: { ...json, authorization: `Bearer ${emu.credentials.secretKey}`, "cko-idempotency-key": key },
        body: JSON.stringify({ amount: 100 })
      })).json.action_id
  },
  {
    name: "paypal",
    start: () => PayPalEmulator.start({ clock: "manual" }),
    window: 45 * day,
    currency: "USD",
    refund: async (emu, capture, key) => {
      // Tokens expire on the emulator clock too (9 h): a client fetches a fresh one after a long wait.
      const token = (await request(`${emu.url}/v1/oauth2/token`, {
        method: "POST",
        headers: { authorization: basic(emu.credentials.clientId!, emu.credentials.clientSecret!), "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials"
      })).json.access_token
      return (await request(`${emu.url}/v2/payments/captures/${capture}/refund`, {
        method: "POST",
        headers: { ...json, authorization: `Bearer ${token}`, "paypal-request-id": key },
        body: JSON.stringify({ amount: { currency_code: "USD", value: "1.00" } })
      })).json.id
    }
  },
  {
    name: "razorpay",
    start: () => RazorpayEmulator.start({ clock: "manual" }),
    window: day,
    currency: "INR",
    refund: async (emu, pay, key) =>
      (await request(`${emu.url}/v1/payments/${pay}/refund`, {
        method: "POST",
        headers: { ...json, authorization: basic(emu.credentials.keyId!, emu.credentials.keySecret!), "x-refund-idempotency": key },
        body: JSON.stringify({ amount: 100 })
      })).json.id
  },
  {
    name: "square",
    start: () => SquareEmulator.start({ clock: "manual" }),
    window: day,
    currency: "USD",
    refund: async (emu, pay, key) =>
      (await request(`${emu.url}/v2/refunds`, {
        method: "POST",
        headers: { ...json, authorization: `Bearer ${emu.credentials.accessToken}` },
        body: JSON.stringify({ idempotency_key: key, amount_money: { amount: 100, currency: "USD" }, payment_id: pay })
      })).json.refund.id
  }
]

describe("idempotency keys expire on the emulator clock", () => {
  for (const processor of processors) {
    describe(processor.name, () => {
      let emu: EmulatorHandle
      beforeAll(async () => {
        emu = await processor.start()
      })
      afterAll(() => emu.close())

      it(`replays within ${processor.window / day} day(s) of the first use; a late blind replay creates a second refund`, async () => {
        const payment = await emu.createPayment({ amount: 100_000, currency: processor.currency })
        const key = `${processor.name}-late-replay-key`
        const t0 = emu.clock.now()
        const first = await processor.refund(emu, payment, key)
        await emu.clock.advance(processor.window - 1)
        assert.strictEqual(await processor.refund(emu, payment, key), first, "within the window: the same refund")
        assert.lengthOf(emu.refunds(), 1)
        await emu.clock.advance(1)
        const second = await processor.refund(emu, payment, key)
        assert.notStrictEqual(second, first, "past the window the key is forgotten: a new refund")
        assert.lengthOf(emu.refunds(), 2)
        assert.deepStrictEqual(emu.refunds().map((r) => r.idempotencyKey), [key, key])

        const keyed = emu.requests().filter((r) => r.idempotency?.key === key)
        assert.deepStrictEqual(keyed.map((r) => r.idempotency!.result), ["first", "replay", "expired"])
        assert.strictEqual(keyed[2]!.idempotency!.previousFirstUsedAt, t0)
        const records = emu.truth().idempotencyKeys.filter((k) => k.key === key)
        assert.deepStrictEqual(records.map((k) => [k.state, k.firstUsedAt - t0, k.expiresAt - t0]), [
          ["expired", 0, processor.window],
          ["stored", processor.window, 2 * processor.window]
        ])
      })
    })
  }

  it("idempotencyWindowMillis overrides the processor's window", async () => {
    const emu = await StripeEmulator.start({ clock: "manual", idempotencyWindowMillis: 60_000 })
    try {
      const pi = await emu.createPayment({ amount: 10_000, currency: "usd" })
      const stripe = processors[0]!
      const first = await stripe.refund(emu, pi, "short-window")
      await emu.clock.advance(60_000)
      assert.notStrictEqual(await stripe.refund(emu, pi, "short-window"), first)
      assert.strictEqual(StripeEmulator.numbers.idempotencyWindowMillis, day, "the default stays a day")
    } finally {
      await emu.close()
    }
  })
})
