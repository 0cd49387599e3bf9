/**
 * Cross-checks with Authorize.net's official Node SDK (`authorizenet` 1.0.10, AuthorizeNet/sdk-node) and an
 * independent HMAC implementation.
 *
 * - The SDK signs and verifies NO webhooks: its `lib/` has no X-ANET-Signature, no HMAC (checked below, so
 *   a future SDK that adds one fails this test and gets cross-checked). Authorize.net publishes no test
 *   vector (none in /work/shared/fixtures/webhooks either). So signatures are cross-checked in both
 *   directions against node:crypto written from the documented formula: the independent signer's deliveries
 *   verify with the connector, and the emulator's (the connector's own signer's) verify with the
 *   independent verifier; tampered bodies and other keys fail both.
 * - The SDK's request classes build the same refund the connector builds (element names, values and
 *   order), and its response classes read the answers the connector reads.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthorizeNetConnector, AuthorizeNetWebhook } from "@refract/authorizenet"
import { WebhookEvent } from "@refract/core"
import { AuthorizeNetEmulator, ConnectorTest } from "@refract/testkit"
import { Effect, Redacted, Result } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import * as F from "./helpers/Fixtures.ts"

const require = createRequire(import.meta.url)
// oxlint-disable-next-line typescript/no-explicit-any
const { APIContracts: Contracts } = require("authorizenet") as { APIContracts: any }
const sdkLib = join(dirname(require.resolve("authorizenet/package.json")), "lib")

/** Independent signer: the documented formula, nothing shared with the connector. */
const independentSign = (body: string, key: string) => `sha512=${createHmac("sha512", Buffer.from(key, "latin1")).update(Buffer.from(body, "utf8")).digest("hex").toUpperCase()}`
const independentVerify = (body: string, header: string, key: string) => {
  const m = /^sha512=([0-9a-fA-F]{128})$/.exec(header)
  if (m === null) return false
  const expected = createHmac("sha512", Buffer.from(key, "latin1")).update(Buffer.from(body, "utf8")).digest()
  return timingSafeEqual(expected, Buffer.from(m[1]!, "hex"))
}
const connectorVerifies = (body: string, header: string, key = F.signatureKey) =>
  Result.isSuccess(Effect.runSync(Effect.result(AuthorizeNetWebhook.verifySignature(WebhookEvent.makeRawRequest({ headers: { "X-ANET-Signature": header }, body }), Redacted.make(key)))))

describe("webhook signatures: independent implementation ⇄ connector and emulator", () => {
  it("the SDK has no webhook signing or verification to cross-check against", () => {
    const source = readdirSync(sdkLib).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(sdkLib, f), "utf8")).join("\n")
    assert.isAbove(source.length, 100_000, "the SDK's lib was read")
    for (const marker of ["X-ANET-Signature", "x-anet-signature", "createHmac", "sha512"]) assert.notInclude(source, marker)
  })

  it("independent signer → connector verifier; emulator signer → independent verifier (and the connector)", async () => {
    const body = JSON.stringify(F.notification(AuthorizeNetWebhook.REFUND_CREATED, F.refundId))
    assert.isTrue(connectorVerifies(body, independentSign(body, F.signatureKey)))

    const emu = await AuthorizeNetEmulator.start({ clock: "manual", webhookSecret: F.signatureKey })
    try {
      const paymentId = await emu.createPayment({ amount: 5_000, currency: "USD" })
      const client = ConnectorTest.contexts(ConnectorTest.credentials(AuthorizeNetConnector.connector, emu.credentials))
      const built = Result.getOrThrow(AuthorizeNetConnector.buildCreate(ConnectorTest.requests("authorizenet").createRequest({
        merchantRefundId: "sdk-cross-1",
        connectorTransactionId: paymentId,
        amount: { amount: 700, currency: "USD" }
      }), client.createContext("refract-sdk-cross-1")))
      const answer = await fetch(`${emu.url}/xml/v1/request.api`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify((built.body as { value: unknown }).value) })
      const created = JSON.parse((await answer.text()).replace(/^\uFEFF/, "")) as { transactionResponse: { transId: string } }
      const delivery = emu.signedWebhook(created.transactionResponse.transId)
      const header = delivery.headers["x-anet-signature"]!
      assert.match(header, /^sha512=[0-9A-F]{128}$/, "upper-case hex, as Authorize.net sends it")
      assert.isTrue(independentVerify(delivery.body, header, F.signatureKey))
      assert.isTrue(connectorVerifies(delivery.body, header))
      assert.strictEqual(JSON.parse(delivery.body).payload.id, created.transactionResponse.transId)

      const tampered = emu.signedWebhook(created.transactionResponse.transId, { tamper: true })
      assert.isFalse(independentVerify(tampered.body, tampered.headers["x-anet-signature"]!, F.signatureKey))
      assert.isFalse(connectorVerifies(tampered.body, tampered.headers["x-anet-signature"]!))
      const other = emu.signedWebhook(created.transactionResponse.transId, { secret: "B".repeat(128) })
      assert.isFalse(independentVerify(other.body, other.headers["x-anet-signature"]!, F.signatureKey))
      assert.isFalse(connectorVerifies(other.body, other.headers["x-anet-signature"]!))
    } finally {
      await emu.close()
    }
  })

  it("negatives: tampered body and wrong key fail the connector's verifier for independently signed deliveries", () => {
    const body = JSON.stringify(F.notification(AuthorizeNetWebhook.VOID_CREATED, F.refundId))
    const header = independentSign(body, F.signatureKey)
    assert.isFalse(connectorVerifies(body.replace("void", "refund"), header))
    assert.isFalse(connectorVerifies(body, header, "C".repeat(128)))
    assert.isFalse(connectorVerifies(body, independentSign(body, "C".repeat(128))))
  })
})

describe("requests and answers: the SDK's contracts agree with the connector", () => {
  it("the SDK builds the connector's refund request, element for element and in order", () => {
    const built = Result.getOrThrow(AuthorizeNetConnector.buildCreate(F.createRequest(), F.createContext()))
    const ours = (built.body as { value: { createTransactionRequest: Record<string, unknown> } }).value

    const auth = new Contracts.MerchantAuthenticationType()
    auth.setName(F.apiLoginId)
    auth.setTransactionKey(F.transactionKey)
    const card = new Contracts.CreditCardType()
    card.setCardNumber(F.lastFour)
    card.setExpirationDate("XXXX")
    const payment = new Contracts.PaymentType()
    payment.setCreditCard(card)
    const order = new Contracts.OrderType()
    order.setInvoiceNumber("refract-order-42-r1")
    order.setDescription("refund refract-order-42-r1")
    const setting = new Contracts.SettingType()
    setting.setSettingName("duplicateWindow")
    setting.setSettingValue("28800")
    const settings = new Contracts.ArrayOfSetting()
    settings.setSetting([setting])
    const tx = new Contracts.TransactionRequestType()
    tx.setTransactionType(Contracts.TransactionTypeEnum.REFUNDTRANSACTION)
    tx.setAmount("10.50")
    tx.setCurrencyCode("USD")
    tx.setPayment(payment)
    tx.setRefTransId(F.transId)
    tx.setOrder(order)
    tx.setTransactionSettings(settings)
    const request = new Contracts.CreateTransactionRequest()
    request.setMerchantAuthentication(auth)
    request.setTransactionRequest(tx)
    const sdk = JSON.parse(JSON.stringify(request.getJSON())) as typeof ours
    // The SDK's controller fills `clientId` ("sdk-node-1.0.10") when it sends; the connector sends none.
    assert.isNull(sdk.createTransactionRequest["clientId"])
    delete sdk.createTransactionRequest["clientId"]
    assert.strictEqual(JSON.stringify(sdk), JSON.stringify(ours), "same JSON text: same elements, values and order")
  })

  it("the SDK's response classes read the answers the connector parses", () => {
    const created = new Contracts.CreateTransactionResponse(F.createApproved)
    const parsed = Result.getOrThrow(AuthorizeNetConnector.parseCreate(ConnectorTest.response(200, F.wire(F.createApproved)), F.createRequest()))
    assert.strictEqual(created.getTransactionResponse().getTransId(), parsed.connectorRefundId)
    assert.strictEqual(created.getMessages().getResultCode(), Contracts.MessageTypeEnum.OK)

    const details = new Contracts.GetTransactionDetailsResponse(F.details("refundSettledSuccessfully", { batch: F.batch }))
    const read = Result.getOrThrow(AuthorizeNetConnector.parseGet(ConnectorTest.response(200, F.wire(F.details("refundSettledSuccessfully", { batch: F.batch }))), F.reference({ connectorRefundId: F.refundId }), F.buildContext))
    assert.strictEqual(details.getTransaction().getTransactionStatus(), Contracts.TransactionStatusEnum.REFUNDSETTLEDSUCCESSFULLY)
    assert.strictEqual(details.getTransaction().getBatch().getBatchId(), read.settlement?.batchId)
    assert.strictEqual(read.status, "Succeeded")
  })
})
