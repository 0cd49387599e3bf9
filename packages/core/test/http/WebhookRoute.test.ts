import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import type { HttpClient } from "effect/http"
import { ConnectorRegistry, MemoryRefundStore, RefundStore, WebhookRoute } from "@refract/core"
import * as HookPay from "../events/HookPay.ts"

const key = (id: string, connector = "hookpay") => ({ connector, connectorRefundId: id })

/** The route as a Web handler, with the test's store, registry and HttpClient as request context. */
const routeHandler = (options: WebhookRoute.Options = {}) =>
  Effect.gen(function*() {
    const { handler, dispose } = HttpRouter.toWebHandler(WebhookRoute.routes(options), { disableLogger: true })
    yield* Effect.addFinalizer(() => Effect.promise(dispose))
    const context = yield* Effect.context<RefundStore.RefundStore | ConnectorRegistry.ConnectorRegistry | HttpClient.HttpClient>()
    return (request: Request) => Effect.promise(() => handler(request, context))
  })

const env = Layer.mergeAll(HookPay.registryLayer(), MemoryRefundStore.layer, HookPay.processor().layer)

const post = (path: string, delivery: { headers: Readonly<Record<string, string>>; body: Uint8Array | string }) =>
  new Request(`http://hooks.test${path}`, {
    method: "POST",
    headers: delivery.headers,
    body: typeof delivery.body === "string" ? delivery.body : new Uint8Array(delivery.body)
  })

const created = (id: string, connector = "hookpay") =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    yield* store.apply({ connector, snapshot: HookPay.snapshotOf(HookPay.refund({ id })), source: "create", receivedAt: 1 })
  })

const statusOf = (id: string, connector = "hookpay") =>
  Effect.gen(function*() {
    const store = yield* RefundStore.RefundStore
    return Option.getOrUndefined(yield* store.get(key(id, connector)))?.status
  })

describe("WebhookRoute POST /webhooks/:connector", () => {
  it.live("stores a signed delivery, then answers the connector's acknowledgement", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      yield* created("re_1")
      const response = yield* send(post("/webhooks/hookpay", HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))])))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("content-type"), "application/json")
      assert.strictEqual(yield* Effect.promise(() => response.text()), "{\"received\":true}")
      assert.strictEqual(yield* statusOf("re_1"), "Succeeded")
    })).pipe(Effect.provide(env)))

  it.live("answers each processor the acknowledgement it expects (`[accepted]` for the webhook-only one)", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      yield* created("re_1", "hookonly")
      const response = yield* send(post("/webhooks/hookonly", HookPay.delivery([HookPay.event("a1", HookPay.refund({ status: "succeeded" }))])))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("content-type"), "text/plain")
      assert.strictEqual(yield* Effect.promise(() => response.text()), "[accepted]")
      assert.strictEqual(yield* statusOf("re_1", "hookonly"), "Succeeded")
    })).pipe(Effect.provide(env)))

  it.live("401 for tampered and unsigned deliveries, 400 for malformed ones; state untouched", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      yield* created("re_1")
      const events = [HookPay.event("t1", HookPay.refund({ status: "succeeded" }))]
      const tampered = yield* send(post("/webhooks/hookpay", HookPay.delivery(events, { tamper: true })))
      assert.strictEqual(tampered.status, 401)
      assert.deepStrictEqual(yield* Effect.promise(() => tampered.json()), { error: "InvalidSignature", message: "signature does not match" })
      const unsigned = yield* send(post("/webhooks/hookpay", { headers: {}, body: JSON.stringify({ events }) }))
      assert.strictEqual(unsigned.status, 401)
      const body = "not json"
      const malformed = yield* send(post("/webhooks/hookpay", { headers: { "x-hookpay-signature": HookPay.sign(body) }, body }))
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(yield* statusOf("re_1"), "Pending")
      const store = yield* RefundStore.RefundStore
      assert.strictEqual((yield* store.history(key("re_1"))).length, 1)
      assert.isFalse(yield* store.hasEvent("hookpay", "t1"))
    })).pipe(Effect.provide(env)))

  it.live("404 for an unknown connector, without listing the installed ones", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      const response = yield* send(post("/webhooks/nopay", HookPay.delivery([])))
      assert.strictEqual(response.status, 404)
      assert.deepStrictEqual(yield* Effect.promise(() => response.json()), { error: "NotConfigured" })
    })).pipe(Effect.provide(env)))

  it.live("413 above the body limit, declared or streamed; nothing is parsed", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler({ maxBodyBytes: 256 })
      yield* created("re_1")
      const big = HookPay.delivery([HookPay.event("big", HookPay.refund({ status: "succeeded", merchant_refund_id: "x".repeat(300) }))])
      const declared = yield* send(post("/webhooks/hookpay", big))
      assert.strictEqual(declared.status, 413)
      // Chunked, without a Content-Length: counted while reading.
      const bytes = typeof big.body === "string" ? new TextEncoder().encode(big.body) : big.body
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64) controller.enqueue(bytes.slice(i, i + 64))
          controller.close()
        }
      })
      const streamed = yield* send(new Request("http://hooks.test/webhooks/hookpay", {
        method: "POST",
        headers: big.headers,
        body: stream,
        duplex: "half"
      } as RequestInit))
      assert.strictEqual(streamed.status, 413)
      assert.strictEqual(yield* statusOf("re_1"), "Pending")
      // Within the limit it is accepted.
      const small = yield* send(post("/webhooks/hookpay", HookPay.delivery([HookPay.event("s", HookPay.refund({ status: "succeeded" }))])))
      assert.strictEqual(small.status, 200)
    })).pipe(Effect.provide(env)))

  it.live("verifies the raw bytes exactly as sent (whitespace, key order, non-ASCII)", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      yield* created("re_1")
      const body = `{\n  "events" : [ { "type": "refund.updated", "id": "raw1",\n "refund": {"id":"re_1","status":"succeeded","amount":1050,"currency":"USD","payment":"pay_1","merchant_refund_id":"ordre-\u00e9t\u00e9"} } ]  }\n\n`
      const bytes = new TextEncoder().encode(body)
      const response = yield* send(post("/webhooks/hookpay", { headers: { "x-hookpay-signature": HookPay.sign(body) }, body: bytes }))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(yield* statusOf("re_1"), "Succeeded")
    })).pipe(Effect.provide(env)))

  it.live("500 when the store fails, so the processor redelivers", () =>
    Effect.gen(function*() {
      const failing = Layer.effect(
        RefundStore.RefundStore,
        Effect.map(MemoryRefundStore.make, (store) => ({
          ...store,
          apply: () => Effect.fail(new RefundStore.StoreError({ operation: "apply", message: "connection reset" }))
        }))
      )
      yield* Effect.scoped(Effect.gen(function*() {
        const send = yield* routeHandler()
        const response = yield* send(post("/webhooks/hookpay", HookPay.delivery([HookPay.event("x", HookPay.refund({ status: "succeeded" }))])))
        assert.strictEqual(response.status, 500)
        assert.deepStrictEqual(yield* Effect.promise(() => response.json()), { error: "StoreUnavailable" })
      })).pipe(Effect.provide(Layer.mergeAll(HookPay.registryLayer(), failing, HookPay.processor().layer)))
    }))

  it.live("acknowledges only after the store has committed the delivery", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let committed = false
      const slow = Layer.effect(
        RefundStore.RefundStore,
        Effect.map(MemoryRefundStore.make, (store) => ({
          ...store,
          apply: (o: RefundStore.Observation) =>
            Deferred.await(gate).pipe(Effect.andThen(store.apply(o)), Effect.tap(() => Effect.sync(() => (committed = true))))
        }))
      )
      yield* Effect.scoped(Effect.gen(function*() {
        const send = yield* routeHandler()
        const fiber = yield* send(post("/webhooks/hookpay", HookPay.delivery([HookPay.event("g", HookPay.refund({ status: "succeeded" }))])))
          .pipe(Effect.forkChild)
        yield* Effect.sleep(50)
        assert.isUndefined(fiber.pollUnsafe(), "no answer while the write is pending")
        assert.isFalse(committed)
        yield* Deferred.succeed(gate, undefined)
        const response = yield* Fiber.join(fiber)
        assert.isTrue(committed)
        assert.strictEqual(response.status, 200)
      })).pipe(Effect.provide(Layer.mergeAll(HookPay.registryLayer(), slow, HookPay.processor().layer)))
    }))

  it.live("only POST is routed; /healthz answers ok", () =>
    Effect.scoped(Effect.gen(function*() {
      const send = yield* routeHandler()
      const get = yield* send(new Request("http://hooks.test/webhooks/hookpay"))
      assert.strictEqual(get.status, 404)
      const health = yield* send(new Request("http://hooks.test/healthz"))
      assert.strictEqual(health.status, 200)
      assert.strictEqual(yield* Effect.promise(() => health.text()), "ok")
    })).pipe(Effect.provide(env)))
})
