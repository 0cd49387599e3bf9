/**
 * The Authorize.net emulator over HTTP, written from the API reference and sdk-node's contracts (never from
 * the connector): strict schema checks with the API's E00003 wording, BOM-prefixed 200 answers, refunds that
 * settle on the emulator clock in batches, the duplicate window, listings with lag, faults, and signed
 * webhooks (checked with an independent node:crypto HMAC-SHA512).
 */
import { afterAll, afterEach, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { AuthorizeNetEmulator, Registry } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { createHmac } from "node:crypto"
import { type Receiver, startReceiver } from "./helpers.ts"

interface Answer {
  readonly status: number
  readonly bom: boolean
  readonly headers: Headers
  readonly json: any
}

const post = async (emu: EmulatorHandle, body: unknown): Promise<Answer> => {
  const response = await fetch(`${emu.url}/xml/v1/request.api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })
  // Bytes, not response.text(): the WHATWG decoder drops a leading BOM.
  const bytes = new Uint8Array(await response.arrayBuffer())
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
  return { status: response.status, bom, headers: response.headers, json: JSON.parse(new TextDecoder().decode(bom ? bytes.subarray(3) : bytes)) }
}

const auth = (emu: EmulatorHandle) => ({ name: emu.credentials["apiLoginId"], transactionKey: emu.credentials["transactionKey"] })

const refundBody = (emu: EmulatorHandle, payment: string, amount: string, extra: Record<string, unknown> = {}) => {
  const [transId, lastFour] = payment.split(":")
  return {
    createTransactionRequest: {
      merchantAuthentication: auth(emu),
      refId: "r1",
      transactionRequest: {
        transactionType: "refundTransaction",
        amount,
        payment: { creditCard: { cardNumber: lastFour, expirationDate: "XXXX" } },
        refTransId: transId,
        ...extra
      }
    }
  }
}

const details = (emu: EmulatorHandle, transId: string) =>
  post(emu, { getTransactionDetailsRequest: { merchantAuthentication: auth(emu), transId } })

const signatureOf = (body: string, key: string) => `sha512=${createHmac("sha512", key).update(body).digest("hex").toUpperCase()}`

describe("Authorize.net emulator over HTTP", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await AuthorizeNetEmulator.start({ clock: "manual", settleAfterMillis: 2_000, webhookUrl: receiver.url })
  })
  afterAll(async () => {
    await emu?.close()
    await receiver?.close()
  })
  beforeEach(() => {
    emu.reset()
    emu.setWebhookUrl(receiver.url)
    receiver.received.length = 0
  })
  afterEach(() => emu.clearFaults())

  it("is registered as authorizenet", () => {
    assert.strictEqual(Registry.emulators["authorizenet"]?.name, "authorizenet")
  })

  it("a refund is answered 200 with a BOM, pending until the clock passes the settle delay, then settled in a batch", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    assert.match(payment, /^\d+:\d{4}$/, "createPayment answers <transId>:<last four>")
    const created = await post(emu, refundBody(emu, payment, "12.34"))
    assert.strictEqual(created.status, 200)
    assert.isTrue(created.bom)
    assert.strictEqual(created.json.messages.resultCode, "Ok")
    assert.strictEqual(created.json.refId, "r1")
    const id = created.json.transactionResponse.transId as string
    assert.strictEqual(created.json.transactionResponse.responseCode, "1")

    await emu.clock.advance(1_999)
    const early = await details(emu, id)
    assert.strictEqual(early.json.transaction.transactionStatus, "refundPendingSettlement")
    assert.isUndefined(early.json.transaction.batch)
    assert.strictEqual(early.json.transaction.settleAmount, 12.34)

    await emu.clock.advance(1)
    const settled = (await details(emu, id)).json.transaction
    assert.strictEqual(settled.transactionStatus, "refundSettledSuccessfully")
    assert.match(settled.batch.batchId, /^\d+$/)
    assert.strictEqual(settled.batch.settlementState, "settledSuccessfully")
    assert.deepStrictEqual(emu.refunds()[0]!.history.map((h) => h.status), ["refundPendingSettlement", "refundSettledSuccessfully"])
  })

  it("scripted outcomes: failed → settlementError, canceled → voided, requires_action stays pending", async () => {
    const expectations: ReadonlyArray<readonly ["failed" | "canceled" | "requires_action", string]> = [
      ["failed", "settlementError"],
      ["canceled", "voided"],
      ["requires_action", "refundPendingSettlement"]
    ]
    for (const [outcome, status] of expectations) {
      const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
      emu.scriptOutcome(payment, outcome)
      const id = (await post(emu, refundBody(emu, payment, "1.00"))).json.transactionResponse.transId as string
      await emu.clock.advance(5_000)
      assert.strictEqual((await details(emu, id)).json.transaction.transactionStatus, status, outcome)
    }
  })

  it("refuses what Authorize.net refuses, with its codes: schema order, unknown elements, lengths, types, credentials", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const code = async (body: unknown) => {
      const a = await post(emu, body)
      assert.strictEqual(a.status, 200)
      assert.strictEqual(a.json.messages.resultCode, "Error")
      return a.json.messages.message[0].code as string
    }
    assert.strictEqual(await code("{not json"), "E00003")
    assert.strictEqual(await code({ createRefundRequest: {} }), "E00045")
    assert.strictEqual(await code({ createTransactionRequest: { transactionRequest: {}, merchantAuthentication: auth(emu) } }), "E00003")
    const unknown = refundBody(emu, payment, "1.00", { speed: "fast" })
    assert.strictEqual(await code(unknown), "E00003")
    const long = refundBody(emu, payment, "1.00", { order: { invoiceNumber: "x".repeat(21) } })
    assert.strictEqual(await code(long), "E00003")
    assert.strictEqual(await code({ getTransactionDetailsRequest: { merchantAuthentication: auth(emu), transId: "abc" } }), "E00003")
    assert.strictEqual(await code({ getTransactionDetailsRequest: { merchantAuthentication: auth(emu), transId: "1" } }), "E00040")
    assert.strictEqual(await code({ getTransactionDetailsRequest: { merchantAuthentication: { ...auth(emu), transactionKey: "x" }, transId: "1" } }), "E00007")
    const refId = refundBody(emu, payment, "1.00")
    refId.createTransactionRequest.refId = "r".repeat(21)
    assert.strictEqual(await code(refId), "E00003")
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("declines: wrong card 54, over the original 55, bad amount 5, another currency 39", async () => {
    const payment = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const reason = async (body: unknown) => {
      const a = await post(emu, body)
      assert.strictEqual(a.json.transactionResponse.responseCode, "3")
      assert.strictEqual(a.json.messages.message[0].code, "E00027")
      return a.json.transactionResponse.errors[0].errorCode as string
    }
    const [transId, lastFour] = payment.split(":")
    assert.strictEqual(await reason(refundBody(emu, `${transId}:${lastFour === "0000" ? "1111" : "0000"}`, "1.00")), "54")
    assert.strictEqual(await reason(refundBody(emu, "99999999999:1111", "1.00")), "54")
    assert.strictEqual(await reason(refundBody(emu, payment, "10.01")), "55")
    assert.strictEqual(await reason(refundBody(emu, payment, "1.001")), "5")
    const eur = refundBody(emu, payment, "1.00")
    const tr = eur.createTransactionRequest.transactionRequest
    eur.createTransactionRequest.transactionRequest = { transactionType: tr.transactionType, amount: tr.amount, currencyCode: "EUR", payment: tr.payment, refTransId: tr.refTransId } as typeof tr
    assert.strictEqual(await reason(eur), "39")
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("the duplicate window: a repeat is refused with 11, naming the original when the request set duplicateWindow", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const body = refundBody(emu, payment, "2.00", { order: { invoiceNumber: "inv-1" }, transactionSettings: { setting: [{ settingName: "duplicateWindow", settingValue: "600" }] } })
    const first = (await post(emu, body)).json.transactionResponse.transId
    const again = (await post(emu, body)).json.transactionResponse
    assert.strictEqual(again.errors[0].errorCode, "11")
    assert.strictEqual(again.transId, first)
    await emu.clock.advance(600_000)
    assert.strictEqual((await post(emu, body)).json.transactionResponse.responseCode, "1", "after the window, a new refund")
    assert.strictEqual(emu.refunds().length, 2)
  })

  it("lists unsettled refunds (with the listing lag) and settled batches with their transactions", async () => {
    emu.setListLagMillis(1_000)
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const id = (await post(emu, refundBody(emu, payment, "3.00", { order: { invoiceNumber: "inv-list" } }))).json.transactionResponse.transId
    const unsettled = () => post(emu, { getUnsettledTransactionListRequest: { merchantAuthentication: auth(emu) } })
    assert.strictEqual((await unsettled()).json.messages.message[0].code, "I00004", "not listed before the lag passed")
    await emu.clock.advance(1_000)
    const listed = (await unsettled()).json
    assert.deepStrictEqual(listed.transactions.map((t: any) => [t.transId, t.invoiceNumber, t.settleAmount]), [[id, "inv-list", 3]])

    await emu.clock.advance(2_000)
    assert.strictEqual((await unsettled()).json.totalNumInResultSet, 0, "settled refunds leave the unsettled list")
    const range = (from: number, to: number) => ({
      getSettledBatchListRequest: { merchantAuthentication: auth(emu), firstSettlementDate: new Date(from).toISOString(), lastSettlementDate: new Date(to).toISOString() }
    })
    const now = emu.clock.now()
    const batches = (await post(emu, range(now - 3_600_000, now))).json.batchList
    assert.strictEqual(batches.length, 1)
    const inBatch = (await post(emu, { getTransactionListRequest: { merchantAuthentication: auth(emu), batchId: batches[0].batchId, paging: { limit: 1, offset: 1 } } })).json
    assert.strictEqual(inBatch.transactions[0].transId, id)
    assert.strictEqual(inBatch.totalNumInResultSet, 1)
    assert.strictEqual((await post(emu, range(now - 40 * 86_400_000, now))).json.messages.resultCode, "Error", "31 days at most")
    const badPaging = await post(emu, { getTransactionListRequest: { merchantAuthentication: auth(emu), batchId: batches[0].batchId, paging: { limit: 1001, offset: 1 } } })
    assert.strictEqual(badPaging.json.messages.message[0].code, "E00003")
  })

  it("faults: 429 with Retry-After and nothing recorded; a malformed 200 after the refund was recorded", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 2 })
    const limited = await fetch(`${emu.url}/xml/v1/request.api`, { method: "POST", body: JSON.stringify(refundBody(emu, payment, "1.00")) })
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "2")
    assert.strictEqual(emu.refunds().length, 0)
    emu.injectFault({ _tag: "MalformedBody" })
    const garbled = await fetch(`${emu.url}/xml/v1/request.api`, { method: "POST", body: JSON.stringify(refundBody(emu, payment, "1.00")) })
    assert.strictEqual(garbled.status, 200)
    const garbledText = (await garbled.text()).replace(/^\uFEFF/, "")
    assert.throws(() => JSON.parse(garbledText))
    assert.strictEqual(emu.refunds().length, 1)
  })

  it("webhooks: refund.created on creation and void.created on a void, X-ANET-Signature over the raw body", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    emu.scriptOutcome(payment, "canceled")
    const id = (await post(emu, refundBody(emu, payment, "4.00"))).json.transactionResponse.transId
    await emu.clock.advance(2_000)
    await emu.flushWebhooks()
    const deliveries = (await receiver.waitFor(2)).filter((d) => JSON.parse(d.body).payload.id === id)
    const events = deliveries.map((d) => JSON.parse(d.body))
    assert.deepStrictEqual(events.map((e) => [e.eventType, e.payload.id, e.payload.entityName]), [
      ["net.authorize.payment.refund.created", id, "transaction"],
      ["net.authorize.payment.void.created", id, "transaction"]
    ])
    for (const d of deliveries) assert.strictEqual(d.headers["x-anet-signature"], signatureOf(d.body, emu.webhookSecret))
    assert.notStrictEqual(events[0].notificationId, events[1].notificationId)
    // No event when a batch settles.
    const settled = await emu.createPayment({ amount: 10_000, currency: "USD" })
    await post(emu, refundBody(emu, settled, "1.00"))
    await emu.clock.advance(5_000)
    await emu.flushWebhooks()
    assert.deepStrictEqual(emu.webhookEvents().map((e) => e.type).filter((t) => t !== "net.authorize.payment.refund.created" && t !== "net.authorize.payment.void.created"), [])
  })

  it("signedWebhook: tamper changes the body after signing, another secret signs differently", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const id = (await post(emu, refundBody(emu, payment, "1.00"))).json.transactionResponse.transId
    const good = emu.signedWebhook(id)
    assert.strictEqual(good.headers["x-anet-signature"], signatureOf(good.body, emu.webhookSecret))
    const tampered = emu.signedWebhook(id, { tamper: true })
    assert.notStrictEqual(tampered.headers["x-anet-signature"], signatureOf(tampered.body, emu.webhookSecret))
    const other = emu.signedWebhook(id, { secret: "A".repeat(128) })
    assert.strictEqual(other.headers["x-anet-signature"], signatureOf(other.body, "A".repeat(128)))
  })
})

describe("Authorize.net emulator: adversarial delivery", () => {
  it("duplicates and out-of-order deliveries carry the same notification ids", async () => {
    const receiver = await startReceiver()
    const emu = await AuthorizeNetEmulator.start({ clock: "manual", settleAfterMillis: 1_000, webhookUrl: receiver.url, webhooks: { mode: "adversarial", seed: 7, duplicateRate: 1 } })
    try {
      const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
      emu.scriptOutcome(payment, "canceled")
      await post(emu, refundBody(emu, payment, "1.00"))
      await emu.clock.advance(10_000)
      await emu.flushWebhooks()
      const deliveries = emu.webhookDeliveries()
      assert.isAtLeast(deliveries.filter((d) => d.kind === "duplicate").length, 1)
      const ids = new Set(deliveries.map((d) => JSON.parse(d.body).notificationId))
      assert.strictEqual(ids.size, 2, "two events, however many deliveries")
    } finally {
      await emu.close()
      await receiver.close()
    }
  })
})
