import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { BraintreeConnector, BraintreeRefunds } from "@refract/braintree"
import { configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { fixtureText, merchantId, privateKey, publicKey, refundId, saleId } from "./helpers/Fixtures.ts"

const baseUrl = "https://braintree.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }
const basic = `Basic ${Buffer.from(`${publicKey}:${privateKey}`).toString("base64")}`
const merchant = `${baseUrl}/merchants/${merchantId}`

const page = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<credit-card-transactions type="collection">${body.replace(/^<\?xml[^>]*>\s*/, "")}</credit-card-transactions>`

/** A tiny Braintree: creates answer the submitted fixture, reads the settled one, searches find the submitted one. */
const braintreeLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== basic) return { status: 401, body: " " }
  if (request.headers["x-apiversion"] !== "6") return { status: 426, body: " " }
  if (request.method === "POST" && request.url === `${merchant}/transactions/${saleId}/refund`) {
    return { status: 201, body: fixtureText("refund-submitted.xml") }
  }
  if (request.method === "GET" && request.url === `${merchant}/transactions/${refundId}`) {
    return { status: 200, body: fixtureText("refund-settled.xml") }
  }
  if (request.method === "POST" && request.url === `${merchant}/transactions/advanced_search`) {
    return { status: 200, body: page(fixtureText("refund-submitted.xml")) }
  }
  return { status: 404, body: " " }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: saleId,
  amount: { amount: 1050, currency: "USD" },
  reason: "requested_by_customer" as const
}

describe("BraintreeConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, lookup finds it, with Braintree's headers and body on the wire", () => {
    const script = scripted(braintreeLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("braintree", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connectorRefundId, refundId)
      assert.strictEqual(created.amount?.amount, 1050)
      const post = script.requests[0]!
      assert.strictEqual(post.url, `${merchant}/transactions/${saleId}/refund`)
      assert.strictEqual(post.headers["authorization"], basic)
      assert.strictEqual(post.headers["x-apiversion"], "6")
      assert.strictEqual(post.headers["accept"], "application/xml")
      assert.include(post.headers["content-type"] ?? "", "application/json")
      assert.deepStrictEqual(JSON.parse(post.body), { transaction: { amount: "10.50", order_id: "refract-order-42-r1" } })

      const read = yield* service.get("braintree", created.connectorRefundId, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.settlement?.batchId, "2026-12-02_acme_usd")

      const braintree = yield* BraintreeRefunds
      const found = yield* braintree.lookup({ merchantRefundId: "order-42-r1", connectorTransactionId: saleId })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
    }).pipe(Effect.provide(services(BraintreeConnector.layer({ merchantId, publicKey, privateKey: Redacted.make(privateKey), baseUrl }), script.layer)))
  })

  it.live("a 5xx on a create is never resent (Braintree de-duplicates nothing): OutcomeUnknown, then recover finds it by lookup", () => {
    const script = scripted((request, index) => (index === 0 ? { status: 503, body: " " } : braintreeLike(request)))
    return Effect.gen(function*() {
      const braintree = yield* BraintreeRefunds
      const error = yield* Effect.flip(braintree.create(input))
      assert.strictEqual(error.reason._tag, "OutcomeUnknown")
      assert.strictEqual(script.requests.length, 1)
      const recovered = yield* braintree.recover(input)
      assert.strictEqual(recovered.connectorRefundId, refundId)
      assert.deepStrictEqual(script.requests.map((r) => r.url), [`${merchant}/transactions/${saleId}/refund`, `${merchant}/transactions/advanced_search`])
    }).pipe(Effect.provide(services(BraintreeConnector.layer({ merchantId, publicKey, privateKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("declines are typed and not retried; the private key never appears in errors", () => {
    const script = scripted(() => ({ status: 422, body: fixtureText("error-refund-too-large.xml") }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* BraintreeRefunds).create(input))
      assert.strictEqual(error.reason._tag === "RefundRejected" ? error.reason.kind : error.reason._tag, "AmountTooLarge")
      assert.strictEqual(error.processorCode, "91521")
      assert.strictEqual(error.httpStatus, 422)
      assert.strictEqual(script.requests.length, 1)
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, privateKey)
    }).pipe(Effect.provide(services(BraintreeConnector.layer({ merchantId, publicKey, privateKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("wrong credentials are an Authentication error that does not echo them", () => {
    const script = scripted(braintreeLike)
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* BraintreeRefunds).create(input))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, "wrongPrivateKey123")
    }).pipe(Effect.provide(services(BraintreeConnector.layer({ merchantId, publicKey, privateKey: "wrongPrivateKey123", baseUrl }), script.layer)))
  })
})

const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))
const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit, { operation: "configure" })

describe("BraintreeConnector.layerConfig", () => {
  it.live("reads BRAINTREE_MERCHANT_ID, BRAINTREE_PUBLIC_KEY, BRAINTREE_PRIVATE_KEY and BRAINTREE_BASE_URL", () => {
    const script = scripted(braintreeLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("braintree", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.headers["authorization"], basic)
    }).pipe(Effect.provide(services(BraintreeConnector.layerConfig(), script.layer).pipe(
      Layer.provide(withConfig({ BRAINTREE_MERCHANT_ID: merchantId, BRAINTREE_PUBLIC_KEY: publicKey, BRAINTREE_PRIVATE_KEY: privateKey, BRAINTREE_BASE_URL: baseUrl }))
    )))
  })

  it("a missing BRAINTREE_PRIVATE_KEY is a Configuration error naming the variable, without values", async () => {
    const layer = services(BraintreeConnector.layerConfig(), scripted(braintreeLike).layer).pipe(
      Layer.provide(withConfig({ BRAINTREE_MERCHANT_ID: merchantId, BRAINTREE_PUBLIC_KEY: publicKey, BRAINTREE_WEBHOOK_PRIVATE_KEY: "webhook_secret_do_not_print" }))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.include(configurationError(exit)?.message ?? "", "BRAINTREE_PRIVATE_KEY")
    assert.notInclude(JSON.stringify(exit), "webhook_secret_do_not_print")
  })
})
