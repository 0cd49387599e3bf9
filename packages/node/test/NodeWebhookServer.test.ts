import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, PubSub } from "effect"
import { ConnectorRegistry, MemoryRefundStore, RefundStore, RefundTracker } from "@refract/core"
import { NodeWebhookServer } from "@refract/node"
import * as HookPay from "./helpers/HookPay.ts"

const serverLayer = (
  processor: HookPay.Processor,
  options: NodeWebhookServer.Options = {},
  registry: Layer.Layer<ConnectorRegistry.ConnectorRegistry, unknown> = HookPay.registryLayer()
) =>
  NodeWebhookServer.layer({
    port: 0,
    host: "127.0.0.1",
    tracker: { initialDelay: "20 millis", maxDelay: "200 millis", jitter: false },
    ...options
  }).pipe(Layer.provide(Layer.mergeAll(registry, processor.layer)))

const post = (url: string, delivery: { headers: Readonly<Record<string, string>>; body: Uint8Array | string }) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: delivery.headers,
      body: typeof delivery.body === "string" ? delivery.body : new Uint8Array(delivery.body)
    })
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })

const get = (url: string, method = "GET") =>
  Effect.promise(async () => {
    const response = await fetch(url, { method })
    return { status: response.status, allow: response.headers.get("allow"), body: await response.text() }
  })

describe("NodeWebhookServer.layer", () => {
  it.live("serves the webhook route and /healthz on a real port, with a store and a tracker", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const server = yield* NodeWebhookServer.NodeWebhookServer
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.strictEqual(server.webhookUrl("hookpay"), `${server.url}/webhooks/hookpay`)
      const health = yield* get(`${server.url}/healthz`)
      assert.deepStrictEqual(health, { status: 200, allow: null, body: "ok" })

      const tracker = yield* RefundTracker.RefundTracker
      const refund = yield* tracker.create("hookpay", {
        merchantRefundId: "order-1",
        connectorTransactionId: "pay_1",
        amount: { amount: 1050, currency: "USD" }
      })
      const delivered = yield* post(
        server.webhookUrl("hookpay"),
        HookPay.delivery([HookPay.event("evt_1", HookPay.refund({ id: refund.connectorRefundId, status: "succeeded" }))])
      )
      assert.deepStrictEqual(delivered, { status: 200, type: "application/json", body: "{\"received\":true}" })
      const store = yield* RefundStore.RefundStore
      const stored = yield* store.get({ connector: "hookpay", connectorRefundId: refund.connectorRefundId })
      assert.strictEqual(Option.getOrUndefined(stored)?.status, "Succeeded")
      yield* Effect.sleep(10)
      // Settled, and still watched at a low rate for a reversal (hookpay reports reversals and can be read).
      assert.deepStrictEqual(yield* tracker.tracked, [{ connector: "hookpay", connectorRefundId: refund.connectorRefundId }])

      const tampered = yield* post(
        server.webhookUrl("hookpay"),
        HookPay.delivery([HookPay.event("evt_2", HookPay.refund({ id: refund.connectorRefundId, status: "succeeded" }))], { tamper: true })
      )
      assert.strictEqual(tampered.status, 401)
      const unchanged = yield* store.get({ connector: "hookpay", connectorRefundId: refund.connectorRefundId })
      assert.strictEqual(Option.getOrUndefined(unchanged)?.status, "Succeeded", "a tampered event changes nothing")
      const large = yield* post(server.webhookUrl("hookpay"), { headers: {}, body: "x".repeat(2 * 1024 * 1024) })
      assert.strictEqual(large.status, 413)
    }).pipe(Effect.provide(serverLayer(processor)))
  })

  it.live("polls alongside webhooks: a refund without a webhook settles by polling", () => {
    const processor = HookPay.processor()
    return Effect.scoped(Effect.gen(function*() {
      const tracker = yield* RefundTracker.RefundTracker
      const subscription = yield* tracker.subscribe
      const refund = yield* tracker.create("hookpay", {
        merchantRefundId: "order-2",
        connectorTransactionId: "pay_1",
        amount: { amount: 500, currency: "USD" }
      })
      processor.set(refund.connectorRefundId, "succeeded")
      let change: RefundTracker.StatusChange | undefined
      while (change === undefined || change._tag !== "Changed" || change.refund.status !== "Succeeded") {
        change = yield* PubSub.take(subscription).pipe(Effect.timeout("5 seconds"))
      }
      assert.strictEqual(change.source, "poll")
    })).pipe(Effect.provide(serverLayer(processor)))
  })

  it.live("takes the store from the options (here a store shared with the test)", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const shared = yield* MemoryRefundStore.make
      yield* shared.apply({ connector: "hookpay", snapshot: HookPay.snapshotOf(HookPay.refund({ id: "re_x" })), source: "create", receivedAt: 0 })
      yield* Effect.gen(function*() {
        const server = yield* NodeWebhookServer.NodeWebhookServer
        const tracker = yield* RefundTracker.RefundTracker
        assert.deepStrictEqual(yield* tracker.tracked, [{ connector: "hookpay", connectorRefundId: "re_x" }], "resumed from the store")
        const r = yield* post(server.webhookUrl("hookpay"), HookPay.delivery([HookPay.event("x1", HookPay.refund({ id: "re_x", status: "failed" }))]))
        assert.strictEqual(r.status, 200)
      }).pipe(Effect.provide(serverLayer(processor, { store: Layer.succeed(RefundStore.RefundStore, shared) })))
      const after = yield* shared.get({ connector: "hookpay", connectorRefundId: "re_x" })
      assert.strictEqual(Option.getOrUndefined(after)?.status, "Failed")
    }).pipe(Effect.scoped)
  })

  it.live("other methods on the webhook path are 405 (Allow: POST); unknown paths a JSON 404; unknown connectors 404", () => {
    const processor = HookPay.processor()
    return Effect.gen(function*() {
      const server = yield* NodeWebhookServer.NodeWebhookServer
      for (const method of ["GET", "PUT", "DELETE"]) {
        const answer = yield* get(server.webhookUrl("hookpay"), method)
        assert.deepStrictEqual(answer, { status: 405, allow: "POST", body: "{\"error\":\"MethodNotAllowed\"}" }, method)
      }
      assert.deepStrictEqual(yield* get(`${server.url}/elsewhere`), { status: 404, allow: null, body: "{\"error\":\"NotFound\"}" })
      const unknown = yield* post(server.webhookUrl("nopay"), HookPay.delivery([]))
      assert.deepStrictEqual(unknown, { status: 404, type: "application/json", body: "{\"error\":\"NotConfigured\"}" })
    }).pipe(Effect.provide(serverLayer(processor)))
  })

  it.live("a misconfigured connector stops start-up with a typed error naming it, never its secret", () => {
    const processor = HookPay.processor()
    const secret = "not-a-whsec-VALUE-12345"
    const registry = Layer.mergeAll(
      ConnectorRegistry.register(HookPay.hookpay, HookPay.options()),
      ConnectorRegistry.register(HookPay.hookonly, HookPay.options({ webhookSecrets: { signingSecret: secret } }))
    ).pipe(Layer.provideMerge(ConnectorRegistry.ConnectorRegistry.layer))
    return Effect.gen(function*() {
      const error = (yield* Effect.flip(Layer.build(serverLayer(processor, {}, registry)))) as { _tag: string; message: string }
      assert.strictEqual(error._tag, "RefundError")
      const message = error.message
      assert.include(message, "hookonly")
      assert.include(message, "signingSecret is malformed")
      assert.notInclude(message, secret)
    }).pipe(Effect.scoped)
  })
})
