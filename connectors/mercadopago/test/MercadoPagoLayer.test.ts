/**
 * The connector through the core (layers, RefundService, RefundClient) against a scripted Mercado Pago and
 * against the emulator: create → Pending, get → Succeeded; full refunds; retries under the same key;
 * configuration errors that never echo the token.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { BoundConnector, RefundClient, RefundService } from "@refract/core"
import type { RefundError } from "@refract/core"
import { MercadoPagoEmulator } from "@refract/testkit"
import type { EmulatorHandle } from "@refract/testkit"
import { ConfigProvider, Effect, Exit, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { connector, MercadoPagoConnector, MercadoPagoRefunds } from "@refract/mercadopago"
import { buildExit, configurationError as configurationErrorOf, scripted, services } from "@refract/testkit/connector/ConnectorTest"
import type { Answer, Recorded } from "@refract/testkit/connector/ConnectorTest"
import { accessToken, fixtureText, paymentId, refundId } from "./helpers/Fixtures.ts"

const baseUrl = "https://mercadopago.test"
const fastRetry = { baseDelayMillis: 1, maxDelayMillis: 2 }

/** A tiny Mercado Pago: creates answer the in_process fixture, payment reads the approved one. */
const mercadoPagoLike = (request: Recorded): Answer => {
  if (request.headers["authorization"] !== `Bearer ${accessToken}`) {
    return { status: 401, body: { message: "invalid access token", error: "unauthorized", status: 401, cause: [{ code: 401, description: "Invalid token" }] } }
  }
  if (request.method === "POST" && request.url === `${baseUrl}/v1/payments/${paymentId}/refunds`) return { status: 201, body: fixtureText("refund-in-process.json") }
  if (request.method === "GET" && request.url === `${baseUrl}/v1/payments/${paymentId}`) return { status: 200, body: fixtureText("payment-with-refunds.json") }
  return { status: 404, body: fixtureText("error-payment-not-found.json") }
}

const input = {
  merchantRefundId: "order-42-r1",
  connectorTransactionId: paymentId,
  amount: { amount: 1050, currency: "BRL" },
  reason: "requested_by_customer" as const
}

describe("MercadoPagoConnector.layer through the generic RefundService", () => {
  it.live("create → Pending, get → Succeeded, with Mercado Pago's headers and body on the wire", () => {
    const script = scripted(mercadoPagoLike)
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const created = yield* service.create("mercadopago", input)
      assert.deepStrictEqual([created.status, created.connectorRefundId, created.amount?.amount], ["Pending", refundId, 1050])
      const post = script.requests[0]!
      assert.match(post.headers["x-idempotency-key"] ?? "", /^[A-Za-z0-9_-]{1,64}$/)
      assert.strictEqual(post.headers["x-render-in-process-refunds"], "true")
      assert.include(post.headers["content-type"] ?? "", "application/json")
      assert.strictEqual(post.body, `{"amount":10.50}`)
      const read = yield* (yield* MercadoPagoRefunds).get(created.connectorRefundId)
      assert.strictEqual(read.status, "Succeeded")
      assert.strictEqual(read.settlement?.traceReference, "123456789012")
    }).pipe(Effect.provide(services(MercadoPagoConnector.layer({ accessToken: Redacted.make(accessToken), baseUrl }), script.layer)))
  })

  it.live("a retry after a 5xx sends the identical body under the same key", () => {
    const script = scripted((request, index) => index === 0 ? { status: 502, body: { message: "bad gateway", error: "internal_error", status: 502, cause: [] } } : mercadoPagoLike(request))
    return Effect.gen(function*() {
      const refund = yield* (yield* MercadoPagoRefunds).create(input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests.length, 2)
      assert.strictEqual(script.requests[0]!.body, script.requests[1]!.body)
      assert.strictEqual(script.requests[0]!.headers["x-idempotency-key"], script.requests[1]!.headers["x-idempotency-key"])
    }).pipe(Effect.provide(services(MercadoPagoConnector.layer({ accessToken, baseUrl, retry: fastRetry }), script.layer)))
  })

  it.live("a wrong token is an Authentication error that does not echo it; bad ids never reach the wire", () => {
    const script = scripted(mercadoPagoLike)
    const wrong = "TEST-9999999999999999-010101-wrongwrongwrongwrong-1"
    return Effect.gen(function*() {
      const service = yield* RefundService.RefundService
      const error = yield* Effect.flip(service.create("mercadopago", input))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.notInclude(`${error.message} ${JSON.stringify(error)}`, wrong)
      const before = script.requests.length
      assert.strictEqual((yield* Effect.flip(service.create("mercadopago", { ...input, connectorTransactionId: "pay_1" }))).reason._tag, "InvalidRequest")
      assert.strictEqual((yield* Effect.flip(service.get("mercadopago", "1032332129"))).reason._tag, "InvalidRequest")
      assert.strictEqual(script.requests.length, before)
    }).pipe(Effect.provide(services(MercadoPagoConnector.layer({ accessToken: wrong, baseUrl }), script.layer)))
  })
})

describe("layer configuration", () => {
  const configurationError = (exit: Exit.Exit<unknown, unknown>): RefundError | undefined => configurationErrorOf(assert, exit, { operation: "configure" })

  it("a TEST- token in production fails when the layer is built, naming no value", async () => {
    const error = configurationError(await buildExit(services(MercadoPagoConnector.layer({ accessToken, environment: "production" }), scripted(mercadoPagoLike).layer)))
    assert.include(error?.message ?? "", "MERCADOPAGO_ACCESS_TOKEN")
    assert.notInclude(JSON.stringify(error), accessToken)
  })

  it.live("layerConfig reads MERCADOPAGO_ACCESS_TOKEN and MERCADOPAGO_BASE_URL", () => {
    const script = scripted(mercadoPagoLike)
    return Effect.gen(function*() {
      const refund = yield* (yield* RefundService.RefundService).create("mercadopago", input)
      assert.strictEqual(refund.status, "Pending")
      assert.strictEqual(script.requests[0]!.url, `${baseUrl}/v1/payments/${paymentId}/refunds`)
    }).pipe(Effect.provide(services(MercadoPagoConnector.layerConfig(), script.layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ MERCADOPAGO_ACCESS_TOKEN: accessToken, MERCADOPAGO_BASE_URL: baseUrl })))
    )))
  })

  it("a missing MERCADOPAGO_ACCESS_TOKEN is a Configuration error naming the variable, without secrets", async () => {
    const layer = services(MercadoPagoConnector.layerConfig(), scripted(mercadoPagoLike).layer).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ MERCADOPAGO_WEBHOOK_SECRET: "webhook_secret_do_not_print" })))
    )
    const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(layer)))
    assert.include(configurationError(exit)?.message ?? "", "MERCADOPAGO_ACCESS_TOKEN")
    assert.notInclude(JSON.stringify(exit), "webhook_secret_do_not_print")
  })
})

describe("full refund without an amount, against the emulator", () => {
  let emulator: EmulatorHandle
  beforeAll(async () => {
    emulator = await MercadoPagoEmulator.start({ clock: "manual" })
  })
  afterAll(async () => {
    await emulator?.close()
  })

  it.live("sends {}, refunds the rest; the created refund has no amount until the read gives the payment's currency", () =>
    Effect.gen(function*() {
      const bound = yield* BoundConnector.bind(connector, { credentials: { ...emulator.credentials }, baseUrl: emulator.url })
      const client = yield* RefundClient.make(bound)
      const pay = yield* Effect.promise(() => emulator.createPayment({ amount: 1_234, currency: "CLP" }))
      const created = yield* client.create({ merchantRefundId: "full-1", connectorTransactionId: pay })
      assert.strictEqual(emulator.requests().find((r) => r.method === "POST")!.body, "{}")
      assert.strictEqual(emulator.refunds()[0]!.amount, 1_234)
      yield* Effect.promise(() => emulator.clock.advance(MercadoPagoEmulator.numbers.timing.settleAfterMillis))
      const read = yield* client.get(created.reference, created)
      assert.strictEqual(read.status, "Succeeded")
      assert.deepStrictEqual([read.amount?.amount, read.amount?.currency], [1_234, "CLP"])
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})
