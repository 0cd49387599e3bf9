/**
 * Keeps the Braintree emulator honest: Braintree's official Node SDK (`braintree` 3.40.0, braintree_node) drives
 * it unchanged: `transaction.refund`, `transaction.find`, `transaction.void`, `transaction.search`, its
 * `ErrorResponse` for 422 validation errors, its exceptions for 401/404/429/5xx, and
 * `webhookNotification.parse` over the emulator's signed deliveries.
 *
 * How the SDK is pointed at the emulator: braintree_node takes an `Environment` object in its config
 * (`lib/braintree/environment.js`: `new Environment(server, port, authUrl, ssl, graphQLServer, graphQLPort)`,
 * exported as `braintree.Environment`), and `http.js` connects to `environment.server`:`environment.port`
 * over http when `ssl` is false. The test builds one for 127.0.0.1 and the emulator's port: no patching; every
 * path and header is the SDK's own.
 *
 * braintree_node ships no TypeScript types: the few calls used are typed locally below.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { BraintreeEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { createRequire } from "node:module"
import { type Receiver, rejection, startReceiver } from "./helpers.ts"

/** What braintree_node rejects with: its error classes carry `name` and `type` (`lib/braintree/errors.js`). */
type SdkError = { readonly name: string; readonly type: string }

interface SdkTransaction {
  readonly id: string
  readonly status: string
  readonly type: string
  readonly amount: string
  readonly currencyIsoCode: string
  readonly orderId: string | null
  readonly refundedTransactionId: string | null
  readonly refundIds?: ReadonlyArray<string>
  readonly settlementBatchId: string | null
  readonly createdAt: string
  readonly statusHistory: ReadonlyArray<{ readonly status: string }>
}
interface SdkValidationError {
  readonly code: string
  readonly attribute: string
  readonly message: string
}
interface SdkResult {
  readonly success: boolean
  readonly transaction?: SdkTransaction
  readonly message?: string
  readonly errors?: { deepErrors(): ReadonlyArray<SdkValidationError> }
}
interface SdkGateway {
  readonly transaction: {
    refund(id: string, options?: unknown): Promise<SdkResult>
    find(id: string): Promise<SdkTransaction>
    void(id: string): Promise<SdkResult>
    search(fn: (search: any) => void): NodeJS.ReadableStream
  }
  readonly webhookNotification: {
    parse(signature: string, payload: string): Promise<{ readonly kind: string; readonly timestamp: unknown; readonly transaction?: SdkTransaction }>
  }
}
interface Braintree {
  readonly BraintreeGateway: new(config: Record<string, unknown>) => SdkGateway
  readonly Environment: new(server: string, port: string, authUrl: string, ssl: boolean, graphQLServer: string, graphQLPort: string) => unknown
}

const braintree = createRequire(import.meta.url)("braintree") as Braintree


const collect = (stream: NodeJS.ReadableStream): Promise<ReadonlyArray<SdkTransaction>> =>
  new Promise((resolve, reject) => {
    const items: Array<SdkTransaction> = []
    stream.on("data", (t: SdkTransaction) => items.push(t))
    stream.on("error", reject)
    stream.on("end", () => resolve(items))
  })

describe("official braintree SDK (braintree_node 3.40.0) against the emulator", () => {
  let emu: EmulatorHandle
  let receiver: Receiver

  const sdk = (privateKey = emu.credentials["privateKey"]!) => {
    const port = new URL(emu.url).port
    return new braintree.BraintreeGateway({
      environment: new braintree.Environment("127.0.0.1", port, "http://127.0.0.1", false, "127.0.0.1", port),
      merchantId: emu.credentials["merchantId"]!,
      publicKey: emu.credentials["publicKey"]!,
      privateKey
    })
  }

  beforeAll(async () => {
    receiver = await startReceiver()
    emu = await BraintreeEmulator.start({ clock: "manual", webhookUrl: receiver.url })
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

  it("transaction.refund creates a credit, transaction.find reads it back as it settles", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 5_000, currency: "USD" })
    const result = await gateway.transaction.refund(sale, { amount: "12.50", orderId: "refract-mr-sdk-1" })
    assert.isTrue(result.success)
    const refund = result.transaction!
    assert.strictEqual(refund.type, "credit")
    assert.strictEqual(refund.status, "submitted_for_settlement")
    assert.strictEqual(refund.amount, "12.50")
    assert.strictEqual(refund.currencyIsoCode, "USD")
    assert.strictEqual(refund.orderId, "refract-mr-sdk-1")
    assert.strictEqual(refund.refundedTransactionId, sale)
    assert.isNull(refund.settlementBatchId)
    // The emulator stored what the SDK sent: JSON with underscored keys, amount in major units.
    const sent = emu.requests().find((r) => r.path.endsWith("/refund"))!
    assert.deepStrictEqual(JSON.parse(sent.body), { transaction: { amount: "12.50", order_id: "refract-mr-sdk-1" } })
    assert.strictEqual(sent.headers["x-apiversion"], "6")
    assert.strictEqual(emu.refunds()[0]!.amount, 1_250)

    await emu.clock.advance(4_000)
    const settled = await gateway.transaction.find(refund.id)
    assert.strictEqual(settled.status, "settled")
    assert.deepStrictEqual(settled.statusHistory.map((h) => h.status), ["submitted_for_settlement", "settled"])
    assert.match(settled.settlementBatchId ?? "", /^\d{4}-\d{2}-\d{2}_/)

    const original = await gateway.transaction.find(sale)
    assert.strictEqual(original.type, "sale")
    assert.deepStrictEqual(original.refundIds, [refund.id])
  })

  it("a refund without amount refunds the rest; JPY amounts have no decimals", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 1_000, currency: "JPY" })
    const partial = await gateway.transaction.refund(sale, "300")
    assert.strictEqual(partial.transaction!.amount, "300")
    const rest = await gateway.transaction.refund(sale)
    assert.isTrue(rest.success)
    assert.strictEqual(rest.transaction!.amount, "700")
    const again = await gateway.transaction.refund(sale)
    assert.isFalse(again.success)
    assert.deepStrictEqual(again.errors!.deepErrors().map((e) => e.code), ["91512"])
  })

  it("validation errors come back as the SDK's ErrorResponse with Braintree's codes", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const tooLarge = await gateway.transaction.refund(sale, "10.01")
    assert.isFalse(tooLarge.success)
    assert.deepStrictEqual(tooLarge.errors!.deepErrors().map((e) => [e.code, e.attribute]), [["91521", "amount"]])
    assert.strictEqual(tooLarge.message, "Refund amount is too large.")
    const badFormat = await gateway.transaction.refund(sale, "1.234")
    assert.deepStrictEqual(badFormat.errors!.deepErrors().map((e) => e.code), ["81503"])
    const zero = await gateway.transaction.refund(sale, "0.00")
    assert.deepStrictEqual(zero.errors!.deepErrors().map((e) => e.code), ["81531"])
    const longOrder = await gateway.transaction.refund(sale, { amount: "1.00", orderId: "x".repeat(256) })
    assert.deepStrictEqual(longOrder.errors!.deepErrors().map((e) => e.code), ["91501"])
    const created = await gateway.transaction.refund(sale, "1.00")
    const ofCredit = await gateway.transaction.refund(created.transaction!.id, "1.00")
    assert.deepStrictEqual(ofCredit.errors!.deepErrors().map((e) => e.code), ["91505"])
    assert.strictEqual(emu.refunds().length, 1, "refused refunds are not stored")
  })

  it("HTTP errors become the SDK's exceptions", async () => {
    assert.strictEqual((await rejection<SdkError>(sdk().transaction.find("nosuchtx1"))).type, "notFoundError")
    assert.strictEqual((await rejection<SdkError>(sdk("wrong-private-key").transaction.find("nosuchtx1"))).type, "authenticationError")
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    emu.injectFault({ _tag: "RateLimit", retryAfterSeconds: 1 }, { path: "*" })
    assert.strictEqual((await rejection<SdkError>(sdk().transaction.refund(sale, "1.00"))).type, "tooManyRequestsError")
    emu.injectFault({ _tag: "ServerError", status: 503 }, { path: "*" })
    assert.strictEqual((await rejection<SdkError>(sdk().transaction.refund(sale, "1.00"))).type, "serviceUnavailableError")
    assert.strictEqual(emu.refunds().length, 0)
  })

  it("transaction.void voids a submitted refund once; a settled one cannot be voided", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const refund = (await gateway.transaction.refund(sale, "2.00")).transaction!
    const voided = await gateway.transaction.void(refund.id)
    assert.strictEqual(voided.transaction!.status, "voided")
    const twice = await gateway.transaction.void(refund.id)
    assert.deepStrictEqual(twice.errors!.deepErrors().map((e) => e.code), ["91504"])
    // A voided refund gives its amount back: the whole sale is refundable again.
    assert.isTrue((await gateway.transaction.refund(sale, "10.00")).success)
  })

  it("transaction.search by order id finds a pending refund (advanced_search_ids, then advanced_search)", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const a = (await gateway.transaction.refund(sale, { amount: "1.00", orderId: "order-a" })).transaction!
    await gateway.transaction.refund(sale, { amount: "1.00", orderId: "order-b" })
    const found = await collect(gateway.transaction.search((s) => {
      s.orderId().is("order-a")
      s.type().is("credit")
    }))
    assert.deepStrictEqual(found.map((t) => [t.id, t.status]), [[a.id, "submitted_for_settlement"]])
    const none = await collect(gateway.transaction.search((s) => s.orderId().is("order-c")))
    assert.strictEqual(none.length, 0)
    const paths = emu.requests().map((r) => r.path.replace(/^\/merchants\/[^/]+/, ""))
    assert.includeMembers(paths, ["/transactions/advanced_search_ids", "/transactions/advanced_search"])
  })

  it("webhookNotification.parse accepts the emulator's deliveries and refuses tampered or foreign ones", async () => {
    const gateway = sdk()
    const sale = await emu.createPayment({ amount: 1_000, currency: "USD" })
    const refund = (await gateway.transaction.refund(sale, "3.00")).transaction!
    await emu.clock.advance(4_000)
    const [delivery] = await receiver.waitFor(1)
    const form = new URLSearchParams(delivery!.body)
    const notification = await gateway.webhookNotification.parse(form.get("bt_signature")!, form.get("bt_payload")!)
    assert.strictEqual(notification.kind, "transaction_settled")
    assert.strictEqual(notification.transaction!.id, refund.id)
    assert.strictEqual(notification.transaction!.status, "settled")

    const tampered = await emu.signedWebhook(emu.refunds()[0]!.id, { tamper: true })
    const t = new URLSearchParams(tampered.body)
    assert.strictEqual((await rejection<SdkError>(gateway.webhookNotification.parse(t.get("bt_signature")!, t.get("bt_payload")!))).type, "invalidSignatureError")
    const foreign = await emu.signedWebhook(emu.refunds()[0]!.id, { secret: "another-private-key" })
    const f = new URLSearchParams(foreign.body)
    assert.strictEqual((await rejection<SdkError>(gateway.webhookNotification.parse(f.get("bt_signature")!, f.get("bt_payload")!))).type, "invalidSignatureError")
  })
})
