/**
 * Keeps the Authorize.net emulator honest: Authorize.net's official Node SDK (`authorizenet` 1.0.10,
 * AuthorizeNet/sdk-node) must work against it unchanged: its request classes build the JSON (element order
 * included), its controllers post it, and its response classes read the answers (BOM and all: axios strips it).
 *
 * Redirection: sdk-node has a documented switch, `controller.setEnvironment(url)` (README: "To switch to the
 * production environment ... ctrl.setEnvironment(SDKConstants.endpoint.production)"); the tests pass the
 * emulator's `${url}/xml/v1/request.api` to it. Nothing else is patched.
 *
 * The SDK signs and verifies no webhooks (nothing in `lib/` reads X-ANET-Signature); webhook signatures are
 * cross-checked in `connectors/authorizenet/test/AuthorizeNetSdk.test.ts`.
 */
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"
import { AuthorizeNetEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
// @ts-expect-error: the SDK ships no type declarations
import AuthorizeNet from "authorizenet"

// oxlint-disable-next-line typescript/no-explicit-any
const { APIContracts: Contracts, APIControllers: Controllers } = AuthorizeNet as { APIContracts: any; APIControllers: any }

interface Controller {
  setEnvironment(url: string): void
  execute(callback: () => void): void
  getResponse(): unknown
  getError(): unknown
}

/** Runs a controller: the SDK calls back only on an HTTP answer; a transport error is only stored (`getError`). */
const run = (ctrl: Controller, url: string): Promise<unknown> =>
  new Promise((resolve, reject) => {
    ctrl.setEnvironment(`${url}/xml/v1/request.api`)
    ctrl.execute(() => resolve(ctrl.getResponse()))
    const poll = setInterval(() => {
      const error = ctrl.getError()
      if (error !== null && error !== undefined) {
        clearInterval(poll)
        reject(error as Error)
      }
    }, 5)
    setTimeout(() => clearInterval(poll), 5_000)
  })

describe("official authorizenet SDK (sdk-node 1.0.10) against the emulator", () => {
  let emu: EmulatorHandle

  beforeAll(async () => {
    emu = await AuthorizeNetEmulator.start({ clock: "manual", settleAfterMillis: 2_000 })
  })
  afterAll(async () => {
    await emu?.close()
  })
  beforeEach(() => emu.reset())

  const auth = (name = emu.credentials["apiLoginId"]!, key = emu.credentials["transactionKey"]!) => {
    const merchant = new Contracts.MerchantAuthenticationType()
    merchant.setName(name)
    merchant.setTransactionKey(key)
    return merchant
  }

  const refund = async (
    payment: string,
    amount: string,
    options: { invoice?: string; lastFour?: string; refId?: string; auth?: unknown; duplicateWindow?: string } = {}
  ) => {
    const [transId, lastFour] = payment.split(":")
    const card = new Contracts.CreditCardType()
    card.setCardNumber(options.lastFour ?? lastFour)
    card.setExpirationDate("XXXX")
    const paymentType = new Contracts.PaymentType()
    paymentType.setCreditCard(card)
    const tx = new Contracts.TransactionRequestType()
    tx.setTransactionType(Contracts.TransactionTypeEnum.REFUNDTRANSACTION)
    tx.setAmount(amount)
    tx.setPayment(paymentType)
    tx.setRefTransId(transId)
    if (options.invoice !== undefined) {
      const order = new Contracts.OrderType()
      order.setInvoiceNumber(options.invoice)
      tx.setOrder(order)
    }
    if (options.duplicateWindow !== undefined) {
      const setting = new Contracts.SettingType()
      setting.setSettingName("duplicateWindow")
      setting.setSettingValue(options.duplicateWindow)
      const settings = new Contracts.ArrayOfSetting()
      settings.setSetting([setting])
      tx.setTransactionSettings(settings)
    }
    const request = new Contracts.CreateTransactionRequest()
    request.setMerchantAuthentication(options.auth ?? auth())
    if (options.refId !== undefined) request.setRefId(options.refId)
    request.setTransactionRequest(tx)
    const raw = await run(new Controllers.CreateTransactionController(request.getJSON()), emu.url)
    return new Contracts.CreateTransactionResponse(raw)
  }

  const details = async (transId: string) => {
    const request = new Contracts.GetTransactionDetailsRequest()
    request.setMerchantAuthentication(auth())
    request.setTransId(transId)
    const raw = await run(new Controllers.GetTransactionDetailsController(request.getJSON()), emu.url)
    return new Contracts.GetTransactionDetailsResponse(raw)
  }

  it("refunds through CreateTransactionController and reads the refund back through GetTransactionDetailsController", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const created = await refund(payment, "12.34", { invoice: "inv-sdk-1", refId: "ref-1" })
    assert.strictEqual(created.getMessages().getResultCode(), Contracts.MessageTypeEnum.OK)
    assert.strictEqual(created.getRefId(), "ref-1")
    const tr = created.getTransactionResponse()
    assert.strictEqual(tr.getResponseCode(), "1")
    assert.match(tr.getTransId(), /^\d+$/)
    assert.strictEqual(tr.getRefTransID(), payment.split(":")[0])
    assert.strictEqual(tr.getMessages().getMessage()[0].getDescription(), "This transaction has been approved.")
    assert.strictEqual(emu.refunds()[0]!.amount, 1_234)

    const read = await details(tr.getTransId())
    assert.strictEqual(read.getMessages().getResultCode(), "Ok")
    const t = read.getTransaction()
    assert.strictEqual(t.getTransactionStatus(), Contracts.TransactionStatusEnum.REFUNDPENDINGSETTLEMENT)
    assert.strictEqual(t.getTransactionType(), Contracts.TransactionTypeEnum.REFUNDTRANSACTION)
    assert.strictEqual(t.getSettleAmount(), 12.34)
    assert.strictEqual(t.getOrder().getInvoiceNumber(), "inv-sdk-1")
    assert.isUndefined(t.getBatch(), "no batch before settlement")

    await emu.clock.advance(2_000)
    const settled = (await details(tr.getTransId())).getTransaction()
    assert.strictEqual(settled.getTransactionStatus(), Contracts.TransactionStatusEnum.REFUNDSETTLEDSUCCESSFULLY)
    assert.match(settled.getBatch().getBatchId(), /^\d+$/)
    assert.isString(settled.getBatch().getSettlementTimeUTC())
  })

  it("wrong credentials: E00007 in an HTTP 200 answer, read by the SDK's response classes", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const answer = await refund(payment, "1.00", { auth: auth(emu.credentials["apiLoginId"]!, "0000000000000000") })
    assert.strictEqual(answer.getMessages().getResultCode(), Contracts.MessageTypeEnum.ERROR)
    assert.strictEqual(answer.getMessages().getMessage()[0].getCode(), "E00007")
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("declines carry transactionResponse.errors: 54 (wrong card or transaction), 55 (above the original), 11 (duplicate)", async () => {
    const payment = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const wrongCard = await refund(payment, "1.00", { lastFour: payment.endsWith("0000") ? "1111" : "0000" })
    assert.strictEqual(wrongCard.getTransactionResponse().getResponseCode(), "3")
    assert.strictEqual(wrongCard.getTransactionResponse().getErrors().getError()[0].getErrorCode(), "54")
    assert.strictEqual(wrongCard.getMessages().getMessage()[0].getCode(), "E00027")

    const tooMuch = await refund(payment, "10.01")
    assert.strictEqual(tooMuch.getTransactionResponse().getErrors().getError()[0].getErrorCode(), "55")

    const first = await refund(payment, "2.00", { invoice: "dup-1" })
    assert.strictEqual(first.getTransactionResponse().getResponseCode(), "1")
    const again = await refund(payment, "2.00", { invoice: "dup-1" })
    assert.strictEqual(again.getTransactionResponse().getErrors().getError()[0].getErrorCode(), "11")
    assert.strictEqual(emu.refunds().length, 1, "a duplicate is refused, not replayed")
    // After the default two-minute window the same request is a new refund.
    await emu.clock.advance(120_000)
    const later = await refund(payment, "2.00", { invoice: "dup-1" })
    assert.strictEqual(later.getTransactionResponse().getResponseCode(), "1")
    assert.strictEqual(emu.refunds().length, 2)
    assert.strictEqual(again.getTransactionResponse().getTransId(), "0", "without duplicateWindow in the request, no details")
    // With duplicateWindow in the request, the duplicate's answer names the original transaction.
    const windowed = await refund(payment, "1.50", { invoice: "dup-2", duplicateWindow: "28800" })
    const repeat = await refund(payment, "1.50", { invoice: "dup-2", duplicateWindow: "28800" })
    assert.strictEqual(repeat.getTransactionResponse().getErrors().getError()[0].getErrorCode(), "11")
    assert.strictEqual(repeat.getTransactionResponse().getTransId(), windowed.getTransactionResponse().getTransId())
    assert.strictEqual(emu.refunds().length, 3)
    // duplicateWindow 0 turns the check off.
    const noWindow = await refund(payment, "2.00", { invoice: "dup-1", duplicateWindow: "0" })
    assert.strictEqual(noWindow.getTransactionResponse().getResponseCode(), "1")
  })

  it("an unknown transaction id is E00040; the SDK reads the error", async () => {
    const read = await details("99999999999")
    assert.strictEqual(read.getMessages().getResultCode(), "Error")
    assert.strictEqual(read.getMessages().getMessage()[0].getCode(), "E00040")
  })

  it("lists unsettled refunds, settled batches and a batch's transactions", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    const created = await refund(payment, "3.00", { invoice: "list-1" })
    const transId = created.getTransactionResponse().getTransId()

    const unsettledRequest = new Contracts.GetUnsettledTransactionListRequest()
    unsettledRequest.setMerchantAuthentication(auth())
    const paging = new Contracts.Paging()
    paging.setLimit(100)
    paging.setOffset(1)
    unsettledRequest.setPaging(paging)
    const unsettled = new Contracts.GetUnsettledTransactionListResponse(
      await run(new Controllers.GetUnsettledTransactionListController(unsettledRequest.getJSON()), emu.url)
    )
    const listed = unsettled.getTransactions().getTransaction()
    assert.deepStrictEqual(listed.map((t: { getTransId(): string }) => t.getTransId()), [transId])
    assert.strictEqual(listed[0].getInvoiceNumber(), "list-1")

    await emu.clock.advance(2_000)
    const batchRequest = new Contracts.GetSettledBatchListRequest()
    batchRequest.setMerchantAuthentication(auth())
    batchRequest.setFirstSettlementDate(new Date(emu.clock.now() - 3_600_000).toISOString())
    batchRequest.setLastSettlementDate(new Date(emu.clock.now()).toISOString())
    const batches = new Contracts.GetSettledBatchListResponse(
      await run(new Controllers.GetSettledBatchListController(batchRequest.getJSON()), emu.url)
    )
    assert.strictEqual(batches.getMessages().getResultCode(), "Ok")
    const batchList = batches.getBatchList().getBatch()
    assert.strictEqual(batchList.length, 1)

    const txRequest = new Contracts.GetTransactionListRequest()
    txRequest.setMerchantAuthentication(auth())
    txRequest.setBatchId(batchList[0].getBatchId())
    const inBatch = new Contracts.GetTransactionListResponse(
      await run(new Controllers.GetTransactionListController(txRequest.getJSON()), emu.url)
    )
    const txs = inBatch.getTransactions().getTransaction()
    assert.strictEqual(txs[0].getTransId(), transId)
    assert.strictEqual(txs[0].getTransactionStatus(), "refundSettledSuccessfully")

    // A range over 31 days is refused.
    const tooLong = new Contracts.GetSettledBatchListRequest()
    tooLong.setMerchantAuthentication(auth())
    tooLong.setFirstSettlementDate(new Date(emu.clock.now() - 40 * 86_400_000).toISOString())
    tooLong.setLastSettlementDate(new Date(emu.clock.now()).toISOString())
    const refused = new Contracts.GetSettledBatchListResponse(
      await run(new Controllers.GetSettledBatchListController(tooLong.getJSON()), emu.url)
    )
    assert.strictEqual(refused.getMessages().getResultCode(), "Error")
  })

  it("a 5xx answer surfaces as the SDK's stored axios error", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    emu.injectFault({ _tag: "ServerError", status: 503 })
    const outcome = await refund(payment, "1.00").then(() => undefined, (e: { response?: { status?: number } }) => e)
    assert.strictEqual(outcome?.response?.status, 503)
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("the SDK's requests pass the emulator's schema checks; an element out of order is refused with E00003", async () => {
    const payment = await emu.createPayment({ amount: 10_000, currency: "USD" })
    await refund(payment, "1.00", { invoice: "order-check" })
    const sent = JSON.parse(emu.requests().at(-1)!.body) as { createTransactionRequest: Record<string, unknown> }
    assert.deepStrictEqual(Object.keys(sent.createTransactionRequest), ["merchantAuthentication", "clientId", "transactionRequest"])
    assert.strictEqual(sent.createTransactionRequest["clientId"], "sdk-node-1.0.10")
    const [transId, lastFour] = payment.split(":")
    const outOfOrder = {
      createTransactionRequest: {
        merchantAuthentication: { name: emu.credentials["apiLoginId"], transactionKey: emu.credentials["transactionKey"] },
        transactionRequest: { amount: "1.00", transactionType: "refundTransaction", payment: { creditCard: { cardNumber: lastFour, expirationDate: "XXXX" } }, refTransId: transId }
      }
    }
    const response = await fetch(`${emu.url}/xml/v1/request.api`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(outOfOrder) })
    assert.strictEqual(response.status, 200)
    const bytes = new Uint8Array(await response.arrayBuffer())
    assert.deepStrictEqual(Array.from(bytes.subarray(0, 3)), [0xef, 0xbb, 0xbf], "the answer starts with a UTF-8 BOM")
    const body = JSON.parse(new TextDecoder().decode(bytes.slice(3))) as { messages: { message: Array<{ code: string; text: string }> } }
    assert.strictEqual(body.messages.message[0]!.code, "E00003")
    assert.include(body.messages.message[0]!.text, "has invalid child element 'transactionType'")
  })
})
