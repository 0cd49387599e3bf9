import { assert, describe, it } from "@effect/vitest"
import { RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import { MollieConnector, MollieRefunds } from "@refract/mollie"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { apiKey, fixtureJson, fixtureText, paymentId, refundId } from "./helpers/Fixtures.ts"

const baseUrl = "https://mollie.test"
const bearer = `Bearer ${apiKey}`
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

const problem = (status: number, title: string, detail: string) => ({ status, title, detail, _links: { documentation: { href: "https://docs.mollie.com/overview/handling-errors", type: "text/html" } } })

/** A tiny Mollie: creates answer the pending fixture (5.95 EUR), reads answer the refunded one. */
const mollieLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== bearer) return { status: 401, body: problem(401, "Unauthorized Request", "Missing authentication, or failed to authenticate") }
  if (request.method === "POST" && request.url === `${baseUrl}/v2/payments/${paymentId}/refunds`) return { status: 201, body: fixtureText("refund-pending.json") }
  if (request.method === "GET" && request.url === `${baseUrl}/v2/payments/${paymentId}/refunds/${refundId}`) return { status: 200, body: fixtureText("refund-refunded.json") }
  if (request.method === "GET" && request.url === `${baseUrl}/v2/payments/${paymentId}/refunds?limit=250`) {
    return { status: 200, body: { count: 1, _embedded: { refunds: [fixtureJson("refund-pending.json")] }, _links: { next: null } } }
  }
  if (request.method === "DELETE" && request.url === `${baseUrl}/v2/payments/${paymentId}/refunds/${refundId}`) return { status: 204, body: "" }
  return { status: 404, body: problem(404, "Not Found", "No payment exists with token x.") }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 595, currency: "EUR" },
  metadata: { bookkeeping_id: "12345" }
}

describe("MollieConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, lookup and cancel, with Mollie's headers and body on the wire", () => {
    const script = scripted(mollieLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("mollie", input)
      assert.strictEqual(created.status, "Pending")
      assert.strictEqual(created.connectorRefundId, refundId)
      const post = script.requests[0]!
      assert.strictEqual(post.headers["authorization"], bearer)
      assert.strictEqual(post.headers["idempotency-key"], "refract-order-42-r1")
      assert.deepStrictEqual(JSON.parse(post.body), {
        amount: { currency: "EUR", value: "5.95" },
        metadata: { merchant_refund_id: "order-42-r1", bookkeeping_id: "12345" }
      })
      const read = yield* service.get("mollie", created.reference, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.settlement?.batchId, "stl_jDk30akdN")

      const mollie = yield* MollieRefunds
      const found = yield* mollie.lookup({ merchantRefundId: "order-42-r1", connectorTransactionId: paymentId })
      assert.strictEqual(Option.getOrThrow(found).connectorRefundId, refundId)
      const cancelled = yield* mollie.cancel(created.reference, created)
      assert.strictEqual(cancelled.status, "Cancelled")
    }).pipe(Effect.provide(services(MollieConnector.layer({ apiKey: Redacted.make(apiKey), baseUrl }), script.layer)))
  })

  it.live("a retry after a 5xx replays the identical body under the same key", () => {
    const script = scripted((request, index) => (index === 0 ? { status: 502, body: problem(502, "Bad Gateway", "maintenance") } : mollieLike(request)))
    return Effect.gen(function*() {
      const refund = yield* (yield* MollieRefunds).create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      assert.strictEqual(script.requests[0]!.body, script.requests[1]!.body)
      assert.strictEqual(script.requests[0]!.headers["idempotency-key"], script.requests[1]!.headers["idempotency-key"])
    }).pipe(Effect.provide(services(MollieConnector.layer({ apiKey, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("declines are typed and not retried; the key never appears in errors", () => {
    const script = scripted(() => ({ status: 422, body: { ...problem(422, "Unprocessable Entity", "The amount of the refund is higher than the amount that can be refunded for this payment"), field: "amount" } }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip((yield* MollieRefunds).create(input))
      assert.strictEqual(error.reason._tag, "RefundRejected")
      assert.strictEqual(error.reason._tag === "RefundRejected" ? error.reason.kind : "", "AmountTooLarge")
      assert.strictEqual(error.httpStatus, 422)
      assert.strictEqual(script.requests.length, 1)
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, apiKey)
    }).pipe(Effect.provide(services(MollieConnector.layer({ apiKey, baseUrl, retry: fastRetry }), script.layer)))
  })
})

const build = (layer: ReturnType<typeof MollieConnector.layer>) => buildExit(services(layer, scripted(mollieLike).layer))
const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit, { operation: "configure" })
const withConfig = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

describe("configuration", () => {
  it("a test key in production and a live key in sandbox fail when the layer is built, naming no value", async () => {
    const live = "live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    const m1 = configurationError(await build(MollieConnector.layer({ apiKey, environment: "production" })))?.message ?? ""
    assert.include(m1, "live API key")
    const m2 = configurationError(await build(MollieConnector.layer({ apiKey: live })))?.message ?? ""
    assert.include(m2, "test API key")
    for (const m of [m1, m2]) for (const value of [apiKey, live]) assert.notInclude(m, value)
  })

  it("a malformed key is refused without echoing it", async () => {
    const error = configurationError(await build(MollieConnector.layer({ apiKey: "sk_test_not_mollie" })))
    assert.notInclude(JSON.stringify(error), "sk_test_not_mollie")
  })

  it.live("layerConfig reads MOLLIE_API_KEY and MOLLIE_BASE_URL", () => {
    const script = scripted(mollieLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("mollie", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v2/payments/${paymentId}/refunds`)
    }).pipe(Effect.provide(services(MollieConnector.layerConfig(), script.layer).pipe(Layer.provide(withConfig({ MOLLIE_API_KEY: apiKey, MOLLIE_BASE_URL: baseUrl })))))
  })

  it("a missing MOLLIE_API_KEY is a Configuration error naming the variable", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(services(MollieConnector.layerConfig(), scripted(mollieLike).layer).pipe(Layer.provide(withConfig({}))))))
    assert.include(configurationError(exit)?.message ?? "", "MOLLIE_API_KEY")
  })
})
