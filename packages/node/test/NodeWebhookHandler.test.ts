import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime } from "effect"
import { FetchHttpClient } from "effect/http"
import { MemoryRefundStore, RefundStore } from "@refract/core"
import { NodeWebhookHandler } from "@refract/node"
import * as HookPay from "./helpers/HookPay.ts"

const connectors = [
  { connector: HookPay.hookpay, options: HookPay.options() },
  { connector: HookPay.hookonly, options: HookPay.options() },
  { connector: HookPay.plainhook, options: { credentials: { apiKey: HookPay.apiKey } } }
]

const listen = async (listener: Parameters<typeof createServer>[1]) => {
  const server = createServer(NodeWebhookHandler.serverOptions(), listener!)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

const send = async (url: string, delivery: { headers: Readonly<Record<string, string>>; body: Uint8Array | string }, method = "POST") => {
  const response = await fetch(url, { method, headers: delivery.headers, body: method === "GET" ? null : delivery.body as string })
  return { status: response.status, body: await response.text() }
}

describe("NodeWebhookHandler (Promise receiver)", () => {
  it("handle(): verifies and stores a delivery; rejects a tampered one with a WebhookError", async () => {
    const webhooks = NodeWebhookHandler.make({ connectors })
    try {
      assert.deepStrictEqual(webhooks.misconfigured, [])
      const result = await webhooks.handle("hookpay", HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(result.outcomes.map((o) => o._tag), ["UnknownRefund"])
      assert.strictEqual((await webhooks.refund("hookpay", "re_1"))?.status, "Succeeded")
      const error = await webhooks.handle("hookpay", HookPay.delivery([HookPay.event("e2", HookPay.refund({ status: "succeeded" }))], { tamper: true }))
        .then(() => undefined, (e: unknown) => e as { _tag: string; httpStatus: number })
      assert.strictEqual(error?._tag, "WebhookError")
      assert.strictEqual(error?.httpStatus, 401)
      assert.strictEqual((await webhooks.history("hookpay", "re_1")).length, 1)
      const answer = await webhooks.respond("hookpay", HookPay.delivery([HookPay.event("e1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(answer, { status: 200, contentType: "application/json", body: "{\"received\":true}" })
    } finally {
      await webhooks.close()
    }
  })

  it("nodeListener on Node's own http server: acknowledgements, 401, 404, 405, 413, /healthz", async () => {
    const webhooks = NodeWebhookHandler.make({ connectors, maxBodyBytes: 4096 })
    const server = await listen(webhooks.nodeListener)
    try {
      const ok = await send(`${server.url}/webhooks/hookonly`, HookPay.delivery([HookPay.event("a1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(ok, { status: 200, body: "[accepted]" })
      assert.strictEqual((await webhooks.refund("hookonly", "re_1"))?.status, "Succeeded")
      const tampered = await send(`${server.url}/webhooks/hookpay`, HookPay.delivery([HookPay.event("t", HookPay.refund({ status: "succeeded" }))], { tamper: true }))
      assert.strictEqual(tampered.status, 401)
      assert.isUndefined(await webhooks.refund("hookpay", "re_1"))
      assert.deepStrictEqual(await send(`${server.url}/webhooks/nopay`, HookPay.delivery([])), { status: 404, body: "{\"error\":\"NotConfigured\"}" })
      assert.deepStrictEqual(await send(`${server.url}/elsewhere`, HookPay.delivery([])), { status: 404, body: "{\"error\":\"NotFound\"}" })
      assert.deepStrictEqual(await send(`${server.url}/webhooks/hookpay`, { headers: {}, body: "" }, "GET"), { status: 405, body: "{\"error\":\"MethodNotAllowed\"}" })
      const large = await send(`${server.url}/webhooks/hookpay`, { headers: {}, body: "x".repeat(10_000) })
      assert.strictEqual(large.status, 413)
      assert.deepStrictEqual(JSON.parse(large.body), { error: "PayloadTooLarge", message: "webhook bodies are limited to 4096 bytes" })
      assert.deepStrictEqual(await send(`${server.url}/healthz`, { headers: {}, body: "" }, "GET"), { status: 200, body: "ok" })
    } finally {
      await server.close()
      await webhooks.close()
    }
  })

  it("nodeListener takes its path pattern from the options; a pattern without :connector is refused", async () => {
    const webhooks = NodeWebhookHandler.make({ connectors, path: "/hooks/:connector/in" })
    const server = await listen(webhooks.nodeListener)
    try {
      const ok = await send(`${server.url}/hooks/hookonly/in`, HookPay.delivery([HookPay.event("p1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(ok, { status: 200, body: "[accepted]" })
      assert.strictEqual((await send(`${server.url}/webhooks/hookonly`, HookPay.delivery([]))).status, 404)
    } finally {
      await server.close()
      await webhooks.close()
    }
    assert.throws(() => NodeWebhookHandler.make({ connectors, path: "/hooks/:id" }), /:connector once/)
  })

  it("handleNode() inside your own routing, and the unsigned opt-in", async () => {
    const strict = NodeWebhookHandler.make({ connectors })
    const lenient = NodeWebhookHandler.make({ connectors, allowUnsigned: ["plainhook"] })
    const server = await listen((req, res) => {
      const target = req.url?.startsWith("/lenient") ? lenient : strict
      void target.handleNode(req, res, "plainhook")
    })
    try {
      const body = JSON.stringify({ events: [HookPay.event("p1", HookPay.refund({ status: "succeeded" }))] })
      const refused = await send(`${server.url}/strict`, { headers: { "content-type": "application/json" }, body })
      assert.strictEqual(refused.status, 401)
      assert.match(refused.body, /allowUnsigned/)
      const accepted = await send(`${server.url}/lenient`, { headers: { "content-type": "application/json" }, body })
      assert.strictEqual(accepted.status, 204)
      assert.strictEqual((await lenient.refund("plainhook", "re_1"))?.status, "Succeeded")
    } finally {
      await server.close()
      await strict.close()
      await lenient.close()
    }
  })

  it("a misconfigured connector is reported at start without its secret; the others keep working, its deliveries get 503", async () => {
    const secret = "not-a-whsec-VALUE-12345"
    const reported: Array<NodeWebhookHandler.Misconfigured> = []
    const webhooks = NodeWebhookHandler.make({
      connectors: [
        { connector: HookPay.hookpay, options: HookPay.options() },
        { connector: HookPay.hookonly, options: HookPay.options({ webhookSecrets: { signingSecret: secret } }) }
      ],
      onMisconfigured: (problem) => reported.push(problem)
    })
    const server = await listen(webhooks.nodeListener)
    try {
      assert.deepStrictEqual(reported.map((p) => p.connector), ["hookonly"], "reported when made, before any delivery")
      assert.deepStrictEqual(webhooks.misconfigured, reported)
      assert.include(reported[0]!.message, "signingSecret is malformed")
      assert.notInclude(reported[0]!.message, secret)

      const good = await send(`${server.url}/webhooks/hookpay`, HookPay.delivery([HookPay.event("g1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(good, { status: 200, body: "{\"received\":true}" })
      assert.strictEqual((await webhooks.refund("hookpay", "re_1"))?.status, "Succeeded")

      const broken = await send(`${server.url}/webhooks/hookonly`, HookPay.delivery([HookPay.event("b1", HookPay.refund({ status: "succeeded" }))]))
      assert.deepStrictEqual(broken, { status: 503, body: "{\"error\":\"NotConfigured\"}" })
      assert.isUndefined(await webhooks.refund("hookonly", "re_1"))
      const answer = await webhooks.respond("hookonly", HookPay.delivery([]))
      assert.deepStrictEqual(answer, { status: 503, contentType: "application/json", body: "{\"error\":\"NotConfigured\"}" })
      const error = await webhooks.handle("hookonly", HookPay.delivery([])).then(() => undefined, (e: unknown) => e as { reason: { _tag: string }; message: string })
      assert.strictEqual(error?.reason._tag, "NotConfigured")
      assert.notInclude(error?.message ?? "", secret)
    } finally {
      await server.close()
      await webhooks.close()
    }
  })

  it("a store that cannot start answers 503 Unavailable (logged), never a silent 500", async () => {
    const failing = Layer.effect(RefundStore.RefundStore, Effect.fail(new RefundStore.StoreError({ operation: "connect", message: "connection refused" })))
    const webhooks = NodeWebhookHandler.make({ connectors, store: failing })
    const server = await listen(webhooks.nodeListener)
    try {
      const delivery = HookPay.delivery([HookPay.event("s1", HookPay.refund({ status: "succeeded" }))])
      assert.deepStrictEqual(await send(`${server.url}/webhooks/hookpay`, delivery), { status: 503, body: "{\"error\":\"Unavailable\"}" })
      assert.deepStrictEqual(await webhooks.respond("hookpay", delivery), { status: 503, contentType: "application/json", body: "{\"error\":\"Unavailable\"}" })
    } finally {
      await server.close()
      await webhooks.close().catch(() => undefined)
    }
  })

  it("fromRuntime() serves with an application's own runtime (and leaves it running on close)", async () => {
    const runtime = ManagedRuntime.make(Layer.mergeAll(HookPay.registryLayer(), MemoryRefundStore.layer, FetchHttpClient.layer))
    const webhooks = NodeWebhookHandler.NodeWebhookHandler.fromRuntime(runtime)
    const server = await listen(webhooks.nodeListener)
    try {
      const ok = await send(`${server.url}/webhooks/hookpay`, HookPay.delivery([HookPay.event("r1", HookPay.refund({ status: "succeeded" }))]))
      assert.strictEqual(ok.status, 200)
      await server.close()
      await webhooks.close()
      const stored = await runtime.runPromise(Effect.gen(function*() {
        const store = yield* RefundStore.RefundStore
        return yield* store.get({ connector: "hookpay", connectorRefundId: "re_1" })
      }))
      assert.strictEqual(stored._tag, "Some", "the runtime still serves after the receiver closed")
    } finally {
      await runtime.dispose()
    }
  })
})
