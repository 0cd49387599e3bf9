/**
 * Keeps the Mollie emulator honest: Mollie's official Node SDK (@mollie/api-client 4.6.0, mollie-api-node) must
 * work against it unchanged: create refunds (with its own `Idempotency-Key`), read them back, page them, cancel
 * them, and turn the emulator's error bodies into its `ApiError`s.
 *
 * Pointing the SDK at the emulator: `createMollieClient({ apiKey, apiEndpoint })` is the SDK's documented option
 * for the API root, but its NetworkClient always sends through an `https.Agent` (`ca` = its bundled Mozilla roots),
 * so a plain-HTTP endpoint is refused by Node ("Protocol http: not supported"). The tests therefore put the
 * testkit's TLS front (`startTlsProxy`, a self-signed certificate for 127.0.0.1) before the emulator, set
 * `apiEndpoint` to `https://127.0.0.1:PORT/v2/`, and switch certificate verification off for this test file only
 * (`NODE_TLS_REJECT_UNAUTHORIZED=0` while it runs, restored after), since the SDK's agent cannot be given a CA.
 * Every path and header is the SDK's own.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { createMollieClient, MollieApiError, RefundStatus } from "@mollie/api-client"
import { MollieEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { type Receiver, startReceiver, startTlsProxy, type TlsProxy } from "./helpers.ts"

const failure = async (call: Promise<unknown>): Promise<MollieApiError> => {
  const error = await call.then(() => undefined, (e: unknown) => e)
  assert.instanceOf(error, MollieApiError)
  return error as MollieApiError
}

describe("official Mollie SDK (@mollie/api-client 4.6.0) against the emulator", () => {
  let emu: EmulatorHandle
  let proxy: TlsProxy
  let receiver: Receiver
  let previousTls: string | undefined

  const sdk = (apiKey = emu.credentials["apiKey"]!) => createMollieClient({ apiKey, apiEndpoint: `${proxy.url}/v2/` })

  beforeAll(async () => {
    previousTls = process.env["NODE_TLS_REJECT_UNAUTHORIZED"]
    process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"
    receiver = await startReceiver()
    emu = await MollieEmulator.start({ clock: "manual", webhookUrl: receiver.url })
    proxy = await startTlsProxy(emu.origin)
  })
  afterEach(async () => {
    await emu.flushWebhooks()
    emu.reset()
    receiver.received.length = 0
  })
  afterAll(async () => {
    await proxy.close()
    await emu.close()
    await receiver.close()
    if (previousTls === undefined) delete process.env["NODE_TLS_REJECT_UNAUTHORIZED"]
    else process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = previousTls
  })

  it("paymentRefunds.create makes a pending refund the SDK reads as its own Refund, and get reads it back", async () => {
    const paymentId = await emu.createPayment({ amount: 10_000, currency: "EUR" })
    const client = sdk()
    const refund = await client.paymentRefunds.create({
      paymentId,
      amount: { currency: "EUR", value: "12.34" },
      description: "Order 1",
      metadata: { merchant_refund_id: "mr-1" }
    })
    assert.match(refund.id, /^re_[A-Za-z0-9]+$/)
    assert.strictEqual(refund.status, RefundStatus.pending)
    assert.deepStrictEqual(refund.amount, { currency: "EUR", value: "12.34" })
    assert.strictEqual(refund.paymentId, paymentId)
    assert.deepStrictEqual(refund.metadata, { merchant_refund_id: "mr-1" })
    assert.strictEqual(emu.refunds()[0]!.amount, 1234)
    // The SDK added an Idempotency-Key of its own to the POST.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.match(post.headers["idempotency-key"] ?? "", /^[A-Za-z0-9+/]{24}$/)

    await emu.advance(refund.id)
    await emu.advance(refund.id)
    const read = await client.paymentRefunds.get(refund.id, { paymentId })
    assert.strictEqual(read.status, RefundStatus.refunded)
    assert.match(read.settlementId ?? "", /^stl_/)
    assert.deepStrictEqual(read.settlementAmount, { currency: "EUR", value: "-12.34" })
  })

  it("the same idempotencyKey replays the first refund; other parameters under it are a 400 ApiError", async () => {
    const paymentId = await emu.createPayment({ amount: 10_000, currency: "EUR" })
    const client = sdk()
    const params = { paymentId, amount: { currency: "EUR", value: "1.00" }, idempotencyKey: "sdk-key-1" }
    const first = await client.paymentRefunds.create(params)
    const again = await client.paymentRefunds.create(params)
    assert.strictEqual(again.id, first.id)
    assert.strictEqual(emu.refunds().length, 1)
    const error = await failure(client.paymentRefunds.create({ ...params, amount: { currency: "EUR", value: "2.00" } }))
    assert.strictEqual(error.statusCode, 400)
    assert.strictEqual(error.idempotencyKey, "sdk-key-1")
  })

  it("errors become ApiErrors with Mollie's status, detail, field and documentation link", async () => {
    const paymentId = await emu.createPayment({ amount: 1_000, currency: "EUR" })
    const client = sdk()
    const tooMuch = await failure(client.paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "50.00" } }))
    assert.strictEqual(tooMuch.statusCode, 422)
    assert.strictEqual(tooMuch.field, "amount")
    assert.include(tooMuch.message, "higher than the amount that can be refunded")
    assert.strictEqual(tooMuch.getDocumentationUrl(), "https://docs.mollie.com/overview/handling-errors")

    const decimals = await failure(client.paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "5" } }))
    assert.strictEqual(decimals.statusCode, 422)
    assert.strictEqual(decimals.field, "amount.value")

    const missing = await failure(client.paymentRefunds.get("re_Nope000000", { paymentId }))
    assert.strictEqual(missing.statusCode, 404)
    assert.strictEqual(missing.message, "No refund exists with token re_Nope000000.")

    const noPayment = await failure(client.paymentRefunds.create({ paymentId: "tr_Nope000000", amount: { currency: "EUR", value: "1.00" } }))
    assert.strictEqual(noPayment.statusCode, 404)
    assert.strictEqual(noPayment.message, "No payment exists with token tr_Nope000000.")

    const unauthorized = await failure(sdk("test_WrongKey0123456789abcdefghijklm").paymentRefunds.page({ paymentId }))
    assert.strictEqual(unauthorized.statusCode, 401)
  })

  it("cancel works while pending (204 → true, then canceled), and is refused once processing", async () => {
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    const client = sdk()
    const a = await client.paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "1.00" } })
    assert.isTrue(await client.paymentRefunds.cancel(a.id, { paymentId }))
    assert.strictEqual((await client.paymentRefunds.get(a.id, { paymentId })).status, RefundStatus.canceled)
    const b = await client.paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "2.00" } })
    await emu.advance(b.id)
    const refused = await failure(client.paymentRefunds.cancel(b.id, { paymentId }))
    assert.strictEqual(refused.statusCode, 422)
  })

  it("pages: paymentRefunds.page and refunds.page follow `from` cursors newest first; JPY has no decimals", async () => {
    const paymentId = await emu.createPayment({ amount: 100_000, currency: "JPY" })
    const client = sdk()
    const ids: Array<string> = []
    for (let i = 1; i <= 3; i++) {
      ids.push((await client.paymentRefunds.create({ paymentId, amount: { currency: "JPY", value: String(i * 100) } })).id)
      await emu.clock.advance(1_000)
    }
    const page1 = await client.refunds.page({ limit: 2 })
    assert.deepStrictEqual(page1.map((r) => r.id), [ids[2], ids[1]])
    assert.isDefined(page1.links.next)
    const page2 = await page1.nextPage!()
    assert.deepStrictEqual(page2.map((r) => r.id), [ids[0]])
    const perPayment = await client.paymentRefunds.page({ paymentId })
    assert.deepStrictEqual(perPayment.map((r) => r.amount.value), ["300", "200", "100"])
  })

  it("a 5xx is retried by the SDK under its same Idempotency-Key: one refund", async () => {
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    emu.injectFault({ _tag: "ServerError", status: 503 }, { method: "POST", times: 1 })
    const refund = await sdk().paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "3.00" } })
    assert.strictEqual(refund.status, RefundStatus.pending)
    const posts = emu.requests().filter((r) => r.method === "POST")
    assert.strictEqual(posts.length, 2)
    assert.strictEqual(posts[0]!.headers["idempotency-key"], posts[1]!.headers["idempotency-key"])
    assert.strictEqual(emu.refunds().length, 1)
  }, 10_000)

  it("the classic webhook pings the payment id, unsigned, when a refund reaches processing and refunded", async () => {
    const paymentId = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    const refund = await sdk().paymentRefunds.create({ paymentId, amount: { currency: "EUR", value: "3.00" } })
    await emu.advance(refund.id)
    await emu.advance(refund.id)
    const pings = await receiver.waitFor(2)
    for (const ping of pings) {
      assert.strictEqual(ping.body, `id=${paymentId}`)
      assert.strictEqual(ping.headers["content-type"], "application/x-www-form-urlencoded")
    }
    // The ping carries nothing but the id: the payment is read back with the SDK.
    const payment = await sdk().payments.get(paymentId)
    assert.strictEqual(payment.amountRefunded?.value, "3.00")
  })
})
