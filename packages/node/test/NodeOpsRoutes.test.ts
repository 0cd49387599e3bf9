import { assert, describe, it } from "@effect/vitest"
import { ConnectorRegistry, MemoryRefundStore, RefundStore, RefundTracker } from "@refract/core"
import { NodeWebhookServer } from "@refract/node"
import { Effect, Layer } from "effect"
import * as HookPay from "./helpers/HookPay.ts"

/** A memory store whose reads fail while `down.value` is true (a database that went away). */
const flakyStore = (down: { value: boolean }) =>
  Layer.effect(
    RefundStore.RefundStore,
    Effect.map(MemoryRefundStore.make, (store) =>
      RefundStore.RefundStore.of({
        ...store,
        get: (key) =>
          down.value
            ? Effect.fail(new RefundStore.StoreError({ operation: "get", message: "connect ECONNREFUSED db.internal:5432 user=refract" }))
            : store.get(key)
      }))
  )

const server = (
  options: NodeWebhookServer.Options,
  registry: Layer.Layer<ConnectorRegistry.ConnectorRegistry, unknown> = HookPay.registryLayer()
) =>
  NodeWebhookServer.layer({ port: 0, host: "127.0.0.1", tracker: { initialDelay: "10 seconds" }, ...options }).pipe(
    Layer.provide(Layer.mergeAll(registry, HookPay.processor().layer))
  )

const get = (url: string, method = "GET") =>
  Effect.promise(async () => {
    const response = await fetch(url, { method })
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      cache: response.headers.get("cache-control"),
      body: await response.text()
    }
  })

describe("NodeOpsRoutes on NodeWebhookServer", () => {
  it.live("/metrics is Prometheus text with Refract's metrics; /healthz is liveness; neither is a webhook path", () => {
    const down = { value: false }
    return Effect.gen(function*() {
      const info = yield* NodeWebhookServer.NodeWebhookServer
      const tracker = yield* RefundTracker.RefundTracker
      yield* tracker.create("hookpay", { merchantRefundId: "ops-1", connectorTransactionId: "pay_ops", amount: { amount: 100, currency: "USD" } })

      const metrics = yield* get(`${info.url}/metrics`)
      assert.strictEqual(metrics.status, 200)
      assert.strictEqual(metrics.type, "text/plain; version=0.0.4; charset=utf-8")
      assert.strictEqual(metrics.cache, "no-store")
      assert.match(metrics.body, /^# TYPE refract_requests_total counter$/m)
      assert.match(metrics.body, /^refract_requests_total\{[^}]*connector="hookpay"[^}]*operation="create"[^}]*outcome="ok"[^}]*\} [1-9]\d*$/m)
      assert.match(metrics.body, /^refract_operation_duration_ms_bucket\{[^}]*le="\+Inf"[^}]*\} [1-9]\d*$/m)
      assert.notInclude(metrics.body, HookPay.signingSecret)

      assert.deepInclude(yield* get(`${info.url}/healthz`), { status: 200, body: "ok" })
      // The webhook path takes POST only; the ops paths are not connectors.
      assert.strictEqual((yield* get(`${info.url}/webhooks/metrics`)).status, 405)
      assert.strictEqual((yield* get(`${info.url}/metrics`, "POST")).status, 404)
    }).pipe(Effect.provide(server({ store: flakyStore(down) })))
  })

  it.live("/readyz: 200 with the store answering and connectors registered, 503 when the store is down, without its error text", () => {
    const down = { value: false }
    return Effect.gen(function*() {
      const info = yield* NodeWebhookServer.NodeWebhookServer
      const ready = yield* get(`${info.url}/readyz`)
      assert.strictEqual(ready.status, 200)
      assert.strictEqual(ready.type, "application/json")
      assert.deepStrictEqual(JSON.parse(ready.body), {
        status: "ready",
        checks: { store: "ok", connectors: "ok" },
        connectors: ["hookonly", "hookpay", "plainhook", "slowpay"]
      })

      down.value = true
      const notReady = yield* get(`${info.url}/readyz`)
      assert.strictEqual(notReady.status, 503)
      assert.deepStrictEqual(JSON.parse(notReady.body).checks, { store: "unreachable", connectors: "ok" })
      assert.notInclude(notReady.body, "db.internal")
      assert.deepInclude(yield* get(`${info.url}/healthz`), { status: 200, body: "ok" }, "liveness does not depend on the store")

      down.value = false
      assert.strictEqual((yield* get(`${info.url}/readyz`)).status, 200, "ready again once the store answers")
    }).pipe(Effect.provide(server({ store: flakyStore(down) })))
  })

  it.live("/readyz is 503 with no connector registered; ops: false leaves both routes out", () =>
    Effect.gen(function*() {
      const empty = yield* Effect.scoped(Effect.gen(function*() {
        const info = yield* NodeWebhookServer.NodeWebhookServer
        return yield* get(`${info.url}/readyz`)
      }).pipe(Effect.provide(server({}, ConnectorRegistry.ConnectorRegistry.layer))))
      assert.strictEqual(empty.status, 503)
      assert.deepStrictEqual(JSON.parse(empty.body).checks, { store: "ok", connectors: "none" })

      const off = yield* Effect.scoped(Effect.gen(function*() {
        const info = yield* NodeWebhookServer.NodeWebhookServer
        return [(yield* get(`${info.url}/metrics`)).status, (yield* get(`${info.url}/readyz`)).status]
      }).pipe(Effect.provide(server({ ops: false }))))
      assert.deepStrictEqual(off, [404, 404])
    }))
})
