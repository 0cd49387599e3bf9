/**
 * Keeps the GoCardless emulator honest: GoCardless's official Node SDK (`gocardless-nodejs` 10.1.2) drives it
 * unchanged: creates refunds, reads and lists them, follows an idempotency conflict to the existing refund,
 * and turns the emulator's error bodies into its own error classes; its `webhooks.parse` accepts the
 * emulator's signed deliveries.
 *
 * How the SDK is pointed at the emulator: gocardless-nodejs has no base URL option (`APIOptions` is `proxy`,
 * `raiseOnIdempotencyConflict`, `apiRequestSigningOptions`); `Api`'s constructor sets the private
 * `_baseUrl` to `https://api-sandbox.gocardless.com` for `Environments.Sandbox`, and every request uses it as
 * got's `prefixUrl` (`esm/api/api.js`). The test overwrites that one field of the client's `_api` instance;
 * paths, headers and bodies stay the SDK's own.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { GoCardlessEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { GoCardlessClient } from "gocardless-nodejs/client"
import { Environments } from "gocardless-nodejs/constants"
import * as GoCardlessErrors from "gocardless-nodejs/errors"
import * as webhooks from "gocardless-nodejs/webhooks"
import { type Receiver, rejection, startReceiver } from "./helpers.ts"


describe("official GoCardless SDK (gocardless-nodejs) against the emulator", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  const sdk = (token = emu.credentials["accessToken"]!, options: { raiseOnIdempotencyConflict?: boolean } = {}) => {
    const client = new GoCardlessClient(token, Environments.Sandbox, options)
    ;(client as unknown as { _api: { _baseUrl: string } })._api._baseUrl = emu.url
    return client
  }

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await GoCardlessEmulator.start({ clock: "manual", webhookUrl: receiver.url })
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

  it("refunds.create creates, refunds.find reads as time passes, refunds.list pages with cursors", async () => {
    const client = sdk()
    const pay = await emu.createPayment({ amount: 5_000, currency: "GBP" })
    const refund = await client.refunds.create({
      amount: 1_500,
      total_amount_confirmation: 1_500,
      reference: "REFUND-1",
      metadata: { merchant_refund_id: "mr-sdk-1" },
      links: { payment: pay }
    }, "sdk-key-1")
    assert.match(refund.id!, /^RF[0-9A-Z]{12}$/)
    assert.deepInclude(refund, { amount: 1_500, currency: "GBP", status: "created", reference: "REFUND-1" })
    assert.strictEqual(refund.links?.payment, pay)
    assert.deepStrictEqual(refund.metadata, { merchant_refund_id: "mr-sdk-1" })
    assert.strictEqual((refund.__response__ as { readonly statusCode: number }).statusCode, 201)
    // What the SDK put on the wire.
    const post = emu.requests().find((r) => r.method === "POST")!
    assert.strictEqual(post.path, "/refunds")
    assert.strictEqual(post.headers["idempotency-key"], "sdk-key-1")
    assert.strictEqual(post.headers["gocardless-version"], "2015-07-06")
    assert.match(post.headers["authorization"] ?? "", /^Bearer /)

    assert.strictEqual((await client.refunds.find(refund.id!)).status, "created")
    await emu.clock.advance(GoCardlessEmulator.numbers.timing.settleAfterMillis - 1)
    assert.strictEqual((await client.refunds.find(refund.id!)).status, "created", "reads never move a refund")
    await emu.clock.advance(1)
    assert.strictEqual((await client.refunds.find(refund.id!)).status, "paid")

    // A second partial refund confirms the running total.
    const second = await client.refunds.create({ amount: 500, total_amount_confirmation: 2_000, links: { payment: pay } })
    const third = await client.refunds.create({ amount: 100, total_amount_confirmation: 2_100, links: { payment: pay } })
    const page = await client.refunds.list({ payment: pay, limit: 2 })
    assert.deepStrictEqual(page.refunds.map((r) => r.id), [third.id, second.id])
    assert.strictEqual(page.meta.cursors.after, second.id)
    const rest = await client.refunds.list({ payment: pay, limit: 2, after: page.meta.cursors.after! })
    assert.deepStrictEqual(rest.refunds.map((r) => r.id), [refund.id])
    assert.isNull(rest.meta.cursors.after)
    const all: Array<string> = []
    for await (const r of client.refunds.all({ payment: pay, limit: 1 })) all.push(r.id!)
    assert.deepStrictEqual(all, [third.id, second.id, refund.id])
  })

  it("a reused Idempotency-Key is a 409 conflict the SDK follows to the existing refund (or raises)", async () => {
    const pay = await emu.createPayment({ amount: 5_000, currency: "EUR" })
    const first = await sdk().refunds.create({ amount: 700, total_amount_confirmation: 700, links: { payment: pay } }, "same-key-1")
    const followed = await sdk().refunds.create({ amount: 700, total_amount_confirmation: 700, links: { payment: pay } }, "same-key-1")
    assert.strictEqual(followed.id, first.id)
    assert.lengthOf(emu.refunds(), 1)
    const raised = await rejection(
      sdk(undefined, { raiseOnIdempotencyConflict: true }).refunds.create({ amount: 700, total_amount_confirmation: 700, links: { payment: pay } }, "same-key-1")
    )
    assert.instanceOf(raised, GoCardlessErrors.IdempotentCreationConflictError)
    assert.strictEqual((raised as GoCardlessErrors.IdempotentCreationConflictError).conflictingResourceId, first.id)
    assert.strictEqual((raised as GoCardlessErrors.ApiError).errorType, "invalid_state")
  })

  it("error bodies become the SDK's error classes", async () => {
    const client = sdk()
    const pay = await emu.createPayment({ amount: 1_000, currency: "GBP" })

    const unauthorized = await rejection(sdk("sandbox_not-the-token").refunds.find("RF000000000000"))
    assert.instanceOf(unauthorized, GoCardlessErrors.AuthenticationError)
    // The SDK types `code` as a string; GoCardless sends the HTTP status as a number.
    assert.strictEqual(Number((unauthorized as GoCardlessErrors.ApiError).code), 401)

    const missing = await rejection(client.refunds.find("RF000000000000"))
    assert.instanceOf(missing, GoCardlessErrors.InvalidApiUsageError)
    assert.strictEqual(Number((missing as GoCardlessErrors.ApiError).code), 404)

    const confirmation = await rejection(client.refunds.create({ amount: 100, total_amount_confirmation: 999, links: { payment: pay } }))
    assert.instanceOf(confirmation, GoCardlessErrors.InvalidStateError)
    assert.strictEqual((confirmation as GoCardlessErrors.ApiError).errors[0]?.reason, "total_amount_confirmation_invalid")

    const over = await rejection(client.refunds.create({ amount: 5_000, total_amount_confirmation: 5_000, links: { payment: pay } }))
    assert.instanceOf(over, GoCardlessErrors.ValidationFailedError)
    assert.strictEqual((over as GoCardlessErrors.ApiError).errors[0]?.field, "amount")

    const tooMuchMetadata = await rejection(
      client.refunds.create({ amount: 100, total_amount_confirmation: 100, links: { payment: pay }, metadata: { a: "1", b: "2", c: "3", d: "4" } })
    )
    assert.instanceOf(tooMuchMetadata, GoCardlessErrors.ValidationFailedError)
    assert.strictEqual((tooMuchMetadata as GoCardlessErrors.ApiError).errors[0]?.field, "metadata")

    const unknownParam = await rejection(client.refunds.create({ amount: 100, total_amount_confirmation: 100, links: { payment: pay }, currency: "GBP" } as never))
    assert.instanceOf(unknownParam, GoCardlessErrors.InvalidApiUsageError)

    const badLimit = await rejection(client.refunds.list({ limit: 501 }))
    assert.instanceOf(badLimit, GoCardlessErrors.ValidationFailedError)
    assert.lengthOf(emu.refunds(), 0)
  })

  it("injected 429 and 5xx answers are the SDK's RateLimitError and GoCardlessInternalError", async () => {
    const client = sdk()
    const pay = await emu.createPayment({ amount: 1_000, currency: "GBP" })
    const create = () => client.refunds.create({ amount: 100, total_amount_confirmation: 100, links: { payment: pay } })
    // POSTs: got (the SDK's HTTP client) retries GETs on 429 and 5xx by itself, never POSTs.
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 3 }, { method: "POST", path: "/refunds" })
    const limited = await rejection(create())
    assert.instanceOf(limited, GoCardlessErrors.RateLimitError)
    const headers = (limited as { response: { headers: Record<string, string> } }).response.headers
    assert.strictEqual(headers["ratelimit-limit"], "1000")
    assert.isTrue(Number.isFinite(Date.parse(headers["ratelimit-reset"]!)))
    emu.injectFault({ _tag: "ServerError", status: 500 }, { method: "POST", path: "/refunds" })
    assert.instanceOf(await rejection(create()), GoCardlessErrors.GoCardlessInternalError)
    assert.lengthOf(emu.refunds(), 0)
  })

  it("webhooks.parse accepts every delivery the emulator signs, and refuses altered ones", async () => {
    const client = sdk()
    const pay = await emu.createPayment({ amount: 1_000, currency: "GBP" })
    const refund = await client.refunds.create({ amount: 300, total_amount_confirmation: 300, links: { payment: pay } })
    await emu.advance(refund.id!) // paid
    await emu.flushWebhooks()
    assert.isAtLeast(receiver.received.length, 3)
    const secret = emu.webhookSecret
    const actions: Array<string> = []
    for (const delivery of receiver.received) {
      const header = delivery.headers["webhook-signature"] as string
      const events = webhooks.parse(delivery.body, secret, header)
      assert.lengthOf(events, 1)
      assert.strictEqual(events[0]!.resource_type, "refunds")
      assert.strictEqual(events[0]!.links?.refund, refund.id)
      actions.push(events[0]!.action!)
      assert.throws(() => webhooks.parse(delivery.body.replace("refunds", "payments"), secret, header), webhooks.InvalidSignatureError as never)
      assert.throws(() => webhooks.parse(delivery.body, "another-secret", header), webhooks.InvalidSignatureError as never)
    }
    assert.deepStrictEqual(actions, ["created", "paid", "refund_settled"])
    // signedWebhook with tamper: the body changed after signing.
    const tampered = emu.signedWebhook(refund.id!, { tamper: true })
    assert.throws(() => webhooks.parse(tampered.body, secret, tampered.headers["webhook-signature"]!), webhooks.InvalidSignatureError as never)
  })
})
